"""Views of personal data: every time an analyst shows a response's original (unredacted) text.

Migration ``015_pii_originals`` adds ``audit_views``. The original text itself needs no new column:
``responses.text`` has always kept the source span untouched, while ``clean_text`` (what pages,
search and exports show) is redacted at ingest. Only the analyst-only "show original" action reads
``responses.text`` for display, and it records a row here first, every time.
Must not import ``store.schema``.
"""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from store.tx import write_tx


def m015_pii_originals(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE audit_views (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            who TEXT NOT NULL,             -- the analyst's account name
            response_id INTEGER NOT NULL,  -- no foreign key: the record outlives the response
            what TEXT NOT NULL DEFAULT 'original'
        )"""
    )
    db.execute("CREATE INDEX audit_views_response ON audit_views(response_id)")


def record_view(db: sqlite_utils.Database, who: str, response_id: int, what: str = "original") -> int:
    """Write one audit row for one view of a response's original text; return its id."""
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with write_tx(db):
        cur = db.execute(
            "INSERT INTO audit_views (at, who, response_id, what) VALUES (?, ?, ?, ?)",
            [at, who, response_id, what],
        )
    return cur.lastrowid


def views(db: sqlite_utils.Database, limit: int = 200) -> list[dict]:
    """The latest views, newest first: id, at, who, response_id, what."""
    cols = ("id", "at", "who", "response_id", "what")
    rows = db.execute(
        f"SELECT {', '.join(cols)} FROM audit_views ORDER BY id DESC LIMIT ?", [limit]
    ).fetchall()
    return [dict(zip(cols, r, strict=True)) for r in rows]
