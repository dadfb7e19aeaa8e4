"""The current run of the connection's consultation (``store.runs.current_run`` holds the rule)."""

from __future__ import annotations

from store.db import Database
from store.scope import scope_of


def current_run(db: Database) -> dict | None:
    """The current run of the connection's consultation (``store.runs.current_run`` has the rule)."""
    from store.runs import current_run as rule

    return rule(db, scope_of(db))


def run_id(db: Database) -> int | None:
    run = current_run(db)
    return run["id"] if run else None
