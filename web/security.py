"""CSRF tokens, analyst login, safe redirects and response headers."""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, abort, g, request, session

UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def csrf_token() -> str:
    """The session's CSRF token (created on first use); every form carries it."""
    token = session.get("_csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["_csrf"] = token
    return token


def _check_csrf() -> None:
    if request.method not in UNSAFE_METHODS:
        return
    expected = session.get("_csrf")
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    if not expected or not hmac.compare_digest(str(expected), str(sent)):
        abort(
            400,
            description="The form was out of date or did not come from this site (CSRF check). "
            "Reload the page and try again.",
        )


def _load_user() -> None:
    g.user = session.get("user")


def current_user() -> str | None:
    return g.get("user")


def login_required(view: Callable) -> Callable:
    """Analyst-only views: viewers get 403 (their POSTs change nothing)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user():
            abort(403, description="Only signed-in analysts can change the analysis.")
        return view(*args, **kwargs)

    return wrapped


def login(name: str) -> None:
    session.clear()  # a new session on sign-in: no fixation, fresh CSRF token
    session["user"] = name
    session.permanent = False


def logout() -> None:
    session.clear()


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after a form (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return default
    return target


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if current_user() or request.method in UNSAFE_METHODS:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    app.before_request(_load_user)
    app.before_request(_check_csrf)
    app.after_request(_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["current_user"] = current_user
