"""Search: keyword and semantic matches over every point, in one ranking, with filters."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from store import read
from store.scope import scope_of
from web.db import get_db, get_embedder, search_model
from web.helpers import Pager, int_arg
from web.semantic import cached, hybrid_search

bp = Blueprint("search", __name__)
MAX_QUERY = 500


def filters_from_args() -> read.Filters:
    a = request.args

    def text(name: str) -> str | None:
        v = a.get(name, "").strip()
        return v[:500] or None

    return read.Filters(
        source=int_arg("source"),
        question=text("question"),
        organisation=text("organisation"),
        respondent_type=text("respondent_type"),
        sentiment=text("sentiment"),
        type=text("type"),
        theme=int_arg("theme"),
        principle=int_arg("principle"),
        language=text("language"),
        consultation=scope_of(get_db()),
    )


@bp.get("/search")
def index():
    db = get_db()
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    filters = filters_from_args()
    per_page = current_app.config["PER_PAGE"]
    page = int_arg("page", 1)
    outcome, rows, total = None, [], 0
    if q:
        outcome = hybrid_search(
            db,
            current_app.config["DATABASE"],
            q,
            filters,
            model=search_model(db),
            embedder=get_embedder,
            candidates=current_app.config["SEARCH_CANDIDATES"],
            min_sim=current_app.config["SEARCH_MIN_SIMILARITY"],
        )
        total = len(outcome.hashes)
        rows = read.points_for_hashes(db, outcome.hashes[(page - 1) * per_page : page * per_page], filters)
    elif filters.any:
        rows, total = read.browse_points(db, filters, page, per_page)
    return render_template(
        "search.html",
        q=q,
        filters=filters,
        options=cached(
            ("options", current_app.config["DATABASE"], scope_of(db)),
            read.data_version(db),
            lambda: read.filter_options(db, read.run_id(db)),
        ),
        rows=rows,
        outcome=outcome,
        pager=Pager(page, per_page, total),
    )
