"""Jinja filters and globals shared by the templates."""

from __future__ import annotations

from flask import Flask, request, url_for

from nlp.language import language_name, tags_measured
from store.read import SENTIMENTS


def pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "0%"


def page_url(page: int) -> str:
    """The current URL with ``page`` replaced (other query arguments kept)."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def attribution(row: dict) -> str:
    """ "Author, Organisation" (whichever are known) or "Anonymous"."""
    parts = [p for p in (row.get("author"), row.get("organisation")) if p]
    if len(parts) == 2 and parts[0].strip().lower() == parts[1].strip().lower():
        parts = parts[:1]
    return ", ".join(parts) or "Anonymous"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["pct"] = pct
    app.jinja_env.filters["attribution"] = attribution
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals["SENTIMENTS"] = SENTIMENTS
    app.jinja_env.globals["tags_measured"] = tags_measured
    app.jinja_env.filters["language_name"] = language_name
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
