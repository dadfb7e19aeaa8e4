"""Jinja filters and globals shared by the templates."""

from __future__ import annotations

from functools import lru_cache

from flask import Flask, g, request, url_for

from nlp.language import language_name, tags_measured
from store.queries.points import SENTIMENTS


def pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "0%"


def page_url(page: int, arg: str = "page") -> str:
    """The current URL with ``page`` as query argument ``arg`` (other query arguments kept)."""
    args = request.args.to_dict(flat=False)
    args[arg] = [str(page)]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


_MARK = 987654321987654321  # an id no row has: the placeholder of a cached URL pattern


def id_url(endpoint: str, **value: int) -> str:
    """``url_for(endpoint, name=id)`` for an endpoint taking one integer id, built from a per-request
    pattern (the URL of ``_MARK``) by replacing the id: lists link every row, and ``url_for`` per row
    was a tenth of a results page's time."""
    ((name, ident),) = value.items()
    patterns = g.setdefault("fairhearing_url_patterns", {})
    pattern = patterns.get((endpoint, name))
    if pattern is None:
        pattern = patterns[endpoint, name] = url_for(endpoint, **{name: _MARK})
    return pattern.replace(str(_MARK), str(int(ident)), 1)


@lru_cache(maxsize=8192)
def _public_author(value: str | None) -> str | None:
    from ingest.names import public_author

    return public_author(value)


def author(value: str | None) -> str | None:
    """A response's author: as given for analysts, a person's name as "[name]" for everyone else."""
    from web.security import is_analyst

    return value if is_analyst() else _public_author(value)


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
    app.jinja_env.globals["id_url"] = id_url
    app.jinja_env.globals["SENTIMENTS"] = SENTIMENTS
    app.jinja_env.globals["tags_measured"] = tags_measured
    app.jinja_env.filters["language_name"] = language_name
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
