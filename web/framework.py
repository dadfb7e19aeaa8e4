"""The framework (components, principles, coverage, gaps) and one principle's page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from store import coverage, read
from web.db import get_db
from web.helpers import Pager, int_arg

bp = Blueprint("framework", __name__)


@bp.get("/framework")
def index():
    db = get_db()
    run = read.run_id(db)
    return render_template(
        "framework.html",
        frameworks=read.frameworks(db),
        unaddressed=coverage.uncovered_principles(db),
        outside=coverage.themes_outside_framework(db, run) if run else [],
        run=read.current_run(db),
    )


@bp.get("/principles/<int:principle_id>")
def principle(principle_id: int):
    db = get_db()
    p = read.principle(db, principle_id)
    if p is None:
        abort(404, description="No such principle.")
    per_page = current_app.config["PER_PAGE"]
    page = int_arg("page", 1)
    points, total = read.principle_points(db, principle_id, page, per_page)
    return render_template(
        "principle.html",
        p=p,
        themes=read.principle_themes(db, principle_id),
        quotes=read.component_quotes(db, p["component"], p["framework_source"]),
        points=points,
        pager=Pager(page, per_page, total),
    )
