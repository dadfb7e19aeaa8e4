"""Writing a run's themes: broader groups (level 1) first, then themes (level 0) under them.

Each row keeps its title as both ``label`` (shown; an analyst rename replaces it) and
``auto_label``, its one-sentence ``description``, and ``title_sources``: JSON, a list of
``{"phrase", "weight", "quotes"}`` (the title's phrase first, then the next phrases the
description names), each quote a point the phrase came from, cut around it.
``result`` is a ``nlp.themes`` fit (or anything with the same ``groups`` and ``themes`` fields).
"""

from __future__ import annotations

import json

from store.db import Database


def _sources(item) -> str:
    """The title sources without the fit's point indices (they mean nothing once stored)."""
    return json.dumps(
        [{k: v for k, v in s.items() if k != "points"} for s in getattr(item, "title_sources", [])],
        ensure_ascii=False,
    )


def write_themes(db: Database, run_id: int, result) -> dict[int, int]:
    """Insert ``result``'s groups and themes for ``run_id``; return topic number -> theme id."""
    group_ids: dict[int, int] = {}
    insert = """INSERT INTO themes (run_id, parent_id, level, topic, label, auto_label, keywords, size,
                                    description, title_sources)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
    for g in result.groups:
        cur = db.execute(
            insert,
            [run_id, None, 1, g.group, g.label, g.label, json.dumps(g.keywords), g.size]
            + [getattr(g, "description", ""), _sources(g)],
        )
        group_ids[g.group] = cur.lastrowid
    theme_ids: dict[int, int] = {}
    for t in result.themes:
        cur = db.execute(
            insert,
            [run_id, group_ids.get(t.group), 0, t.topic, t.label, t.label, json.dumps(t.keywords), t.size]
            + [getattr(t, "description", ""), _sources(t)],
        )
        theme_ids[t.topic] = cur.lastrowid
    return theme_ids


def group_ids(db: Database, run_id: int) -> dict[int, int]:
    """Broader group number -> theme id of the run's level-1 rows (as ``write_themes`` stored them)."""
    return dict(
        db.execute("SELECT topic, id FROM themes WHERE run_id = ? AND level = 1", [run_id]).fetchall()
    )
