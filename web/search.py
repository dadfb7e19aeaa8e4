"""Search: keyword and semantic matches over every point, in one ranking, with filters."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from search.hybrid import hybrid_search
from store import attributes
from store.queries import runs as run_queries
from store.queries import search as search_queries
from store.queries import versions
from store.scope import scope_of
from web.cache import app_cache, cached, keyword_index, vector_index
from web.db import get_db, get_embedder, search_model
from web.helpers import Pager, int_arg

bp = Blueprint("search", __name__)
MAX_QUERY = 500


def filters_from_args() -> search_queries.Filters:
    a = request.args

    def text(name: str) -> str | None:
        v = a.get(name, "").strip()
        return v[:500] or None

    return search_queries.Filters(
        source=int_arg("source"),
        question=text("question"),
        organisation=text("organisation"),
        respondent_type=text("respondent_type"),
        sentiment=text("sentiment"),
        type=text("type"),
        theme=int_arg("theme"),
        principle=int_arg("principle"),
        attribute=text("attribute"),
        min_agree=int_arg("min_agree", lo=0),
        language=text("language"),
        consultation=scope_of(get_db()),
    )


def sort_from_args() -> str | None:
    """``?sort=agreed`` / ``disagreed``: most votes first (anything else: relevance, or source order)."""
    sort = request.args.get("sort", "")
    return sort if sort in attributes.VOTE_ORDERS else None


def options(db) -> dict:
    """The filters' choices for the page's consultation, cached until the data changes."""
    return cached(
        ("options", current_app.config["DATABASE"], scope_of(db)),
        versions.data_version(db),
        lambda: search_queries.filter_options(db, run_queries.run_id(db)),
    )


@bp.get("/search")
def index():
    db = get_db()
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    filters = filters_from_args()
    sort = sort_from_args()
    per_page = current_app.config["PER_PAGE"]
    page = int_arg("page", 1)
    outcome, rows, total = None, [], 0
    if q:
        model = search_model(db)
        outcome = hybrid_search(
            db,
            q,
            filters,
            index=vector_index(db, model) if model else None,
            embedder=get_embedder,
            candidates=current_app.config["SEARCH_CANDIDATES"],
            min_sim=current_app.config["SEARCH_MIN_SIMILARITY"],
            cache=app_cache(),
            key=current_app.config["DATABASE"],
            keywords=keyword_index(db),
        )
        hashes = attributes.order_by_votes(db, outcome.hashes, sort) if sort else outcome.hashes
        total = len(hashes)
        rows = search_queries.points_for_hashes(db, hashes[(page - 1) * per_page : page * per_page], filters)
    elif filters.any or sort:
        rows, total = search_queries.browse_points(db, filters, page, per_page, sort=sort)
    return render_template(
        "search.html",
        q=q,
        filters=filters,
        sort=sort,
        options=options(db),
        rows=rows,
        outcome=outcome,
        pager=Pager(page, per_page, total),
    )
