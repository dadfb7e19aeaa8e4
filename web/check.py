"""The public "was my point captured?" page: paste a submission or pick an organisation.

Submissions are checked in memory and never stored. The one call into the analysis is
``run_check``: it uses search's vector index (``web.cache.vector_index``, one cached index for
both) and the run's sentiment tagger (``nlp.check.run_tagger``: the tagger ``analyse`` ran with, from
``MODELS_DIR``, loaded once per app and run). Picking an organisation checks exactly the text a visitor
could paste (shown in the box), so both give the same verdicts.
A check costs CPU in proportion to its points, so each request is bounded (``CHECK_MAX_CHARS``,
``CHECK_MAX_POINTS``: 413 beyond) and each client address may run ``CHECK_RATE_LIMIT`` checks
per ``CHECK_RATE_WINDOW`` seconds (429 with Retry-After beyond).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from flask import Blueprint, current_app, render_template, request

from fairhearing.errors import FairhearingError
from ingest.points import split_points
from store.queries import organisations as organisation_queries
from store.queries import runs as run_queries
from store.queries import versions
from web.cache import cached, vector_index
from web.db import get_db, get_embedder, search_model
from web.highlight import mark
from web.security import client_key, clock, limiter, retry_after

bp = Blueprint("check", __name__)
FOUND_CLASS = {"very likely": "found", "likely": "found", "possibly": "possibly", "not found": "missed"}
_TAGGER_LOCK = threading.Lock()


def models_folder() -> Path:
    """Where the analysis' tagger is kept: the app's ``MODELS_DIR``, else ``$FAIRHEARING_MODELS`` (the
    older name), else ``$FAIRHEARING_MODELS_DIR`` (the embedders' and the CLI's), else ``models``."""
    return Path(
        current_app.config.get("MODELS_DIR")
        or os.environ.get("FAIRHEARING_MODELS")
        or os.environ.get("FAIRHEARING_MODELS_DIR", "models")
    )


def get_tagger(db):
    """The current run's sentiment tagger (``nlp.check.run_tagger``), loaded (or fitted) once per app
    for each run."""
    from nlp.check import run_tagger

    embedder = get_embedder()
    models = models_folder()
    taggers = current_app.extensions.setdefault("fairhearing_taggers", {})
    run = run_queries.current_run(db)
    key = (embedder.name, str(models), run["id"] if run is not None else None)
    with _TAGGER_LOCK:
        if key not in taggers:
            taggers[key] = run_tagger(db, embedder, models)
    return taggers[key]


def run_check(db, text: str):
    """``nlp.check.check_submission`` against the current run, with search's cached vector index."""
    from nlp.check import check_submission

    run = run_queries.current_run(db)
    if run is None:
        raise FairhearingError(
            "FH-E300", "the analysis has not been run yet, so there is nothing to check against"
        )
    model = search_model(db)
    index = vector_index(db, model) if model else None
    if index is None:
        raise FairhearingError("FH-E300", "the analysis has no stored embeddings to check against")
    return check_submission(db, text, get_embedder(), index=index, tagger=get_tagger(db))


@bp.route("/check", methods=["GET", "POST"])
def index():
    db = get_db()
    cfg = current_app.config
    org = (request.values.get("organisation") or "").strip()
    text = _newlines(request.form.get("text", "")) if request.method == "POST" else ""
    limit, max_points = cfg["CHECK_MAX_CHARS"], cfg["CHECK_MAX_POINTS"]
    if org and not text.strip():
        text = organisation_queries.organisation_text(db, org, limit)
    result, error, note, status, headers = None, None, None, 200, {}
    if text.strip():
        wait = limiter("check", cfg["CHECK_RATE_LIMIT"], cfg["CHECK_RATE_WINDOW"]).hit(client_key(), clock())
        if wait:
            status, headers["Retry-After"] = 429, retry_after(wait)
            error = (
                f"You have run {cfg['CHECK_RATE_LIMIT']} checks in the last {cfg['CHECK_RATE_WINDOW']} "
                f"seconds, the most this site allows. Please try again in {retry_after(wait)} seconds."
            )
        else:
            if org and not request.form.get("text", "").strip():
                text, note = _first_points(text, max_points)
            result, error, status = _checked(db, text, limit, max_points)
    segments = (
        mark(text, [(p.start, p.end, i) for i, p in enumerate(result.points)]) if result is not None else []
    )
    page = render_template(
        "check.html",
        text=text,
        org=org,
        organisations=cached(
            ("organisations", cfg["DATABASE"]),
            versions.data_version(db),
            lambda: organisation_queries.organisation_names(db),
        ),
        result=result,
        segments=segments,
        error=error,
        note=note,
        found_class=FOUND_CLASS,
    )
    return page, status, headers


def _checked(db, text: str, limit: int, max_points: int):
    """(result, error, HTTP status) for one submission: 413 when it is over a size limit."""
    from nlp.check import check_limits

    if len(text) > limit:
        return None, f"That is longer than {limit:,} characters; check it in parts.", 413
    try:
        check_limits(text, limit, max_points)
    except FairhearingError as e:
        return None, e.message[0].upper() + e.message[1:] + ".", 413
    try:
        return run_check(db, text), None, 200
    except FairhearingError as e:
        return None, e.message, 200


def _newlines(text: str) -> str:
    """Browsers send a textarea's line breaks as CRLF: check the text as it was written."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _first_points(text: str, max_points: int) -> tuple[str, str | None]:
    """An organisation's text cut after its first ``max_points`` points, with a note when cut."""
    spans = split_points(text, 0, len(text))
    if len(spans) <= max_points:
        return text, None
    return text[: spans[max_points - 1].end], f"Checked the first {max_points} of {len(spans)} points."
