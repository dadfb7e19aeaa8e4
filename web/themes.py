"""Themes: the list, and one theme with its summary, quotes, organisations, principles and points."""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, render_template, request

from reports.wording import position_sentence
from store import counts, theme_successors
from store.queries import runs as run_queries
from store.queries import themes as theme_queries
from store.queries import versions
from store.unthemed import unthemed_count, unthemed_points
from web.cache import cached
from web.db import get_db
from web.helpers import Pager, int_arg
from web.warm import theme_warmer

bp = Blueprint("themes", __name__)

POSITION_SENTIMENT = {"support": "positive", "oppose": "negative", "neutral": "neutral"}


@bp.get("/themes")
def index():
    db = get_db()
    rows = theme_queries.themes(db, run_queries.run_id(db))
    groups = [t for t in rows if t["level"] > 0]
    return render_template(
        "themes.html",
        themes=[t for t in rows if t["level"] == 0],
        groups=groups,
        run=run_queries.current_run(db),
        unthemed=unthemed_count(db, run_queries.run_id(db)),
    )


@bp.get("/themes/unthemed")
def unthemed():
    """Points that fit no theme well enough to join it: shown, counted and open to review."""
    db = get_db()
    per_page = current_app.config["PER_PAGE"]
    page = int_arg("page", 1)
    points, total = unthemed_points(db, run_queries.run_id(db), page, per_page)
    return render_template(
        "theme_unthemed.html", points=points, pager=Pager(page, per_page, total), total=total
    )


@bp.get("/themes/<int:theme_id>")
def show(theme_id: int):
    db = get_db()
    version = versions.data_version(db)
    path = current_app.config["DATABASE"]
    # the theme's aggregates are the same on every page of its points: cached until the data changes
    warmer = theme_warmer()
    if warmer is not None:
        warmer.kick_if_stale(version)  # data changed elsewhere (a CLI run): warm the other pages now
    parts = cached(("theme", path, theme_id), version, lambda: _summary(db, theme_id, version))
    if parts is None:
        gone = theme_successors.successor(db, theme_id)
        if gone is None:
            abort(404, description="No such theme in the current analysis.")
        return render_template("theme_gone.html", gone=gone), 404
    theme = parts["theme"]
    per_page = current_app.config["PER_PAGE"]
    page = int_arg("page", 1)
    position = request.args.get("position")
    position = position if position in POSITION_SENTIMENT else None
    sentiment = POSITION_SENTIMENT.get(position)
    # so are the number of points listed (per position) and the run's themes to move points to
    total = cached(
        ("theme total", path, theme_id, sentiment),
        version,
        lambda: theme_queries.theme_points_total(db, theme_id, sentiment),
    )
    points, total = theme_queries.theme_points(db, theme_id, page, per_page, sentiment, total=total)
    return render_template(
        "theme.html",
        **parts,
        position=position,
        points=points,
        pager=Pager(page, per_page, total),
        choices=cached(
            ("theme choices", path, theme["run_id"]),
            version,
            lambda: theme_queries.theme_choices(db, theme["run_id"]),
        ),
        current=run_queries.run_id(db) == theme["run_id"],
    )


def warm_themes(db, version: tuple) -> int:
    """Cache the summary and point total of every theme (and group) of each consultation's current
    run, and the run's move-to choices, as their pages would (``web.warm``): how many themes."""
    path = current_app.config["DATABASE"]
    n = 0
    for run in run_queries.current_run_ids(db):
        cached(("theme choices", path, run), version, lambda run=run: theme_queries.theme_choices(db, run))
        for t in theme_queries.themes(db, run):
            tid = t["id"]
            cached(("theme", path, tid), version, lambda tid=tid: _summary(db, tid, version))
            cached(
                ("theme total", path, tid, None),
                version,
                lambda tid=tid: theme_queries.theme_points_total(db, tid, None),
            )
            n += 1
    return n


def _summary(db, theme_id: int, version: tuple) -> dict | None:
    theme = theme_queries.theme(db, theme_id)
    if theme is None:
        return None
    # positions are computed for every theme of the run at once: share them across the run's theme pages
    every = cached(
        ("theme positions", current_app.config["DATABASE"], theme["run_id"]),
        version,
        lambda: counts.theme_positions(db, theme["run_id"]),
    )
    positions = every.get(theme_id, dict.fromkeys(counts.POSITIONS, 0))
    return {
        "theme": theme,
        "positions": positions,
        "position_sentence": position_sentence(theme["label"], positions),
        "title_sources": json.loads(theme.get("title_sources") or "[]"),
        "quotes": theme_queries.theme_quotes(db, theme_id),
        "organisations": theme_queries.theme_organisations(db, theme_id),
        "breakdown": theme_queries.theme_breakdown(db, theme_id),
        "principles": theme_queries.theme_principles(db, theme_id),
        "subthemes": theme_queries.subthemes(db, theme_id),
    }
