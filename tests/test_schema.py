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
