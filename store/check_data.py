"""What check-my-point reads from the analysis: matched points, their mapping decisions, summary quotes.

Only consultation responses (role ``stakeholder``) of the given run are evidence; principles are the
run's own decisions (``point_principles.mapped = 1``), confirmed when an analyst confirmed the pair.
"""

from __future__ import annotations

import json

import sqlite_utils

from store.counts import CONFIRMED, MAPPED, STAKEHOLDER


def analysed_points(db: sqlite_utils.Database, run_id: int, hashes: list[str]) -> list[dict]:
    """The run's analysed stakeholder points whose text has one of ``hashes`` (several may share one)."""
    if not hashes:
        return []
    # the hashes drive the join (CROSS JOIN keeps them the outer loop, each looked up by its index):
    # led by the run's index, SQLite walked every analysed point (42 ms vs 0.7 ms, 50 hashes at 87k)
    rows = db.execute(
        f"""SELECT p.id, p.response_id, p.clean_text, p.text_hash, r.organisation, pa.theme_id, pa.sentiment
            FROM (SELECT DISTINCT value AS hash FROM json_each(?)) wanted
            CROSS JOIN points p ON p.text_hash = wanted.hash
            JOIN point_analysis pa ON pa.point_id = p.id JOIN responses r ON r.id = p.response_id
            WHERE pa.run_id = ? AND {STAKEHOLDER}
            ORDER BY p.id""",
        [json.dumps(hashes), run_id],
    ).fetchall()
    keys = ("id", "response_id", "text", "text_hash", "organisation", "theme_id", "sentiment")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def mapped_principles(db: sqlite_utils.Database, point_ids: list[int]) -> list[dict]:
    """The mapping decisions of ``point_ids``: one row per mapped (point, principle) pair."""
    if not point_ids:
        return []
    rows = db.execute(
        f"""SELECT pp.point_id, pr.id, pr.code, COALESCE(NULLIF(pr.title, ''), pr.text), pr.component_id,
                   {CONFIRMED} AS confirmed
            FROM point_principles pp JOIN principles pr ON pr.id = pp.principle_id
            WHERE {MAPPED} AND pp.point_id IN (SELECT value FROM json_each(?))
            ORDER BY pp.point_id, pp.rank, pr.id""",
        [json.dumps(point_ids)],
    ).fetchall()
    keys = ("point_id", "principle_id", "code", "title", "component_id", "confirmed")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def summary_quotes(db: sqlite_utils.Database, run_id: int) -> list[dict]:
    """Every stored summary quote of the run: the set it summarises (kind, target id) and the point."""
    rows = db.execute(
        f"""SELECT sq.kind, sq.target_id, sq.point_id, p.text_hash, p.clean_text, p.response_id, r.organisation,
                   pa.sentiment
            FROM summary_quotes sq JOIN points p ON p.id = sq.point_id JOIN responses r ON r.id = p.response_id
            LEFT JOIN point_analysis pa ON pa.point_id = p.id
            WHERE sq.run_id = ? AND {STAKEHOLDER} ORDER BY sq.kind, sq.target_id, sq.rank""",
        [run_id],
    ).fetchall()
    keys = ("kind", "target_id", "point_id", "text_hash", "text", "response_id", "organisation", "sentiment")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def set_labels(db: sqlite_utils.Database, run_id: int) -> dict[tuple[str, int], str]:
    """A readable name for every set a summary may quote: themes, principles, components."""
    out: dict[tuple[str, int], str] = {}
    for tid, label in db.execute("SELECT id, label FROM themes WHERE run_id = ?", [run_id]):
        out[("theme", tid)] = label
    for pid, code, title in db.execute("SELECT id, code, COALESCE(NULLIF(title, ''), text) FROM principles"):
        out[("principle", pid)] = f"{code} {_short(title)}"
    for cid, name in db.execute("SELECT id, name FROM components"):
        out[("component", cid)] = name
    return out


def _short(text: str, limit: int = 80) -> str:
    """The first line of ``text``, cut at a word before ``limit`` characters."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[:limit].rsplit(" ", 1)[0] + "…"
