"""The consultation a page shows: chosen with ``?consultation=NAME`` (remembered in the session),
else the only one, else the most recently analysed. Every page, search, export and report of the
request reads through a connection scoped to it (``store.scope``); existing URLs keep working."""

from __future__ import annotations

from flask import Flask, g, request, session

from store import scope


def selected(db) -> int | None:
    """The request's consultation id (computed once per request)."""
    if "consultation_id" not in g:
        chosen = None
        name = request.args.get("consultation") or session.get("consultation")
        if name:
            chosen = scope.find(db, name)
            if chosen is not None and request.args.get("consultation"):
                session["consultation"] = name
        g.consultation_id = chosen if chosen is not None else scope.default_consultation(db)
    return g.consultation_id


def init_app(app: Flask) -> None:
    @app.context_processor
    def consultation_switcher() -> dict:
        from web.db import get_db

        db = get_db()
        options = scope.consultations(db)
        return {"consultations": options, "consultation_id": selected(db) if len(options) > 1 else None}
