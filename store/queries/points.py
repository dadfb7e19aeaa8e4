"""Point rows as pages show them: the shared columns and joins, and each point's mapped principles."""

from __future__ import annotations

from store.db import Database
from store.queries._sql import all_rows, ids_json, one_row
from store.titles import derive_title

SENTIMENTS = ("negative", "neutral", "positive")


POINT_TYPES = ("concern", "suggestion", "question", "support", "experience", "information")


POINT_COLS = """p.id, p.response_id, p.text_hash, p.clean_text, p.start, p."end", r.author, r.organisation,
    r.respondent_type, r.source_id, s.name AS source, COALESCE(NULLIF(s.title, ''), s.name) AS source_title, pa.theme_id, t.label AS theme_label, pa.theme_score,
    pa.sentiment, pa.type, pa.no_principle, pa.language"""


POINT_JOINS = """JOIN responses r ON r.id = p.response_id JOIN sources s ON s.id = p.source_id
    LEFT JOIN point_analysis pa ON pa.point_id = p.id LEFT JOIN themes t ON t.id = pa.theme_id"""


POINT_FROM = "points p " + POINT_JOINS


THEME_FROM = """point_analysis pa JOIN points p ON p.id = pa.point_id JOIN responses r ON r.id = p.response_id
    JOIN sources s ON s.id = p.source_id LEFT JOIN themes t ON t.id = pa.theme_id"""


def attach_principles(db: Database, rows: list[dict]) -> list[dict]:
    """Add ``principles``: [{id, code, text, score, verdict}] (verdict from analyst feedback) to points."""
    by_point: dict[int, list[dict]] = {r["id"]: [] for r in rows}
    if not rows:
        return rows
    for m in all_rows(
        db,
        """SELECT pp.point_id, pr.id, pr.code, pr.text, pr.title, pp.score, mf.verdict
           FROM point_principles pp JOIN principles pr ON pr.id = pp.principle_id
           JOIN points p ON p.id = pp.point_id
           LEFT JOIN mapping_feedback mf ON mf.point_hash = p.text_hash AND mf.principle_id = pr.id
           WHERE pp.point_id IN (SELECT value FROM json_each(?)) AND pp.mapped = 1
           ORDER BY pp.point_id, pp.rank""",
        [ids_json(by_point)],
    ):
        m["title"] = m["title"] or derive_title(m["text"])
        by_point[m.pop("point_id")].append(m)
    rejected = all_rows(
        db,
        """SELECT p.id AS point_id, pr.id, pr.code, pr.text, mf.verdict FROM mapping_feedback mf
           JOIN points p ON p.text_hash = mf.point_hash JOIN principles pr ON pr.id = mf.principle_id
           WHERE p.id IN (SELECT value FROM json_each(?)) AND mf.verdict = 'reject'""",
        [ids_json(by_point)],
    )
    for r in rows:
        r["principles"] = by_point[r["id"]]
        r["rejected"] = [x for x in rejected if x["point_id"] == r["id"]]
    return rows


def point(db: Database, point_id: int) -> dict | None:
    return one_row(db, f"SELECT {POINT_COLS} FROM {POINT_FROM} WHERE p.id = ?", [point_id])
