"""The analyst loop: add, replace, confirm or reject principles on points (one or many at once), the
``/review`` queue with one keystroke per verdict, refitting the mapper, and editing a principle's
vocabulary. Analyst-only (viewers get 403); every POST carries the CSRF token; every verdict goes
through ``store.edits.review_mapping`` (audited, replayed onto later runs, taught to the mapper).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for

from store import counts, edits, review, vocabulary
from store.queries import points as point_queries
from store.queries import principles as principle_queries
from store.queries import runs as run_queries
from store.queries import themes as theme_queries
from web.db import get_db, get_embedder
from web.helpers import found, int_list
from web.security import current_user, login_required, safe_next

bp = Blueprint("review", __name__)

REFIT_MAX_S = 60.0  # offer "refit now" when the mapping stage last took at most this long
MAX_SELECTION = 5000  # points one "map all" POST may touch


@bp.app_context_processor
def _picker() -> dict:
    """``principle_options()`` for the picker's datalist (queried once per page, only when used)."""

    def options() -> list[dict]:
        if "principle_options" not in g:
            g.principle_options = vocabulary.principle_options(get_db())
        return g.principle_options

    return {"principle_options": options}


def _back(default: str):
    return redirect(safe_next(request.form.get("next"), default))


def _apply(triples: list[tuple[int, int, str]], ok: str) -> bool:
    try:
        edits.review_many(get_db(), triples, current_user())
    except edits.EditError as e:
        flash(str(e), "error")
        return False
    flash(ok, "ok")
    return True


def _principle_from_form() -> int | None:
    prid, why = vocabulary.resolve_principle(get_db(), request.form.get("principle", ""))
    if prid is None:
        flash(f"Choose a principle from the list ({why}).", "error")
    return prid


@bp.post("/points/<int:point_id>/principles")
@login_required
def add(point_id: int):
    """Add (confirm) any principle on a point, or replace one: reject ``replace``, confirm the new one."""
    db = get_db()
    p = found(point_queries.point(db, point_id), "point")
    default = url_for("responses.show", response_id=p["response_id"]) + f"#p{point_id}"
    prid = _principle_from_form()
    if prid is None:
        return _back(default)
    verdict = request.form.get("verdict", "confirm")
    triples = []
    old = int_list([request.form.get("replace", "")])
    if old and old[0] != prid:
        triples.append((point_id, old[0], "reject"))
    triples.append((point_id, prid, verdict))
    _apply(triples, "Principle replaced." if len(triples) == 2 else f"Mapping {verdict}ed.")
    return _back(default)


@bp.post("/points/map")
@login_required
def map_points():
    """Apply one verdict on one principle to every ticked point, in one transaction."""
    ids = int_list(request.form.getlist("point"))[:MAX_SELECTION]
    default = url_for("overview.index")
    if not ids:
        flash("Tick at least one point first.", "error")
        return _back(default)
    prid = _principle_from_form()
    if prid is None:
        return _back(default)
    verdict = request.form.get("verdict", "confirm")
    _apply([(pid, prid, verdict) for pid in ids], f"{len(ids)} point(s) {verdict}ed.")
    return _back(default)


@bp.get("/themes/<int:theme_id>/map")
@login_required
def map_theme(theme_id: int):
    """Every point of a theme, ticked, to map to one principle at once (untick the exceptions)."""
    db = get_db()
    theme = found(theme_queries.theme(db, theme_id), "theme")
    prid, why = vocabulary.resolve_principle(db, request.args.get("principle", ""))
    principle = principle_queries.principle(db, prid) if prid else None
    points, total = theme_queries.theme_points(db, theme_id, 1, MAX_SELECTION)
    return render_template(
        "map_theme.html", theme=theme, principle=principle, why=why, points=points, total=total
    )


@bp.get("/review")
@login_required
def queue():
    db = get_db()
    run = run_queries.run_id(db)
    items = review.queue(db, run)
    offset = min(max(request.args.get("offset", 0, type=int), 0), max(len(items) - 1, 0))
    item = items[offset] if items else None
    point = point_queries.point(db, item["point_id"]) if item else None
    since = review.last_refit(db, run)
    seconds = review.mapping_seconds(db, run)
    return render_template(
        "review.html",
        run=run,
        item=item,
        point=point,
        ranking=review.ranking(db, item["point_id"])[: review.TOP] if item else [],
        offset=offset,
        remaining=len(items),
        progress=counts.review_progress(db, run, since),
        since=since,
        seconds=seconds,
        can_refit=run is not None and (seconds is None or seconds <= REFIT_MAX_S),
    )


@bp.post("/review/verdict")
@login_required
def verdict():
    """One keystroke's verdict: confirm rank 1–5, or ``off-topic`` (reject every ranked principle)."""
    db = get_db()
    ids = int_list([request.form.get("point", "")])
    offset = request.form.get("offset", 0, type=int)
    if not ids or point_queries.point(db, ids[0]) is None:
        abort(404, description="No such point.")
    ranked = review.ranking(db, ids[0])[: review.TOP]
    action = request.form.get("action", "")
    if action == "off-topic":
        _apply([(ids[0], r["id"], "reject") for r in ranked], "Marked off-topic: every suggestion rejected.")
    else:
        rank = request.form.get("rank", 0, type=int)
        if not 1 <= rank <= len(ranked):
            flash("No principle at that rank.", "error")
        else:
            _apply([(ids[0], ranked[rank - 1]["id"], "confirm")], f"Confirmed {ranked[rank - 1]['code']}.")
    return redirect(url_for("review.queue", offset=offset) if offset else url_for("review.queue"))


@bp.post("/review/refit")
@login_required
def refit():
    """Re-run only the mapping stage of the current run, learning from every verdict so far."""
    db = get_db()
    run = run_queries.run_id(db)
    seconds = review.mapping_seconds(db, run)
    if run is None or (seconds is not None and seconds > REFIT_MAX_S):
        flash("Verdicts apply at the next `fairhearing analyse`.", "error")
        return redirect(url_for("review.queue"))
    from nlp.refit import refit_mappings

    try:
        rep = refit_mappings(db, run, get_embedder(), current_user())
    except edits.EditError as e:
        flash(str(e), "error")
    else:
        current_app.logger.info("refit run %s in %.2fs", run, rep.seconds)
        flash(
            f"Refitted in {rep.seconds:.1f} s: {rep.mapped} of {rep.points} points mapped, "
            f"{rep.off_topic} off-topic.",
            "ok",
        )
    return redirect(url_for("review.queue"))


@bp.post("/principles/<int:principle_id>/vocabulary")
@login_required
def edit_vocabulary(principle_id: int):
    """Set a principle's short title, synonyms/keywords and examples (audited)."""
    form = request.form
    try:
        changed = vocabulary.update(
            get_db(),
            principle_id,
            current_user(),
            title=form.get("title"),
            synonyms=form.get("synonyms"),
            examples=form.get("examples"),
        )
    except vocabulary.VocabularyError as e:
        if "no principle" in str(e):
            abort(404, description="No such principle.")
        flash(str(e), "error")
    else:
        flash("Vocabulary saved." if changed else "Nothing changed.", "ok")
    return redirect(url_for("framework.principle", principle_id=principle_id))
