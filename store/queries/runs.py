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


def current_run_ids(db: Database) -> list[int]:
    """The current run of every consultation (of the whole database when it has none), lowest id first."""
    from store.runs import current_run as rule
    from store.scope import consultations

    runs = [rule(db, c["id"]) for c in consultations(db)] or [rule(db, None)]
    return sorted({r["id"] for r in runs if r is not None})
