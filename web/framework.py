"""The framework (components, principles, coverage, gaps) and one principle's page."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from store import coverage
from store.queries import principles as principle_queries
from store.queries import runs as run_queries
from web.db import get_db
from web.helpers import Pager, found, int_arg

bp = Blueprint("framework", __name__)


@bp.get("/framework")
def index():
    db = get_db()
    run = run_queries.run_id(db)
    return render_template(
        "framework.html",
        frameworks=principle_queries.frameworks(db),
        unaddressed=coverage.uncovered_principles(db),
        outside=coverage.themes_outside_framework(db, run) if run else [],
        run=run_queries.current_run(db),
    )


@bp.get("/principles/<int:principle_id>")
def principle(principle_id: int):
    db = get_db()
    p = found(principle_queries.principle(db, principle_id), "principle")
    per_page = current_app.config["PER_PAGE"]
    page = int_arg("page", 1)
    points, total = principle_queries.principle_points(db, principle_id, page, per_page)
    return render_template(
        "principle.html",
        p=p,
        themes=principle_queries.principle_themes(db, principle_id),
        quotes=principle_queries.component_quotes(db, p["component"], p["framework_source"]),
        points=points,
        pager=Pager(page, per_page, total),
    )
