"""The Fairhearing web app: browse the analysis, check a submission, review and edit as an analyst.

``create_app(test_config=None)`` builds the Flask app. The database path comes from
``test_config["DATABASE"]`` or the ``FAIRHEARING_DB`` environment variable; the address it is served
on from ``BIND_HOST`` (or ``FAIRHEARING_HOST``), which decides who may read (see ``DEFAULTS``). Nothing heavy is
imported here: embedders load on the first semantic search or check.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from flask import Flask

from store.db import open_db

DEFAULTS = {
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,  # request size limit (a pasted submission fits easily)
    "PER_PAGE": 50,
    # /check: one submission at most this many characters and points (413 beyond), and at most
    # CHECK_RATE_LIMIT checks per client address per CHECK_RATE_WINDOW seconds (429 beyond)
    "CHECK_MAX_CHARS": 10_000,
    "CHECK_MAX_POINTS": 30,
    "CHECK_RATE_LIMIT": 10,
    "CHECK_RATE_WINDOW": 60,
    # sign-in backoff (in memory, per process): after LOGIN_FREE_FAILURES failures for a user name, or
    # LOGIN_CLIENT_FREE_FAILURES from one address, each failure doubles the wait (from LOGIN_BACKOFF_BASE
    # up to LOGIN_BACKOFF_MAX seconds); failures are forgotten LOGIN_FAILURE_MEMORY seconds after the last
    "LOGIN_FREE_FAILURES": 5,
    "LOGIN_CLIENT_FREE_FAILURES": 20,
    "LOGIN_BACKOFF_BASE": 1.0,
    "LOGIN_BACKOFF_MAX": 900.0,
    "LOGIN_FAILURE_MEMORY": 3600.0,
    # Access: BIND_HOST is the address the server listens on. On a non-loopback address every page
    # needs a signed-in account (REQUIRE_LOGIN) unless PUBLIC is set, and the full-text exports need
    # the analyst role (EXPORTS_NEED_ANALYST). Both are derived in create_app unless given.
    "BIND_HOST": "127.0.0.1",
    "PUBLIC": False,
    "CLOCK": time.monotonic,  # rate limits and login backoff read this clock (tests inject their own)
    "SEARCH_CANDIDATES": 200,  # per ranking (keyword, semantic) before fusion
    "SEARCH_MIN_SIMILARITY": 0.3,  # semantic hits below this cosine are dropped
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "EMBEDDER": None,  # None: the current run's own embedder; or a name ("hashing") or an Embedder object
}


def create_app(test_config: dict | None = None) -> Flask:
    instance = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("FAIRHEARING_INSTANCE")
    app = Flask(__name__, instance_path=str(Path(instance).resolve()) if instance else None)
    app.config.update(DEFAULTS)
    app.config["DATABASE"] = os.environ.get("FAIRHEARING_DB", "fairhearing.db")
    app.config["SESSION_COOKIE_SECURE"] = os.environ.get("FAIRHEARING_SECURE_COOKIES") == "1"
    if os.environ.get("FAIRHEARING_EMBEDDER"):
        app.config["EMBEDDER"] = os.environ["FAIRHEARING_EMBEDDER"]
    if os.environ.get("FAIRHEARING_HOST"):
        app.config["BIND_HOST"] = os.environ["FAIRHEARING_HOST"]
    app.config["PUBLIC"] = os.environ.get("FAIRHEARING_PUBLIC") == "1"
    if test_config:
        app.config.update(test_config)
    from web.security import is_loopback

    local = is_loopback(app.config["BIND_HOST"])
    app.config.setdefault("REQUIRE_LOGIN", not local and not app.config["PUBLIC"])
    app.config.setdefault("EXPORTS_NEED_ANALYST", not local)
    app.config["DATABASE"] = str(Path(app.config["DATABASE"]).resolve())
    app.debug = False  # never debug mode: the debugger runs arbitrary code
    app.config["SECRET_KEY"] = (
        app.config.get("SECRET_KEY")
        or os.environ.get("FAIRHEARING_SECRET_KEY")
        or _secret_key_file(Path(app.instance_path))
    )

    open_db(app.config["DATABASE"]).close()  # create / migrate once, switch the file to WAL

    from web import busy, scope, security, warm
    from web import db as webdb

    webdb.init_app(app)
    security.init_app(app)
    busy.init_app(app)
    scope.init_app(app)
    warm.init_app(app)

    from web.analyst import bp as analyst_bp
    from web.check import bp as check_bp
    from web.exports import bp as exports_bp
    from web.framework import bp as framework_bp
    from web.overview import bp as overview_bp
    from web.report import bp as report_bp
    from web.responses import bp as responses_bp
    from web.runs import bp as runs_bp
    from web.search import bp as search_bp
    from web.themes import bp as themes_bp

    for bp in (
        overview_bp,
        themes_bp,
        framework_bp,
        responses_bp,
        search_bp,
        check_bp,
        analyst_bp,
        report_bp,
        exports_bp,
        runs_bp,
    ):
        app.register_blueprint(bp)
    app.register_blueprint(__import__("web.review", fromlist=["bp"]).bp)  # the analyst loop (review.py)
    from web import filters

    filters.init_app(app)
    return app


def _secret_key_file(instance: Path) -> str:
    """A random key kept in the instance folder (created once, readable by the owner only)."""
    path = instance / "secret_key"
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if len(key) >= 32:
            return key
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key)
    return key
