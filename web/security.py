"""CSRF tokens, analyst login, safe redirects, response headers and in-process rate limits."""

from __future__ import annotations

import functools
import hmac
import math
import secrets
import threading
from collections import deque
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from werkzeug.routing import IntegerConverter

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


SESSION_KEYS = ("user", "uid", "sv", "role")


def _load_user() -> None:
    """Trust a session's user only while the account is active and the cookie's version is current."""
    g.user, g.role = None, None
    name = session.get("user")
    if not name:
        return
    from store.users import session_valid
    from web.db import get_db

    user = session_valid(get_db(), name, session.get("uid", -1), session.get("sv", -1))
    if user is None:  # logged out elsewhere, password changed, or deactivated: anonymous from now on
        for key in SESSION_KEYS:
            session.pop(key, None)
        return
    g.user, g.role = user["name"], user["role"]


def current_user() -> str | None:
    """The signed-in account's name (analyst or viewer), or None."""
    return g.get("user")


def current_role() -> str | None:
    return g.get("role")


def is_analyst() -> bool:
    return current_role() == "analyst"


def login_required(view: Callable) -> Callable:
    """Analyst-only views: anyone else gets 403 (their POSTs change nothing)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not is_analyst():
            abort(403, description="Only signed-in analysts can change the analysis.")
        return view(*args, **kwargs)

    return wrapped


LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")
OPEN_ENDPOINTS = ("analyst.login_view", "analyst.logout_view", "static")  # reachable before signing in
FULL_TEXT_ENDPOINTS = ("exports.points_csv", "exports.points_xlsx", "exports.jsonl_zip")


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    host = (host or "").strip().strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _require_login():
    """Where ``REQUIRE_LOGIN`` is set every page but sign-in needs an account; where
    ``EXPORTS_NEED_ANALYST`` is set the full-text exports need the analyst role."""
    cfg = current_app.config
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if cfg["REQUIRE_LOGIN"] and not current_user():
        if request.method in ("GET", "HEAD"):
            return redirect(url_for("analyst.login_view", next=request.full_path.rstrip("?")))
        abort(401, description="Sign in first.")
    if cfg["EXPORTS_NEED_ANALYST"] and request.endpoint in FULL_TEXT_ENDPOINTS and not is_analyst():
        abort(403, description="The full-text exports are for signed-in analysts.")
    return None


def login(user: dict) -> None:
    """Start a session for ``user`` (a ``store.users.get_user`` row) bound to its session version."""
    session.clear()  # a new session on sign-in: no fixation, fresh CSRF token
    session.update(user=user["name"], uid=user["id"], sv=user["session_version"], role=user["role"])
    session.permanent = False


def logout() -> None:
    """End this session and every other cookie issued to the same account."""
    from store.users import end_sessions
    from web.db import get_db

    if current_user():
        end_sessions(get_db(), current_user())
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


def plotly_text(value):
    """Chart data with every string made plain text for plotly.js (lists and dicts walked, numbers kept).

    plotly.js renders a subset of HTML in labels, hover text and legends (``<a href>`` becomes a
    live link, ``<b>``, ``<br>``, ``<span style>``...). Its text builder (``convertToTspans`` in the
    bundled plotly.min.js) first splits a string on ``<...>`` tags and only then decodes entities
    into text nodes, so ``&``, ``<`` and ``>`` written as ``&amp;``, ``&lt;``, ``&gt;`` are shown as
    those characters and never parsed as tags.
    """
    if isinstance(value, str):
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if isinstance(value, dict):
        return {k: plotly_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plotly_text(v) for v in value]
    return value


class LoginThrottle:
    """Backoff on failed sign-ins, per user name and per client address (in memory, per process).

    The first ``free`` failures of a key cost nothing; after that each failure doubles the wait
    before the next attempt is even checked (``base``, 2 x ``base``, ... up to ``cap`` seconds).
    Attempts during the wait are refused without checking the password and are not counted. A key
    is forgotten ``memory`` seconds after its last failure; a successful sign-in clears its user
    name (not its address).
    """

    def __init__(self, free: int, free_client: int, base: float, cap: float, memory: float) -> None:
        self.free, self.free_client, self.base, self.cap, self.memory = free, free_client, base, cap, memory
        self._failures: dict[str, tuple[int, float]] = {}  # key -> (count, time of the last failure)
        self._lock = threading.Lock()

    @staticmethod
    def keys(name: str, client: str) -> tuple[str, str]:
        """The user name key (at most 64 characters: longer names cannot exist) and the address key."""
        return "user:" + name.strip().lower()[:64], "client:" + client

    def wait(self, keys: tuple[str, str], now: float) -> float:
        """Seconds before these keys may try again (0: now)."""
        with self._lock:
            return max(self._wait(key, now) for key in keys)

    def _wait(self, key: str, now: float) -> float:
        count, last = self._failures.get(key, (0, 0.0))
        if not count or now - last >= self.memory:
            return 0.0
        free = self.free_client if key.startswith("client:") else self.free
        if count < free:
            return 0.0
        return max(0.0, last + min(self.cap, self.base * 2 ** (count - free)) - now)

    def failed(self, keys: tuple[str, str], now: float) -> None:
        with self._lock:
            for key in keys:
                count, last = self._failures.get(key, (0, 0.0))
                self._failures[key] = (1 if now - last >= self.memory else count + 1, now)
            if len(self._failures) > RateLimiter.MAX_KEYS:
                for key in [k for k, (_, t) in self._failures.items() if now - t >= self.memory]:
                    del self._failures[key]
            if len(self._failures) > RateLimiter.MAX_KEYS:  # memory stays bounded: keep the newest half
                recent = sorted(self._failures, key=lambda k: self._failures[k][1], reverse=True)
                for key in recent[RateLimiter.MAX_KEYS // 2 :]:
                    del self._failures[key]

    def succeeded(self, keys: tuple[str, str]) -> None:
        with self._lock:
            self._failures.pop(keys[0], None)


def login_throttle() -> LoginThrottle:
    """The app's login throttle, built from the ``LOGIN_*`` settings on first use."""
    cfg = current_app.config
    with _LIMITERS_LOCK:
        throttle = current_app.extensions.get("fairhearing_login_throttle")
        if throttle is None:
            throttle = current_app.extensions["fairhearing_login_throttle"] = LoginThrottle(
                cfg["LOGIN_FREE_FAILURES"],
                cfg["LOGIN_CLIENT_FREE_FAILURES"],
                cfg["LOGIN_BACKOFF_BASE"],
                cfg["LOGIN_BACKOFF_MAX"],
                cfg["LOGIN_FAILURE_MEMORY"],
            )
        return throttle


SQLITE_INT_MAX = 2**63 - 1


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` in every route: ids above SQLite's largest integer are 404, not an overflow (500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=SQLITE_INT_MAX, signed=False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter  # before any blueprint adds a route
    app.before_request(_load_user)
    app.before_request(_require_login)
    app.before_request(_check_csrf)
    app.after_request(_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["current_user"] = current_user
    app.jinja_env.globals["is_analyst"] = is_analyst
    app.jinja_env.filters["plotly_text"] = plotly_text


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds for each key (a sliding window, in memory).

    Per process: with several server processes each keeps its own counts. Time comes from the
    caller (``now``), so tests drive it with a fake clock. Thread-safe.
    """

    MAX_KEYS = 10_000  # beyond this, keys with no event in the window are forgotten

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float) -> float:
        """Record an event for ``key`` and return 0, or return the seconds to wait (nothing recorded)."""
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return max(0.0, events[0] + self.window - now)
            events.append(now)
            if len(self._events) > self.MAX_KEYS:
                self._forget(now)
            return 0.0

    def _forget(self, now: float) -> None:
        for key in [k for k, ev in self._events.items() if not ev or ev[-1] <= now - self.window]:
            del self._events[key]
        if len(self._events) > self.MAX_KEYS:  # still too many live keys: keep the most recent half
            recent = sorted(self._events, key=lambda k: self._events[k][-1], reverse=True)
            for key in recent[self.MAX_KEYS // 2 :]:
                del self._events[key]


def client_key() -> str:
    """The client's address (behind a reverse proxy every client shares the proxy's address)."""
    return request.remote_addr or "unknown"


def clock() -> float:
    """Seconds from the app's clock (``CLOCK`` in the config: ``time.monotonic`` unless a test sets one)."""
    return current_app.config["CLOCK"]()


def limiter(name: str, limit: int, window: float) -> RateLimiter:
    """The app's limiter called ``name`` (created on first use; a new one if its settings change)."""
    limiters = current_app.extensions.setdefault("fairhearing_limiters", {})
    with _LIMITERS_LOCK:
        lim = limiters.get(name)
        if lim is None or (lim.limit, lim.window) != (limit, window):
            lim = limiters[name] = RateLimiter(limit, window)
        return lim


def retry_after(seconds: float) -> str:
    """A Retry-After header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))


_LIMITERS_LOCK = threading.Lock()
