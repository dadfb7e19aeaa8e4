"""Frameworks and principles with their reach, and the points and quotes under each principle."""

from __future__ import annotations

import json

from store import counts as count_model
from store.counts import MAPPED
from store.db import Database
from store.queries._sql import all_rows, one_row, scalar
from store.queries.points import POINT_COLS, POINT_JOINS, SENTIMENTS, attach_principles
from store.queries.runs import run_id
from store.scope import scope_of
from store.titles import derive_title


def frameworks(db: Database) -> list[dict]:
    """Frameworks with components, principles and how many points map to each principle."""
    fws = all_rows(
        db,
        "SELECT id, name, question, source_id FROM frameworks WHERE ? IS NULL OR consultation_id = ? ORDER BY id",
        [scope_of(db)] * 2,
    )
    run = run_id(db)
    reach = count_model.principle_reach(db, run)
    comp_reach = count_model.component_reach(db, run)
    sentiment = count_model.principle_sentiment(db, run)
    for fw in fws:
        comps = all_rows(
            db,
            "SELECT id, idx, name, headline, context, is_annex FROM components WHERE framework_id = ? ORDER BY idx",
            [fw["id"]],
        )
        total = addressed = 0
        for c in comps:
            c["principles"] = all_rows(
                db,
                "SELECT id, code, kind, text, title, synonyms FROM principles WHERE component_id = ? ORDER BY idx",
                [c["id"]],
            )
            for p in c["principles"]:
                r = reach.get(p["id"], count_model.Reach())
                p["n"], p["respondents"], p["confirmed"] = r.points, r.respondents, r.confirmed
                p["title"] = p["title"] or derive_title(p["text"])
                p["synonyms"] = json.loads(p["synonyms"] or "[]")
                p["sentiment"] = {k: sentiment.get(p["id"], {}).get(k, 0) for k in SENTIMENTS}
            c["addressed"] = sum(1 for p in c["principles"] if p["n"])
            cr = comp_reach.get(c["id"], count_model.Reach())
            c["points"], c["respondents"], c["confirmed"] = cr.points, cr.respondents, cr.confirmed
            total += len(c["principles"])
            addressed += c["addressed"]
        fw["components"] = comps
        fw["principle_count"] = total
        fw["addressed"] = addressed
        fw["coverage"] = addressed / total if total else 0.0
    return fws


def principle(db: Database, principle_id: int) -> dict | None:
    p = one_row(
        db,
        """SELECT pr.*, c.name AS component, c.headline AS component_headline, c.context AS component_context,
                  f.name AS framework, f.source_id AS framework_source
           FROM principles pr JOIN components c ON c.id = pr.component_id
           JOIN frameworks f ON f.id = pr.framework_id WHERE pr.id = ?""",
        [principle_id],
    )
    if p is None:
        return None
    p["examples"] = json.loads(p["examples"] or "[]")
    p["synonyms"] = json.loads(p["synonyms"] or "[]")
    p["title_derived"] = not p["title"] or p.get("title_source") == "derived"
    p["title"] = p["title"] or derive_title(p["text"])
    p["sentiment"] = {s: 0 for s in SENTIMENTS}
    for s, n in db.execute(
        f"""SELECT pa.sentiment, COUNT(DISTINCT pp.point_id) FROM point_principles pp
           JOIN point_analysis pa ON pa.point_id = pp.point_id
           WHERE pp.principle_id = ? AND {MAPPED} GROUP BY 1""",
        [principle_id],
    ):
        if s in p["sentiment"]:
            p["sentiment"][s] = n
    r = count_model.principle_reach(db, run_id(db)).get(principle_id, count_model.Reach())
    p["n"], p["respondents"], p["confirmed"], p["suggested"] = (
        r.points,
        r.respondents,
        r.confirmed,
        r.suggested,
    )
    return p


def principle_themes(db: Database, principle_id: int) -> list[dict]:
    return all_rows(
        db,
        f"""SELECT t.id, t.label, COUNT(DISTINCT pp.point_id) AS n FROM point_principles pp
           JOIN point_analysis pa ON pa.point_id = pp.point_id JOIN themes t ON t.id = pa.theme_id
           WHERE pp.principle_id = ? AND {MAPPED} GROUP BY t.id ORDER BY n DESC, t.id""",
        [principle_id],
    )


def principle_points(
    db: Database, principle_id: int, page: int = 1, per_page: int = 50
) -> tuple[list[dict], int]:
    total = scalar(
        db, "SELECT COUNT(*) FROM point_principles pp WHERE pp.principle_id = ? AND " + MAPPED, [principle_id]
    )
    rows = all_rows(
        db,
        f"""SELECT {POINT_COLS}, pp.score AS principle_score FROM point_principles pp
            JOIN points p ON p.id = pp.point_id {POINT_JOINS}
            WHERE pp.principle_id = ? AND {MAPPED} ORDER BY pp.score DESC, p.id LIMIT ? OFFSET ?""",
        [principle_id, per_page, (max(page, 1) - 1) * per_page],
    )
    attach_principles(db, rows)
    return rows, total


def component_quotes(db: Database, component_name: str, framework_source: int | None) -> list[dict]:
    """Respondent pull-quotes the strategy prints under a component (meta.component)."""
    return all_rows(
        db,
        """SELECT id, author, organisation, clean_text FROM responses
           WHERE source_id = ? AND json_extract(meta, '$.component') = ? ORDER BY idx""",
        [framework_source, component_name],
    )
