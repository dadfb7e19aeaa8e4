"""Opening a Fairhearing database: one SQLite file per workspace, foreign keys on, WAL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from store.schema import migrate


def open_db(path: str | Path | None = None, *, memory: bool = False) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate a database. ``memory=True`` gives a throwaway one."""
    if memory or path is None:
        db = sqlite_utils.Database(memory=True)
    else:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA journal_mode=WAL")
    db.conn.isolation_level = None  # autocommit; ``store.tx.write_tx`` makes the transactions
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=30000")
    migrate(db)
    return db
