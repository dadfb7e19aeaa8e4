"""Which consultation a connection is looking at: the scope every read, count and export respects.

A database holds several consultations; nothing of one (duplicates, themes, maps, counts) leaks into
another. A caller (the web app per request, the CLI per command) sets the scope of its connection
once with ``set_scope``; readers ask ``scope_of`` and filter by it. With no scope set, readers see
everything (a database with one consultation needs no scope).
"""

from __future__ import annotations

import weakref

import sqlite_utils

_SCOPES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def set_scope(db: sqlite_utils.Database, consultation_id: int | None) -> None:
    """Look at one consultation (or, with None, at all of them) through this connection."""
    _SCOPES[db] = consultation_id


def scope_of(db: sqlite_utils.Database) -> int | None:
    """The consultation this connection looks at, or None for all."""
    return _SCOPES.get(db)


def consultations(db: sqlite_utils.Database) -> list[dict]:
    """Every consultation: id, name, and whether it has a finished analysis."""
    return [
        {"id": cid, "name": name, "analysed": bool(done)}
        for cid, name, done in db.execute(
            """SELECT c.id, c.name, EXISTS (SELECT 1 FROM analysis_runs r WHERE r.consultation_id = c.id
                                            AND r.status = 'done')
               FROM consultations c ORDER BY c.name"""
        )
    ]


def default_consultation(db: sqlite_utils.Database) -> int | None:
    """The consultation to show when none was chosen: the only one, else the most recently analysed."""
    rows = db.execute("SELECT id FROM consultations ORDER BY id").fetchall()
    if len(rows) <= 1:
        return rows[0][0] if rows else None
    row = db.execute(
        "SELECT consultation_id FROM analysis_runs WHERE status = 'done' AND consultation_id IS NOT NULL "
        "ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return row[0] if row else rows[0][0]


def find(db: sqlite_utils.Database, name: str) -> int | None:
    row = db.execute("SELECT id FROM consultations WHERE name = ?", [name]).fetchone()
    return row[0] if row else None
