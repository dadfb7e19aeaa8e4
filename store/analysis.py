"""Writing a run's per-point results, and reading back what summaries are chosen from.

``nlp.pipeline`` computes plain data; these functions hold its SQL. All are called inside the
run's writing transaction (``store.tx.write_tx``).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlite_utils

_IN_CONSULTATION = """SELECT p.id FROM points p JOIN sources s ON s.id = p.source_id
                      WHERE ? IS NULL OR s.consultation_id = ?"""


def clear_point_analysis(db: sqlite_utils.Database, consultation: int | None) -> None:
    """Remove the tags and principle maps of a consultation's points (all points when None), first
    bringing the snapshot of the run they belong to up to date (``store.run_snapshots``)."""
    from store.run_snapshots import refresh_before_replacing

    for (run_id,) in db.execute(
        f"SELECT DISTINCT run_id FROM point_analysis WHERE point_id IN ({_IN_CONSULTATION})",
        [consultation] * 2,
    ).fetchall():
        refresh_before_replacing(db, run_id)
    db.execute(f"DELETE FROM point_principles WHERE point_id IN ({_IN_CONSULTATION})", [consultation] * 2)
    db.execute(f"DELETE FROM point_analysis WHERE point_id IN ({_IN_CONSULTATION})", [consultation] * 2)


def drop_other_runs_themes(db: sqlite_utils.Database, consultation: int | None, keep_run: int) -> None:
    """Remove the themes of a consultation's runs other than ``keep_run`` (runs naming no
    consultation, written before runs were scoped, belong to every consultation)."""
    db.execute(
        """DELETE FROM themes WHERE run_id <> ? AND run_id IN (
               SELECT id FROM analysis_runs WHERE ? IS NULL OR consultation_id IS ? OR consultation_id IS NULL)""",
        [keep_run, consultation, consultation],
    )


def write_point_analysis(db: sqlite_utils.Database, rows: Iterable[tuple]) -> None:
    """Rows of (point id, run id, theme id, theme score, sentiment, sentiment score, type, type score,
    no_principle)."""
    db.conn.executemany(
        """INSERT INTO point_analysis (point_id, run_id, theme_id, theme_score, sentiment, sentiment_score,
                                       type, type_score, no_principle)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        rows,
    )


def write_point_principles(db: sqlite_utils.Database, rows: Iterable[tuple]) -> None:
    """Rows of (point id, principle id, score, rank, mapped): the ranking with the decision marked."""
    db.conn.executemany(
        "INSERT INTO point_principles (point_id, principle_id, score, rank, mapped) VALUES (?, ?, ?, ?, ?)",
        rows,
    )


def theme_memberships(db: sqlite_utils.Database, run_id: int) -> list[tuple[int, int, int | None]]:
    """(point id, theme id, broader group id) of every themed point of the run (after analyst edits)."""
    return db.execute(
        """SELECT pa.point_id, t.id, t.parent_id FROM point_analysis pa JOIN themes t ON t.id = pa.theme_id
           WHERE pa.run_id = ?""",
        [run_id],
    ).fetchall()


def top_mapped_principles(db: sqlite_utils.Database, run_id: int) -> list[tuple[int, int, int]]:
    """(point id, principle id, component id) of each point's best mapped principle in the run."""
    return db.execute(
        """SELECT pp.point_id, pp.principle_id, pr.component_id FROM point_principles pp
           JOIN principles pr ON pr.id = pp.principle_id
           JOIN point_analysis pa ON pa.point_id = pp.point_id AND pa.run_id = ?
           WHERE pp.mapped = 1 AND pp.rank = (SELECT MIN(rank) FROM point_principles x
                                              WHERE x.point_id = pp.point_id AND x.mapped = 1)""",
        [run_id],
    ).fetchall()


def replace_summary_quotes(db: sqlite_utils.Database, run_id: int, rows: Iterable[tuple]) -> None:
    """Store a run's summary quotes (rows of ``nlp.summaries.summary_quote_rows``), dropping those of
    ``run_id`` and of the other runs of its consultation."""
    db.execute(
        """DELETE FROM summary_quotes WHERE run_id IN (
               SELECT id FROM analysis_runs WHERE id = ? OR consultation_id IS NULL OR consultation_id IS (
                   SELECT consultation_id FROM analysis_runs WHERE id = ?))""",
        [run_id, run_id],
    )
    db.conn.executemany(
        "INSERT INTO summary_quotes (run_id, kind, target_id, rank, point_id, score) VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
