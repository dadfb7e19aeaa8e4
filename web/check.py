"""The public "was my point captured?" page: paste a submission or pick an organisation.

Submissions are checked in memory and never stored. The one call into the analysis is
``run_check``; the analysed-point index it needs is cached per process like the search matrix.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from fairhearing.errors import FairhearingError
from store import read
from web.db import get_db, get_embedder, search_model
from web.highlight import mark
from web.semantic import cached

bp = Blueprint("check", __name__)
STATUS_CLASS = {"captured": "captured", "partly": "partly", "not captured": "missed"}


def run_check(db, text: str):
    """``nlp.check.check_submission`` against the current run, with a cached point index."""
    from nlp.check import PointIndex, check_submission

    run = read.current_run(db)
    if run is None:
        raise FairhearingError(
            "FH-E300", "the analysis has not been run yet, so there is nothing to check against"
        )
    model = search_model(db)
    version = (run["id"], model, read.embeddings_version(db))
    index = cached(
        ("check", current_app.config["DATABASE"]), version, lambda: PointIndex(db, run["id"], model)
    )
    return check_submission(db, text, get_embedder(), index=index)


@bp.route("/check", methods=["GET", "POST"])
def index():
    db = get_db()
    org = (request.values.get("organisation") or "").strip()
    text = request.form.get("text", "") if request.method == "POST" else ""
    limit = current_app.config["CHECK_MAX_CHARS"]
    if org and not text.strip():
        text = read.organisation_text(db, org, limit)
    result, error = None, None
    if len(text) > limit:
        error = f"That is longer than {limit:,} characters; check it in parts."
    elif text.strip():
        try:
            result = run_check(db, text)
        except FairhearingError as e:
            error = e.message
    segments = (
        mark(text, [(p.start, p.end, i) for i, p in enumerate(result.points)]) if result is not None else []
    )
    return render_template(
        "check.html",
        text=text,
        org=org,
        organisations=cached(
            ("organisations", current_app.config["DATABASE"]),
            read.data_version(db),
            lambda: read.organisation_names(db),
        ),
        result=result,
        segments=segments,
        error=error,
        status_class=STATUS_CLASS,
    )
