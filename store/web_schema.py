"""Migrations 003_web (analyst accounts and the edit log) and 007_sessions (roles, session versions).

Registered in ``store.schema.MIGRATIONS`` as ``("003_web", ...)`` and ``("007_sessions", ...)``. Kept apart from schema.py so the
web layer owns its tables; this module must not import ``store.schema`` (it is imported from there).
"""

from __future__ import annotations

import sqlite_utils


def m003_web(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE edits (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            who TEXT NOT NULL,
            op TEXT NOT NULL,              -- rename / merge / split / move / signoff / mapping
            run_id INTEGER,                -- the analysis run the analyst was looking at
            target TEXT NOT NULL,          -- human-readable: what was edited
            payload TEXT NOT NULL,         -- JSON, stable keys (point hashes, labels) used by replay
            before TEXT NOT NULL DEFAULT '{}',
            after TEXT NOT NULL DEFAULT '{}'
        )"""
    )
    db.execute(
        """CREATE TABLE edit_replays (
            edit_id INTEGER NOT NULL REFERENCES edits(id) ON DELETE CASCADE,
            run_id INTEGER NOT NULL,
            applied INTEGER NOT NULL,
            detail TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (edit_id, run_id)
        )"""
    )
    db.execute("CREATE INDEX idx_edits_at ON edits(at)")
    # theme pages list a theme's points closest first: served straight from this index
    db.execute("CREATE INDEX idx_pa_theme_score ON point_analysis(theme_id, theme_score)")


def m007_sessions(db: sqlite_utils.Database) -> None:
    """Accounts get a role (``analyst`` edits; ``viewer`` only reads where a login is required) and a
    session version: every session cookie carries it, and logout, a password change or deactivation
    bump it, so cookies issued before stop working."""
    db.execute("ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'analyst'")
    db.execute("ALTER TABLE users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 1")
