"""A write that finds the database busy (e.g. during a long ingest) answers 503 "busy, try again", never 500."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import ServiceUnavailable

from store.tx import BusyError

RETRY_AFTER_S = 5


def busy_error(e: BusyError):
    error = ServiceUnavailable(
        description="Another change (an import or an analysis) is being written just now. "
        "Nothing you did was lost or half-saved: please try again in a few seconds."
    )
    response = render_template("error.html", error=error), 503, {"Retry-After": str(RETRY_AFTER_S)}
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(BusyError, busy_error)
