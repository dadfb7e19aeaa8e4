"""The CLI is a thin layer: exit codes, messages naming file and line, and the commands' output."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from fairhearing.cli import cli
from tests.conftest import SEEDS


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_ingest_and_export(tmp_path):
    db = str(tmp_path / "c.db")
    r = run("ingest", str(SEEDS / "000_8ef29a6578c7ff4a.txt"), "--db", db)
    assert r.exit_code == 0, r.output
    assert "added" in r.output and "numbered-comments: 11 responses" in r.output
    again = run("ingest", str(SEEDS / "000_8ef29a6578c7ff4a.txt"), "--db", db)
    assert "unchanged" in again.output
    out = tmp_path / "export"
    r = run("export", "--db", db, "--out", str(out))
    assert r.exit_code == 0
    assert "responses.jsonl: 11" in r.output
    assert (out / "points.jsonl").exists()
    stats = json.loads(run("stats", "--db", db).output)
    assert stats["responses"] == 11 and stats["moderator_notices"] == 1


def test_bad_input_exit_code_and_message(tmp_path):
    db = str(tmp_path / "c.db")
    bad = tmp_path / "broken.csv"
    bad.write_text('id,comment\n1,"fine text here"\n2,"unterminated\n', encoding="utf-8")
    r = CliRunner().invoke(cli, ["ingest", str(bad), "--db", db])
    assert r.exit_code == 1
    assert "broken.csv" in r.output and "FH-E110" in r.output and "row" in r.output


def test_forced_format_and_unknown_format(tmp_path):
    db = str(tmp_path / "c.db")
    f = tmp_path / "note.dat"
    f.write_text("A single response about payments.", encoding="utf-8")
    assert run("ingest", str(f), "--db", db, "--format", "text").exit_code == 0
    r = CliRunner().invoke(cli, ["ingest", str(f), "--db", db, "--format", "nope"])
    assert r.exit_code == 1 and "FH-E106" in r.output


def test_spreadsheet_columns_named_by_user(tmp_path):
    db = str(tmp_path / "c.db")
    f = tmp_path / "survey.csv"
    f.write_text(
        "ref,Org,Q1 What do you think?\n"
        "a1,Shaw Trust,We are concerned that payment by results will exclude small charities.\n"
        "a2,,I think the timescale is far too short for providers to prepare.\n",
        encoding="utf-8",
    )
    r = run(
        "ingest",
        str(f),
        "--db",
        db,
        "--id-column",
        "ref",
        "--text-column",
        "Q1 What do you think?",
        "--meta-column",
        "organisation=Org",
    )
    assert r.exit_code == 0, r.output
    from store.db import open_db

    rows = open_db(db).execute("SELECT organisation, question FROM responses ORDER BY id").fetchall()
    assert rows[0] == ("Shaw Trust", "Q1 What do you think?")
    bad = CliRunner().invoke(cli, ["ingest", str(f), "--db", str(tmp_path / "d.db"), "--text-column", "Nope"])
    assert bad.exit_code == 1 and "FH-E112" in bad.output


def test_formats_lists_readers():
    out = run("formats").output.split()
    for name in (
        "numbered-comments",
        "flattened-comments",
        "event-notes",
        "blog-thread",
        "framework",
        "csv",
        "xlsx",
        "json",
        "jsonl",
        "html",
        "docx",
        "pdf",
        "text",
        "codebook-csv",
        "codebook-yaml",
    ):
        assert name in out


def test_analyse_check_report_user(tmp_path):
    """The analysis-side commands end to end on two seeds, with the fast hashing embedder."""
    db = str(tmp_path / "a.db")
    assert (
        run(
            "ingest",
            str(SEEDS / "000_8ef29a6578c7ff4a.txt"),
            str(SEEDS / "004_e8bb6e121e9bd43b.txt"),
            "--db",
            db,
        ).exit_code
        == 0
    )
    r = run(
        "analyse", "--db", db, "--embedder", "hashing", "--quiet", "--models-dir", str(tmp_path / "models")
    )
    assert r.exit_code == 0, r.output
    assert "themes in" in r.output and "mapped to principles" in r.output
    sub = tmp_path / "submission.txt"
    seed = (SEEDS / "000_8ef29a6578c7ff4a.txt").read_text(encoding="utf-8")
    start = seed.index("DWP should lead by example on TUPE")
    sub.write_text(seed[start : seed.index("\n", start)], encoding="utf-8")  # a point as its author wrote it
    r = run("check", "--db", db, "--text-file", str(sub), "--json")
    (point,) = json.loads(r.output)
    assert point["status"] in ("captured", "partly") and point["matches"]
    for fmt in ("html", "docx", "csv", "xlsx"):
        out = tmp_path / f"report.{fmt}"
        assert run("report", "--db", db, "--out", str(out)).exit_code == 0
        assert out.stat().st_size > 500
    assert "Summary of responses" in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert (tmp_path / "report.docx").read_bytes()[:2] == b"PK"
    r = run("user", "add", "alice", "--db", db, "--password", "correct horse battery")
    assert r.exit_code == 0 and "alice" in r.output
    bad = CliRunner().invoke(cli, ["user", "add", "alice", "--db", db, "--password", "another password"])
    assert bad.exit_code == 1 and "Error" in bad.output


def test_analyse_without_responses_is_a_clear_error(tmp_path):
    from store.db import open_db

    open_db(tmp_path / "e.db").close()
    r = CliRunner().invoke(
        cli, ["analyse", "--db", str(tmp_path / "e.db"), "--embedder", "hashing", "--quiet"]
    )
    assert r.exit_code == 1 and "FH-E300" in r.output


READERS = {  # every command that reads a database, with the other arguments it needs
    "stats": [],
    "export": ["--out", "{tmp}/x"],
    "report": ["--out", "{tmp}/r.html"],
    "analyse": ["--quiet"],
    "serve": [],
    "check": ["--text-file", "{tmp}/point.txt"],
    "backup": ["--out", "{tmp}/b.db"],
    "user add": ["ann", "--password", "correct horse battery"],
    "user passwd": ["ann", "--password", "correct horse battery"],
    "user deactivate": ["ann"],
    "user activate": ["ann"],
    "user list": [],
    "labels import": ["{tmp}/labels.csv"],
    "labels export": ["--out", "{tmp}/labels.csv"],
    "vocabulary import": ["{tmp}/vocabulary.yaml"],
    "search": ["payment"],
    "runs compare": ["1", "2"],
}
CREATORS = {"ingest", "demo"}  # the only commands that may create a database


def _db_commands(group=cli, prefix: str = "") -> set[str]:
    import click

    out = set()
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            out |= _db_commands(cmd, f"{prefix}{name} ")
        elif any(p.name == "db_path" for p in cmd.params):
            out.add(f"{prefix}{name}")
    return out


def test_every_database_command_is_checked_for_a_missing_file():
    assert _db_commands() == set(READERS) | CREATORS


@pytest.mark.parametrize("command", sorted(READERS))
def test_commands_refuse_a_missing_database(tmp_path, command):
    """Only ingest and demo create a database: a typo in --db is an error, not an empty database."""
    (tmp_path / "point.txt").write_text("Payment should be made within 30 days.", encoding="utf-8")
    (tmp_path / "labels.csv").write_text("point,principle,verdict\nx,1.1,confirm\n", encoding="utf-8")
    (tmp_path / "vocabulary.yaml").write_text("- code: '1.1'\n  title: Payment\n", encoding="utf-8")
    db = tmp_path / "typo.db"
    args = [a.format(tmp=tmp_path) for a in READERS[command]]
    r = CliRunner().invoke(cli, [*command.split(), *args, "--db", str(db)])
    code = "FH-E210" if command == "backup" else "FH-E305"  # backup: "no database at ..." (its own code)
    assert r.exit_code == 1 and code in r.output, r.output
    assert not db.exists()


def test_models_dir_from_the_environment(tmp_path, monkeypatch):
    """FAIRHEARING_MODELS_DIR, which the embedders read, is also --models-dir's default: one folder."""
    db = str(tmp_path / "a.db")
    assert run("ingest", str(SEEDS / "000_8ef29a6578c7ff4a.txt"), "--db", db).exit_code == 0
    monkeypatch.setenv("FAIRHEARING_MODELS_DIR", str(tmp_path / "shared-models"))
    r = run("analyse", "--db", db, "--embedder", "hashing", "--quiet")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "shared-models" / "themes").is_dir()
    assert "FAIRHEARING_MODELS_DIR" in run("analyse", "--help").output
