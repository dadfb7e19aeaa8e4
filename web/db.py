"""Per-request database connections on ``flask.g`` and the cached query embedder.

The embedder loads lazily on the first query, or ahead of it in a background thread started by
``preload_search`` (called by ``fairhearing serve`` and ``app.py`` at start).
"""

from __future__ import annotations

import json
import threading

from flask import Flask, current_app, g, request

from store.db import Database, DatabaseError, connect
from store.queries import runs as run_queries

_LOCK = threading.Lock()


def get_db() -> Database:
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


def close_db(_exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
    app.extensions["fairhearing_embedders"] = {}


def search_model(db: Database) -> str | None:
    """Name of the model whose cached vectors semantic search and the check compare against."""
    if current_app.config.get("EMBEDDER") is None:
        run = run_queries.current_run(db)
        return run["embedder"] if run else None
    return get_embedder().name


def get_embedder():
    """The configured embedder, else the current run's own; created once per process, loaded lazily."""
    configured = current_app.config.get("EMBEDDER")
    if configured is not None and not isinstance(configured, str):
        return configured
    key = configured
    if key is None:
        run = run_queries.current_run(get_db())
        key = json.loads(run["params"] or "{}").get("embedder") if run else None
    return _embedder(key or "minilm")


def _embedder(key: str):
    preload = current_app.extensions.get("fairhearing_preload")
    if preload is not None and preload.is_alive() and preload is not threading.current_thread():
        preload.join()  # the model is being loaded already: wait for it rather than load it twice
    return _cached_embedder(current_app.extensions["fairhearing_embedders"], key)


def _cached_embedder(cache: dict, key: str):
    with _LOCK:
        if key not in cache:
            from nlp.embed import load_embedder

            cache[key] = load_embedder(key)
        return cache[key]


def _query_embedder_key(app: Flask, db: Database) -> str | None:
    configured = app.config.get("EMBEDDER")
    if configured is not None:
        return configured if isinstance(configured, str) else None
    run = run_queries.current_run(db)
    return (json.loads(run["params"] or "{}").get("embedder") or "minilm") if run else None


def _warm_search_page(app: Flask) -> None:
    """What else a first search would wait for: its templates compiled, the filter choices and the
    unfiltered points its keyword matches are checked against (``search.filter_rows``) cached."""
    from search.hybrid import cached_filter_rows
    from web.cache import app_cache
    from web.search import filters_from_args, options

    with app.test_request_context("/search"):  # the default consultation, as a first visitor gets it
        db = get_db()
        options(db)
        cached_filter_rows(db, filters_from_args(), app_cache(), app.config["DATABASE"])
    for name in ("base.html", "macros.html", "search.html"):
        app.jinja_env.get_template(name)


def one_native_thread_per_request():
    """Numeric libraries (BLAS: a search's scores against every vector) run on the calling thread only.

    A server's parallelism is its request threads; a BLAS thread pool of its own per product spins on
    the cores the other requests need. ``fairhearing serve`` and ``app.py`` call it once at start
    (bench/bench_web.py at 50k, 4 clients on 2 cores, the same limit set with OPENBLAS_NUM_THREADS=1:
    the server's CPU per request fell from 160 to 135 ms, one run each on a shared machine).
    Returns the ``threadpoolctl`` limits (``restore_original_limits()`` undoes them).
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1, user_api="blas")


def preload_search(app: Flask) -> threading.Thread | None:
    """Load the query embedder (and the vector and keyword indexes search uses) in a background
    thread now, then compile the search page's templates and cache its filter choices. Then starts
    ``web.warm``'s theme warmer (every theme page's summary, then again after each change of the
    data).

    Without it the first search after start waits for the model to load. Returns the started
    thread, or ``None`` when there is nothing to load (no analysis yet, or an embedder object was
    configured). A request that needs the embedder while the thread runs waits for it; errors in
    the thread are left for that request to meet again (and report) on its own.
    """
    try:
        db = connect(app.config["DATABASE"], readonly=True)
        try:
            key = _query_embedder_key(app, db)
        finally:
            db.close()
    except DatabaseError:
        return None
    from web import warm

    # the theme pages' summaries are warmed in their own thread, started once the search is loaded:
    # at 50k, warming while the query embedder and indexes loaded made a first search wait longer
    warmer = warm.install(app)
    if key is None:
        warmer.kick()
        return None

    def work() -> None:
        try:
            embedder = _cached_embedder(app.extensions["fairhearing_embedders"], key)
            embedder.encode(["warm up the query embedder"])
            from web.cache import keyword_index, vector_index

            db = connect(app.config["DATABASE"], readonly=True)
            try:
                with app.app_context():  # the index lives in the app's bounded cache
                    index = vector_index(db, embedder.name)
                    if index is not None:
                        index.pruner()  # a large index's pruning axes, built before the first search
                    keyword_index(db)
            finally:
                db.close()
            _warm_search_page(app)
        except Exception:  # noqa: BLE001 - the first search reports the same failure in context
            return
        finally:
            warmer.kick()

    thread = threading.Thread(target=work, name="fairhearing-preload", daemon=True)
    app.extensions["fairhearing_preload"] = thread
    thread.start()
    return thread
