"""Short titles derived from principle text, vocabulary edits (audited, replayed) and `vocabulary import`."""

from __future__ import annotations

import json

from click.testing import CliRunner

from fairhearing.cli import cli
from nlp.embed import HashingEmbedder
from nlp.mapping import load_framework
from store import edits, vocabulary
from store.db import open_db
from store.titles import derive_title
from web.sample import build_sample


def test_derived_titles_are_short_and_deterministic():
    cases = {
        "Payment models should let providers of all sizes take part": "Payment models",
        "Funding should reward sustained job outcomes": "Funding should reward sustained job outcomes",
        "We will trial different models of outcome payments. We will work with providers": (
            "Trial different models of outcome payments"
        ),
        "Providers should have stable and predictable cash flow": "Providers: stable and predictable cash flow",
        "": "",
    }
    for text, title in cases.items():
        assert derive_title(text) == title
        assert len(derive_title(text).split()) <= 6


def test_derived_titles_are_display_only_for_the_mapper(tmp_path):
    db = open_db(tmp_path / "v.db")
    s = build_sample(db, 10, embedder=HashingEmbedder())
    assert vocabulary.ensure_titles(db) == 9
    prid = s.principle_ids["1.1"]
    assert db.execute("SELECT title, title_source FROM principles WHERE id = ?", [prid]).fetchone() == (
        "Payment models",
        "derived",
    )
    fid = db.execute("SELECT framework_id FROM principles WHERE id = ?", [prid]).fetchone()[0]
    assert all(p.title is None for p in load_framework(db, fid).principles)
    vocabulary.update(db, prid, "ana", title="Payment by results", synonyms="PbR, outcome payments")
    got = {p.id: p for p in load_framework(db, fid).principles}[prid]
    assert got.title == "Payment by results" and got.synonyms == ["PbR", "outcome payments"]
    # audited and replayed by framework name + code
    (op, payload), = db.execute("SELECT op, payload FROM edits").fetchall()  # fmt: skip
    assert op == "vocabulary" and json.loads(payload)["code"] == "1.1"
    db.execute("UPDATE principles SET title = 'x', synonyms = '[]' WHERE id = ?", [prid])
    results = edits.replay(db, s.run_id + 1)
    assert [r.applied for r in results] == [True]
    assert db.execute("SELECT title FROM principles WHERE id = ?", [prid]).fetchone() == (
        "Payment by results",
    )


def test_vocabulary_import_yaml_and_csv(tmp_path):
    path = tmp_path / "v.db"
    db = open_db(path)
    s = build_sample(db, 10, embedder=HashingEmbedder())
    db.close()
    yml = tmp_path / "vocab.yaml"
    yml.write_text(
        "'1.1':\n  title: Payment by results\n  synonyms: [PbR, outcome payments]\n"
        "'Local partnerships':\n  examples: [councils plan services with us]\n'9.9': {title: nothing}\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(cli, ["vocabulary", "import", str(yml), "--db", str(path), "--analyst", "jo"])
    assert r.exit_code == 0, r.output
    assert "2 principles changed; 1 of 3 entries unmatched" in r.output
    db = open_db(path)
    assert db.execute(
        "SELECT title, synonyms FROM principles WHERE id = ?", [s.principle_ids["1.1"]]
    ).fetchone() == (
        "Payment by results",
        '["PbR", "outcome payments"]',
    )
    assert db.execute(
        "SELECT examples FROM principles WHERE id = ?", [s.principle_ids["2.2"]]
    ).fetchone() == ('["councils plan services with us"]',)
    assert db.execute("SELECT DISTINCT who FROM edits").fetchall() == [("jo",)]
    csv_file = tmp_path / "vocab.csv"
    csv_file.write_text("principle,title,synonyms\n3.3,Published league tables,league tables;star ratings\n")
    r = CliRunner().invoke(cli, ["vocabulary", "import", str(csv_file), "--db", str(path)])
    assert r.exit_code == 0 and "1 principles changed" in r.output
    bad = tmp_path / "bad.csv"
    bad.write_text("principle,title\n7.7,x\n")
    r = CliRunner().invoke(cli, ["vocabulary", "import", str(bad), "--db", str(path)])
    assert r.exit_code == 1
