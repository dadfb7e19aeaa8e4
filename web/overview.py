"""The overview page, the bundled plotly.js, and error pages.

The overview's charts are drawn on the server (HTML bars and a heat table, no JavaScript), so the
page with its assets weighs about 100 KB instead of 4.8 MB. ``/vendor/plotly.min.js`` is still
served for anyone who linked it, but no page loads it.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, render_template, send_file
from werkzeug.exceptions import HTTPException

from store.queries import overview as overview_queries
from store.queries import runs as run_queries
from web.db import get_db

bp = Blueprint("overview", __name__)


@bp.get("/")
def index():
    db = get_db()
    run = run_queries.run_id(db)
    return render_template(
        "overview.html",
        run=run_queries.current_run(db),
        counts=overview_queries.counts(db),
        sources=overview_queries.sources(db),
        respondents=overview_queries.respondents_by_type(db),
        themes=overview_queries.largest_themes(db, run, 10),
        sentiment=overview_queries.sentiment_split(db, run),
        charts=overview_queries.chart_data(db, run) if run else None,
    )


def plotly_js_path() -> Path:
    """plotly.min.js from the installed plotly package: served by the app, never from a CDN."""
    import importlib.util

    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("plotly is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"


@bp.get("/vendor/plotly.min.js")
def plotly_js():
    try:
        path = plotly_js_path()
    except FileNotFoundError:
        abort(404)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype="text/javascript", max_age=86400)


@bp.app_errorhandler(HTTPException)
def http_error(e: HTTPException):
    return render_template("error.html", error=e), e.code
