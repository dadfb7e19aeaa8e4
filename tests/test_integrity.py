"""Writers that never collide: ids never reused, analysis bound to what it read, edits under load."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from fairhearing.errors import AnalysisError
from ingest.pipeline import ingest_paths
from store.db import open_db

LETTERS = [
    "We are worried about TUPE transfers between providers.",
    "Payment should be made within 30 days of invoice.",
    "Small charities cannot carry the risk of payment by results.",
    "Prime contractors pass too much risk down the supply chain.",
]


def write_letters(path, texts):
    path.write_text("\n\n".join(texts) + "\n", encoding="utf-8")


def ids_by_text(db, table: str = "responses") -> dict[str, int]:
    return {t: i for i, t in db.execute(f"SELECT id, clean_text FROM {table}")}


def test_ids_are_never_reused_after_a_delete(tmp_path):
    db = open_db(tmp_path / "a.db")
    f = tmp_path / "letters.txt"
    write_letters(f, LETTERS)
    ingest_paths(db, [f])
    top = db.execute("SELECT MAX(id) FROM responses").fetchone()[0]
    top_point = db.execute("SELECT MAX(id) FROM points").fetchone()[0]
    write_letters(f, LETTERS[:2])  # the last two responses (the highest ids) disappear
    ingest_paths(db, [f])
    write_letters(f, LETTERS[:2] + ["A new letter about commissioning timetables."])
    ingest_paths(db, [f])
    new = db.execute("SELECT id FROM responses WHERE clean_text LIKE 'A new letter%'").fetchone()[0]
    assert new > top
    assert db.execute("SELECT MAX(id) FROM points").fetchone()[0] > top_point


def test_unchanged_texts_keep_their_ids_when_a_file_changes(tmp_path):
    db = open_db(tmp_path / "a.db")
    f = tmp_path / "letters.txt"
    write_letters(f, LETTERS)
    ingest_paths(db, [f])
    before = ids_by_text(db)
    points_before = ids_by_text(db, "points")
    source = db.execute("SELECT id FROM sources").fetchone()[0]
    changed = ["An opening remark that shifts every offset."] + LETTERS[:2] + [LETTERS[3] + " Edited."]
    write_letters(f, changed)
    (report,) = ingest_paths(db, [f])
    assert report.status == "replaced"
    after = ids_by_text(db)
    for text in LETTERS[:2]:
        assert after[text] == before[text]  # same text, same id, new offsets
        assert points_before[text] == ids_by_text(db, "points")[text]
    assert LETTERS[2] not in after  # gone
    assert after[LETTERS[3] + " Edited."] > max(before.values())  # replaced text, new id
    assert db.execute("SELECT id FROM sources").fetchall() == [(source,)]
    # offsets were updated for the kept rows
    for _rid, start, end, text in db.execute('SELECT id, start, "end", text FROM responses'):
        src = db.execute("SELECT text FROM sources").fetchone()[0]
        assert src[start:end] == text


def test_every_foreign_key_has_an_index(mem_db):
    for table in mem_db.table_names():
        if table.endswith(("_fts", "_fts_data", "_fts_idx", "_fts_docsize", "_fts_config")):
            continue
        indexed = {  # an INTEGER PRIMARY KEY is the rowid: indexed by the table itself
            c[1] for c in mem_db.execute(f"PRAGMA table_info('{table}')") if c[5] == 1 and c[2] == "INTEGER"
        }
        for idx in mem_db.execute(f"PRAGMA index_list('{table}')").fetchall():
            cols = mem_db.execute(f"PRAGMA index_info('{idx[1]}')").fetchall()
            if cols:
                indexed.add(cols[0][2])  # the leading column serves lookups
        for fk in mem_db.execute(f"PRAGMA foreign_key_list('{table}')").fetchall():
            assert fk[3] in indexed, f"{table}.{fk[3]} references {fk[2]} without an index"


def test_migration_upgrades_a_populated_004_database(tmp_path):
    """A database written by the previous schema keeps every row and gains AUTOINCREMENT ids."""
    from store import schema

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    import sqlite_utils

    old = sqlite_utils.Database(conn)
    old.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    old.execute("PRAGMA foreign_keys=ON")
    for name, fn in schema.MIGRATIONS[:4]:
        fn(old)
        old["migrations"].insert({"name": name, "applied_at": "then"})
    old.execute("INSERT INTO consultations (name, created_at) VALUES ('c', 't')")
    old.execute(
        "INSERT INTO sources (consultation_id, name, sha256, format, text, size, ingested_at) "
        "VALUES (1, 'f', 'x', 'text', 'hello world', 11, 't')"
    )
    for i in range(3):
        old.execute(
            'INSERT INTO responses (source_id, idx, role, start, "end", text, clean_text) '
            "VALUES (1, ?, 'stakeholder', 0, 5, 'hello', 'hello')",
            [i],
        )
    old.execute(
        'INSERT INTO points (response_id, source_id, idx, start, "end", text, clean_text, text_hash) '
        "VALUES (3, 1, 0, 0, 5, 'hello', 'hello', 'h')"
    )
    old.execute("DELETE FROM responses WHERE id = 3")  # the highest id, deleted before the upgrade
    old.execute(
        'INSERT INTO points (response_id, source_id, idx, start, "end", text, clean_text, text_hash) '
        "VALUES (2, 1, 0, 0, 5, 'hello', 'hello', 'h')"
    )
    conn.close()

    db = open_db(path)
    assert "005_integrity" in schema.applied(db)
    assert db.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 2
    assert db.execute("SELECT COUNT(*) FROM points").fetchone()[0] == 1
    assert db.execute("SELECT COUNT(*) FROM points_fts WHERE points_fts MATCH 'hello'").fetchone()[0] == 1
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    new = db.execute(
        'INSERT INTO responses (source_id, idx, role, start, "end", text, clean_text) '
        "VALUES (1, 9, 'stakeholder', 0, 5, 'hello', 'hello')"
    ).lastrowid
    assert new == 3  # after the largest id present; from now on never a deleted one
    db.execute("DELETE FROM responses WHERE id = 3")
    again = db.execute(
        'INSERT INTO responses (source_id, idx, role, start, "end", text, clean_text) '
        "VALUES (1, 9, 'stakeholder', 0, 5, 'hello', 'hello')"
    ).lastrowid
    assert again == 4


def test_failed_ingest_leaves_no_consultation(tmp_path):
    db = open_db(tmp_path / "a.db")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    (report,) = ingest_paths(db, [bad], consultation="brand new")
    assert report.status == "failed"
    assert db.execute("SELECT COUNT(*) FROM consultations").fetchone()[0] == 0


def test_same_file_name_in_two_folders_is_two_sources(tmp_path):
    db = open_db(tmp_path / "a.db")
    for folder, text in (("a", LETTERS[:2]), ("b", LETTERS[2:])):
        (tmp_path / "in" / folder).mkdir(parents=True)
        write_letters(tmp_path / "in" / folder / "letters.txt", text)
    reports = ingest_paths(db, [tmp_path / "in"])
    assert [r.status for r in reports] == ["added", "added"]
    assert sorted(r[0] for r in db.execute("SELECT name FROM sources")) == ["a/letters.txt", "b/letters.txt"]
    assert db.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 4


def test_stale_duplicate_groups_are_recomputed_after_a_crash(tmp_path):
    """A source written without its duplicate pass (a killed ingest) is noticed by the next command."""
    db = open_db(tmp_path / "a.db")
    f = tmp_path / "letters.txt"
    write_letters(f, [LETTERS[0], LETTERS[0], LETTERS[1]])
    ingest_paths(db, [f])
    assert db.execute("SELECT COUNT(*) FROM duplicate_groups").fetchone()[0] == 1
    # simulate the crash window: groups lost, flag set (as write_source leaves it before recompute)
    db.execute("UPDATE responses SET duplicate_group = NULL")
    db.execute("DELETE FROM duplicate_groups")
    db.execute("UPDATE store_state SET value = 1 WHERE key = 'duplicates_stale'")
    (report,) = ingest_paths(db, [f])
    assert report.status == "unchanged"
    assert db.execute("SELECT COUNT(*) FROM duplicate_groups").fetchone()[0] == 1


class _ReingestingTagger:
    """A real tagger that, mid-analysis, lets another connection re-ingest a changed file."""

    def __init__(self, db_path, file, texts, models_dir):
        self.db_path, self.file, self.texts, self.models_dir = db_path, file, texts, models_dir

    def predict(self, texts, embeddings):
        from nlp.tags import default_tagger

        other = open_db(self.db_path)
        write_letters(self.file, self.texts)
        ingest_paths(other, [self.file])
        other.close()
        from nlp.embed import load_embedder

        emb = load_embedder("hashing")
        return default_tagger(emb.name, emb.encode, models_dir=self.models_dir).predict(texts, embeddings)


def test_analysis_racing_a_reingest_writes_nothing(tmp_path):
    from nlp.embed import load_embedder
    from nlp.pipeline import Analyser

    path = tmp_path / "a.db"
    db = open_db(path)
    f = tmp_path / "letters.txt"
    write_letters(f, LETTERS * 3)
    ingest_paths(db, [f])
    changed = [t.replace("providers", "contractors") for t in LETTERS] * 3
    analyser = Analyser(
        load_embedder("hashing"),
        tagger_factory=lambda: _ReingestingTagger(path, f, changed, tmp_path / "models"),
        models_dir=tmp_path / "models",
        progress=False,
    )
    with pytest.raises(AnalysisError) as e:
        analyser.run(db)
    assert e.value.code == "FH-E304"
    assert db.execute("SELECT COUNT(*) FROM point_analysis").fetchone()[0] == 0
    status, error = db.execute("SELECT status, error FROM analysis_runs").fetchone()
    assert status == "failed" and "changed" in error


def test_a_run_whose_process_died_is_marked_failed(tmp_path):
    from store.runs import reap_dead_runs, start_run

    db = open_db(tmp_path / "a.db")
    run = start_run(db, embedder="x", seed=1, params={})
    assert reap_dead_runs(db) == []  # this process is alive
    db.execute("UPDATE analysis_runs SET pid = 2147483646 WHERE id = ?", [run])  # no such process
    assert reap_dead_runs(db) == [run]
    assert db.execute("SELECT status FROM analysis_runs").fetchone()[0] == "failed"


def test_concurrent_writers_wait_instead_of_failing(tmp_path):
    """Six threads each doing read-then-write transactions while another holds the lock: no error."""
    from store.tx import write_tx

    path = tmp_path / "a.db"
    open_db(path).close()
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        db = open_db(path)
        try:
            for _ in range(15):
                with write_tx(db):
                    count = db.execute("SELECT COUNT(*) FROM consultations").fetchone()[0]
                    db.execute(
                        "INSERT INTO consultations (name, created_at) VALUES (?, 't')", [f"w{n}-{count}-{_}"]
                    )
        except BaseException as e:  # noqa: BLE001 - collected for the assertion
            errors.append(e)
        finally:
            db.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert open_db(path).execute("SELECT COUNT(*) FROM consultations").fetchone()[0] == 90


def test_busy_lock_gives_a_coded_error_not_a_traceback(tmp_path):
    from store.tx import BusyError, write_tx

    path = tmp_path / "a.db"
    holder = open_db(path)
    holder.execute("BEGIN IMMEDIATE")
    waiter = open_db(path)
    waiter.execute("PRAGMA busy_timeout=50")
    with pytest.raises(BusyError) as e:
        with write_tx(waiter, retries=2):
            pass
    assert e.value.code == "FH-E400"
    holder.execute("ROLLBACK")


def test_reanalysis_gives_new_theme_ids_and_old_links_a_successor(tmp_path):
    from nlp.embed import load_embedder
    from nlp.pipeline import Analyser
    from store.theme_successors import successor

    db = open_db(tmp_path / "a.db")
    f = tmp_path / "letters.txt"
    write_letters(f, LETTERS * 3)
    ingest_paths(db, [f])
    analyser = Analyser(load_embedder("hashing"), models_dir=tmp_path / "models", progress=False)
    analyser.run(db)
    first = [r[0] for r in db.execute("SELECT id FROM themes WHERE level = 0")]
    analyser.run(db)
    second = [r[0] for r in db.execute("SELECT id FROM themes WHERE level = 0")]
    assert min(second) > max(first)  # never reused
    for old in first:
        s = successor(db, old)
        assert s is not None and s.reason == "re-analysed" and s.new_id in second


# ---------------------------------------------------------------- scopes


def _ingest_survey(db, path, consultation="default"):
    import csv

    from ingest.formats import ReadOptions

    with path.open(encoding="utf-8") as f:
        header = next(csv.reader(f))
    opts = ReadOptions(id_column="id", text_columns=header[1:])
    (report,) = ingest_paths(db, [path], consultation=consultation, options=opts)
    assert report.status == "added", report.error


def _survey(path, rows, question_columns=("What changed?", "What should stay?")):
    import csv

    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", *question_columns])
        for i, row in enumerate(rows):
            w.writerow([i + 1, *row])


def _groups(db):
    return db.execute(
        """SELECT g.kind, g.size, group_concat(DISTINCT s.consultation_id),
                  group_concat(DISTINCT COALESCE(r.question, s.question))
           FROM duplicate_groups g JOIN responses r ON r.duplicate_group = g.id
           JOIN sources s ON s.id = r.source_id GROUP BY g.id"""
    ).fetchall()


def test_duplicates_never_cross_consultations_or_questions(tmp_path):
    db = open_db(tmp_path / "a.db")
    for name in ("one", "two"):
        folder = tmp_path / name
        folder.mkdir()
        _survey(folder / "survey.csv", [("Nothing at all", "Nothing at all")] * 3)
        _ingest_survey(db, folder / "survey.csv", name)
    groups = _groups(db)
    assert len(groups) == 4  # one per consultation and question
    for _kind, size, consultations, questions in groups:
        assert size == 3 and "," not in consultations and "," not in questions


def test_common_short_answers_are_not_campaigns(tmp_path):
    db = open_db(tmp_path / "a.db")
    letter = (
        "I object to the closure of the library because it is the only warm and quiet place where "
        "children in this ward can do their homework after school."
    )
    _survey(tmp_path / "s.csv", [("No", letter)] * 12)
    _ingest_survey(db, tmp_path / "s.csv")
    kinds = sorted(k for k, *_ in _groups(db))
    assert kinds == ["campaign", "common"]


def test_every_copy_of_a_text_gets_its_own_analysis_and_counts(tmp_path):
    from nlp.embed import load_embedder
    from nlp.pipeline import Analyser
    from store.counts import theme_reach

    db = open_db(tmp_path / "a.db")
    _survey(tmp_path / "s.csv", [("No",), ("No",), ("No",), ("Better buses, please.",)], ("What changed?",))
    _ingest_survey(db, tmp_path / "s.csv")
    report = Analyser(load_embedder("hashing"), models_dir=tmp_path / "m", progress=False).run(db)
    assert report.points == 4 and report.skipped_duplicates == 2
    rows = db.execute(
        "SELECT p.clean_text, pa.theme_id, pa.sentiment FROM points p JOIN point_analysis pa ON pa.point_id = p.id"
    ).fetchall()
    assert len(rows) == 4
    assert len({(t, s) for text, t, s in rows if text == "No"}) == 1  # one analysis, applied to every copy
    reach = theme_reach(db, report.run_id)
    assert sum(r.respondents for tid, r in reach.items() if tid in {t for _, t, _ in rows}) == 4


def test_the_same_closing_notice_on_two_pages_is_one_template_group(seeds_db):
    rows = seeds_db.execute(
        """SELECT g.kind, group_concat(r.source_id) FROM responses r JOIN duplicate_groups g ON g.id = r.duplicate_group
           WHERE r.role = 'moderator' GROUP BY g.id"""
    ).fetchall()
    assert ("template", "1,2") in rows
