"""Database-wide counts (for `fairhearing stats`, tests and the overview page)."""

from __future__ import annotations

import sqlite_utils

COUNTS = {
    "consultations": "SELECT COUNT(*) FROM consultations",
    "sources": "SELECT COUNT(*) FROM sources",
    "responses": "SELECT COUNT(*) FROM responses",
    "stakeholder_responses": "SELECT COUNT(*) FROM responses WHERE role = 'stakeholder'",
    "moderator_notices": "SELECT COUNT(*) FROM responses WHERE role = 'moderator'",
    "points": "SELECT COUNT(*) FROM points",
    "frameworks": "SELECT COUNT(*) FROM frameworks",
    "principles": "SELECT COUNT(*) FROM principles",
    "duplicate_groups": "SELECT COUNT(*) FROM duplicate_groups",
    "analysis_runs": "SELECT COUNT(*) FROM analysis_runs WHERE status = 'done'",
}


def database_stats(db: sqlite_utils.Database) -> dict[str, int | dict[str, int]]:
    out: dict[str, int | dict[str, int]] = {k: db.execute(sql).fetchone()[0] for k, sql in COUNTS.items()}
    out["by_format"] = dict(
        db.execute("SELECT format, COUNT(*) FROM sources GROUP BY format ORDER BY format")
    )
    return out
