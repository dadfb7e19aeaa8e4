"""Migration 013_loop: what the analyst loop needs.

- ``principles.title_source``: where a principle's short title came from (``document``, ``derived``
  from its text by ``store.titles.derive_title``, ``analyst``); titles missing so far are derived.
- ``mapping_refits``: each on-demand refit of the mapping stage (from ``/review``), so progress can
  say how many verdicts came since the last refit.

Must not import ``store.schema``.
"""

from __future__ import annotations

import sqlite_utils

from store.titles import derive_title


def m013_loop(db: sqlite_utils.Database) -> None:
    db.execute("ALTER TABLE principles ADD COLUMN title_source TEXT")
    db.execute(
        "UPDATE principles SET title_source = 'document' WHERE title IS NOT NULL AND trim(title) <> ''"
    )
    rows = db.execute("SELECT id, text FROM principles WHERE title IS NULL OR trim(title) = ''").fetchall()
    db.conn.executemany(
        "UPDATE principles SET title = ?, title_source = 'derived' WHERE id = ?",
        [(derive_title(text), pid) for pid, text in rows],
    )
    db.execute(
        """CREATE TABLE mapping_refits (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER,                -- the analysis run whose mappings were refitted
            at TEXT NOT NULL,
            who TEXT NOT NULL,
            seconds REAL NOT NULL,
            verdicts INTEGER NOT NULL      -- analyst verdicts the refit learnt from
        )"""
    )
