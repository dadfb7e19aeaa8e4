"""Organisations that responded, one organisation's responses and points."""

from __future__ import annotations

from store.counts import MAPPED, STAKEHOLDER
from store.db import Database
from store.queries._sql import all_rows, scalar
from store.queries.points import POINT_COLS, POINT_FROM, attach_principles
from store.scope import scope_of


def organisations(db: Database) -> list[dict]:
    rows = all_rows(
        db,
        """SELECT r.organisation AS name, COUNT(DISTINCT r.id) AS responses, COUNT(p.id) AS points,
                  group_concat(DISTINCT s.name) AS sources, MAX(r.org_kind) AS org_kind
           FROM responses r JOIN sources s ON s.id = r.source_id LEFT JOIN points p ON p.response_id = r.id
           WHERE r.role = 'stakeholder' AND r.organisation IS NOT NULL AND r.organisation != ''
             AND (? IS NULL OR s.consultation_id = ?)
           GROUP BY r.organisation ORDER BY responses DESC, name COLLATE NOCASE""",
        [scope_of(db)] * 2,
    )
    for r in rows:
        r["sources"] = sorted((r["sources"] or "").split(","))
    return rows


def organisation_names(db: Database, limit: int = 5000) -> list[str]:
    return [
        r[0]
        for r in db.execute(
            "SELECT DISTINCT organisation FROM responses WHERE role = 'stakeholder' AND organisation IS NOT NULL "
            "AND organisation != '' ORDER BY organisation COLLATE NOCASE LIMIT ?",
            [limit],
        )
    ]


_RESPONSES_OF = """FROM responses r JOIN sources s ON s.id = r.source_id
           WHERE r.organisation = ? AND r.role = 'stakeholder'"""


def organisation(db: Database, name: str) -> dict | None:
    """The organisation's themes and principles (with their point counts) and how many responses it
    sent (``responses``: the rows ``organisation_responses`` pages through); None when it sent none."""
    total = scalar(db, f"SELECT COUNT(*) {_RESPONSES_OF}", [name])
    if not total:
        return None
    themes_ = all_rows(
        db,
        f"""SELECT t.id, t.label, COUNT(*) AS n FROM responses r JOIN points p ON p.response_id = r.id
           JOIN point_analysis pa ON pa.point_id = p.id JOIN themes t ON t.id = pa.theme_id
           WHERE r.organisation = ? AND {STAKEHOLDER} GROUP BY t.id ORDER BY n DESC, t.id""",
        [name],
    )
    principles_ = all_rows(
        db,
        f"""SELECT pr.id, pr.code, pr.text, COUNT(DISTINCT p.id) AS n FROM responses r
           JOIN points p ON p.response_id = r.id
           JOIN point_principles pp ON pp.point_id = p.id JOIN principles pr ON pr.id = pp.principle_id
           WHERE r.organisation = ? AND {MAPPED} AND {STAKEHOLDER} GROUP BY pr.id ORDER BY n DESC, pr.id""",
        [name],
    )
    return {"name": name, "responses": total, "themes": themes_, "principles": principles_}


def organisation_responses(db: Database, name: str, limit: int = 500, offset: int = 0) -> list[dict]:
    """The organisation's stakeholder responses by source and position, ``limit`` of them from ``offset``
    (one page; ``organisation(...)["responses"]`` is their total), each with its first 400 characters."""
    return all_rows(
        db,
        f"""SELECT r.id, r.author, r.respondent_type, r.org_kind, r.question, s.name AS source,
                  substr(r.clean_text, 1, 400) AS excerpt, length(r.clean_text) AS length
           {_RESPONSES_OF} ORDER BY s.name, r.idx, r.id LIMIT ? OFFSET ?""",
        [name, limit, max(offset, 0)],
    )


def organisation_points(db: Database, name: str, limit: int = 500, offset: int = 0) -> list[dict]:
    """The organisation's stakeholder points in source order, ``limit`` of them from ``offset`` (one page;
    ``store.counts.organisation_points`` is their total)."""
    rows = all_rows(
        db,
        f"""SELECT {POINT_COLS} FROM {POINT_FROM} WHERE r.organisation = ? AND r.role = 'stakeholder'
            ORDER BY s.name, r.idx, p.idx LIMIT ? OFFSET ?""",
        [name, limit, max(offset, 0)],
    )
    return attach_principles(db, rows)


def organisation_text(db: Database, name: str, max_chars: int) -> str:
    """An organisation's responses joined as one submission text (for the check page)."""
    parts, size = [], 0
    for (text,) in db.execute(
        "SELECT clean_text FROM responses WHERE organisation = ? AND role = 'stakeholder' ORDER BY source_id, idx",
        [name],
    ):
        if size + len(text) > max_chars:
            break
        parts.append(text)
        size += len(text) + 2
    return "\n\n".join(parts)
