"""Duplicate groups in the store: what grouping reads, and writing the groups it found.

``ingest.dedupe_store`` decides the groups from plain rows; this module holds the SQL.
"""

from __future__ import annotations

import sqlite_utils

from fairhearing import crashpoints
from store.ingest_store import generation
from store.tx import write_tx


def response_rows(db: sqlite_utils.Database) -> list[tuple[int, int, str, str, int, str]]:
    """(id, source id, display text, role, consultation id, question or '') of every stakeholder
    response and moderator notice, by id."""
    return db.execute(
        """SELECT r.id, r.source_id, r.clean_text, r.role, s.consultation_id, COALESCE(r.question, s.question, '')
           FROM responses r JOIN sources s ON s.id = r.source_id
           WHERE r.role IN ('stakeholder', 'moderator') ORDER BY r.id"""
    ).fetchall()


def point_rows(db: sqlite_utils.Database) -> list[tuple[int, int, str, int]]:
    """(point id, response id, display text, consultation id) of those responses' points, by id."""
    return db.execute(
        """SELECT p.id, p.response_id, p.clean_text, s.consultation_id FROM points p
           JOIN responses r ON r.id = p.response_id JOIN sources s ON s.id = r.source_id
           WHERE r.role IN ('stakeholder', 'moderator') ORDER BY p.id"""
    ).fetchall()


def replace_groups(
    db: sqlite_utils.Database, groups: list[tuple[str, list[int], int]], read_generation: int
) -> None:
    """Replace every duplicate group with ``groups`` = [(kind, member response ids, representative)].

    The stale flag is cleared only if no source was written since ``read_generation`` (the read the
    groups were computed from); otherwise the next command recomputes them.
    """
    with write_tx(db):
        if generation(db) == read_generation:
            db.execute("UPDATE store_state SET value = 0 WHERE key = 'duplicates_stale'")
        db.execute("UPDATE responses SET duplicate_group = NULL WHERE duplicate_group IS NOT NULL")
        db.execute("DELETE FROM duplicate_groups")
        for kind, members, representative in groups:
            cur = db.execute(
                "INSERT INTO duplicate_groups (kind, size, representative_id) VALUES (?, ?, ?)",
                [kind, len(members), representative],
            )
            db.conn.executemany(
                "UPDATE responses SET duplicate_group = ? WHERE id = ?", [(cur.lastrowid, m) for m in members]
            )
        crashpoints.reached("ingest:duplicates-before-commit")


def duplicates_stale(db: sqlite_utils.Database) -> bool:
    """Whether sources were written since duplicate groups were last recomputed (e.g. a killed ingest)."""
    row = db.execute("SELECT value FROM store_state WHERE key = 'duplicates_stale'").fetchone()
    return bool(row and row[0])
