"""Where a removed theme's points went: theme ids are never reused, and an old link says what happened.

A theme disappears when an analyst merges it into another, or when a new analysis run replaces the
run it belonged to. Either way a row of ``theme_successors`` records the theme it was folded into
(for a new run: the new theme holding most of its points). ``successor`` follows the chain to a theme
that still exists.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from store.schema import now

MAX_CHAIN = 50  # a chain of merges and re-runs longer than this is cut (no cycles are possible)


@dataclass
class Successor:
    old_id: int
    old_label: str
    reason: str  # merged / re-analysed
    at: str
    new_id: int | None  # a theme that exists now, or None when its points went nowhere
    new_label: str | None


def record(db: sqlite_utils.Database, old_id: int, old_label: str, new_id: int | None, reason: str) -> None:
    """Remember that theme ``old_id`` was replaced by ``new_id`` (call in the removing transaction)."""
    db.execute(
        """INSERT OR REPLACE INTO theme_successors (old_id, old_label, new_id, reason, at)
           VALUES (?, ?, ?, ?, ?)""",
        [old_id, old_label, new_id, reason, now()],
    )


def successor(db: sqlite_utils.Database, theme_id: int) -> Successor | None:
    """The existing theme that holds a removed theme's points now, or None if ``theme_id`` never existed."""
    row = db.execute(
        "SELECT old_id, old_label, new_id, reason, at FROM theme_successors WHERE old_id = ?", [theme_id]
    ).fetchone()
    if row is None:
        return None
    old_id, old_label, new_id, reason, at = row
    for _ in range(MAX_CHAIN):
        if new_id is None:
            break
        label = db.execute("SELECT label FROM themes WHERE id = ?", [new_id]).fetchone()
        if label is not None:
            return Successor(old_id, old_label, reason, at, new_id, label[0])
        nxt = db.execute("SELECT new_id FROM theme_successors WHERE old_id = ?", [new_id]).fetchone()
        new_id = nxt[0] if nxt else None
    return Successor(old_id, old_label, reason, at, None, None)
