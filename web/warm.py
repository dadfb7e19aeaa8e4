"""Theme pages' aggregates built ahead of their first view, in a background thread.

A theme page's summary (its counts, positions, quotes, organisations, breakdowns and principles) is
kept in the app's bounded cache until the data version moves (``web.themes``); computing it takes a
few hundred ms of SQL at 50,000 responses. ``ThemeWarmer`` builds it for every theme of each
consultation's current run with the same functions the page uses (so the figures are the page's
own): once at start (``web.db.preload_search``), after each write request, and whenever a theme
page sees a data version it has not warmed (a CLI run or ingest in another process).
"""

from __future__ import annotations

import threading

from flask import Flask, current_app, request

from store.db import connect
from store.queries import versions

KEY = "fairhearing_theme_warmer"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class ThemeWarmer:
    """One background thread at a time; a kick while it runs makes it go round once more."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.version: tuple | None = None  # the data version last warmed completely
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False

    def kick(self) -> threading.Thread:
        """Warm now (in the background); returns the thread doing it."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self._again = True
                return self._thread
            self._again = False
            self._thread = threading.Thread(target=self._run, name="fairhearing-theme-warm", daemon=True)
            self._thread.start()
            return self._thread

    def kick_if_stale(self, version: tuple) -> None:
        if version != self.version:
            self.kick()

    def join(self, timeout: float | None = None) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            try:
                self.version = self._warm_once()
            except Exception:  # noqa: BLE001 - a page meets (and reports) the same failure in context
                with self._lock:
                    self._thread = None
                return
            with self._lock:
                if not self._again:
                    self._thread = None
                    return
                self._again = False

    def _warm_once(self) -> tuple | None:
        from web.themes import warm_themes

        db = connect(self.app.config["DATABASE"], readonly=True)
        try:
            with self.app.app_context():
                while True:  # the data moved while warming: warm the newer version too
                    version = versions.data_version(db)
                    warm_themes(db, version)
                    if versions.data_version(db) == version:
                        return version
        finally:
            db.close()


def theme_warmer(app: Flask | None = None) -> ThemeWarmer | None:
    """The app's warmer (``None`` unless ``start`` made one: tests and one-shot commands have none)."""
    return (app or current_app).extensions.get(KEY)


def install(app: Flask) -> ThemeWarmer:
    """The app's warmer, made once; it warms after each write request and when a theme page sees a new
    data version, and now when kicked (``ThemeWarmer.kick``: ``web.db.preload_search`` does, once the
    search is loaded)."""
    warmer = app.extensions.get(KEY)
    if warmer is None:
        warmer = app.extensions.setdefault(KEY, ThemeWarmer(app))
    return warmer


def init_app(app: Flask) -> None:
    @app.after_request
    def rewarm_after_writes(response):
        warmer = app.extensions.get(KEY)
        if warmer is not None and response.status_code < 400 and request.method not in SAFE_METHODS:
            warmer.kick()
        return response
