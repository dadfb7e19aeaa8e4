"""Read queries the summary-of-responses report (``reports/``) needs besides the counts of ``store.counts``.

Only consultation responses (role ``stakeholder``) are read: quotes printed inside a framework,
moderator notices and blog posts never reach the report. Lists come back as plain dicts.
"""

from __future__ import annotations

import json

import sqlite_utils

from store.citations import DATE_KEYS
from store.counts import QUESTION, RESPONDENT, STAKEHOLDER


def _all(db: sqlite_utils.Database, sql: str, params: list | tuple = ()) -> list[dict]:
    cur = db.execute(sql, list(params))
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def current_run(db: sqlite_utils.Database) -> dict | None:
    """The newest finished analysis run (id, finished_at, embedder), or None."""
    rows = _all(
        db,
        "SELECT id, started_at, finished_at, embedder FROM analysis_runs WHERE status = 'done' ORDER BY id DESC LIMIT 1",
    )
    return rows[0] if rows else None


def consultations(db: sqlite_utils.Database) -> list[str]:
    """Names of the consultations that have responses, most responses first."""
    return [
        r[0]
        for r in db.execute(
            f"""SELECT c.name FROM consultations c JOIN sources s ON s.consultation_id = c.id
                JOIN responses r ON r.source_id = s.id WHERE {STAKEHOLDER}
                GROUP BY c.id ORDER BY COUNT(*) DESC, c.id"""
        )
    ]


def date_values(db: sqlite_utils.Database) -> list[str]:
    """Every date a response's metadata gives (raw text, any format)."""
    keys = json.dumps(list(DATE_KEYS))
    return [
        str(v)
        for (v,) in db.execute(
            f"""SELECT je.value FROM responses r, json_each(r.meta) je
                WHERE {STAKEHOLDER} AND lower(je.key) IN (SELECT value FROM json_each(?))
                  AND je.value IS NOT NULL AND je.value != ''""",
            [keys],
        )
    ]


def framework_outline(db: sqlite_utils.Database) -> list[dict]:
    """Frameworks with their components and principles, in document order."""
    fws = _all(db, "SELECT id, name, question FROM frameworks ORDER BY id")
    for fw in fws:
        fw["components"] = _all(
            db,
            "SELECT id, idx, name, headline, is_annex FROM components WHERE framework_id = ? ORDER BY idx, id",
            [fw["id"]],
        )
        for c in fw["components"]:
            c["principles"] = _all(
                db,
                "SELECT id, code, title, text FROM principles WHERE component_id = ? ORDER BY idx, id",
                [c["id"]],
            )
    return fws


def themes(db: sqlite_utils.Database, run_id: int) -> list[dict]:
    """The run's themes (level 0) and broader groups (level 1): id, label, parent_id, level."""
    return _all(
        db, "SELECT id, label, parent_id, level FROM themes WHERE run_id = ? ORDER BY level, id", [run_id]
    )


def points(db: sqlite_utils.Database, run_id: int) -> list[dict]:
    """Every consultation point of the run with who wrote it, its question and tags (quote candidates)."""
    rows = _all(
        db,
        f"""SELECT p.id, p.response_id, p.clean_text, {QUESTION} AS question, r.author, r.organisation,
                   r.respondent_type, {RESPONDENT} AS respondent, r.meta, s.title AS source_title,
                   s.format, pa.theme_id, pa.theme_score, pa.sentiment
            FROM points p JOIN responses r ON r.id = p.response_id JOIN sources s ON s.id = r.source_id
            JOIN point_analysis pa ON pa.point_id = p.id
            WHERE pa.run_id = ? AND {STAKEHOLDER} ORDER BY p.id""",
        [run_id],
    )
    return _with_meta(rows)


def mapped_pairs(db: sqlite_utils.Database, run_id: int) -> list[dict]:
    """The run's mapped (point, principle) pairs of consultation points: score and rank included."""
    return _all(
        db,
        f"""SELECT pp.point_id, pp.principle_id, pr.component_id, pp.score, pp.rank
            FROM point_principles pp JOIN principles pr ON pr.id = pp.principle_id
            JOIN point_analysis pa ON pa.point_id = pp.point_id JOIN points p ON p.id = pp.point_id
            JOIN responses r ON r.id = p.response_id
            WHERE pp.mapped = 1 AND pa.run_id = ? AND {STAKEHOLDER} ORDER BY pp.point_id, pp.rank""",
        [run_id],
    )


def stored_quotes(db: sqlite_utils.Database, run_id: int) -> dict[tuple[str, int], list[int]]:
    """The quotes the analysis chose per theme, principle and component: (kind, id) -> point ids, best first."""
    out: dict[tuple[str, int], list[int]] = {}
    for kind, target, pid in db.execute(
        "SELECT kind, target_id, point_id FROM summary_quotes WHERE run_id = ? ORDER BY kind, target_id, rank",
        [run_id],
    ):
        out.setdefault((kind, target), []).append(pid)
    return out


def organisation_responses(db: sqlite_utils.Database) -> list[dict]:
    """One row per consultation response from an organisation: respondent key, name, type, metadata."""
    rows = _all(
        db,
        f"""SELECT r.respondent_key AS respondent, r.organisation, r.respondent_type, r.meta
            FROM responses r WHERE {STAKEHOLDER} AND r.respondent_key LIKE 'org:%'
            ORDER BY r.organisation COLLATE NOCASE, r.id""",
    )
    return _with_meta(rows)


def _with_meta(rows: list[dict]) -> list[dict]:
    """The rows with their ``meta`` JSON parsed (an unreadable one as empty)."""
    for r in rows:
        try:
            r["meta"] = json.loads(r["meta"] or "{}")
        except json.JSONDecodeError:
            r["meta"] = {}
    return rows
