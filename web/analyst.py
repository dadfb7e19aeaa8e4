"""Sign-in (with backoff on failures), sign-out (ends every session of the account) and review edits (rename, merge, split, move, sign off, confirm/reject mappings).

Every edit is a POST carrying the session's CSRF token, needs a signed-in analyst, and is
written by ``store.edits`` (which applies it and records it in the audit log).
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from store import audit_views, edits, vocabulary
from store.queries import audit as audit_queries
from store.queries import points as point_queries
from store.users import authenticate
from web.db import get_db
from web.helpers import Pager, int_arg, int_list
from web.security import (
    client_key,
    clock,
    current_user,
    is_analyst,
    login,
    login_required,
    login_throttle,
    logout,
    retry_after,
    safe_next,
)

bp = Blueprint("analyst", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login_view():
    error, status, headers = None, 200, {}
    if request.method == "POST":
        name = request.form.get("name", "").strip()
        throttle, now = login_throttle(), clock()
        keys = throttle.keys(name, client_key())
        wait = throttle.wait(keys, now)
        if wait:
            error = f"Too many failed sign-ins. Try again in {retry_after(wait)} seconds."
            status, headers["Retry-After"] = 429, retry_after(wait)
        else:
            user = authenticate(get_db(), name, request.form.get("password", ""))
            if user is not None:
                throttle.succeeded(keys)
                login(user)
                return redirect(safe_next(request.form.get("next"), url_for("overview.index")))
            throttle.failed(keys, now)
            error, status = "Unknown user name or wrong password.", 401
    page = render_template("login.html", error=error, next=request.values.get("next", ""))
    return page, status, headers


@bp.post("/logout")
def logout_view():
    logout()
    return redirect(url_for("overview.index"))


def _back(default: str):
    return redirect(safe_next(request.form.get("next"), default))


def _do(fn, *args, ok: str):
    try:
        result = fn(*args)
    except edits.EditError as e:
        flash(str(e), "error")
        return None
    flash(ok, "ok")
    return result


@bp.post("/themes/<int:theme_id>/rename")
@login_required
def rename(theme_id: int):
    label = request.form.get("label", "")
    _do(edits.rename_theme, get_db(), theme_id, label, current_user(), ok="Theme renamed.")
    return _back(url_for("themes.show", theme_id=theme_id))


@bp.post("/themes/<int:theme_id>/merge")
@login_required
def merge(theme_id: int):
    target = int_list([request.form.get("target", "")])
    if not target:
        flash("Choose the theme to merge into.", "error")
        return _back(url_for("themes.show", theme_id=theme_id))
    done = _do(edits.merge_themes, get_db(), theme_id, target[0], current_user(), ok="Themes merged.")
    return redirect(url_for("themes.show", theme_id=target[0] if done else theme_id))


@bp.post("/themes/<int:theme_id>/signoff")
@login_required
def signoff(theme_id: int):
    signed = request.form.get("signed", "1") == "1"
    _do(
        edits.signoff_theme,
        get_db(),
        theme_id,
        current_user(),
        signed,
        ok="Theme signed off." if signed else "Sign-off withdrawn.",
    )
    return _back(url_for("themes.show", theme_id=theme_id))


@bp.post("/themes/<int:theme_id>/points")
@login_required
def points(theme_id: int):
    """Act on the points ticked on a theme page: move them, or split them off as a new theme."""
    ids = int_list(request.form.getlist("point"))
    action = request.form.get("action")
    db = get_db()
    if not ids:
        flash("Tick at least one point first.", "error")
    elif action == "split":
        new_id = _do(
            edits.split_theme,
            db,
            theme_id,
            ids,
            request.form.get("label", ""),
            current_user(),
            ok="New theme split off.",
        )
        if new_id:
            return redirect(url_for("themes.show", theme_id=new_id))
    elif action == "move":
        target = int_list([request.form.get("target", "")])
        if target:
            _do(edits.move_points, db, ids, target[0], current_user(), ok=f"Moved {len(ids)} point(s).")
        else:
            flash("Choose the theme to move the points to.", "error")
    elif action == "map":
        prid, why = vocabulary.resolve_principle(db, request.form.get("principle", ""))
        if prid is None:
            flash(f"Choose a principle from the list ({why}).", "error")
        else:
            triples = [(pid, prid, "confirm") for pid in ids]
            _do(
                edits.review_many,
                db,
                triples,
                current_user(),
                ok=f"Confirmed the principle for {len(ids)} point(s).",
            )
    else:
        flash("Unknown action.", "error")
    return _back(url_for("themes.show", theme_id=theme_id))


@bp.post("/points/<int:point_id>/principles/<int:principle_id>")
@login_required
def mapping(point_id: int, principle_id: int):
    verdict = request.form.get("verdict", "")
    _do(
        edits.review_mapping,
        get_db(),
        point_id,
        principle_id,
        verdict,
        current_user(),
        ok="Mapping confirmed." if verdict == "confirm" else "Mapping rejected.",
    )
    return _back(
        url_for("responses.show", response_id=_response_of(point_id))
        if _response_of(point_id)
        else url_for("overview.index")
    )


def _response_of(point_id: int) -> int | None:
    row = point_queries.point(get_db(), point_id)
    return row["response_id"] if row else None


@bp.get("/audit")
def audit():
    page = int_arg("page", 1)
    per_page = current_app.config["PER_PAGE"] * 2
    rows, total = audit_queries.audit_log(get_db(), page, per_page)
    views = audit_views.views(get_db(), 100) if is_analyst() else []
    return render_template("audit.html", rows=rows, pager=Pager(page, per_page, total), views=views)
