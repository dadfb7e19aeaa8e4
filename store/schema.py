"""The database schema as named, append-only migrations.

Never edit or reorder a migration that has shipped: add a new one at the end. ``migrate``
applies the ones a database has not seen, each in its own transaction, and records it in
``migrations``. Nothing here drops a table that holds user data; the one exception is SQLite's
table-rebuild procedure in ``store.schema_integrity`` (copy every row into the new table, check
the count, then drop the old one, all in one transaction).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlite_utils

from fairhearing.errors import FairhearingError
from store.audit_views import m015_pii_originals
from store.queries.keywords import m016_fts_vocab
from store.schema_counts import m006_counts
from store.schema_integrity import m005_integrity
from store.schema_loop import m013_loop
from store.schema_runs import m014_run_snapshots
from store.tx import write_tx
from store.web_schema import m003_web, m007_sessions

Migration = Callable[[sqlite_utils.Database], None]


def _m001_ingest(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE consultations (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            consultation_id INTEGER NOT NULL REFERENCES consultations(id),
            name TEXT NOT NULL,
            path TEXT,
            sha256 TEXT NOT NULL,
            format TEXT NOT NULL,
            title TEXT,
            question TEXT,
            text TEXT NOT NULL,
            size INTEGER NOT NULL,
            problems TEXT NOT NULL DEFAULT '[]',
            ingested_at TEXT NOT NULL,
            UNIQUE (consultation_id, name)
        )"""
    )
    db.execute(
        """CREATE TABLE duplicate_groups (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,            -- exact / near / template / campaign
            size INTEGER NOT NULL,
            representative_id INTEGER      -- response kept for analysis
        )"""
    )
    db.execute(
        """CREATE TABLE responses (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('stakeholder', 'moderator', 'post')),
            author TEXT,
            organisation TEXT,
            respondent_type TEXT,
            org_kind TEXT,
            reply_to INTEGER REFERENCES responses(id) ON DELETE SET NULL,
            question TEXT,
            section TEXT,
            truncated INTEGER NOT NULL DEFAULT 0,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            text TEXT NOT NULL,            -- the source span, untouched
            clean_text TEXT NOT NULL,      -- normalised, personal data redacted: what is shown
            boundary_confidence REAL,
            duplicate_group INTEGER REFERENCES duplicate_groups(id) ON DELETE SET NULL,
            meta TEXT NOT NULL DEFAULT '{}',
            CHECK (start < "end")
        )"""
    )
    db.execute(
        """CREATE TABLE points (
            id INTEGER PRIMARY KEY,
            response_id INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            text TEXT NOT NULL,
            clean_text TEXT NOT NULL,
            text_hash TEXT NOT NULL,       -- sha1 of clean_text: the key embeddings and edits use
            CHECK (start < "end")
        )"""
    )
    db.execute(
        """CREATE TABLE frameworks (
            id INTEGER PRIMARY KEY,
            consultation_id INTEGER NOT NULL REFERENCES consultations(id),
            source_id INTEGER REFERENCES sources(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            question TEXT
        )"""
    )
    db.execute(
        """CREATE TABLE components (
            id INTEGER PRIMARY KEY,
            framework_id INTEGER NOT NULL REFERENCES frameworks(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            name TEXT NOT NULL,
            headline TEXT,
            context TEXT,
            is_annex INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute(
        """CREATE TABLE principles (
            id INTEGER PRIMARY KEY,
            framework_id INTEGER NOT NULL REFERENCES frameworks(id) ON DELETE CASCADE,
            component_id INTEGER NOT NULL REFERENCES components(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            code TEXT NOT NULL,            -- e.g. "2.3": component number . principle number
            kind TEXT NOT NULL,
            text TEXT NOT NULL,
            description TEXT,
            examples TEXT NOT NULL DEFAULT '[]',
            start INTEGER,
            "end" INTEGER
        )"""
    )
    for sql in (
        "CREATE INDEX idx_sources_sha ON sources(sha256)",
        "CREATE INDEX idx_responses_source ON responses(source_id)",
        "CREATE INDEX idx_responses_org ON responses(organisation)",
        "CREATE INDEX idx_responses_dup ON responses(duplicate_group)",
        "CREATE INDEX idx_points_response ON points(response_id)",
        "CREATE INDEX idx_points_hash ON points(text_hash)",
        "CREATE INDEX idx_principles_component ON principles(component_id)",
    ):
        db.execute(sql)
    db["responses"].enable_fts(["clean_text"], fts_version="FTS5", create_triggers=True)
    db["points"].enable_fts(["clean_text"], fts_version="FTS5", create_triggers=True)


def _m002_analysis(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE embeddings (
            text_hash TEXT NOT NULL,
            model TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector BLOB NOT NULL,          -- float32, L2-normalised
            PRIMARY KEY (text_hash, model)
        )"""
    )
    db.execute(
        """CREATE TABLE analysis_runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL,          -- running / done / failed
            embedder TEXT NOT NULL,
            seed INTEGER NOT NULL,
            params TEXT NOT NULL DEFAULT '{}',
            stats TEXT NOT NULL DEFAULT '{}'
        )"""
    )
    db.execute(
        """CREATE TABLE themes (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES analysis_runs(id) ON DELETE CASCADE,
            parent_id INTEGER REFERENCES themes(id) ON DELETE SET NULL,
            level INTEGER NOT NULL,        -- 0 = theme, 1 = broader group
            topic INTEGER,                 -- the topic model's own number
            label TEXT NOT NULL,           -- shown label (analyst rename wins)
            auto_label TEXT NOT NULL,
            keywords TEXT NOT NULL DEFAULT '[]',
            size INTEGER NOT NULL DEFAULT 0,
            signed_off_by TEXT,
            signed_off_at TEXT
        )"""
    )
    db.execute(
        """CREATE TABLE point_analysis (
            point_id INTEGER PRIMARY KEY REFERENCES points(id) ON DELETE CASCADE,
            run_id INTEGER NOT NULL REFERENCES analysis_runs(id) ON DELETE CASCADE,
            theme_id INTEGER REFERENCES themes(id) ON DELETE SET NULL,
            theme_score REAL,
            sentiment TEXT,                -- negative / neutral / positive
            sentiment_score REAL,
            type TEXT,                     -- concern / suggestion / question / support / experience / information
            type_score REAL,
            no_principle INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute(
        """CREATE TABLE point_principles (
            point_id INTEGER NOT NULL REFERENCES points(id) ON DELETE CASCADE,
            principle_id INTEGER NOT NULL REFERENCES principles(id) ON DELETE CASCADE,
            score REAL NOT NULL,
            rank INTEGER NOT NULL,
            PRIMARY KEY (point_id, principle_id)
        )"""
    )
    db.execute(
        """CREATE TABLE mapping_feedback (
            id INTEGER PRIMARY KEY,
            point_hash TEXT NOT NULL,      -- points.text_hash: survives re-ingest and re-analysis
            point_text TEXT NOT NULL,
            principle_id INTEGER NOT NULL REFERENCES principles(id) ON DELETE CASCADE,
            verdict TEXT NOT NULL CHECK (verdict IN ('confirm', 'reject')),
            who TEXT NOT NULL,
            at TEXT NOT NULL,
            UNIQUE (point_hash, principle_id)
        )"""
    )
    for sql in (
        "CREATE INDEX idx_themes_run ON themes(run_id)",
        "CREATE INDEX idx_pa_theme ON point_analysis(theme_id)",
        "CREATE INDEX idx_pp_principle ON point_principles(principle_id)",
    ):
        db.execute(sql)


def _m004_summaries(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE summary_quotes (
            run_id INTEGER NOT NULL REFERENCES analysis_runs(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('theme', 'principle', 'component')),
            target_id INTEGER NOT NULL,    -- themes.id / principles.id / components.id
            rank INTEGER NOT NULL,
            point_id INTEGER NOT NULL REFERENCES points(id) ON DELETE CASCADE,
            score REAL NOT NULL,           -- centrality: cosine to the set's centroid
            PRIMARY KEY (run_id, kind, target_id, rank)
        )"""
    )
    db.execute("CREATE INDEX idx_summary_target ON summary_quotes(kind, target_id)")


def _m009_themes(db: sqlite_utils.Database) -> None:
    """Theme descriptions and the phrases/points each title came from (``nlp.theme_titles``), and
    each analysed point's detected language (``nlp.language``; NULL: too short or unsure)."""
    db.execute("ALTER TABLE themes ADD COLUMN description TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE themes ADD COLUMN title_sources TEXT NOT NULL DEFAULT '[]'")
    db.execute("ALTER TABLE point_analysis ADD COLUMN language TEXT")


MIGRATIONS: list[tuple[str, Migration]] = [
    ("001_ingest", _m001_ingest),
    ("002_analysis", _m002_analysis),
    ("003_web", m003_web),
    ("004_summaries", _m004_summaries),
    ("005_integrity", m005_integrity),
    ("006_counts", m006_counts),
    ("007_sessions", m007_sessions),
    ("013_loop", m013_loop),
    ("009_themes", _m009_themes),
    ("014_run_snapshots", m014_run_snapshots),
    ("015_pii_originals", m015_pii_originals),
    ("016_fts_vocab", m016_fts_vocab),
]

# Migrations that rebuild tables referenced by foreign keys: they run with enforcement off (it cannot
# change inside a transaction) and must leave ``PRAGMA foreign_key_check`` clean before committing.
FK_OFF = {"005_integrity"}


def applied(db: sqlite_utils.Database) -> list[str]:
    if "migrations" not in db.table_names():
        return []
    return [r["name"] for r in db.query("SELECT name FROM migrations ORDER BY rowid")]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations; return the names applied now."""
    db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    done = applied(db)
    known = [name for name, _ in MIGRATIONS]
    unknown = [n for n in done if n not in known]
    if unknown:
        raise FairhearingError(
            "FH-E200",
            f"database has migrations this version does not know: {', '.join(unknown)}; upgrade Fairhearing",
        )
    new = []
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        fk_off = name in FK_OFF
        if fk_off:
            fk_was = db.execute("PRAGMA foreign_keys").fetchone()[0]
            db.execute("PRAGMA foreign_keys=OFF")
        try:
            with write_tx(db):
                fn(db)
                if fk_off:
                    bad = db.execute("PRAGMA foreign_key_check").fetchall()
                    if bad:
                        raise FairhearingError(
                            "FH-E200", f"migration {name} left broken references: {bad[:5]}"
                        )
                db["migrations"].insert({"name": name, "applied_at": now()})
        finally:
            if fk_off:
                db.execute(f"PRAGMA foreign_keys={'ON' if fk_was else 'OFF'}")
        new.append(name)
    return new


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
