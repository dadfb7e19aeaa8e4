"""Writing a run's themes: broader groups (level 1) first, then themes (level 0) under them."""

from __future__ import annotations

import json

import sqlite_utils


def write_themes(db: sqlite_utils.Database, run_id: int, result) -> dict[int, int]:
    """Insert ``result``'s groups and themes for ``run_id``; return topic number -> theme id."""
    group_ids: dict[int, int] = {}
    for g in result.groups:
        cur = db.execute(
            """INSERT INTO themes (run_id, parent_id, level, topic, label, auto_label, keywords, size)
               VALUES (?, NULL, 1, ?, ?, ?, ?, ?)""",
            [run_id, g.group, g.label, g.label, json.dumps(g.keywords), g.size],
        )
        group_ids[g.group] = cur.lastrowid
    theme_ids: dict[int, int] = {}
    for t in result.themes:
        cur = db.execute(
            """INSERT INTO themes (run_id, parent_id, level, topic, label, auto_label, keywords, size)
               VALUES (?, ?, 0, ?, ?, ?, ?, ?)""",
            [run_id, group_ids.get(t.group), t.topic, t.label, t.label, json.dumps(t.keywords), t.size],
        )
        theme_ids[t.topic] = cur.lastrowid
    return theme_ids
