"""Importing and exporting a coding: analyst verdicts on (point, principle) pairs.

A row finds its point(s) by the first locator it carries that matches:

1. ``source`` (the file name as ingested) with ``start`` and/or ``end``: the point of that source
   whose span holds the whole of ``start``–``end`` (character offsets into the source text);
2. ``text``: points whose text equals it (clean text or raw text, spacing ignored);
3. ``response_id``: the source's own respondent id (``responses.meta.respondent_id``, e.g. a
   spreadsheet's id column): every point of that respondent's answer. When the respondent answered
   several questions, the principle's framework question (or a ``question`` column, or ``source``)
   must say which answer is meant.

then its principle by ``principle`` (code such as ``4.10``, exact text or short title; a
``framework`` column, or the point's question, settles a code several frameworks share) and its
``verdict`` (``confirm``, the default, or ``reject``). Every matched row goes through
``store.edits.review_mapping`` (audited, replayed on later runs, teaching the mapper), all in one
transaction; rows that match nothing are reported with their row number and change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlite_utils

from store.edits import review_many
from store.vocabulary import resolve_principle

VERDICTS = {
    "": "confirm",
    "confirm": "confirm",
    "confirmed": "confirm",
    "reject": "reject",
    "rejected": "reject",
}


@dataclass
class LabelReport:
    rows: int = 0
    matched: list[tuple[int, int]] = field(default_factory=list)  # (row number, points it applied to)
    unmatched: list[tuple[int, str]] = field(default_factory=list)  # (row number, why)
    edits: int = 0


@dataclass
class _Candidate:
    point_id: int
    text_hash: str
    question: str | None
    source: str
    response_id: int


def _norm(text: str | None) -> str:
    return " ".join(str(text or "").split()).casefold()


def _int(value: str) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


class _Locator:
    """Finds points for a row; the text and respondent-id indexes are built on first use."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._by_text: dict[str, list[_Candidate]] | None = None
        self._by_rid: dict[str, list[_Candidate]] | None = None

    def _all(self) -> list[tuple[_Candidate, str, str, str]]:
        rows = self.db.execute(
            """SELECT p.id, p.text_hash, r.question, s.name, p.response_id, p.clean_text, p.text,
                      CAST(json_extract(r.meta, '$.respondent_id') AS TEXT)
               FROM points p JOIN responses r ON r.id = p.response_id JOIN sources s ON s.id = p.source_id
               ORDER BY p.id"""
        ).fetchall()
        return [(_Candidate(*r[:5]), r[5], r[6], r[7]) for r in rows]

    def _build(self) -> None:
        self._by_text, self._by_rid = {}, {}
        for cand, clean, raw, rid in self._all():
            for key in {_norm(clean), _norm(raw)}:
                self._by_text.setdefault(key, []).append(cand)
            if rid not in (None, ""):
                self._by_rid.setdefault(str(rid).strip(), []).append(cand)

    def by_span(self, source: str, start: int | None, end: int | None) -> list[_Candidate]:
        lo = start if start is not None else end - 1
        hi = end if end is not None else start + 1
        rows = self.db.execute(
            """SELECT p.id, p.text_hash, r.question, s.name, p.response_id FROM points p
               JOIN sources s ON s.id = p.source_id JOIN responses r ON r.id = p.response_id
               WHERE s.name = ? AND p.start <= ? AND p."end" >= ? ORDER BY p.id""",
            [source, lo, hi],
        ).fetchall()
        return [_Candidate(*r) for r in rows]

    def by_text(self, text: str) -> list[_Candidate]:
        if self._by_text is None:
            self._build()
        return list(self._by_text.get(_norm(text), []))

    def by_respondent(self, rid: str) -> list[_Candidate]:
        if self._by_rid is None:
            self._build()
        return list(self._by_rid.get(rid.strip(), []))

    def locate(self, row: dict[str, str]) -> tuple[list[_Candidate], str, str]:
        """(candidates, locator used, why none) for a row."""
        source, text, rid = row.get("source", ""), row.get("text", ""), row.get("response_id", "")
        start, end = _int(row.get("start", "")), _int(row.get("end", ""))
        why = ""
        if source and (start is not None or end is not None):
            if start is not None and end is not None and end <= start:
                why = f"end {end} is not after start {start}"
            else:
                found = self.by_span(source, start, end)
                if found:
                    return found, "span", ""
                why = f"no point of source {source!r} holds offsets {start}–{end}"
        if text:
            found = self.by_text(text)
            if found:
                return found, "text", ""
            why = why or "no point has exactly this text"
        if rid:
            found = self.by_respondent(rid)
            if source:
                found = [c for c in found if c.source == source]
            if found:
                return found, "response_id", ""
            why = why or f"no response with id {rid!r}" + (f" in source {source!r}" if source else "")
        return [], "", why or "no locator: give source with start/end, text, or response_id"


def _frameworks(db: sqlite_utils.Database) -> list[tuple[int, str, str | None]]:
    return [tuple(r) for r in db.execute("SELECT id, name, question FROM frameworks ORDER BY id")]


def _applicable(fws, questions: set, name: str) -> list[int]:
    """Frameworks a row may mean: the named one, else those for the points' question(s), else general."""
    if name:
        return [fid for fid, fname, _ in fws if _norm(fname) == _norm(name)]
    own = [fid for fid, _, q in fws if q and _norm(q) in {_norm(x) for x in questions if x}]
    return own or [fid for fid, _, q in fws if not q]


def plan(db: sqlite_utils.Database, rows: list[tuple[int, dict[str, str]]]):
    """Match rows to (point, principle, verdict) triples without writing: (triples, report)."""
    report = LabelReport(rows=len(rows))
    locator = _Locator(db)
    fws = _frameworks(db)
    fw_question = {fid: q for fid, _, q in fws}
    principle_fw = dict(db.execute("SELECT id, framework_id FROM principles").fetchall())
    triples: list[tuple[int, int, str]] = []
    for n, row in rows:
        verdict = VERDICTS.get(row.get("verdict", "").strip().lower())
        if verdict is None:
            report.unmatched.append((n, f"verdict must be confirm or reject, not {row.get('verdict')!r}"))
            continue
        if row.get("framework") and not _applicable(fws, set(), row["framework"]):
            report.unmatched.append((n, f"no framework named {row['framework']!r}"))
            continue
        cands, how, why = locator.locate(row)
        if not cands:
            report.unmatched.append((n, why))
            continue
        allowed = _applicable(fws, {c.question for c in cands}, row.get("framework", ""))
        prid, why = resolve_principle(db, row.get("principle", ""), allowed)
        if prid is None:
            report.unmatched.append((n, why))
            continue
        wanted = row.get("question") or fw_question.get(principle_fw[prid])
        if wanted and how == "response_id":
            cands = [c for c in cands if _norm(c.question) == _norm(wanted)]
            if not cands:
                report.unmatched.append((n, f"respondent {row['response_id']!r} did not answer {wanted!r}"))
                continue
        if how == "response_id" and len({c.response_id for c in cands}) > 1:
            qs = len({_norm(c.question) for c in cands})
            report.unmatched.append(
                (
                    n,
                    f"response_id {row['response_id']!r} matches {qs} answers; add a question or source column",
                )
            )
            continue
        by_hash: dict[str, int] = {}
        for c in cands:
            by_hash.setdefault(c.text_hash, c.point_id)
        triples.extend((pid, prid, verdict) for pid in by_hash.values())
        report.matched.append((n, len(by_hash)))
    return triples, report


def import_labels(db: sqlite_utils.Database, rows: list[tuple[int, dict[str, str]]], who: str) -> LabelReport:
    """Apply every row that matches, in one transaction; report matched and unmatched rows."""
    triples, report = plan(db, rows)
    if triples:
        report.edits = len(review_many(db, triples, who))
    return report


def export_labels(db: sqlite_utils.Database) -> list[dict]:
    """Every verdict as an importable row (the point's source span, text and respondent id)."""
    out = []
    cur = db.execute(
        """SELECT mf.point_text, mf.verdict, mf.who, mf.at, pr.code, f.name AS framework,
                  s.name AS source, p.start, p."end", p.clean_text, r.question,
                  json_extract(r.meta, '$.respondent_id') AS respondent_id
           FROM mapping_feedback mf JOIN principles pr ON pr.id = mf.principle_id
           JOIN frameworks f ON f.id = pr.framework_id
           LEFT JOIN points p ON p.id = (SELECT MIN(x.id) FROM points x WHERE x.text_hash = mf.point_hash)
           LEFT JOIN responses r ON r.id = p.response_id LEFT JOIN sources s ON s.id = p.source_id
           ORDER BY mf.id"""
    )
    cols = [c[0] for c in cur.description]
    for values in cur.fetchall():
        r = dict(zip(cols, values, strict=True))
        out.append(
            {
                "source": r["source"],
                "start": r["start"],
                "end": r["end"],
                "response_id": r["respondent_id"],
                "question": r["question"],
                "text": r["clean_text"] or r["point_text"],
                "framework": r["framework"],
                "principle": r["code"],
                "verdict": r["verdict"],
                "who": r["who"],
                "at": r["at"],
            }
        )
    return out


def verdict_set(db: sqlite_utils.Database) -> set[tuple[str, int, str]]:
    """(point hash, principle id, verdict) of every verdict: what a round trip must keep."""
    return {tuple(r) for r in db.execute("SELECT point_hash, principle_id, verdict FROM mapping_feedback")}
