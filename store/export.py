"""The JSONL export: the stable, documented interface other tools script against.

Files: ``responses.jsonl``, ``points.jsonl``, ``principles.jsonl`` and, once analysis has run,
``themes.jsonl``. Every response and point carries ``id``, ``source`` (file name), ``start``,
``end`` (Python str offsets into the source text) and ``text`` (the displayed text: normalised,
personal data redacted; a person's name in ``author`` is "[name]"). Fields are only ever added, never renamed.

A response carries ``respondent`` (who wrote it, by the count model of ``store.counts``; null for an
anonymous response, which is its own respondent) and ``counted`` (whether it counts as a response
to the consultation: quotes printed inside a framework, moderator notices and opening posts do not).
A point carries ``principles``, the mapper's ranked suggestions ``[{id, score}]`` best first (up to
five, whatever the decision), ``mapped`` (the principle ids that count: the mapping decision after
analyst verdicts) and ``confirmed`` (the mapped ids an analyst confirmed). A response also carries
its ``reference`` (source title, comment number or row, date and URL when known, permalink) and a
``cite`` line (``store.citations``). After analysis a point carries its detected ``language`` and
``sentiment_measured``: false for languages the tagger was not evaluated on (``nlp.language.
tags_measured``), whose ``sentiment`` and ``type`` are then null.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from ingest.names import public_author
from nlp.language import tags_measured
from store.citations import cite_line, references
from store.counts import CONFIRMED
from store.queries.runs import run_id
from store.scope import scope_of

RESPONSE_SQL = """
SELECT r.id, s.name AS source, r.start, r."end", r.clean_text AS text, r.role, r.author, r.organisation,
       r.respondent_type, r.org_kind, r.reply_to, r.truncated, r.duplicate_group, g.kind AS duplicate_kind,
       g.size AS duplicate_size, r.question, r.section, r.boundary_confidence, c.name AS consultation,
       r.respondent_key AS respondent, r.role = 'stakeholder' AS counted
FROM responses r JOIN sources s ON s.id = r.source_id JOIN consultations c ON c.id = s.consultation_id
LEFT JOIN duplicate_groups g ON g.id = r.duplicate_group
WHERE ? IS NULL OR s.consultation_id = ?
ORDER BY r.id
"""

POINT_SQL = """
SELECT p.id, p.response_id, s.name AS source, p.start, p."end", p.clean_text AS text, p.idx,
       r.organisation, r.role, r.question,
       pa.theme_id AS theme, t.label AS theme_label, pa.sentiment, pa.type, pa.no_principle, pa.language
FROM points p JOIN responses r ON r.id = p.response_id JOIN sources s ON s.id = p.source_id
LEFT JOIN point_analysis pa ON pa.point_id = p.id
LEFT JOIN themes t ON t.id = pa.theme_id
WHERE ? IS NULL OR s.consultation_id = ?
ORDER BY p.id
"""

PRINCIPLE_SQL = """
SELECT pr.id, pr.code, pr.text, c.name AS component, c.headline AS component_headline, pr.kind,
       c.is_annex, f.name AS framework, f.id AS framework_id, f.question
FROM principles pr JOIN components c ON c.id = pr.component_id JOIN frameworks f ON f.id = pr.framework_id
WHERE ? IS NULL OR f.consultation_id = ?
ORDER BY f.id, c.idx, pr.idx
"""

THEME_SQL = """
SELECT t.id, t.label, t.auto_label, t.keywords, t.size, t.level, t.parent_id, t.signed_off_by, t.run_id
FROM themes t WHERE t.run_id = ? ORDER BY t.level DESC, t.size DESC, t.id
"""


def _rows(db: sqlite_utils.Database, sql: str, params: list | None = None) -> Iterator[dict]:
    cur = db.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    for row in cur:
        yield dict(zip(cols, row, strict=True))


def _principles_by_point(db: sqlite_utils.Database) -> dict[int, dict[str, list]]:
    """Per point: ``principles`` (model ranking, best first), ``mapped`` and ``confirmed`` ids."""
    out: dict[int, dict[str, list]] = {}
    for pid, prid, score, mapped, origin, confirmed in db.execute(
        f"""SELECT pp.point_id, pp.principle_id, pp.score, pp.mapped, pp.origin, {CONFIRMED}
            FROM point_principles pp ORDER BY pp.point_id, pp.origin = 'analyst', pp.rank"""
    ):
        rec = out.setdefault(pid, {"principles": [], "mapped": [], "confirmed": []})
        if origin == "model":
            rec["principles"].append({"id": prid, "score": round(score, 4)})
        if mapped:
            rec["mapped"].append(prid)
            if confirmed:
                rec["confirmed"].append(prid)
    for rec in out.values():  # best first even where scores tie across ranks
        rec["principles"].sort(key=lambda x: -x["score"])
    return out


def export_jsonl(db: sqlite_utils.Database, out_dir: str | Path) -> dict[str, int]:
    """Write the export files into ``out_dir``; return the record count per file."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    run = run_id(db)
    scope = [scope_of(db)] * 2  # the connection's consultation (store.scope), or everything

    def write(name: str, records: Iterator[dict]) -> None:
        n = 0
        tmp = out / (name + ".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            for rec in records:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
                n += 1
        tmp.replace(out / name)
        counts[name] = n

    def responses() -> Iterator[dict]:
        batch: list[dict] = []

        def flush() -> Iterator[dict]:
            refs = references(db, [r["id"] for r in batch])
            for r in batch:
                ref = refs[r["id"]]
                r["reference"] = {
                    k: v
                    for k, v in ref.as_dict().items()
                    if k in ("source_title", "number", "date", "url", "permalink")
                }
                r["cite"] = cite_line(ref)
                yield r
            batch.clear()

        for r in _rows(db, RESPONSE_SQL, scope):
            r["author"] = public_author(r["author"])
            r["truncated"] = bool(r["truncated"])
            r["counted"] = bool(r["counted"])
            batch.append(r)
            if len(batch) == 1000:
                yield from flush()
        yield from flush()

    def points() -> Iterator[dict]:
        principles = _principles_by_point(db) if run else {}
        for p in _rows(db, POINT_SQL, scope):
            if run:
                rec = principles.get(p["id"], {})
                p["principles"] = rec.get("principles", [])
                p["mapped"] = rec.get("mapped", [])
                p["confirmed"] = rec.get("confirmed", [])
                p["no_principle"] = bool(p["no_principle"])
                # the tagger was evaluated on English only: elsewhere its guess is not passed on
                p["sentiment_measured"] = tags_measured(p["language"])
                if not p["sentiment_measured"]:
                    p["sentiment"] = p["type"] = None
            else:
                for k in ("theme", "theme_label", "sentiment", "type", "no_principle", "language"):
                    p.pop(k)
            yield p

    def principles() -> Iterator[dict]:
        for p in _rows(db, PRINCIPLE_SQL, scope):
            p["is_annex"] = bool(p["is_annex"])
            yield p

    write("responses.jsonl", responses())
    write("points.jsonl", points())
    write("principles.jsonl", principles())
    if run:

        def themes() -> Iterator[dict]:
            for t in _rows(db, THEME_SQL, [run]):
                t["keywords"] = json.loads(t["keywords"])
                yield t

        write("themes.jsonl", themes())
    return counts
