"""kill -9 at every phase of ``ingest`` and ``analyse``; after the next command the database equals a
clean run's.

Each killed command runs in a subprocess with ``FAIRHEARING_TEST_KILL_AT=<phase>`` (the hook in
``fairhearing/crashpoints.py``), which SIGKILLs it at that phase: no rollback, no cleanup. Right
after the kill a source, its points and its duplicate groups are visible together, or the database
says duplicate detection is stale; the next command (any command, here ``stats``) completes the
groups, and re-running the killed command leaves a database equal, table by table, to a clean run's
(ids of runs, timestamps, pids and timings aside). A killed ``analyse`` keeps the embedding batches
it committed and the next one embeds only the rest.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from fairhearing import crashpoints
from fairhearing.cli import cli
from tests.conftest import ROOT, SEEDS

INGEST_PHASES = [p for p in crashpoints.PHASES if p.startswith("ingest:")]
ANALYSE_PHASES = [p for p in crashpoints.PHASES if p.startswith("analyse:")]
BATCH = 3  # --embed-batch: the corpus has 8 distinct stakeholder point texts, so 3 batches
VOLATILE = {"pid", "host", "at"}  # a process, a machine, a moment: not content

LETTERS_A = [
    "We are worried about TUPE transfers between providers when contracts change hands.",
    "Payment should be made within 30 days of invoice. Late payment hurts small charities most.",
    "Small charities cannot carry the risk of payment by results.",
    "Prime contractors pass too much risk down the supply chain.",
    "Prime contractors pass too much risk down the supply chain.",
    "Commissioning timetables are too short for partnerships to form.",
]
LETTERS_B = [
    "Prime contractors pass too much risk down the supply chain.",
    "Social value should be weighed in every tender, not only the price.",
    "Payment should be made within 30 days of invoice. Late payment hurts small charities most.",
    "Local specialist services need ring-fenced funding.",
    "No",
    "No",
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Three sources: a framework and two letters files (same name, two folders) sharing duplicates."""
    root = tmp_path_factory.mktemp("corpus") / "in"
    for folder, letters in (("a", LETTERS_A), ("b", LETTERS_B)):
        (root / folder).mkdir(parents=True)
        (root / folder / "letters.txt").write_text("\n\n".join(letters) + "\n", encoding="utf-8")
    shutil.copy(SEEDS / "004_e8bb6e121e9bd43b.txt", root / "framework.txt")
    return root


def run(*args: str) -> str:
    """A command in this process, as a user would run it next; it must succeed."""
    r = CliRunner().invoke(cli, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def killed(kill_at: str, *args: str) -> None:
    """A command in a subprocess that SIGKILLs itself at ``kill_at``; asserts it died there."""
    env = {**os.environ, crashpoints.ENV: kill_at, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    out = subprocess.run(
        [sys.executable, "-m", "fairhearing.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == -signal.SIGKILL, (kill_at, out.returncode, out.stderr[-2000:])


def copy_db(src: Path, dst: Path) -> None:
    """A consistent copy (SQLite backup: the write-ahead log of a still-open connection included)."""
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()


def dump(path: Path) -> dict[str, list]:
    """Every table's rows, canonical: sorted; timestamps, pids, hosts and timings left out; runs that
    did not finish left out and the rest numbered in order, and a duplicate group named by its
    representative response (ids of both differ after a killed run and a recomputation)."""
    conn = sqlite3.connect(path)
    try:
        done = [r for (r,) in conn.execute("SELECT id FROM analysis_runs WHERE status = 'done' ORDER BY id")]
        run_no = {rid: n for n, rid in enumerate(done)}
        group_of = dict(conn.execute("SELECT id, representative_id FROM duplicate_groups").fetchall())
        out: dict[str, list] = {}
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in sorted(tables):
            if table == "sqlite_sequence" or "_fts" in table:
                continue
            cols = [c[1] for c in conn.execute(f'PRAGMA table_info("{table}")')]
            keep = [c for c in cols if c not in VOLATILE and not c.endswith("_at")]
            select = ", ".join(f'"{c}"' for c in keep)
            rows = [dict(zip(keep, r, strict=True)) for r in conn.execute(f'SELECT {select} FROM "{table}"')]
            if table == "analysis_runs":
                rows = [r for r in rows if r["status"] == "done"]
                for r in rows:
                    r["id"] = run_no[r["id"]]
                    r["stats"] = {
                        k: v for k, v in json.loads(r["stats"]).items() if k not in ("seconds", "run_id")
                    }
            if table == "duplicate_groups":
                for r in rows:
                    r["id"] = group_of[r["id"]]
            if table == "responses":
                for r in rows:
                    r["duplicate_group"] = group_of.get(r["duplicate_group"])
            for r in rows:
                if "run_id" in r:
                    r["run_id"] = run_no.get(r["run_id"], "unfinished")
            out[table] = sorted(rows, key=repr)
        for fts in ("points_fts", "responses_fts"):
            out[fts] = conn.execute(f"SELECT rowid, clean_text FROM {fts} ORDER BY rowid").fetchall()
        return out
    finally:
        conn.close()


def assert_same(got: dict[str, list], want: dict[str, list]) -> None:
    assert got.keys() == want.keys()
    for table in want:
        assert got[table] == want[table], f"table {table} differs from a clean run's"


def assert_sound(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def groups_or_stale(path: Path, tmp_path: Path) -> None:
    """Right after a kill: the duplicate groups are those of the sources visible, or flagged stale."""
    from ingest.dedupe_store import recompute_duplicates
    from store.db import open_db

    conn = sqlite3.connect(path)
    stale = conn.execute("SELECT value FROM store_state WHERE key = 'duplicates_stale'").fetchone()[0]
    conn.close()
    if stale:
        return
    fresh = tmp_path / "recomputed.db"
    copy_db(path, fresh)
    db = open_db(fresh)
    recompute_duplicates(db)
    db.close()
    keep = ("duplicate_groups", "responses")
    assert {t: dump(path)[t] for t in keep} == {t: dump(fresh)[t] for t in keep}


@pytest.fixture(scope="module")
def clean(corpus, tmp_path_factory) -> dict[str, Path]:
    """Clean runs: the corpus ingested, and ingested then analysed (the hashing embedder)."""
    base = tmp_path_factory.mktemp("clean")
    ingested = base / "ingested.db"
    run("ingest", str(corpus), "--db", str(ingested))
    analysed = base / "analysed.db"
    copy_db(ingested, analysed)
    run(*analyse_args(analysed, base / "models"))
    return {"ingested": ingested, "analysed": analysed, "models": base / "models"}


def analyse_args(db: Path, models: Path) -> list[str]:
    return ["analyse", "--db", str(db), "--embedder", "hashing", "--quiet", "--models-dir", str(models)] + [
        "--embed-batch",
        str(BATCH),
    ]


def test_every_phase_is_a_named_kill_point():
    """The hook refuses a phase it does not know (a typo must not make a test pass without a kill)."""
    os.environ[crashpoints.ENV] = "ingest:no-such-phase"
    try:
        with pytest.raises(ValueError, match="unknown phase"):
            crashpoints.target()
    finally:
        del os.environ[crashpoints.ENV]
    assert crashpoints.target() is None


@pytest.mark.parametrize("phase", INGEST_PHASES)
def test_ingest_killed_at_each_phase(phase, corpus, clean, tmp_path):
    db = tmp_path / "killed.db"
    kill_at = f"{phase}#2" if phase in ("ingest:before-source-commit", "ingest:after-source-write") else phase
    killed(kill_at, "ingest", str(corpus), "--db", str(db))  # the second file, for the per-file phases
    assert_sound(db)
    groups_or_stale(db, tmp_path)
    run("stats", "--db", str(db))  # any next command completes stale duplicate groups
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT value FROM store_state WHERE key = 'duplicates_stale'").fetchone()[0] == 0
    conn.close()
    groups_or_stale(db, tmp_path)
    run("ingest", str(corpus), "--db", str(db))
    assert_sound(db)
    assert_same(dump(db), dump(clean["ingested"]))


@pytest.mark.slow
@pytest.mark.parametrize("phase", ANALYSE_PHASES)
def test_analyse_killed_at_each_phase(phase, clean, tmp_path):
    db = tmp_path / "killed.db"
    copy_db(clean["ingested"], db)
    killed(phase, *analyse_args(db, clean["models"]))
    assert_sound(db)
    after_kill = dump(db)
    before = dump(clean["ingested"])
    for table in before.keys() - {"analysis_runs", "embeddings"}:
        assert after_kill[table] == before[table], f"{table}: a killed run left results behind"
    assert after_kill["analysis_runs"] == []  # its row says running (then failed), never done
    conn = sqlite3.connect(db)
    cached = conn.execute("SELECT rowid, text_hash FROM embeddings").fetchall()
    conn.close()
    if phase == "analyse:after-embed-batch":
        assert len(cached) == BATCH  # the first batch was committed before the kill
    run(*analyse_args(db, clean["models"]))
    assert_sound(db)
    assert_same(dump(db), dump(clean["analysed"]))
    conn = sqlite3.connect(db)
    status = dict(conn.execute("SELECT status, COUNT(*) FROM analysis_runs GROUP BY status").fetchall())
    kept = set(conn.execute("SELECT rowid, text_hash FROM embeddings").fetchall())
    conn.close()
    assert status == {"failed": 1, "done": 1}  # the killed run is recorded as failed, not lost
    assert set(cached) <= kept  # vectors embedded before the kill were kept, not embedded again
