"""``fairhearing backup``: an online copy with the same contents, made while another connection writes."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from click.testing import CliRunner

from fairhearing.cli import cli
from fairhearing.errors import FairhearingError
from nlp.embed import HashingEmbedder
from store.backup import backup_db, table_counts
from store.db import open_db
from web.sample import build_sample


@pytest.fixture
def data_db(tmp_path):
    path = tmp_path / "live.db"
    db = open_db(path)
    build_sample(db, 20, embedder=HashingEmbedder())
    db.close()
    return path


def test_backup_has_the_same_counts_and_restores(data_db, tmp_path):
    out = tmp_path / "backups" / "b.db"
    r = CliRunner().invoke(cli, ["backup", "--db", str(data_db), "--out", str(out)])
    assert r.exit_code == 0, r.output
    live = sqlite3.connect(data_db)
    expected = table_counts(live)
    assert expected["responses"] > 0 and expected["points"] > 0 and expected["themes"] > 0
    copy = sqlite3.connect(out)
    assert table_counts(copy) == expected
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy.close()
    # restore: stop using the live file, drop its WAL files, copy the backup back
    live.execute("DELETE FROM responses")
    live.commit()
    live.close()
    for suffix in ("-wal", "-shm"):
        data_db.with_name(data_db.name + suffix).unlink(missing_ok=True)
    shutil.copy(out, data_db)
    assert table_counts(open_db(data_db).conn) == expected


def test_backup_while_a_writer_holds_a_transaction(data_db, tmp_path):
    writer = open_db(data_db)
    before = writer.execute("SELECT COUNT(*) FROM users").fetchone()[0]
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO users (name, password_hash, active, created_at) VALUES ('late', 'x', 1, 'now')"
    )
    counts = backup_db(data_db, tmp_path / "b.db")  # does not wait for, or see, the open write
    writer.execute("COMMIT")
    assert counts["users"] == before
    assert backup_db(data_db, tmp_path / "b.db", overwrite=True)["users"] == before + 1


def test_backup_refuses_to_overwrite_or_copy_onto_itself(data_db, tmp_path):
    out = tmp_path / "b.db"
    backup_db(data_db, out)
    with pytest.raises(FairhearingError) as e:
        backup_db(data_db, out)
    assert e.value.code == "FH-E210" and "--force" in e.value.message
    with pytest.raises(FairhearingError):
        backup_db(data_db, data_db, overwrite=True)
    with pytest.raises(FairhearingError):
        backup_db(tmp_path / "missing.db", tmp_path / "c.db")
    r = CliRunner().invoke(cli, ["backup", "--db", str(data_db), "--out", str(out)])
    assert r.exit_code == 1 and "FH-E210" in r.output
    assert not list(tmp_path.glob(".*.tmp"))
