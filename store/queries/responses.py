"""A response, its points, its reply thread and its duplicate group."""

from __future__ import annotations

import json

from store.db import Database
from store.queries._sql import all_rows, one_row, scalar
from store.queries.points import POINT_COLS, POINT_FROM, attach_principles


def response(db: Database, response_id: int) -> dict | None:
    r = one_row(
        db,
        """SELECT r.*, s.name AS source, s.title AS source_title, s.question AS source_question,
                  g.kind AS duplicate_kind, g.size AS duplicate_size, g.representative_id
           FROM responses r JOIN sources s ON s.id = r.source_id
           LEFT JOIN duplicate_groups g ON g.id = r.duplicate_group WHERE r.id = ?""",
        [response_id],
    )
    if r is not None:
        r["meta"] = json.loads(r["meta"] or "{}")
    return r


def source_span(db: Database, source_id: int, start: int, end: int) -> str:
    """``sources.text[start:end]`` without loading the whole text (SQLite counts characters)."""
    return (
        scalar(db, "SELECT substr(text, ?, ?) FROM sources WHERE id = ?", [start + 1, end - start, source_id])
        or ""
    )


def response_points(db: Database, response_id: int) -> list[dict]:
    rows = all_rows(
        db,
        f"SELECT {POINT_COLS}, p.text FROM {POINT_FROM} WHERE p.response_id = ? ORDER BY p.start",
        [response_id],
    )
    return attach_principles(db, rows)


def thread(db: Database, response_id: int) -> list[dict]:
    """The whole reply thread the response belongs to, in reading order, each with its ``depth``."""
    root = response_id
    for _ in range(200):  # follow reply_to up to the thread's root (bounded against cycles)
        parent = scalar(db, "SELECT reply_to FROM responses WHERE id = ?", [root])
        if parent is None:
            break
        root = parent
    rows = all_rows(
        db,
        """WITH RECURSIVE t(id, depth, path) AS (
               SELECT id, 0, printf('%010d', idx) FROM responses WHERE id = ?
               UNION ALL
               SELECT r.id, t.depth + 1, t.path || '/' || printf('%010d', r.idx)
               FROM responses r JOIN t ON r.reply_to = t.id WHERE t.depth < 50)
           SELECT r.id, r.author, r.organisation, r.role, substr(r.clean_text, 1, 300) AS excerpt, t.depth
           FROM t JOIN responses r ON r.id = t.id ORDER BY t.path""",
        [root],
    )
    return rows if len(rows) > 1 else []


def duplicate_members(db: Database, group_id: int | None, limit: int = 200) -> list[dict]:
    if group_id is None:
        return []
    return all_rows(
        db,
        """SELECT r.id, r.author, r.organisation, s.name AS source FROM responses r
           JOIN sources s ON s.id = r.source_id WHERE r.duplicate_group = ? ORDER BY r.id LIMIT ?""",
        [group_id, limit],
    )
