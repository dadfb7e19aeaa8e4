"""Opening a Fairhearing database: one SQLite file per workspace, foreign keys on, WAL.

Code outside ``store/`` never imports ``sqlite_utils`` or ``sqlite3``: it opens a database here
(``open_db`` migrates, ``connect`` opens an already-migrated file for one request or thread) and
names the connection's type ``Database`` and its errors ``DatabaseError`` in type hints.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from store.schema import migrate

Database = sqlite_utils.Database  # the connection every store function takes
DatabaseError = sqlite3.Error  # any error the database raises


def open_db(path: str | Path | None = None, *, memory: bool = False) -> Database:
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


def connect(path: str, *, readonly: bool, busy_ms: int = 10_000) -> Database:
    """A connection to an already-migrated database file (no migration, no schema writes).

    Autocommit mode: writes go through ``store.tx.write_tx`` (``BEGIN IMMEDIATE``), which waits up
    to ``busy_ms`` for another writer and then answers "busy" (HTTP 503), never "database is locked".
    ``readonly`` connections refuse every write (``PRAGMA query_only``).
    """
    conn = sqlite3.connect(path, timeout=busy_ms / 1000, check_same_thread=False, isolation_level=None)
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA foreign_keys=ON")
    db.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    if readonly:
        db.execute("PRAGMA query_only=ON")
    return db
