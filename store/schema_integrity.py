"""Migration 005_integrity: ids that are never reused, an index for every foreign key, store state.

- Tables whose ids users cite or analysis writes by (sources, responses, points, duplicate groups,
  frameworks, components, principles, runs, themes, edits) are rebuilt with ``AUTOINCREMENT``
  (SQLite's documented table-rebuild procedure: create, copy, drop, rename, recreate indexes and
  triggers), so a deleted row's id is never handed out again; ``sqlite_sequence`` starts at the
  largest id present.
- Every foreign-key column used in deletes or joins gets an index (deleting a 40k-response source
  scanned ``responses.reply_to`` once per row without one).
- ``store_state`` holds small facts about the store: ``ingest_generation`` (bumped by every write
  of responses or points), ``duplicates_stale`` (set in the same transaction as a source write,
  cleared when duplicate groups are recomputed).
- ``theme_successors`` remembers where a removed theme's points went (a merge, or a new run), so
  a cited ``/themes/<id>`` says so instead of showing another theme.
- ``analysis_runs`` learn who runs them (``pid``, ``host``) and why one failed (``error``), so a run
  whose process died is marked failed on the next start.

Runs with foreign keys off (see ``store.schema.FK_OFF``); ``PRAGMA foreign_key_check`` must be clean
before it commits. Must not import ``store.schema``.
"""

from __future__ import annotations

import re

import sqlite_utils

REBUILT = (
    "consultations",
    "sources",
    "duplicate_groups",
    "responses",
    "points",
    "frameworks",
    "components",
    "principles",
    "analysis_runs",
    "themes",
    "edits",
)

FK_INDEXES = (
    "CREATE INDEX IF NOT EXISTS idx_responses_reply_to ON responses(reply_to)",
    "CREATE INDEX IF NOT EXISTS idx_points_source ON points(source_id)",
    "CREATE INDEX IF NOT EXISTS idx_frameworks_source ON frameworks(source_id)",
    "CREATE INDEX IF NOT EXISTS idx_frameworks_consultation ON frameworks(consultation_id)",
    "CREATE INDEX IF NOT EXISTS idx_components_framework ON components(framework_id)",
    "CREATE INDEX IF NOT EXISTS idx_principles_framework ON principles(framework_id)",
    "CREATE INDEX IF NOT EXISTS idx_themes_parent ON themes(parent_id)",
    "CREATE INDEX IF NOT EXISTS idx_pa_run ON point_analysis(run_id)",
    "CREATE INDEX IF NOT EXISTS idx_summary_point ON summary_quotes(point_id)",
    "CREATE INDEX IF NOT EXISTS idx_feedback_principle ON mapping_feedback(principle_id)",
    "CREATE INDEX IF NOT EXISTS idx_groups_representative ON duplicate_groups(representative_id)",
)

_PK = re.compile(r"\bid\s+INTEGER\s+PRIMARY\s+KEY\b(?!\s+AUTOINCREMENT)", re.IGNORECASE)


ROLES_BEFORE = "CHECK (role IN ('stakeholder', 'moderator', 'post'))"
ROLES_AFTER = "CHECK (role IN ('stakeholder', 'moderator', 'post', 'quoted_in_framework'))"


def rebuild_with_autoincrement(db: sqlite_utils.Database, table: str) -> None:
    """Recreate ``table`` with ``id INTEGER PRIMARY KEY AUTOINCREMENT``, keeping rows, indexes, triggers.

    ``responses`` also learns the role ``quoted_in_framework`` (a quote printed inside a framework
    document: evidence about the framework, never a response to the consultation).
    """
    sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone()[0]
    if "AUTOINCREMENT" in sql.upper():
        return
    new_sql, n = _PK.subn("id INTEGER PRIMARY KEY AUTOINCREMENT", sql, count=1)
    if n != 1:
        raise RuntimeError(f"cannot find the integer primary key of {table}")
    if table == "responses":
        new_sql = new_sql.replace(ROLES_BEFORE, ROLES_AFTER)
    new_sql = re.sub(rf'^CREATE TABLE\s+"?{table}"?', f'CREATE TABLE "{table}__new"', new_sql, count=1)
    extras = [
        r[0]
        for r in db.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL",
            [table],
        )
    ]
    columns = ", ".join(f'"{c[1]}"' for c in db.execute(f'PRAGMA table_info("{table}")'))
    db.execute(new_sql)
    db.execute(f'INSERT INTO "{table}__new" ({columns}) SELECT {columns} FROM "{table}"')
    copied = db.execute(f'SELECT COUNT(*) FROM "{table}__new"').fetchone()[0]
    if copied != db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]:
        raise RuntimeError(f"rebuilding {table} did not copy every row")
    db.execute(f'DROP TABLE "{table}"')  # only after every row is in its replacement
    db.execute(f'ALTER TABLE "{table}__new" RENAME TO "{table}"')
    for extra in extras:
        db.execute(extra)
    top = db.execute(f'SELECT MAX(id) FROM "{table}"').fetchone()[0]
    if top is not None:
        db.execute("DELETE FROM sqlite_sequence WHERE name = ?", [table])
        db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", [table, top])


def m005_integrity(db: sqlite_utils.Database) -> None:
    for table in REBUILT:
        rebuild_with_autoincrement(db, table)
    for sql in FK_INDEXES:
        db.execute(sql)
    db.execute("CREATE TABLE store_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL)")
    db.execute(
        "INSERT INTO store_state (key, value) VALUES ('ingest_generation', 0), ('duplicates_stale', 0)"
    )
    db.execute(
        """CREATE TABLE theme_successors (
            old_id INTEGER PRIMARY KEY,    -- a theme id that no longer exists (never reused)
            old_label TEXT NOT NULL,
            new_id INTEGER,                -- where most of its points went (NULL: nowhere)
            reason TEXT NOT NULL,          -- merged / re-analysed
            at TEXT NOT NULL
        )"""
    )
    for column, kind in (("pid", "INTEGER"), ("host", "TEXT"), ("error", "TEXT")):
        db.execute(f"ALTER TABLE analysis_runs ADD COLUMN {column} {kind}")
