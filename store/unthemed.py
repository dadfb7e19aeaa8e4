"""The "not themed" bucket: points of a run that fit no theme (``point_analysis.theme_id`` NULL)."""

from __future__ import annotations

import sqlite_utils

from store.queries._sql import all_rows, scalar
from store.queries.points import POINT_COLS, THEME_FROM, attach_principles


def unthemed_count(db: sqlite_utils.Database, run: int | None) -> int:
    """How many analysed points of ``run`` fit no theme."""
    if run is None:
        return 0
    return scalar(db, "SELECT COUNT(*) FROM point_analysis WHERE run_id = ? AND theme_id IS NULL", [run])


def unthemed_points(
    db: sqlite_utils.Database, run: int | None, page: int = 1, per_page: int = 50
) -> tuple[list[dict], int]:
    """The run's unthemed points, closest to some theme first, one page at a time: (rows, total)."""
    total = unthemed_count(db, run)
    if not total:
        return [], 0
    rows = all_rows(
        db,
        f"""SELECT {POINT_COLS} FROM {THEME_FROM} WHERE pa.run_id = ? AND pa.theme_id IS NULL
            ORDER BY pa.theme_score DESC, pa.point_id LIMIT ? OFFSET ?""",
        [run, per_page, (max(page, 1) - 1) * per_page],
    )
    attach_principles(db, rows)
    return rows, total
