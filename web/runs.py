"""Analysis runs: every run of the consultation with its parameters and model versions, and a
comparison of two (``store.run_compare``): themes that appeared, grew, shrank or vanished, and
principle counts before and after."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from store.queries import versions
from store.run_compare import CHANGES, CompareError, compare
from store.runs import RunRow, get_run, list_runs, previous_run
from store.scope import scope_of
from web.cache import cached
from web.db import get_db

bp = Blueprint("runs", __name__)


@bp.get("/runs")
def index():
    db = get_db()
    cid = scope_of(db)
    runs = list_runs(db, cid)
    return render_template(
        "runs.html",
        runs=runs,
        current=next((r for r in runs if r.current), None),
        previous=previous_run(db, cid),
    )


def _run_arg(db, name: str, default: RunRow | None) -> RunRow | None:
    """The run named by query argument ``name`` (404 unless it is a run of the page's consultation)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        run_id = int(raw)
    except ValueError:
        abort(404, description=f"No analysis run {raw[:40]!r}.")
    run = get_run(db, run_id) if 0 < run_id < 2**63 else None
    cid = scope_of(db)
    if run is None or (cid is not None and run.consultation_id not in (cid, None)):
        abort(404, description=f"No analysis run {run_id} in this consultation.")
    return run


@bp.get("/runs/compare")
def compare_view():
    db = get_db()
    cid = scope_of(db)
    current = next((r for r in list_runs(db, cid) if r.current), None)
    a = _run_arg(db, "a", previous_run(db, cid))
    b = _run_arg(db, "b", current)
    runs = list_runs(db, cid)
    if a is None or b is None:
        return render_template("runs_compare.html", comparison=None, runs=runs, a=a, b=b, changes=CHANGES)
    try:  # the same comparison until a run, a response or an edit is added (as a theme's summary)
        comparison = cached(
            ("run-compare", current_app.config["DATABASE"], a.id, b.id),
            versions.data_version(db),
            lambda: compare(db, a.id, b.id),
        )
    except CompareError as e:
        abort(404 if e.code in ("FH-E330", "FH-E332") else 400, description=str(e))
    return render_template("runs_compare.html", comparison=comparison, runs=runs, a=a, b=b, changes=CHANGES)
