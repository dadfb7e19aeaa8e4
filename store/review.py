"""The review queue and on-demand refits of the mapping stage (the data side of ``/review``).

``queue`` orders a run's unreviewed points by how much one verdict would help:

    priority = uncertainty + 0.5 * rarity + 0.25 * log2(copies)

- ``uncertainty = 1 / (1 + 10 * margin)``, ``margin`` the gap between the top two principle scores
  (a near tie is worth settling);
- ``rarity = 1 / (1 + confirmed)``, ``confirmed`` the points analysts confirmed for the top-ranked
  principle (the mapper learns most from principles it has little evidence for);
- ``copies``: how many points the verdict settles at once (identical texts, duplicate group size).

A point is reviewed once any verdict names its text (verdicts are keyed by text hash). Ties break
by point id, so the order is deterministic.
"""

from __future__ import annotations

import json
import math
from collections import Counter

import sqlite_utils

from store import edits
from store.schema import now
from store.titles import derive_title
from store.tx import write_tx

TOP = 5


def _rows(db: sqlite_utils.Database, sql: str, params: list) -> list[dict]:
    cur = db.execute(sql, params)
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def queue(db: sqlite_utils.Database, run_id: int | None) -> list[dict]:
    """Unreviewed points of the run, most useful first: {point_id, priority, margin, copies}."""
    if run_id is None:
        return []
    points = db.execute(
        """SELECT pa.point_id, p.text_hash, COALESCE(g.size, 1)
           FROM point_analysis pa JOIN points p ON p.id = pa.point_id
           JOIN responses r ON r.id = p.response_id LEFT JOIN duplicate_groups g ON g.id = r.duplicate_group
           WHERE pa.run_id = ? ORDER BY pa.point_id""",
        [run_id],
    ).fetchall()
    reviewed = {r[0] for r in db.execute("SELECT DISTINCT point_hash FROM mapping_feedback")}
    ranked: dict[int, list[tuple[int, float]]] = {}
    for pid, prid, score in db.execute(
        """SELECT pp.point_id, pp.principle_id, pp.score FROM point_principles pp
           JOIN point_analysis pa ON pa.point_id = pp.point_id
           WHERE pa.run_id = ? AND pp.origin = 'model' ORDER BY pp.point_id, pp.rank""",
        [run_id],
    ):
        ranked.setdefault(pid, []).append((prid, score))
    from store.counts import confirmed_per_principle

    confirmed = confirmed_per_principle(db)
    per_hash = Counter(h for _, h, _ in points)
    seen: set[str] = set()
    out = []
    for pid, h, group in points:
        if h in reviewed or h in seen or pid not in ranked:
            continue
        seen.add(h)
        scores = [s for _, s in ranked[pid]]
        margin = max(scores[0] - (scores[1] if len(scores) > 1 else 0.0), 0.0)
        copies = max(per_hash[h], 1) + max(group - 1, 0)
        priority = 1 / (1 + 10 * margin) + 0.5 / (1 + confirmed.get(ranked[pid][0][0], 0))
        priority += 0.25 * math.log2(copies)
        out.append({"point_id": pid, "priority": priority, "margin": margin, "copies": copies})
    out.sort(key=lambda r: (-r["priority"], r["point_id"]))
    return out


def ranking(db: sqlite_utils.Database, point_id: int) -> list[dict]:
    """A point's ranked principles (the model's top 5, then analyst additions), with verdicts."""
    rows = _rows(
        db,
        """SELECT pr.id, pr.code, pr.title, pr.text, c.name AS component, pp.score, pp.rank, pp.mapped,
                  pp.origin, mf.verdict
           FROM point_principles pp JOIN principles pr ON pr.id = pp.principle_id
           JOIN components c ON c.id = pr.component_id JOIN points p ON p.id = pp.point_id
           LEFT JOIN mapping_feedback mf ON mf.point_hash = p.text_hash AND mf.principle_id = pr.id
           WHERE pp.point_id = ? ORDER BY pp.rank""",
        [point_id],
    )
    for r in rows:
        r["title"] = r["title"] or derive_title(r["text"])
    return rows


def last_refit(db: sqlite_utils.Database, run_id: int | None) -> str | None:
    """When the run's mappings were last fitted: its latest refit, else when the run finished."""
    row = db.execute("SELECT MAX(at) FROM mapping_refits WHERE run_id = ?", [run_id]).fetchone()
    if row and row[0]:
        return row[0]
    row = db.execute("SELECT finished_at FROM analysis_runs WHERE id = ?", [run_id]).fetchone()
    return row[0] if row else None


def mapping_seconds(db: sqlite_utils.Database, run_id: int | None) -> float | None:
    """Seconds the mapping stage took: the latest refit's, else the run's own ``principles`` stage."""
    row = db.execute(
        "SELECT seconds FROM mapping_refits WHERE run_id = ? ORDER BY id DESC LIMIT 1", [run_id]
    ).fetchone()
    if row:
        return float(row[0])
    row = db.execute("SELECT stats FROM analysis_runs WHERE id = ?", [run_id]).fetchone()
    try:
        value = json.loads(row[0] or "{}").get("seconds", {}).get("principles") if row else None
    except (json.JSONDecodeError, AttributeError):
        value = None
    return float(value) if value is not None else None


def analysed_point_ids(db: sqlite_utils.Database, run_id: int) -> set[int]:
    return {r[0] for r in db.execute("SELECT point_id FROM point_analysis WHERE run_id = ?", [run_id])}


def write_refit(
    db: sqlite_utils.Database,
    run_id: int,
    rows: list[tuple[int, int, float, int, int]],
    off_topic: dict[int, bool],
    who: str,
    seconds: float,
) -> int:
    """Replace the refitted points' principle rankings with a refit's (``point_principles`` rows and off-topic
    flags), re-apply every analyst verdict on top, and record the refit. One transaction."""
    with write_tx(db):
        if not off_topic or not set(off_topic) <= analysed_point_ids(db, run_id):
            raise edits.EditError("the analysed points changed; run `fairhearing analyse` instead")
        db.conn.executemany("DELETE FROM point_principles WHERE point_id = ?", [(pid,) for pid in off_topic])
        db.conn.executemany(
            "INSERT INTO point_principles (point_id, principle_id, score, rank, mapped) VALUES (?, ?, ?, ?, ?)",
            rows,
        )
        db.conn.executemany(
            "UPDATE point_analysis SET no_principle = ? WHERE point_id = ?",
            [(int(v), pid) for pid, v in off_topic.items()],
        )
        verdicts = 0
        for h, prid, verdict, code in db.execute(
            """SELECT mf.point_hash, mf.principle_id, mf.verdict, pr.code FROM mapping_feedback mf
               JOIN principles pr ON pr.id = mf.principle_id ORDER BY mf.at, mf.id"""
        ).fetchall():
            edits.apply_verdict(db, {"hash": h, "principle_id": prid, "verdict": verdict, "code": code})
            verdicts += 1
        return db.execute(
            "INSERT INTO mapping_refits (run_id, at, who, seconds, verdicts) VALUES (?, ?, ?, ?, ?)",
            [run_id, now(), who, round(seconds, 3), verdicts],
        ).lastrowid
