"""The export contract, checked in the project's own code (fields, offsets, nesting, ordering)."""

from __future__ import annotations

import json
import re
from pathlib import Path

RESPONSE_FIELDS = {
    "id",
    "source",
    "start",
    "end",
    "text",
    "role",
    "author",
    "organisation",
    "respondent_type",
    "reply_to",
    "truncated",
    "duplicate_group",
}
POINT_FIELDS = {"id", "response_id", "source", "start", "end", "text"}
ANALYSED_POINT_FIELDS = POINT_FIELDS | {"theme", "sentiment", "type", "principles", "mapped", "confirmed"}
PRINCIPLE_FIELDS = {"id", "text", "component"}
WORD = re.compile(r"[A-Za-z]{3,}")


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def contract_problems(out: Path, sources: dict[str, str], analysed: bool = False) -> list[str]:
    problems: list[str] = []
    responses = {r["id"]: r for r in load(out / "responses.jsonl")}
    points = load(out / "points.jsonl")
    principles = {p["id"] for p in load(out / "principles.jsonl")}
    for p in load(out / "principles.jsonl"):
        if PRINCIPLE_FIELDS - p.keys():
            problems.append(f"principle {p.get('id')} lacks {PRINCIPLE_FIELDS - p.keys()}")
    for kind, records, fields in (
        ("response", responses.values(), RESPONSE_FIELDS),
        ("point", points, ANALYSED_POINT_FIELDS if analysed else POINT_FIELDS),
    ):
        for r in records:
            if fields - r.keys():
                problems.append(f"{kind} {r.get('id')} lacks {sorted(fields - r.keys())}")
                continue
            src = sources.get(r["source"])
            if src is None:
                continue
            if not (0 <= r["start"] < r["end"] <= len(src)):
                problems.append(f"{kind} {r['id']} offsets outside source")
                continue
            words = WORD.findall(r["text"])
            span = src[r["start"] : r["end"]]
            if words and sum(w in span for w in words) / len(words) < 0.8:
                problems.append(f"{kind} {r['id']} text does not match its span")
            if kind == "point":
                parent = responses[r["response_id"]]
                if not (parent["start"] <= r["start"] and r["end"] <= parent["end"]):
                    problems.append(f"point {r['id']} outside its response")
                if analysed:
                    scores = [x["score"] for x in r["principles"]]
                    if scores != sorted(scores, reverse=True):
                        problems.append(f"point {r['id']} principles not best first")
                    if any(x["id"] not in principles for x in r["principles"]):
                        problems.append(f"point {r['id']} names an unknown principle")
                    if len(r["principles"]) > 5:
                        problems.append(f"point {r['id']} ranks more than 5 principles")
                    if any(x not in principles for x in r["mapped"]) or not set(r["confirmed"]) <= set(
                        r["mapped"]
                    ):
                        problems.append(
                            f"point {r['id']} mapped/confirmed name unknown or unmapped principles"
                        )
    return problems
