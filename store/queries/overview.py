"""What the overview page shows: counts, sources, sentiment and the charts' data."""

from __future__ import annotations

from store import counts as count_model
from store.counts import MAPPED
from store.db import Database
from store.queries._sql import all_rows, ids_json, scalar
from store.queries.points import SENTIMENTS
from store.scope import scope_of


def counts(db: Database) -> dict:
    """What the consultation received, by the count model of ``store.counts``."""
    t = count_model.totals(db)
    return {
        "sources": scalar(
            db, "SELECT COUNT(*) FROM sources WHERE ? IS NULL OR consultation_id = ?", [scope_of(db)] * 2
        ),
        "respondents": t.respondents,
        "responses": t.responses,
        "points": t.points,
        "organisations": t.organisations,
        "principles": scalar(
            db,
            """SELECT COUNT(*) FROM principles pr JOIN frameworks f ON f.id = pr.framework_id
               WHERE ? IS NULL OR f.consultation_id = ?""",
            [scope_of(db)] * 2,
        ),
        "channels": t.by_channel,
    }


def sources(db: Database) -> list[dict]:
    return all_rows(
        db,
        """SELECT s.id, s.name, s.format, s.title, s.question,
                  (SELECT COUNT(*) FROM responses r WHERE r.source_id = s.id AND r.role = 'stakeholder') AS items
           FROM sources s WHERE ? IS NULL OR s.consultation_id = ? ORDER BY s.name""",
        [scope_of(db)] * 2,
    )


def respondents_by_type(db: Database) -> list[dict]:
    """Distinct respondents per respondent type: [{type, n}]."""
    return [{"type": r["type"], "n": r["respondents"]} for r in count_model.totals(db).by_type]


def sentiment_split(db: Database, run: int | None) -> dict[str, int]:
    rows = db.execute(
        "SELECT sentiment, COUNT(*) FROM point_analysis WHERE run_id = ? AND sentiment IS NOT NULL GROUP BY 1",
        [run],
    ).fetchall()
    got = dict(rows)
    return {s: got.get(s, 0) for s in SENTIMENTS}


def largest_themes(db: Database, run: int | None, limit: int = 10) -> list[dict]:
    return all_rows(
        db,
        "SELECT id, label, size FROM themes WHERE run_id = ? AND level = 0 ORDER BY size DESC, id LIMIT ?",
        [run, limit],
    )


def chart_data(db: Database, run: int | None, top: int = 15) -> dict:
    """Plain data for the overview charts: theme sizes, sentiment by theme, principle x theme counts."""
    themes = largest_themes(db, run, top)
    ids = [t["id"] for t in themes]
    sent = {
        (r["theme_id"], r["sentiment"]): r["n"]
        for r in all_rows(
            db,
            """SELECT theme_id, sentiment, COUNT(*) AS n FROM point_analysis
               WHERE theme_id IN (SELECT value FROM json_each(?)) GROUP BY 1, 2""",
            [ids_json(ids)],
        )
    }
    cells = all_rows(
        db,
        f"""SELECT pp.principle_id, pa.theme_id, COUNT(DISTINCT pp.point_id) AS n FROM point_principles pp
           JOIN point_analysis pa ON pa.point_id = pp.point_id
           WHERE pa.theme_id IN (SELECT value FROM json_each(?)) AND {MAPPED} GROUP BY 1, 2""",
        [ids_json(ids)],
    )
    used = sorted({c["principle_id"] for c in cells})
    principles = all_rows(
        db,
        """SELECT pr.id, pr.code, pr.text FROM principles pr JOIN components c ON c.id = pr.component_id
           WHERE pr.id IN (SELECT value FROM json_each(?)) ORDER BY pr.framework_id, c.idx, pr.idx""",
        [ids_json(used)],
    )
    z = {(c["principle_id"], c["theme_id"]): c["n"] for c in cells}
    labels = [t["label"] for t in themes]
    return {
        "themes": {"labels": labels, "sizes": [t["size"] for t in themes], "ids": ids},
        "sentiment": {
            "labels": labels,
            **{s: [sent.get((tid, s), 0) for tid in ids] for s in SENTIMENTS},
        },
        "heatmap": {
            "themes": labels,
            "principles": [p["code"] for p in principles],
            "principle_texts": [p["text"] for p in principles],
            "z": [[z.get((p["id"], tid), 0) for tid in ids] for p in principles],
        },
    }
