"""Migration 014_run_snapshots: every analysis run keeps what it found (``store.run_snapshots``).

A run's themes, memberships and principle counts are copied into snapshot tables when it finishes, so
a later run can be compared with it after its per-point results were replaced. Snapshot rows reference
no theme or point (those are deleted by later runs and re-ingests); they go only with their run.
Runs whose results an upgraded database still holds are snapshotted now.

Must not import ``store.schema`` at module level.
"""

from __future__ import annotations

import sqlite_utils


def m014_run_snapshots(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE run_snapshots (
            run_id INTEGER PRIMARY KEY REFERENCES analysis_runs(id) ON DELETE CASCADE,
            taken_at TEXT NOT NULL,
            points INTEGER NOT NULL,             -- distinct consultation points analysed
            respondents INTEGER NOT NULL,        -- their distinct respondents
            mapped_points INTEGER NOT NULL,      -- points mapped to any principle
            mapped_respondents INTEGER NOT NULL,
            confirmed_points INTEGER NOT NULL    -- mapped points an analyst confirmed
        )"""
    )
    db.execute(
        """CREATE TABLE run_themes (
            run_id INTEGER NOT NULL REFERENCES analysis_runs(id) ON DELETE CASCADE,
            theme_id INTEGER NOT NULL,           -- themes.id when written (ids are never reused)
            label TEXT NOT NULL,
            group_label TEXT,                    -- its broader group's label
            points INTEGER NOT NULL,
            respondents INTEGER NOT NULL,
            PRIMARY KEY (run_id, theme_id)
        )"""
    )
    db.execute(
        """CREATE TABLE run_theme_points (
            run_id INTEGER NOT NULL REFERENCES analysis_runs(id) ON DELETE CASCADE,
            point_id INTEGER NOT NULL,           -- points.id when written
            theme_id INTEGER NOT NULL,
            text_hash TEXT NOT NULL,             -- points.text_hash: matches themes across runs
            PRIMARY KEY (run_id, point_id)
        )"""
    )
    db.execute("CREATE INDEX idx_run_theme_points_theme ON run_theme_points(run_id, theme_id)")
    db.execute(
        """CREATE TABLE run_principles (
            run_id INTEGER NOT NULL REFERENCES analysis_runs(id) ON DELETE CASCADE,
            principle_id INTEGER NOT NULL,       -- principles.id when written
            framework TEXT NOT NULL,             -- frameworks.name, code and title: a re-ingested
            code TEXT NOT NULL,                  -- framework gives its principles new ids, so runs
            title TEXT NOT NULL,                 -- are compared by framework and code
            mapped_points INTEGER NOT NULL,
            confirmed_points INTEGER NOT NULL,
            respondents INTEGER NOT NULL,
            PRIMARY KEY (run_id, principle_id)
        )"""
    )
    from store.run_snapshots import backfill

    backfill(db)
