"""The ingest stage end to end: seeds in, idempotent re-ingest, atomic replace, bad input."""

from __future__ import annotations

import shutil

from ingest.pipeline import ingest_paths
from store.db import open_db
from tests.conftest import POLIS, SEEDS


def _count(db, sql, params=()):
    return db.execute(sql, params).fetchone()[0]


def test_seeds_ingest_with_detected_formats(seeds_db):
    formats = dict(seeds_db.execute("SELECT name, format FROM sources").fetchall())
    assert formats == {
        "000_8ef29a6578c7ff4a.txt": "numbered-comments",
        "001_40ddf6d00e3a02ac.txt": "flattened-comments",
        "002_a782d7f36bd06b08.txt": "event-notes",
        "003_cd2863db1d467436.txt": "blog-thread",
        "004_e8bb6e121e9bd43b.txt": "framework",
    }


def test_every_span_points_at_its_text(seeds_db):
    for sid, text in seeds_db.execute("SELECT id, text FROM sources").fetchall():
        for start, end, raw in seeds_db.execute(
            'SELECT start, "end", text FROM responses WHERE source_id = ?', [sid]
        ):
            assert text[start:end] == raw
        for start, end, raw, rs, re_ in seeds_db.execute(
            'SELECT p.start, p."end", p.text, r.start, r."end" FROM points p JOIN responses r ON r.id = p.response_id '
            "WHERE p.source_id = ?",
            [sid],
        ):
            assert text[start:end] == raw
            assert rs <= start < end <= re_


def test_moderator_notices_marked(seeds_db):
    rows = seeds_db.execute(
        "SELECT s.name, r.clean_text FROM responses r JOIN sources s ON s.id = r.source_id WHERE r.role = 'moderator'"
    ).fetchall()
    names = sorted(n for n, _ in rows)
    assert names.count("000_8ef29a6578c7ff4a.txt") == 1
    assert names.count("001_40ddf6d00e3a02ac.txt") == 1
    assert all("thank" in t.lower() or "keep it clean" in t.lower() for _, t in rows)


def test_truncated_flagged(seeds_db):
    assert _count(seeds_db, "SELECT COUNT(*) FROM responses WHERE truncated = 1") >= 2


def test_personal_data_redacted_in_display_text_only(seeds_db):
    assert _count(seeds_db, "SELECT COUNT(*) FROM responses WHERE clean_text LIKE '%john@nwnetwork%'") == 0
    assert _count(seeds_db, "SELECT COUNT(*) FROM responses WHERE text LIKE '%john@nwnetwork%'") >= 1
    assert _count(seeds_db, "SELECT COUNT(*) FROM sources WHERE text LIKE '%john@nwnetwork%'") == 2


def test_framework_loaded_as_tables(seeds_db):
    assert _count(seeds_db, "SELECT COUNT(*) FROM frameworks") == 1
    assert _count(seeds_db, "SELECT COUNT(*) FROM components WHERE is_annex = 0") == 7
    assert _count(seeds_db, "SELECT COUNT(*) FROM principles") > 40


def test_template_reuse_across_pages_grouped(seeds_db):
    """North West Network sent the same preamble to two consultation pages."""
    rows = seeds_db.execute(
        """SELECT r.duplicate_group, s.name FROM responses r JOIN sources s ON s.id = r.source_id
           WHERE r.clean_text LIKE 'North West Network is a charity%'"""
    ).fetchall()
    assert len(rows) == 2
    assert rows[0][0] is not None and rows[0][0] == rows[1][0]


def test_reingest_unchanged_is_noop(tmp_path):
    db = open_db(tmp_path / "a.db")
    first = ingest_paths(db, [SEEDS / "000_8ef29a6578c7ff4a.txt"])
    ids = db.execute("SELECT id FROM responses ORDER BY id").fetchall()
    again = ingest_paths(db, [SEEDS / "000_8ef29a6578c7ff4a.txt"])
    assert [r.status for r in first] == ["added"]
    assert [r.status for r in again] == ["unchanged"]
    assert db.execute("SELECT id FROM responses ORDER BY id").fetchall() == ids


def test_changed_file_replaces_old_version(tmp_path):
    db = open_db(tmp_path / "a.db")
    f = tmp_path / "letter.txt"
    f.write_text("First version of my response about TUPE.", encoding="utf-8")
    ingest_paths(db, [f])
    f.write_text("Second version, about payment terms.\n\nAnd a second paragraph.", encoding="utf-8")
    (report,) = ingest_paths(db, [f])
    assert report.status == "replaced"
    assert _count(db, "SELECT COUNT(*) FROM sources") == 1
    texts = [t for (t,) in db.execute("SELECT clean_text FROM responses ORDER BY id")]
    assert texts == ["Second version, about payment terms.", "And a second paragraph."]


def test_bad_file_leaves_database_untouched(tmp_path):
    db = open_db(tmp_path / "a.db")
    ingest_paths(db, [SEEDS / "000_8ef29a6578c7ff4a.txt"])
    before = db.execute("SELECT COUNT(*), SUM(length(clean_text)) FROM responses").fetchone()
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"caf\xe9 \x81\x8d\x9d au lait\nline two\n")  # not UTF-8, nor cp1252/Latin-1 text
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02garbage")
    reports = ingest_paths(db, [bad, empty, binary])
    assert [r.status for r in reports] == ["failed"] * 3
    assert "bad.txt:1" in reports[0].error and "FH-E104" in reports[0].error
    assert "FH-E101" in reports[1].error and "FH-E103" in reports[2].error
    assert db.execute("SELECT COUNT(*), SUM(length(clean_text)) FROM responses").fetchone() == before


def test_oversized_file_refused(tmp_path):
    from ingest.formats import ReadOptions

    db = open_db(tmp_path / "a.db")
    big = tmp_path / "big.txt"
    big.write_text("word " * 1000, encoding="utf-8")
    (r,) = ingest_paths(db, [big], options=ReadOptions(max_bytes=100))
    assert r.status == "failed" and "FH-E102" in r.error


def test_failure_mid_write_rolls_back(tmp_path, monkeypatch):
    """A crash while writing a changed file keeps the old version whole."""
    import store.ingest_store as store_mod

    db = open_db(tmp_path / "a.db")
    f = tmp_path / "c.txt"
    shutil.copy(SEEDS / "000_8ef29a6578c7ff4a.txt", f)
    ingest_paths(db, [f])
    before = db.execute("SELECT COUNT(*) FROM points").fetchone()[0]
    f.write_text(
        f.read_text(encoding="utf-8") + "\n\n  12. newcomer says:\n\n    A late comment.\n", encoding="utf-8"
    )

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store_mod, "write_framework", boom)
    monkeypatch.setattr(store_mod.json, "dumps", boom)
    try:
        ingest_paths(db, [f])
    except RuntimeError:
        pass
    assert db.execute("SELECT COUNT(*) FROM points").fetchone()[0] == before
    assert db.execute("SELECT COUNT(*) FROM sources").fetchone()[0] == 1


def test_polis_csv_ingests(tmp_path):
    db = open_db(tmp_path / "p.db")
    (r,) = ingest_paths(db, [POLIS])
    assert r.status == "added", r.error
    assert r.format == "csv"
    assert r.responses == 11081 - 4354  # comments the Polis moderators rejected are left out...
    assert any("rejected by the source's moderators" in p for p in r.problems)  # ...and counted
    row = db.execute("SELECT meta FROM responses LIMIT 1").fetchone()[0]
    assert "row" in row


def test_names_found_by_worker_processes_change_nothing(monkeypatch):
    from ingest import names
    from ingest.formats import ReadOptions
    from ingest.pipeline import parse_file, prepare

    path = SEEDS / "000_8ef29a6578c7ff4a.txt"
    parsed = parse_file(path.read_bytes(), path.name, None, ReadOptions())
    names.clear_cache()
    alone = prepare(parsed, ReadOptions(), path.name, workers=1)
    monkeypatch.setattr(names, "PARALLEL_MIN", 2)
    names.clear_cache()
    shared = prepare(parsed, ReadOptions(), path.name, workers=2)
    assert shared == alone and any("[name]" in r.clean_text for r in alone)
