"""Themes and broader groups of a run: lists, one theme, its quotes, organisations, breakdowns and points."""

from __future__ import annotations

import json

from store.counts import MAPPED, RESPONDENT, STAKEHOLDER
from store.db import Database
from store.queries._sql import all_rows, ids_json, one_row, scalar
from store.queries.points import POINT_COLS, POINT_JOINS, SENTIMENTS, THEME_FROM, attach_principles


def themes(db: Database, run: int | None) -> list[dict]:
    """All themes and groups of the run with sentiment counts, largest first."""
    rows = all_rows(
        db,
        """SELECT t.id, t.label, t.auto_label, t.level, t.parent_id, t.size, t.signed_off_by,
                  g.label AS parent_label,
                  SUM(pa.sentiment = 'negative') AS negative, SUM(pa.sentiment = 'neutral') AS neutral,
                  SUM(pa.sentiment = 'positive') AS positive
           FROM themes t LEFT JOIN themes g ON g.id = t.parent_id
           LEFT JOIN point_analysis pa ON pa.theme_id = t.id
           WHERE t.run_id = ? GROUP BY t.id ORDER BY t.level DESC, t.size DESC, t.id""",
        [run],
    )
    for r in rows:
        for s in SENTIMENTS:
            r[s] = r[s] or 0
    return rows


def theme_choices(db: Database, run: int | None) -> list[dict]:
    """Level-0 themes (id, label, size) for select boxes, by label."""
    return all_rows(
        db,
        "SELECT id, label, size FROM themes WHERE run_id = ? AND level = 0 ORDER BY label COLLATE NOCASE, id",
        [run],
    )


def theme(db: Database, theme_id: int) -> dict | None:
    t = one_row(
        db,
        """SELECT t.*, g.label AS parent_label FROM themes t LEFT JOIN themes g ON g.id = t.parent_id
           WHERE t.id = ?""",
        [theme_id],
    )
    if t is None:
        return None
    t["keywords"] = json.loads(t["keywords"] or "[]")
    ids = theme_ids(db, theme_id)
    t["member_ids"] = ids
    t["sentiment"] = {s: 0 for s in SENTIMENTS}
    t["types"] = {}
    t["points"] = 0
    for r in all_rows(
        db,
        """SELECT sentiment, type, COUNT(*) AS n FROM point_analysis
           WHERE theme_id IN (SELECT value FROM json_each(?)) GROUP BY 1, 2""",
        [ids_json(ids)],
    ):
        t["points"] += r["n"]
        if r["sentiment"] in t["sentiment"]:
            t["sentiment"][r["sentiment"]] += r["n"]
        if r["type"]:
            t["types"][r["type"]] = t["types"].get(r["type"], 0) + r["n"]
    t["respondents"] = scalar(
        db,
        f"""SELECT COUNT(DISTINCT {RESPONDENT}) FROM point_analysis pa JOIN points p ON p.id = pa.point_id
           JOIN responses r ON r.id = p.response_id
           WHERE pa.theme_id IN (SELECT value FROM json_each(?)) AND {STAKEHOLDER}""",
        [ids_json(ids)],
    )
    t["responses"] = t["respondents"]  # older templates' name for the same figure
    return t


def theme_ids(db: Database, theme_id: int) -> list[int]:
    """The theme itself and (for a group) its sub-themes."""
    return [theme_id] + [r[0] for r in db.execute("SELECT id FROM themes WHERE parent_id = ?", [theme_id])]


def subthemes(db: Database, theme_id: int) -> list[dict]:
    return all_rows(
        db, "SELECT id, label, size FROM themes WHERE parent_id = ? ORDER BY size DESC, id", [theme_id]
    )


def _in_themes(ids: list[int]) -> tuple[str, list]:
    """``pa.theme_id`` condition: plain equality for one theme, so the (theme_id, theme_score) index orders it."""
    if len(ids) == 1:
        return "pa.theme_id = ?", [ids[0]]
    return "pa.theme_id IN (SELECT value FROM json_each(?))", [ids_json(ids)]


def theme_quotes(db: Database, theme_id: int, limit: int = 5) -> list[dict]:
    """Representative quotes: the analysis's own choice (central and diverse, see nlp.summaries) of
    the points still in the theme, topped up with the points closest to it after analyst edits."""
    cond, params = _in_themes(theme_ids(db, theme_id))
    stored = all_rows(
        db,
        f"""SELECT {POINT_COLS} FROM summary_quotes sq JOIN points p ON p.id = sq.point_id {POINT_JOINS}
            WHERE sq.kind = 'theme' AND sq.target_id = ? AND {cond} ORDER BY sq.rank""",
        [theme_id, *params],
    )
    rows = all_rows(
        db,
        f"""SELECT {POINT_COLS} FROM {THEME_FROM} WHERE {cond} AND r.role = 'stakeholder'
            ORDER BY pa.theme_score DESC, pa.point_id DESC LIMIT ?""",
        [*params, limit * 8],
    )
    return _distinct_quotes(stored + rows, limit)


def _distinct_quotes(rows: list[dict], limit: int) -> list[dict]:
    out, seen_resp, seen_text = [], set(), set()
    for r in rows:
        if r["response_id"] in seen_resp or r["text_hash"] in seen_text or len(r["clean_text"]) < 20:
            continue
        seen_resp.add(r["response_id"])
        seen_text.add(r["text_hash"])
        out.append(r)
        if len(out) == limit:
            break
    return out


def theme_organisations(db: Database, theme_id: int, limit: int = 50) -> list[dict]:
    return all_rows(
        db,
        """SELECT r.organisation AS name, COUNT(*) AS n FROM point_analysis pa
           JOIN points p ON p.id = pa.point_id JOIN responses r ON r.id = p.response_id
           WHERE pa.theme_id IN (SELECT value FROM json_each(?)) AND r.organisation IS NOT NULL
             AND r.organisation != '' GROUP BY 1 ORDER BY n DESC, name LIMIT ?""",
        [ids_json(theme_ids(db, theme_id)), limit],
    )


def theme_breakdown(db: Database, theme_id: int) -> dict[str, list[dict]]:
    """The theme's points per source and per question (themes span all of both)."""
    ids = [ids_json(theme_ids(db, theme_id))]
    return {
        key: all_rows(
            db,
            f"""SELECT {column} AS name, COUNT(*) AS n FROM point_analysis pa
                JOIN points p ON p.id = pa.point_id JOIN responses r ON r.id = p.response_id
                JOIN sources s ON s.id = p.source_id
                WHERE pa.theme_id IN (SELECT value FROM json_each(?)) GROUP BY 1 ORDER BY n DESC, name""",
            ids,
        )
        for key, column in (
            ("sources", "COALESCE(NULLIF(s.title, ''), s.name)"),
            ("questions", "COALESCE(r.question, s.question)"),
        )
    }


def theme_principles(db: Database, theme_id: int) -> list[dict]:
    return all_rows(
        db,
        f"""SELECT pr.id, pr.code, pr.text, c.name AS component, COUNT(DISTINCT pp.point_id) AS n,
                  AVG(pp.score) AS score
           FROM point_analysis pa JOIN point_principles pp ON pp.point_id = pa.point_id
           JOIN principles pr ON pr.id = pp.principle_id JOIN components c ON c.id = pr.component_id
           WHERE pa.theme_id IN (SELECT value FROM json_each(?)) AND {MAPPED}
           GROUP BY pr.id ORDER BY n DESC, pr.id""",
        [ids_json(theme_ids(db, theme_id))],
    )


def _theme_points_where(db: Database, theme_id: int, sentiment: str | None) -> tuple[str, list]:
    """Conditions on ``pa`` (point_analysis) alone: ``theme_points`` pages through them before joining."""
    cond, params = _in_themes(theme_ids(db, theme_id))
    if sentiment == "neutral":
        cond += " AND COALESCE(pa.sentiment, 'neutral') NOT IN ('positive', 'negative')"
    elif sentiment is not None:
        cond += " AND pa.sentiment = ?"
        params = [*params, sentiment]
    return cond, params


def theme_points_total(db: Database, theme_id: int, sentiment: str | None = None) -> int:
    """How many points ``theme_points`` pages through (the same on every page: callers may cache it)."""
    return _count(db, *_theme_points_where(db, theme_id, sentiment))


def _count(db: Database, cond: str, params: list) -> int:
    return scalar(db, f"SELECT COUNT(*) FROM point_analysis pa WHERE {cond}", params)


def theme_points(
    db: Database,
    theme_id: int,
    page: int = 1,
    per_page: int = 50,
    sentiment: str | None = None,
    total: int | None = None,
) -> tuple[list, int]:
    """Every point of the theme (or only those of one tagger ``sentiment``; ``neutral`` includes
    untagged points), closest first, one page at a time: (rows, total). ``total``: the
    ``theme_points_total`` already known (not counted again)."""
    cond, params = _theme_points_where(db, theme_id, sentiment)
    if total is None:
        total = _count(db, cond, params)  # the conditions just built, not built again
    # the page's points are chosen on point_analysis alone (the conditions are all on pa), then joined:
    # a group's 25,000 points would otherwise all be joined before the sort (240 ms vs 10 ms at 50k)
    order = "pa.theme_score DESC, pa.point_id DESC"
    rows = all_rows(
        db,
        f"""SELECT {POINT_COLS} FROM {THEME_FROM} WHERE pa.point_id IN (
                SELECT pa.point_id FROM point_analysis pa WHERE {cond} ORDER BY {order} LIMIT ? OFFSET ?)
            ORDER BY {order}""",
        [*params, per_page, (max(page, 1) - 1) * per_page],
    )
    attach_principles(db, rows)
    return rows, total
