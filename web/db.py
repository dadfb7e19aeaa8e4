"""Per-request database connections on ``flask.g`` and the lazily loaded, cached embedder."""

from __future__ import annotations

import json
import sqlite3
import threading

import sqlite_utils
from flask import Flask, current_app, g, request

from store import read

_LOCK = threading.Lock()


def get_db() -> sqlite_utils.Database:
    """This request's connection (opened on first use, closed at teardown).

    The file was migrated and put in WAL mode by ``create_app``; readers never block the writer.
    GET requests get a read-only connection.
    """
    if "db" not in g:
        g.db = connect(
            current_app.config["DATABASE"],
            readonly=request.method in ("GET", "HEAD"),
            busy_ms=current_app.config.get("WRITE_WAIT_MS", 10_000),
        )
        from store.scope import set_scope
        from web.scope import selected

        set_scope(g.db, selected(g.db))
    return g.db


def connect(path: str, *, readonly: bool, busy_ms: int = 10_000) -> sqlite_utils.Database:
    """A connection to an already-migrated database file (no migration, no schema writes).

    Autocommit mode: writes go through ``store.tx.write_tx`` (``BEGIN IMMEDIATE``), which waits up
    to ``busy_ms`` for another writer and then answers "busy" (HTTP 503), never "database is locked".
    """
    conn = sqlite3.connect(path, timeout=busy_ms / 1000, check_same_thread=False, isolation_level=None)
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA foreign_keys=ON")
    db.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    if readonly:
        db.execute("PRAGMA query_only=ON")
    return db


def close_db(_exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
    app.extensions["fairhearing_embedders"] = {}


def search_model(db: sqlite_utils.Database) -> str | None:
    """Name of the model whose cached vectors semantic search and the check compare against."""
    if current_app.config.get("EMBEDDER") is None:
        run = read.current_run(db)
        return run["embedder"] if run else None
    return get_embedder().name


def get_embedder():
    """The configured embedder, else the current run's own; created once per process, loaded lazily."""
    configured = current_app.config.get("EMBEDDER")
    if configured is not None and not isinstance(configured, str):
        return configured
    key = configured
    if key is None:
        run = read.current_run(get_db())
        key = json.loads(run["params"] or "{}").get("embedder") if run else None
    return _embedder(key or "minilm")


def _embedder(key: str):
    cache = current_app.extensions["fairhearing_embedders"]
    with _LOCK:
        if key not in cache:
            from nlp.embed import load_embedder

            cache[key] = load_embedder(key)
        return cache[key]
