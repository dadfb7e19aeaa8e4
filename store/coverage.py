"""How the points of an analysis cover the framework: SQL over point_principles, point_analysis, themes.

- ``coverage_matrix``: principle × theme counts of mapped points for one run;
- ``uncovered_principles``: principles no analysed point maps to;
- ``contested_principles``: principles with the most negative points (``store.counts.contested``);
- ``themes_outside_framework``: themes whose points mostly map to no principle.

A point counts once per principle it maps to (any rank). Only level-0 themes are used.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils


@dataclass
class Coverage:
    """``counts[i][k]``: points of theme ``themes[k]`` mapped to principle ``principles[i]``."""

    principles: list[dict]  # id, code, text, component
    themes: list[dict]  # id, label
    counts: list[list[int]]

    def rows(self) -> list[dict]:
        """Non-zero cells as records, for tables and exports."""
        return [
            {
                "principle_id": p["id"],
                "code": p["code"],
                "theme_id": t["id"],
                "theme": t["label"],
                "points": n,
            }
            for p, line in zip(self.principles, self.counts, strict=True)
            for t, n in zip(self.themes, line, strict=True)
            if n
        ]


def _principles(db: sqlite_utils.Database, framework_id: int | None) -> list[dict]:
    where, args = ("WHERE p.framework_id = ?", [framework_id]) if framework_id is not None else ("", [])
    return [
        dict(zip(("id", "code", "text", "component"), r, strict=True))
        for r in db.execute(
            f"""SELECT p.id, p.code, p.text, c.name FROM principles p JOIN components c ON c.id = p.component_id
                {where} ORDER BY p.framework_id, c.idx, p.idx, p.id""",
            args,
        )
    ]


def latest_run(db: sqlite_utils.Database) -> int | None:
    """The current run's id (``store.runs.current_run``), or None."""
    from store.runs import current_run
    from store.scope import scope_of

    run = current_run(db, scope_of(db))
    return run["id"] if run else None


def coverage_matrix(db: sqlite_utils.Database, run_id: int, framework_id: int | None = None) -> Coverage:
    """Principle × theme counts of the run's mapped points (all principles, all level-0 themes)."""
    principles = _principles(db, framework_id)
    themes = [
        {"id": r[0], "label": r[1]}
        for r in db.execute(
            "SELECT id, label FROM themes WHERE run_id = ? AND level = 0 ORDER BY id", [run_id]
        )
    ]
    row_of = {p["id"]: i for i, p in enumerate(principles)}
    col_of = {t["id"]: k for k, t in enumerate(themes)}
    counts = [[0] * len(themes) for _ in principles]
    for principle_id, theme_id, n in db.execute(
        """SELECT pp.principle_id, pa.theme_id, COUNT(DISTINCT pp.point_id)
           FROM point_principles pp JOIN point_analysis pa ON pa.point_id = pp.point_id
           WHERE pa.run_id = ? AND pa.theme_id IS NOT NULL AND pp.mapped = 1
           GROUP BY pp.principle_id, pa.theme_id""",
        [run_id],
    ):
        if principle_id in row_of and theme_id in col_of:
            counts[row_of[principle_id]][col_of[theme_id]] = n
    return Coverage(principles, themes, counts)


def uncovered_principles(db: sqlite_utils.Database, framework_id: int | None = None) -> list[dict]:
    """Principles no analysed point maps to, in framework order."""
    mapped = {
        r[0]
        for r in db.execute(
            """SELECT DISTINCT pp.principle_id FROM point_principles pp
               JOIN point_analysis pa ON pa.point_id = pp.point_id WHERE pp.mapped = 1"""
        )
    }
    return [p for p in _principles(db, framework_id) if p["id"] not in mapped]


def contested_principles(
    db: sqlite_utils.Database, limit: int = 10, framework_id: int | None = None, run_id: int | None = None
) -> list[dict]:
    """Principles of the run (default: the current) with the most negative points, by the one rule
    ``store.counts.contested``: id, code, text, component, negative, points, share."""
    from store.counts import contested

    run_id = latest_run(db) if run_id is None else run_id
    principles = {p["id"]: p for p in _principles(db, framework_id)}
    out = [
        {**principles[prid], "negative": negative, "points": total, "share": negative / total}
        for prid, negative, total in contested(db, run_id, unit="points")
        if prid in principles
    ]
    return out[:limit]


def themes_outside_framework(
    db: sqlite_utils.Database, run_id: int | None = None, min_share: float = 0.5, min_points: int = 1
) -> list[dict]:
    """Level-0 themes of the run (default: the latest) where more than ``min_share`` of the points
    map to no principle: id, label, points, unmapped, share — most unmapped first."""
    run_id = latest_run(db) if run_id is None else run_id
    if run_id is None:
        return []
    rows = db.execute(
        """SELECT t.id, t.label, COUNT(pa.point_id),
                  SUM(pa.no_principle = 1
                      OR NOT EXISTS (SELECT 1 FROM point_principles pp WHERE pp.point_id = pa.point_id
                                     AND pp.mapped = 1))
           FROM themes t JOIN point_analysis pa ON pa.theme_id = t.id
           WHERE t.run_id = ? AND t.level = 0 GROUP BY t.id, t.label""",
        [run_id],
    ).fetchall()
    out = [
        {"id": tid, "label": label, "points": n, "unmapped": int(un), "share": un / n}
        for tid, label, n, un in rows
        if n >= min_points and un / n > min_share
    ]
    out.sort(key=lambda r: (-r["share"], -r["points"], r["id"]))
    return out
