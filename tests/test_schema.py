"""Schema: migrations apply once, in order, and never drop tables; FTS stays in sync."""

from __future__ import annotations

import pytest

from fairhearing.errors import FairhearingError
from store.db import open_db
from store.schema import MIGRATIONS, applied, migrate


def test_migrations_apply_once(file_db):
    assert applied(file_db) == [name for name, _ in MIGRATIONS]
    assert migrate(file_db) == []


def test_reopen_keeps_data(tmp_path):
    db = open_db(tmp_path / "x.db")
    db.execute("INSERT INTO consultations (name, created_at) VALUES ('c', 'now')")
    db.close()
    again = open_db(tmp_path / "x.db")
    assert again.execute("SELECT name FROM consultations").fetchall() == [("c",)]


def test_unknown_migration_is_refused(file_db):
    file_db.execute("INSERT INTO migrations (name, applied_at) VALUES ('999_future', 'now')")
    with pytest.raises(FairhearingError) as e:
        migrate(file_db)
    assert e.value.code == "FH-E200"


def test_no_migration_drops_tables():
    import inspect

    for _, fn in MIGRATIONS:
        assert "DROP TABLE" not in inspect.getsource(fn).upper()


def test_foreign_keys_on(mem_db):
    assert mem_db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_points_fts_tracks_inserts_and_cascade_deletes(seeds_db, tmp_path):
    from ingest.pipeline import ingest_paths

    db = open_db(tmp_path / "fts.db")
    f = tmp_path / "letter.txt"
    f.write_text("We are worried about TUPE transfers.\n\nPayment should be 30 days net.", encoding="utf-8")
    ingest_paths(db, [f])
    hits = db.execute("SELECT rowid FROM points_fts WHERE points_fts MATCH 'TUPE'").fetchall()
    assert len(hits) == 1
    db.execute("DELETE FROM sources")
    assert db.execute("SELECT COUNT(*) FROM points_fts WHERE points_fts MATCH 'TUPE'").fetchone()[0] == 0


# Representative rows for the tables each migration creates, written with the columns that migration
# gave them (later migrations only add columns, so the same rows load into any later schema).
SEED_ROWS: dict[str, list[str]] = {
    "001_ingest": [
        "INSERT INTO consultations (id, name, created_at) VALUES (1, 'work programme', 't')",
        """INSERT INTO sources (id, consultation_id, name, sha256, format, text, size, ingested_at)
           VALUES (1, 1, 'a/letters.txt', 's1', 'text', 'We need longer contracts.

We need longer contracts.

Thank you, moderator.', 73, 't'),
                  (2, 1, 'strategy.txt', 's2', 'framework', 'Principle one. A quote from Acme.', 33, 't')""",
        "INSERT INTO duplicate_groups (id, kind, size, representative_id) VALUES (1, 'exact', 2, 1)",
        """INSERT INTO responses (id, source_id, idx, role, organisation, start, "end", text, clean_text,
                                  duplicate_group, meta)
           VALUES (1, 1, 0, 'stakeholder', 'Acme Ltd', 0, 25, 'We need longer contracts.',
                   'We need longer contracts.', 1, '{}'),
                  (2, 1, 1, 'stakeholder', NULL, 27, 52, 'We need longer contracts.',
                   'We need longer contracts.', 1, '{"respondent_id": "7"}'),
                  (4, 2, 0, 'stakeholder', 'Acme Ltd', 15, 33, 'A quote from Acme.', 'A quote from Acme.', NULL,
                   '{}')""",
        """INSERT INTO responses (id, source_id, idx, role, reply_to, start, "end", text, clean_text)
           VALUES (3, 1, 2, 'moderator', 1, 54, 73, 'Thank you, moderator.', 'Thank you, moderator.')""",
        """INSERT INTO points (id, response_id, source_id, idx, start, "end", text, clean_text, text_hash)
           VALUES (1, 1, 1, 0, 0, 25, 'We need longer contracts.', 'We need longer contracts.', 'h1'),
                  (2, 2, 1, 0, 27, 52, 'We need longer contracts.', 'We need longer contracts.', 'h1')""",
        "INSERT INTO frameworks (id, consultation_id, source_id, name) VALUES (1, 1, 2, 'Strategy')",
        "INSERT INTO components (id, framework_id, idx, name) VALUES (1, 1, 0, 'Commissioning')",
        """INSERT INTO principles (id, framework_id, component_id, idx, code, kind, text)
           VALUES (1, 1, 1, 0, '1.1', 'principle', 'Contracts should be long enough to invest.')""",
    ],
    "002_analysis": [
        "INSERT INTO embeddings (text_hash, model, dim, vector) VALUES ('h1', 'hashing', 1, x'0000803f')",
        """INSERT INTO analysis_runs (id, started_at, finished_at, status, embedder, seed)
           VALUES (1, 't', 't', 'done', 'hashing', 42)""",
        """INSERT INTO themes (id, run_id, parent_id, level, topic, label, auto_label)
           VALUES (2, 1, NULL, 1, NULL, 'Contracts', 'contracts'), (1, 1, 2, 0, 0, 'Length', 'length')""",
        """INSERT INTO point_analysis (point_id, run_id, theme_id, theme_score, sentiment, type)
           VALUES (1, 1, 1, 0.9, 'negative', 'concern'), (2, 1, 1, 0.9, 'negative', 'concern')""",
        "INSERT INTO point_principles (point_id, principle_id, score, rank) VALUES (1, 1, 0.8, 0), (2, 1, 0.8, 0)",
        """INSERT INTO mapping_feedback (point_hash, point_text, principle_id, verdict, who, at)
           VALUES ('h1', 'We need longer contracts.', 1, 'confirm', 'ann', 't')""",
    ],
    "003_web": [
        "INSERT INTO users (id, name, password_hash, created_at) VALUES (1, 'ann', 'pbkdf2:x', 't')",
        """INSERT INTO edits (id, at, who, op, run_id, target, payload)
           VALUES (1, 't', 'ann', 'rename', 1, 'theme 1', '{"label": "Length"}')""",
        "INSERT INTO edit_replays (edit_id, run_id, applied, detail, at) VALUES (1, 1, 1, 'ok', 't')",
    ],
    "004_summaries": [
        "INSERT INTO summary_quotes (run_id, kind, target_id, rank, point_id, score) VALUES (1, 'theme', 1, 0, 1, 1.0)"
    ],
    "005_integrity": [
        "INSERT INTO theme_successors (old_id, old_label, new_id, reason, at) VALUES (9, 'Old', 1, 're-analysed', 't')"
    ],
    "013_loop": [
        "INSERT INTO mapping_refits (run_id, at, who, seconds, verdicts) VALUES (1, 't', 'ann', 0.5, 1)"
    ],
}
SEEDED = {  # rows each table holds once every seed above is in
    "consultations": 1, "sources": 2, "duplicate_groups": 1, "responses": 4, "points": 2, "frameworks": 1,
    "components": 1, "principles": 1, "embeddings": 1, "analysis_runs": 1, "themes": 2, "point_analysis": 2,
    "point_principles": 2, "mapping_feedback": 1, "users": 1, "edits": 1, "edit_replays": 1,
    "summary_quotes": 1, "theme_successors": 1, "mapping_refits": 1,
}  # fmt: skip


def _database_at(path, step: int) -> set[str]:
    """A database written by the schema as it stood after ``MIGRATIONS[step]``, holding representative
    rows of every table that existed then; returns those tables."""
    import sqlite3

    import sqlite_utils

    conn = sqlite3.connect(path, isolation_level=None)
    old = sqlite_utils.Database(conn)
    old.execute("PRAGMA foreign_keys=ON")
    old.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, fn in MIGRATIONS[: step + 1]:
        fn(old)
        old["migrations"].insert({"name": name, "applied_at": "then"})
    tables = set()
    for name, _ in MIGRATIONS[: step + 1]:
        for sql in SEED_ROWS.get(name, []):
            old.execute(sql)
            tables.add(sql.split("INSERT INTO ")[1].split()[0])
    if "006_counts" in dict(MIGRATIONS[: step + 1]):  # what that era's ingest wrote itself
        old.execute("UPDATE responses SET role = 'quoted_in_framework' WHERE id = 4")
        old.execute("UPDATE responses SET respondent_key = 'org:acme ltd' WHERE id = 1")
        old.execute("UPDATE responses SET respondent_key = 'id:a/letters.txt:7' WHERE id = 2")
    assert old.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()
    return tables


@pytest.mark.parametrize("step", range(len(MIGRATIONS) - 1), ids=[n for n, _ in MIGRATIONS[:-1]])
def test_upgrade_keeps_the_data_of_every_earlier_schema(tmp_path, step):
    """A database from each earlier schema version, with data, migrates to the head: every row kept,
    foreign keys and integrity clean, and today's readers work on it."""
    from store import counts
    from store.runs import current_run, select_points

    path = tmp_path / "old.db"
    tables = _database_at(path, step)
    db = open_db(path)
    assert applied(db) == [name for name, _ in MIGRATIONS]
    for table in tables:
        assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == SEEDED[table], table
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT COUNT(*) FROM points_fts WHERE points_fts MATCH 'contracts'").fetchone()[0] == 2
    roles = dict(db.execute("SELECT id, role FROM responses").fetchall())
    assert roles == {1: "stakeholder", 2: "stakeholder", 3: "moderator", 4: "quoted_in_framework"}
    keys = dict(db.execute("SELECT id, respondent_key FROM responses WHERE role = 'stakeholder'").fetchall())
    assert keys == {1: "org:acme ltd", 2: "id:a/letters.txt:7"}  # backfilled by 006_counts
    if "013_loop" not in dict(MIGRATIONS[: step + 1]):
        assert db.execute("SELECT title FROM principles").fetchone()[0]  # derived by 013_loop
    totals = counts.totals(db)
    assert (totals.respondents, totals.responses, totals.points) == (2, 2, 2)
    points, _ = select_points(db, 1)
    assert [p.id for p in points] == [1, 2]
    if "analysis_runs" in tables:
        assert current_run(db, 1)["id"] == 1  # the one consultation's run, from before runs had one
        assert db.execute("SELECT mapped, origin FROM point_principles").fetchall() == [(1, "model")] * 2
    new = db.execute(
        "INSERT INTO consultations (name, created_at) VALUES ('another', 't')"
    ).lastrowid  # ids go on from the largest present
    assert new == 2
    db.close()
