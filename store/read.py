"""Every read query the web views need (views hold no SQL). All SQL is parameterised.

Themes, sentiment and mappings come from the current analysis run: the newest run marked done.
Lists of ids are passed to SQLite as one JSON parameter (``json_each``), never spliced into SQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlite_utils

from store import counts as count_model
from store.counts import MAPPED, RESPONDENT, STAKEHOLDER
from store.languages import language_counts
from store.scope import scope_of
from store.titles import derive_title

SENTIMENTS = ("negative", "neutral", "positive")
POINT_TYPES = ("concern", "suggestion", "question", "support", "experience", "information")


def _all(db: sqlite_utils.Database, sql: str, params: list | tuple = ()) -> list[dict]:
    cur = db.execute(sql, list(params))
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def _one(db: sqlite_utils.Database, sql: str, params: list | tuple = ()) -> dict | None:
    rows = _all(db, sql, params)
    return rows[0] if rows else None


def _scalar(db: sqlite_utils.Database, sql: str, params: list | tuple = ()):
    row = db.execute(sql, list(params)).fetchone()
    return row[0] if row else None


def _ids(ids) -> str:
    return json.dumps([int(i) for i in ids])


# ---------------------------------------------------------------- runs and overview


def current_run(db: sqlite_utils.Database) -> dict | None:
    """The current run of the connection's consultation (``store.runs.current_run`` has the rule)."""
    from store.runs import current_run as rule

    return rule(db, scope_of(db))


def run_id(db: sqlite_utils.Database) -> int | None:
    run = current_run(db)
    return run["id"] if run else None


def counts(db: sqlite_utils.Database) -> dict:
    """What the consultation received, by the count model of ``store.counts``."""
    t = count_model.totals(db)
    return {
        "sources": _scalar(
            db, "SELECT COUNT(*) FROM sources WHERE ? IS NULL OR consultation_id = ?", [scope_of(db)] * 2
        ),
        "respondents": t.respondents,
        "responses": t.responses,
        "points": t.points,
        "organisations": t.organisations,
        "principles": _scalar(
            db,
            """SELECT COUNT(*) FROM principles pr JOIN frameworks f ON f.id = pr.framework_id
               WHERE ? IS NULL OR f.consultation_id = ?""",
            [scope_of(db)] * 2,
        ),
        "channels": t.by_channel,
    }


def sources(db: sqlite_utils.Database) -> list[dict]:
    return _all(
        db,
        """SELECT s.id, s.name, s.format, s.title, s.question,
                  (SELECT COUNT(*) FROM responses r WHERE r.source_id = s.id AND r.role = 'stakeholder') AS items
           FROM sources s WHERE ? IS NULL OR s.consultation_id = ? ORDER BY s.name""",
        [scope_of(db)] * 2,
    )


def respondents_by_type(db: sqlite_utils.Database) -> list[dict]:
    """Distinct respondents per respondent type: [{type, n}]."""
    return [{"type": r["type"], "n": r["respondents"]} for r in count_model.totals(db).by_type]


def sentiment_split(db: sqlite_utils.Database, run: int | None) -> dict[str, int]:
    rows = db.execute(
        "SELECT sentiment, COUNT(*) FROM point_analysis WHERE run_id = ? AND sentiment IS NOT NULL GROUP BY 1",
        [run],
    ).fetchall()
    got = dict(rows)
    return {s: got.get(s, 0) for s in SENTIMENTS}


def largest_themes(db: sqlite_utils.Database, run: int | None, limit: int = 10) -> list[dict]:
    return _all(
        db,
        "SELECT id, label, size FROM themes WHERE run_id = ? AND level = 0 ORDER BY size DESC, id LIMIT ?",
        [run, limit],
    )


def chart_data(db: sqlite_utils.Database, run: int | None, top: int = 15) -> dict:
    """Plain data for the overview charts: theme sizes, sentiment by theme, principle x theme counts."""
    themes = largest_themes(db, run, top)
    ids = [t["id"] for t in themes]
    sent = {
        (r["theme_id"], r["sentiment"]): r["n"]
        for r in _all(
            db,
            """SELECT theme_id, sentiment, COUNT(*) AS n FROM point_analysis
               WHERE theme_id IN (SELECT value FROM json_each(?)) GROUP BY 1, 2""",
            [_ids(ids)],
        )
    }
    cells = _all(
        db,
        f"""SELECT pp.principle_id, pa.theme_id, COUNT(DISTINCT pp.point_id) AS n FROM point_principles pp
           JOIN point_analysis pa ON pa.point_id = pp.point_id
           WHERE pa.theme_id IN (SELECT value FROM json_each(?)) AND {MAPPED} GROUP BY 1, 2""",
        [_ids(ids)],
    )
    used = sorted({c["principle_id"] for c in cells})
    principles = _all(
        db,
        """SELECT pr.id, pr.code, pr.text FROM principles pr JOIN components c ON c.id = pr.component_id
           WHERE pr.id IN (SELECT value FROM json_each(?)) ORDER BY pr.framework_id, c.idx, pr.idx""",
        [_ids(used)],
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


# ---------------------------------------------------------------- themes


def themes(db: sqlite_utils.Database, run: int | None) -> list[dict]:
    """All themes and groups of the run with sentiment counts, largest first."""
    rows = _all(
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


def theme_choices(db: sqlite_utils.Database, run: int | None) -> list[dict]:
    """Level-0 themes (id, label, size) for select boxes, by label."""
    return _all(
        db,
        "SELECT id, label, size FROM themes WHERE run_id = ? AND level = 0 ORDER BY label COLLATE NOCASE, id",
        [run],
    )


def theme(db: sqlite_utils.Database, theme_id: int) -> dict | None:
    t = _one(
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
    for r in _all(
        db,
        """SELECT sentiment, type, COUNT(*) AS n FROM point_analysis
           WHERE theme_id IN (SELECT value FROM json_each(?)) GROUP BY 1, 2""",
        [_ids(ids)],
    ):
        t["points"] += r["n"]
        if r["sentiment"] in t["sentiment"]:
            t["sentiment"][r["sentiment"]] += r["n"]
        if r["type"]:
            t["types"][r["type"]] = t["types"].get(r["type"], 0) + r["n"]
    t["respondents"] = _scalar(
        db,
        f"""SELECT COUNT(DISTINCT {RESPONDENT}) FROM point_analysis pa JOIN points p ON p.id = pa.point_id
           JOIN responses r ON r.id = p.response_id
           WHERE pa.theme_id IN (SELECT value FROM json_each(?)) AND {STAKEHOLDER}""",
        [_ids(ids)],
    )
    t["responses"] = t["respondents"]  # older templates' name for the same figure
    return t


def theme_ids(db: sqlite_utils.Database, theme_id: int) -> list[int]:
    """The theme itself and (for a group) its sub-themes."""
    return [theme_id] + [r[0] for r in db.execute("SELECT id FROM themes WHERE parent_id = ?", [theme_id])]


def subthemes(db: sqlite_utils.Database, theme_id: int) -> list[dict]:
    return _all(
        db, "SELECT id, label, size FROM themes WHERE parent_id = ? ORDER BY size DESC, id", [theme_id]
    )


_POINT_COLS = """p.id, p.response_id, p.text_hash, p.clean_text, p.start, p."end", r.author, r.organisation,
    r.respondent_type, r.source_id, s.name AS source, COALESCE(NULLIF(s.title, ''), s.name) AS source_title, pa.theme_id, t.label AS theme_label, pa.theme_score,
    pa.sentiment, pa.type, pa.no_principle, pa.language"""
_POINT_JOINS = """JOIN responses r ON r.id = p.response_id JOIN sources s ON s.id = p.source_id
    LEFT JOIN point_analysis pa ON pa.point_id = p.id LEFT JOIN themes t ON t.id = pa.theme_id"""
_POINT_FROM = "points p " + _POINT_JOINS


_THEME_FROM = """point_analysis pa JOIN points p ON p.id = pa.point_id JOIN responses r ON r.id = p.response_id
    JOIN sources s ON s.id = p.source_id LEFT JOIN themes t ON t.id = pa.theme_id"""


def _in_themes(ids: list[int]) -> tuple[str, list]:
    """``pa.theme_id`` condition: plain equality for one theme, so the (theme_id, theme_score) index orders it."""
    if len(ids) == 1:
        return "pa.theme_id = ?", [ids[0]]
    return "pa.theme_id IN (SELECT value FROM json_each(?))", [_ids(ids)]


def theme_quotes(db: sqlite_utils.Database, theme_id: int, limit: int = 5) -> list[dict]:
    """Representative quotes: the analysis's own choice (central and diverse, see nlp.summaries) of
    the points still in the theme, topped up with the points closest to it after analyst edits."""
    cond, params = _in_themes(theme_ids(db, theme_id))
    stored = _all(
        db,
        f"""SELECT {_POINT_COLS} FROM summary_quotes sq JOIN points p ON p.id = sq.point_id {_POINT_JOINS}
            WHERE sq.kind = 'theme' AND sq.target_id = ? AND {cond} ORDER BY sq.rank""",
        [theme_id, *params],
    )
    rows = _all(
        db,
        f"""SELECT {_POINT_COLS} FROM {_THEME_FROM} WHERE {cond} AND r.role = 'stakeholder'
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


def theme_organisations(db: sqlite_utils.Database, theme_id: int, limit: int = 50) -> list[dict]:
    return _all(
        db,
        """SELECT r.organisation AS name, COUNT(*) AS n FROM point_analysis pa
           JOIN points p ON p.id = pa.point_id JOIN responses r ON r.id = p.response_id
           WHERE pa.theme_id IN (SELECT value FROM json_each(?)) AND r.organisation IS NOT NULL
             AND r.organisation != '' GROUP BY 1 ORDER BY n DESC, name LIMIT ?""",
        [_ids(theme_ids(db, theme_id)), limit],
    )


def theme_breakdown(db: sqlite_utils.Database, theme_id: int) -> dict[str, list[dict]]:
    """The theme's points per source and per question (themes span all of both)."""
    ids = [_ids(theme_ids(db, theme_id))]
    return {
        key: _all(
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


def theme_principles(db: sqlite_utils.Database, theme_id: int) -> list[dict]:
    return _all(
        db,
        f"""SELECT pr.id, pr.code, pr.text, c.name AS component, COUNT(DISTINCT pp.point_id) AS n,
                  AVG(pp.score) AS score
           FROM point_analysis pa JOIN point_principles pp ON pp.point_id = pa.point_id
           JOIN principles pr ON pr.id = pp.principle_id JOIN components c ON c.id = pr.component_id
           WHERE pa.theme_id IN (SELECT value FROM json_each(?)) AND {MAPPED}
           GROUP BY pr.id ORDER BY n DESC, pr.id""",
        [_ids(theme_ids(db, theme_id))],
    )


def theme_points(
    db: sqlite_utils.Database, theme_id: int, page: int = 1, per_page: int = 50, sentiment: str | None = None
) -> tuple[list, int]:
    """Every point of the theme (or only those of one tagger ``sentiment``; ``neutral`` includes
    untagged points), closest first, one page at a time: (rows, total)."""
    cond, params = _in_themes(theme_ids(db, theme_id))
    if sentiment == "neutral":
        cond += " AND COALESCE(pa.sentiment, 'neutral') NOT IN ('positive', 'negative')"
    elif sentiment is not None:
        cond += " AND pa.sentiment = ?"
        params = [*params, sentiment]
    total = _scalar(db, f"SELECT COUNT(*) FROM point_analysis pa WHERE {cond}", params)
    rows = _all(
        db,
        f"""SELECT {_POINT_COLS} FROM {_THEME_FROM} WHERE {cond}
            ORDER BY pa.theme_score DESC, pa.point_id DESC LIMIT ? OFFSET ?""",
        [*params, per_page, (max(page, 1) - 1) * per_page],
    )
    attach_principles(db, rows)
    return rows, total


def attach_principles(db: sqlite_utils.Database, rows: list[dict]) -> list[dict]:
    """Add ``principles``: [{id, code, text, score, verdict}] (verdict from analyst feedback) to points."""
    by_point: dict[int, list[dict]] = {r["id"]: [] for r in rows}
    if not rows:
        return rows
    for m in _all(
        db,
        """SELECT pp.point_id, pr.id, pr.code, pr.text, pr.title, pp.score, mf.verdict
           FROM point_principles pp JOIN principles pr ON pr.id = pp.principle_id
           JOIN points p ON p.id = pp.point_id
           LEFT JOIN mapping_feedback mf ON mf.point_hash = p.text_hash AND mf.principle_id = pr.id
           WHERE pp.point_id IN (SELECT value FROM json_each(?)) AND pp.mapped = 1
           ORDER BY pp.point_id, pp.rank""",
        [_ids(by_point)],
    ):
        m["title"] = m["title"] or derive_title(m["text"])
        by_point[m.pop("point_id")].append(m)
    rejected = _all(
        db,
        """SELECT p.id AS point_id, pr.id, pr.code, pr.text, mf.verdict FROM mapping_feedback mf
           JOIN points p ON p.text_hash = mf.point_hash JOIN principles pr ON pr.id = mf.principle_id
           WHERE p.id IN (SELECT value FROM json_each(?)) AND mf.verdict = 'reject'""",
        [_ids(by_point)],
    )
    for r in rows:
        r["principles"] = by_point[r["id"]]
        r["rejected"] = [x for x in rejected if x["point_id"] == r["id"]]
    return rows


# ---------------------------------------------------------------- framework and principles


def frameworks(db: sqlite_utils.Database) -> list[dict]:
    """Frameworks with components, principles and how many points map to each principle."""
    fws = _all(
        db,
        "SELECT id, name, question, source_id FROM frameworks WHERE ? IS NULL OR consultation_id = ? ORDER BY id",
        [scope_of(db)] * 2,
    )
    run = run_id(db)
    reach = count_model.principle_reach(db, run)
    comp_reach = count_model.component_reach(db, run)
    sentiment = count_model.principle_sentiment(db, run)
    for fw in fws:
        comps = _all(
            db,
            "SELECT id, idx, name, headline, context, is_annex FROM components WHERE framework_id = ? ORDER BY idx",
            [fw["id"]],
        )
        total = addressed = 0
        for c in comps:
            c["principles"] = _all(
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


def principle(db: sqlite_utils.Database, principle_id: int) -> dict | None:
    p = _one(
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


def principle_themes(db: sqlite_utils.Database, principle_id: int) -> list[dict]:
    return _all(
        db,
        f"""SELECT t.id, t.label, COUNT(DISTINCT pp.point_id) AS n FROM point_principles pp
           JOIN point_analysis pa ON pa.point_id = pp.point_id JOIN themes t ON t.id = pa.theme_id
           WHERE pp.principle_id = ? AND {MAPPED} GROUP BY t.id ORDER BY n DESC, t.id""",
        [principle_id],
    )


def principle_points(
    db: sqlite_utils.Database, principle_id: int, page: int = 1, per_page: int = 50
) -> tuple[list[dict], int]:
    total = _scalar(
        db, "SELECT COUNT(*) FROM point_principles pp WHERE pp.principle_id = ? AND " + MAPPED, [principle_id]
    )
    rows = _all(
        db,
        f"""SELECT {_POINT_COLS}, pp.score AS principle_score FROM point_principles pp
            JOIN points p ON p.id = pp.point_id {_POINT_JOINS}
            WHERE pp.principle_id = ? AND {MAPPED} ORDER BY pp.score DESC, p.id LIMIT ? OFFSET ?""",
        [principle_id, per_page, (max(page, 1) - 1) * per_page],
    )
    attach_principles(db, rows)
    return rows, total


def component_quotes(
    db: sqlite_utils.Database, component_name: str, framework_source: int | None
) -> list[dict]:
    """Respondent pull-quotes the strategy prints under a component (meta.component)."""
    return _all(
        db,
        """SELECT id, author, organisation, clean_text FROM responses
           WHERE source_id = ? AND json_extract(meta, '$.component') = ? ORDER BY idx""",
        [framework_source, component_name],
    )


# ---------------------------------------------------------------- responses


def response(db: sqlite_utils.Database, response_id: int) -> dict | None:
    r = _one(
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


def point(db: sqlite_utils.Database, point_id: int) -> dict | None:
    return _one(db, f"SELECT {_POINT_COLS} FROM {_POINT_FROM} WHERE p.id = ?", [point_id])


def source_span(db: sqlite_utils.Database, source_id: int, start: int, end: int) -> str:
    """``sources.text[start:end]`` without loading the whole text (SQLite counts characters)."""
    return (
        _scalar(
            db, "SELECT substr(text, ?, ?) FROM sources WHERE id = ?", [start + 1, end - start, source_id]
        )
        or ""
    )


def response_points(db: sqlite_utils.Database, response_id: int) -> list[dict]:
    rows = _all(
        db,
        f"SELECT {_POINT_COLS}, p.text FROM {_POINT_FROM} WHERE p.response_id = ? ORDER BY p.start",
        [response_id],
    )
    return attach_principles(db, rows)


def thread(db: sqlite_utils.Database, response_id: int) -> list[dict]:
    """The whole reply thread the response belongs to, in reading order, each with its ``depth``."""
    root = response_id
    for _ in range(200):  # follow reply_to up to the thread's root (bounded against cycles)
        parent = _scalar(db, "SELECT reply_to FROM responses WHERE id = ?", [root])
        if parent is None:
            break
        root = parent
    rows = _all(
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


def duplicate_members(db: sqlite_utils.Database, group_id: int | None, limit: int = 200) -> list[dict]:
    if group_id is None:
        return []
    return _all(
        db,
        """SELECT r.id, r.author, r.organisation, s.name AS source FROM responses r
           JOIN sources s ON s.id = r.source_id WHERE r.duplicate_group = ? ORDER BY r.id LIMIT ?""",
        [group_id, limit],
    )


# ---------------------------------------------------------------- organisations


def organisations(db: sqlite_utils.Database) -> list[dict]:
    rows = _all(
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


def organisation_names(db: sqlite_utils.Database, limit: int = 5000) -> list[str]:
    return [
        r[0]
        for r in db.execute(
            "SELECT DISTINCT organisation FROM responses WHERE role = 'stakeholder' AND organisation IS NOT NULL "
            "AND organisation != '' ORDER BY organisation COLLATE NOCASE LIMIT ?",
            [limit],
        )
    ]


def organisation(db: sqlite_utils.Database, name: str) -> dict | None:
    responses = _all(
        db,
        """SELECT r.id, r.author, r.respondent_type, r.org_kind, r.question, s.name AS source,
                  substr(r.clean_text, 1, 400) AS excerpt, length(r.clean_text) AS length
           FROM responses r JOIN sources s ON s.id = r.source_id
           WHERE r.organisation = ? AND r.role = 'stakeholder' ORDER BY s.name, r.idx""",
        [name],
    )
    if not responses:
        return None
    themes_ = _all(
        db,
        f"""SELECT t.id, t.label, COUNT(*) AS n FROM responses r JOIN points p ON p.response_id = r.id
           JOIN point_analysis pa ON pa.point_id = p.id JOIN themes t ON t.id = pa.theme_id
           WHERE r.organisation = ? AND {STAKEHOLDER} GROUP BY t.id ORDER BY n DESC, t.id""",
        [name],
    )
    principles_ = _all(
        db,
        f"""SELECT pr.id, pr.code, pr.text, COUNT(DISTINCT p.id) AS n FROM responses r
           JOIN points p ON p.response_id = r.id
           JOIN point_principles pp ON pp.point_id = p.id JOIN principles pr ON pr.id = pp.principle_id
           WHERE r.organisation = ? AND {MAPPED} AND {STAKEHOLDER} GROUP BY pr.id ORDER BY n DESC, pr.id""",
        [name],
    )
    return {"name": name, "responses": responses, "themes": themes_, "principles": principles_}


def organisation_points(db: sqlite_utils.Database, name: str, limit: int = 500) -> list[dict]:
    rows = _all(
        db,
        f"""SELECT {_POINT_COLS} FROM {_POINT_FROM} WHERE r.organisation = ? AND r.role = 'stakeholder'
            ORDER BY s.name, r.idx, p.idx LIMIT ?""",
        [name, limit],
    )
    return attach_principles(db, rows)


def organisation_text(db: sqlite_utils.Database, name: str, max_chars: int) -> str:
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


# ---------------------------------------------------------------- search


@dataclass
class Filters:
    """Search filters; each empty value means "any"."""

    source: int | None = None
    question: str | None = None
    organisation: str | None = None
    respondent_type: str | None = None
    sentiment: str | None = None
    type: str | None = None
    theme: int | None = None
    principle: int | None = None
    language: str | None = None  # ISO 639-1 code of the point's detected language; "unknown": none detected
    consultation: int | None = None  # the page's consultation scope (not a user filter)
    active: list[str] = field(default_factory=list)

    def where(self) -> tuple[str, list]:
        """SQL conditions over the aliases p, r, pa (and a principle EXISTS) with their parameters."""
        conds, params = ["r.role = 'stakeholder'"], []
        if self.consultation is not None:
            conds.append("p.source_id IN (SELECT id FROM sources WHERE consultation_id = ?)")
            params.append(self.consultation)
        simple = (
            ("source", "p.source_id = ?"),
            ("question", "r.question = ?"),
            ("organisation", "r.organisation = ?"),
            ("sentiment", "pa.sentiment = ?"),
            ("type", "pa.type = ?"),
        )
        for name, cond in simple:
            value = getattr(self, name)
            if value not in (None, ""):
                conds.append(cond)
                params.append(value)
        if self.language == "unknown":
            conds.append("pa.language IS NULL")
        elif self.language:
            conds.append("pa.language = ?")
            params.append(self.language)
        if self.respondent_type:
            if self.respondent_type == "unknown":
                conds.append("(r.respondent_type IS NULL OR r.respondent_type = '')")
            else:
                conds.append("r.respondent_type = ?")
                params.append(self.respondent_type)
        if self.theme is not None:
            conds.append("(pa.theme_id = ? OR pa.theme_id IN (SELECT id FROM themes WHERE parent_id = ?))")
            params += [self.theme, self.theme]
        if self.principle is not None:
            conds.append(
                "EXISTS (SELECT 1 FROM point_principles x WHERE x.point_id = p.id AND x.principle_id = ? "
                "AND x.mapped = 1)"
            )
            params.append(self.principle)
        return " AND ".join(conds), params

    @property
    def any(self) -> bool:
        return any(
            getattr(self, n) not in (None, "")
            for n in (
                "source",
                "question",
                "organisation",
                "respondent_type",
                "sentiment",
                "type",
                "theme",
                "principle",
                "language",
            )
        )


_SEARCH_JOINS = (
    """JOIN responses r ON r.id = p.response_id LEFT JOIN point_analysis pa ON pa.point_id = p.id"""
)
_SEARCH_FROM = "points p " + _SEARCH_JOINS


def fts_query(q: str) -> str:
    """A safe FTS5 query: each word quoted as a phrase (so no operator injection), all required."""
    words = [w for w in "".join(ch if ch.isalnum() else " " for ch in q).split() if w]
    return " ".join('"' + w + '"' for w in words[:20])


def keyword_search(db: sqlite_utils.Database, q: str, filters: Filters, limit: int = 200) -> list[str]:
    """Text hashes of points matching the words of ``q`` (best BM25 first), with filters applied."""
    match = fts_query(q)
    if not match:
        return []
    where, params = filters.where()
    sql = f"""SELECT p.text_hash FROM points_fts JOIN points p ON p.rowid = points_fts.rowid {_SEARCH_JOINS}
              WHERE points_fts MATCH ? AND {where} ORDER BY points_fts.rank LIMIT ?"""

    def run(expr: str) -> list[str]:
        rows = db.execute(sql, [expr, *params, limit * 4]).fetchall()
        return list(dict.fromkeys(r[0] for r in rows))[:limit]  # best BM25 first, one per text

    hashes = run(match)
    if not hashes and " " in match:  # no point has every word: any word will do
        hashes = run(match.replace('" "', '" OR "'))
    return hashes


def filtered_hashes(db: sqlite_utils.Database, filters: Filters) -> set[str]:
    where, params = filters.where()
    return {
        r[0] for r in db.execute(f"SELECT DISTINCT p.text_hash FROM {_SEARCH_FROM} WHERE {where}", params)
    }


def filter_hashes(db: sqlite_utils.Database, hashes: list[str], filters: Filters) -> list[str]:
    """The hashes (in the given order) that some point matching the filters has."""
    if not hashes:
        return []
    where, params = filters.where()
    keep = {
        r[0]
        for r in db.execute(
            f"""SELECT DISTINCT p.text_hash FROM {_SEARCH_FROM}
                WHERE p.text_hash IN (SELECT value FROM json_each(?)) AND {where}""",
            [json.dumps(hashes), *params],
        )
    }
    return [h for h in hashes if h in keep]


def points_for_hashes(db: sqlite_utils.Database, hashes: list[str], filters: Filters) -> list[dict]:
    """One point per hash (the first matching the filters), in the order of ``hashes``, with ``copies``."""
    if not hashes:
        return []
    where, params = filters.where()
    rows = _all(
        db,
        f"""SELECT {_POINT_COLS}, r.question, r.role FROM {_POINT_FROM}
            WHERE p.text_hash IN (SELECT value FROM json_each(?)) AND {where} ORDER BY p.id""",
        [json.dumps(hashes), *params],
    )
    first: dict[str, dict] = {}
    for r in rows:
        if r["text_hash"] in first:
            first[r["text_hash"]]["copies"] += 1
        else:
            r["copies"] = 1
            first[r["text_hash"]] = r
    out = [first[h] for h in hashes if h in first]
    return attach_principles(db, out)


def browse_points(
    db: sqlite_utils.Database, filters: Filters, page: int = 1, per_page: int = 50
) -> tuple[list[dict], int]:
    """Points matching the filters alone (no query), in source order: (rows, total)."""
    where, params = filters.where()
    total = _scalar(db, f"SELECT COUNT(*) FROM {_SEARCH_FROM} WHERE {where}", params)
    rows = _all(
        db,
        f"""SELECT {_POINT_COLS}, r.question, r.role FROM {_POINT_FROM} WHERE {where}
            ORDER BY p.id LIMIT ? OFFSET ?""",
        [*params, per_page, (max(page, 1) - 1) * per_page],
    )
    for r in rows:
        r["copies"] = 1
    return attach_principles(db, rows), total


def filter_options(db: sqlite_utils.Database, run: int | None) -> dict:
    return {
        "sources": _all(db, "SELECT id, name FROM sources ORDER BY name"),
        "questions": [
            r[0]
            for r in db.execute(
                "SELECT DISTINCT question FROM responses WHERE role = 'stakeholder' AND question IS NOT NULL "
                "AND question != '' ORDER BY question LIMIT 200"
            )
        ],
        "organisations": organisation_names(db),
        "respondent_types": [r["type"] for r in respondents_by_type(db)],
        "sentiments": list(SENTIMENTS),
        "types": list(POINT_TYPES),
        "themes": theme_choices(db, run),
        "languages": ["unknown" if lang is None else lang for lang in language_counts(db, run)],
        "principles": _all(
            db,
            """SELECT pr.id, pr.code, pr.text FROM principles pr JOIN components c ON c.id = pr.component_id
               ORDER BY pr.framework_id, c.idx, pr.idx""",
        ),
    }


def embeddings_version(db: sqlite_utils.Database, model: str | None = None) -> tuple[int, int]:
    """Cheap change marker for cached vectors: newest rowid of ``embeddings`` and of ``points``.

    The embedding cache only grows (a rewrite is a delete + insert, so a new rowid), and new
    points get new rowids, so both maxima move whenever the vectors to search change.
    """
    e = db.execute("SELECT MAX(rowid) FROM embeddings").fetchone()[0] or 0
    p = db.execute("SELECT MAX(rowid) FROM points").fetchone()[0] or 0
    return int(e), int(p)


def data_version(db: sqlite_utils.Database) -> tuple:
    """Cheap marker that changes when responses, the framework, an analysis run or an edit is added."""
    return tuple(
        db.execute(f"SELECT MAX(rowid) FROM {t}").fetchone()[0]
        for t in ("sources", "responses", "principles", "analysis_runs", "themes", "edits")
    )


def has_embeddings(db: sqlite_utils.Database, model: str) -> bool:
    return db.execute("SELECT 1 FROM embeddings WHERE model = ? LIMIT 1", [model]).fetchone() is not None


def point_embeddings(db: sqlite_utils.Database, model: str) -> Iterator[tuple[str, int, bytes]]:
    """(text_hash, dim, vector) for the embedded points of stakeholder responses, by hash."""
    yield from db.execute(
        """SELECT e.text_hash, e.dim, e.vector FROM embeddings e WHERE e.model = ? AND e.text_hash IN
           (SELECT p.text_hash FROM points p JOIN responses r ON r.id = p.response_id WHERE r.role = 'stakeholder')
           ORDER BY e.text_hash""",
        [model],
    )


# ---------------------------------------------------------------- audit, report, export


def audit_log(db: sqlite_utils.Database, page: int = 1, per_page: int = 100) -> tuple[list[dict], int]:
    total = _scalar(db, "SELECT COUNT(*) FROM edits")
    rows = _all(
        db,
        "SELECT id, at, who, op, run_id, target, before, after FROM edits ORDER BY id DESC LIMIT ? OFFSET ?",
        [per_page, (max(page, 1) - 1) * per_page],
    )
    replays = _all(
        db,
        """SELECT edit_id, run_id, applied, detail FROM edit_replays
           WHERE edit_id IN (SELECT value FROM json_each(?)) ORDER BY run_id""",
        [_ids([r["id"] for r in rows])],
    )
    for r in rows:
        r["replays"] = [x for x in replays if x["edit_id"] == r["id"]]
    return rows, total


EXPORT_COLUMNS = [
    "point_id",
    "response_id",
    "source",
    "consultation",
    "role",
    "author",
    "organisation",
    "respondent_type",
    "org_kind",
    "question",
    "section",
    "start",
    "end",
    "text",
    "text_hash",
    "duplicate_group",
    "theme_id",
    "theme",
    "theme_group",
    "theme_score",
    "sentiment",
    "sentiment_score",
    "type",
    "type_score",
    "no_principle",
    "principles",
    "principle_scores",
]


def export_points(db: sqlite_utils.Database) -> Iterator[list]:
    """Every point with every tag, one list per point in ``EXPORT_COLUMNS`` order."""
    cur = db.execute(
        """SELECT p.id, p.response_id, s.name, c.name, r.role, r.author, r.organisation, r.respondent_type,
                  r.org_kind, r.question, r.section, p.start, p."end", p.clean_text, p.text_hash, r.duplicate_group,
                  pa.theme_id, t.label, g.label, pa.theme_score, pa.sentiment, pa.sentiment_score, pa.type,
                  pa.type_score, pa.no_principle,
                  (SELECT group_concat(code, '; ') FROM (SELECT pr.code FROM point_principles pp
                     JOIN principles pr ON pr.id = pp.principle_id WHERE pp.point_id = p.id AND pp.mapped = 1
                     ORDER BY pp.rank)),
                  (SELECT group_concat(sc, '; ') FROM (SELECT printf('%.3f', pp.score) AS sc FROM point_principles pp
                     WHERE pp.point_id = p.id AND pp.mapped = 1 ORDER BY pp.rank))
           FROM points p JOIN responses r ON r.id = p.response_id JOIN sources s ON s.id = p.source_id
           JOIN consultations c ON c.id = s.consultation_id
           LEFT JOIN point_analysis pa ON pa.point_id = p.id LEFT JOIN themes t ON t.id = pa.theme_id
           LEFT JOIN themes g ON g.id = t.parent_id WHERE ? IS NULL OR s.consultation_id = ? ORDER BY p.id""",
        [scope_of(db)] * 2,
    )
    for row in cur:
        yield list(row)


def theme_successor(db: sqlite_utils.Database, theme_id: int):
    """Where a removed theme's points went (``store.theme_successors.Successor``), or None."""
    from store.theme_successors import successor

    return successor(db, theme_id)


def citation(db: sqlite_utils.Database, response_id: int):
    """A response's reference (``store.citations.Reference``)."""
    from store.citations import reference

    return reference(db, response_id)


def cite_line(ref, base_url: str = "") -> str:
    from store.citations import cite_line as line

    return line(ref, base_url)
