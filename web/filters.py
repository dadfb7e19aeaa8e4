"""Jinja filters and globals shared by the templates."""

from __future__ import annotations

from flask import Flask, request, url_for

from nlp.language import language_name, tags_measured
from store.queries.points import SENTIMENTS


def pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "0%"


def page_url(page: int) -> str:
    """The current URL with ``page`` replaced (other query arguments kept)."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def author(value: str | None) -> str | None:
    """A response's author: as given for analysts, a person's name as "[name]" for everyone else."""
    from ingest.names import public_author
    from web.security import is_analyst

    return value if is_analyst() else public_author(value)


def attribution(row: dict) -> str:
    """ "Author, Organisation" (whichever are known) or "Anonymous"; a person's name only for analysts."""
    parts = [p for p in (author(row.get("author")), row.get("organisation")) if p]
    if len(parts) == 2 and parts[0].strip().lower() == parts[1].strip().lower():
        parts = parts[:1]
    return ", ".join(parts) or "Anonymous"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["pct"] = pct
    app.jinja_env.filters["attribution"] = attribution
    app.jinja_env.filters["author"] = author
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals["SENTIMENTS"] = SENTIMENTS
    app.jinja_env.globals["tags_measured"] = tags_measured
    app.jinja_env.filters["language_name"] = language_name
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
