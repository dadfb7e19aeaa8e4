"""`fairhearing labels import/export`: locating points, resolving principles, one transaction, round trips."""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from click.testing import CliRunner

from fairhearing.cli import cli
from ingest.label_rows import read_rows, write_rows
from store.db import open_db
from store.labels import export_labels, import_labels, verdict_set
from tests.web_helpers import copy_of, sample_base


def _respondent_id(db, sample) -> None:
    """A respondent id, as a spreadsheet's id column would give."""
    rid = sample.response_ids[2]
    db.execute("UPDATE responses SET meta = json_set(meta, '$.respondent_id', 'R-17') WHERE id = ?", [rid])


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return sample_base(
        tmp_path_factory.mktemp("labels") / "base.db", 30, analyst=False, setup=_respondent_id
    )[:2]


@pytest.fixture
def db_path(base, tmp_path):
    return copy_of(base[0], tmp_path)


def _points(db, n=6):
    return db.execute(
        """SELECT p.id, s.name, p.start, p."end", p.clean_text, p.text_hash FROM points p
           JOIN sources s ON s.id = p.source_id JOIN responses r ON r.id = p.response_id
           WHERE s.format <> 'framework' ORDER BY p.id LIMIT ?""",
        [n],
    ).fetchall()


def _write_csv(path, rows):
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=sorted({k for r in rows for k in r}))
        w.writeheader()
        w.writerows(rows)


def test_every_locator_and_principle_form_matches(db_path, base):
    _, sample = base
    db = open_db(db_path)
    pts = _points(db)
    rid_point = db.execute(
        "SELECT id, text_hash FROM points WHERE response_id = ? ORDER BY id", [sample.response_ids[2]]
    ).fetchall()
    rows = [
        # a span inside the point, principle by code
        (
            2,
            {"source": pts[0][1], "start": str(pts[0][2] + 2), "end": str(pts[0][3] - 1), "principle": "1.1"},
        ),
        # the exact text (spacing ignored), principle by its text, a rejection
        (
            3,
            {
                "text": "  " + pts[1][4].replace(" ", "  ") + " ",
                "principle": "Monitoring and paperwork should be proportionate",
                "verdict": "reject",
            },
        ),
        # the respondent id, principle by its derived short title
        (4, {"response_id": "R-17", "principle": "Specialist providers"}),
    ]
    report = import_labels(db, rows, "coder")
    assert report.unmatched == [] and [n for n, _ in report.matched] == [2, 3, 4]
    got = verdict_set(db)
    p = sample.principle_ids
    assert (pts[0][5], p["1.1"], "confirm") in got
    assert (pts[1][5], p["3.2"], "reject") in got
    assert {(h, p["2.1"], "confirm") for _, h in rid_point} <= got
    # audited and applied: the confirmed pair is mapped
    assert db.execute("SELECT COUNT(*) FROM edits WHERE op = 'mapping' AND who = 'coder'").fetchone()[0] >= 3
    assert db.execute(
        "SELECT mapped FROM point_principles WHERE point_id = ? AND principle_id = ?", [pts[0][0], p["1.1"]]
    ).fetchone() == (1,)


def test_unmatched_rows_are_reported_and_change_nothing(db_path):
    db = open_db(db_path)
    pts = _points(db)
    rows = [
        (2, {"source": "nope.txt", "start": "1", "end": "5", "principle": "1.1"}),
        (3, {"source": pts[0][1], "start": str(pts[0][2]), "end": str(pts[1][3]), "principle": "1.1"}),
        (4, {"text": "nobody wrote this", "principle": "1.1"}),
        (5, {"text": pts[0][4], "principle": "9.9"}),
        (6, {"text": pts[0][4], "principle": "1.1", "verdict": "maybe"}),
        (7, {"principle": "1.1"}),
        (8, {"response_id": "R-404", "principle": "1.1"}),
    ]
    report = import_labels(db, rows, "coder")
    assert report.matched == [] and report.edits == 0
    why = dict(report.unmatched)
    assert sorted(why) == [2, 3, 4, 5, 6, 7, 8]
    assert "nope.txt" in why[2] and "offsets" in why[3] and "exactly" in why[4]
    assert "9.9" in why[5] and "verdict" in why[6] and "locator" in why[7] and "R-404" in why[8]
    assert verdict_set(db) == set()
    assert db.execute("SELECT COUNT(*) FROM edits").fetchone()[0] == 0


def test_cli_import_exit_codes_and_report(db_path, tmp_path):
    db = open_db(db_path)
    pts = _points(db)
    db.close()
    good = tmp_path / "coding.csv"
    _write_csv(
        good,
        [
            {"text": pts[0][4], "principle": "1.1", "verdict": "confirm"},
            {"text": "not a point", "principle": "1.1", "verdict": "confirm"},
        ],
    )
    runner = CliRunner()
    r = runner.invoke(cli, ["labels", "import", str(good), "--db", str(db_path), "--analyst", "jo"])
    assert r.exit_code == 0, r.output
    assert "1 of 2 rows matched" in r.output and "row 3: not matched" in r.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "not a point", "principle": "1.1"}) + "\n", encoding="utf-8")
    r = runner.invoke(cli, ["labels", "import", str(bad), "--db", str(db_path)])
    assert r.exit_code == 1 and "0 of 1 rows matched" in r.output
    assert open_db(db_path).execute("SELECT who FROM mapping_feedback").fetchall() == [("jo",)]


@pytest.mark.parametrize("ext", ["csv", "jsonl", "xlsx"])
def test_export_then_import_into_a_fresh_copy_keeps_every_verdict(base, tmp_path, ext):
    src, fresh = tmp_path / "a.db", tmp_path / "b.db"
    shutil.copy(base[0], src)
    shutil.copy(base[0], fresh)
    db = open_db(src)
    pts = _points(db, 8)
    p = base[1].principle_ids
    rows = [(i + 2, {"text": t, "principle": code, "verdict": v}) for i, (t, code, v) in enumerate(
        [(pts[0][4], "1.1", "confirm"), (pts[1][4], "2.3", "confirm"), (pts[2][4], "1.2", "reject"),
         (pts[3][4], "3.3", "confirm"), (pts[3][4], "1.1", "reject")]
    )]  # fmt: skip
    import_labels(db, rows, "ana")
    before = verdict_set(db)
    assert len(before) == 5 and (pts[3][5], p["3.3"], "confirm") in before
    out = tmp_path / f"verdicts.{ext}"
    r = CliRunner().invoke(cli, ["labels", "export", "--out", str(out), "--db", str(src)])
    assert r.exit_code == 0 and "wrote 5 verdicts" in r.output
    assert len(read_rows(out)) == 5
    r = CliRunner().invoke(cli, ["labels", "import", str(out), "--db", str(fresh)])
    assert r.exit_code == 0, r.output
    assert verdict_set(open_db(fresh)) == before


def test_xlsx_keeps_text_that_looks_like_a_formula(tmp_path):
    path = tmp_path / "x.xlsx"
    write_rows(path, [{"text": "=1+1 is not a formula", "principle": "1.1", "verdict": "confirm"}])
    assert read_rows(path)[0] == (2, {**dict.fromkeys(read_rows(path)[0][1], ""), "text": "=1+1 is not a formula",
                                      "principle": "1.1", "verdict": "confirm"})  # fmt: skip


def test_export_rows_name_the_point_and_principle(db_path):
    db = open_db(db_path)
    pts = _points(db)
    import_labels(db, [(2, {"text": pts[0][4], "principle": "1.1"})], "ana")
    (row,) = export_labels(db)
    assert (row["source"], row["start"], row["end"], row["principle"], row["verdict"]) == (
        pts[0][1],
        pts[0][2],
        pts[0][3],
        "1.1",
        "confirm",
    )
    assert row["framework"] == "Commissioning strategy (sample)" and row["who"] == "ana"
