"""Analysis runs: starting one, finishing or failing it, and noticing runs whose process died.

A run is a row of ``analysis_runs`` with a status: ``running`` while its process works, ``done``
when its results were written, ``failed`` otherwise (``error`` says why). A run records the
process (``pid``, ``host``) that owns it, so that the next ``analyse`` or ``serve`` on the same
host marks a run whose process no longer exists as failed instead of leaving it ``running``
forever (``reap_dead_runs``).
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass

import sqlite_utils

from store.schema import now
from store.tx import write_tx


@dataclass(frozen=True)
class PointRow:
    """A point as analysis reads it."""

    id: int
    text: str
    text_hash: str
    question: str | None
    response_id: int
    placeholder: bool = False  # a placeholder answer ("n/a", "none"): kept, flagged at ingest
    consultation: int | None = None  # frameworks, duplicates and counts never cross consultations


def select_points(db: sqlite_utils.Database, consultation: int | None = None) -> tuple[list[PointRow], int]:
    """Every point of a stakeholder response (of one consultation, or all), by id, with its question
    (the response's, else the source's), and how many of them repeat an earlier point's text under
    the same question (analysis embeds, themes and tags each distinct text once and applies the
    result to every copy)."""
    rows = db.execute(
        """SELECT p.id, p.clean_text, p.text_hash, COALESCE(r.question, s.question), p.response_id,
                  COALESCE(json_extract(r.meta, '$.placeholder'), 0) = 1, s.consultation_id
           FROM points p JOIN responses r ON r.id = p.response_id JOIN sources s ON s.id = r.source_id
           WHERE r.role = 'stakeholder' AND (? IS NULL OR s.consultation_id = ?) ORDER BY p.id""",
        [consultation, consultation],
    ).fetchall()
    points = [PointRow(*r[:5], placeholder=bool(r[5]), consultation=r[6]) for r in rows]
    distinct = len({(p.text_hash, p.question, p.consultation) for p in points})
    return points, len(points) - distinct


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def reap_dead_runs(db: sqlite_utils.Database) -> list[int]:
    """Mark ``running`` runs of this host whose process is gone as failed; return their ids.

    Runs started before this schema (no pid) are old enough to be dead: they are marked failed too.
    """
    host = socket.gethostname()
    dead = [
        run_id
        for run_id, pid, run_host in db.execute(
            "SELECT id, pid, host FROM analysis_runs WHERE status = 'running'"
        ).fetchall()
        if pid is None or (run_host == host and not _pid_alive(pid))
    ]
    if dead:
        with write_tx(db):
            db.conn.executemany(
                """UPDATE analysis_runs SET status = 'failed', finished_at = ?,
                          error = 'the analysing process stopped before finishing'
                   WHERE id = ? AND status = 'running'""",
                [(now(), run_id) for run_id in dead],
            )
    return dead


def start_run(
    db: sqlite_utils.Database, *, embedder: str, seed: int, params: dict, consultation: int | None = None
) -> int:
    """Record a new ``running`` run of ``consultation`` owned by this process; return its id."""
    with write_tx(db):
        cur = db.execute(
            """INSERT INTO analysis_runs (started_at, status, embedder, seed, params, pid, host, consultation_id)
               VALUES (?, 'running', ?, ?, ?, ?, ?, ?)""",
            [now(), embedder, seed, json.dumps(params), os.getpid(), socket.gethostname(), consultation],
        )
    return cur.lastrowid


def consultations_with_points(db: sqlite_utils.Database) -> list[tuple[int, str]]:
    """(id, name) of every consultation that has stakeholder points, by id."""
    return db.execute(
        """SELECT c.id, c.name FROM consultations c WHERE EXISTS (
               SELECT 1 FROM sources s JOIN responses r ON r.source_id = s.id JOIN points p ON p.response_id = r.id
               WHERE s.consultation_id = c.id AND r.role = 'stakeholder') ORDER BY c.id"""
    ).fetchall()


def current_run(db: sqlite_utils.Database, consultation: int | None = None) -> dict | None:
    """Which run is current — the one rule every page, export, report and check uses:

    the newest run with status ``done`` (highest id) of ``consultation``; with no consultation
    given, the newest done run of any consultation. A run that names no consultation (written
    before runs were scoped) belongs to every consultation. A ``running`` or ``failed`` run is never
    current, so pages keep showing the last complete analysis while a new one is written.
    """
    cur = db.execute(
        """SELECT * FROM analysis_runs WHERE status = 'done'
             AND (? IS NULL OR consultation_id = ? OR consultation_id IS NULL)
           ORDER BY id DESC LIMIT 1""",
        [consultation, consultation],
    )
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None


def finish_run(db: sqlite_utils.Database, run_id: int, stats: dict) -> None:
    """Mark a run done with its stats and keep its snapshot (``store.run_snapshots``); call inside the
    transaction that wrote its results, after analyst edits were replayed onto them."""
    from store.run_snapshots import write_snapshot

    write_snapshot(db, run_id)
    db.execute(
        "UPDATE analysis_runs SET status = 'done', finished_at = ?, stats = ? WHERE id = ?",
        [now(), json.dumps(stats), run_id],
    )


def fail_run(db: sqlite_utils.Database, run_id: int, error: str) -> None:
    """Mark a run failed with the reason (in its own transaction, after the results were rolled back)."""
    with write_tx(db):
        db.execute(
            "UPDATE analysis_runs SET status = 'failed', finished_at = ?, error = ? WHERE id = ?",
            [now(), error[:500], run_id],
        )


def run_status(db: sqlite_utils.Database, run_id: int) -> dict:
    """A run's row as a dict."""
    cur = db.execute("SELECT * FROM analysis_runs WHERE id = ?", [run_id])
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else {}


@dataclass(frozen=True)
class RunRow:
    """A run as the runs page and ``fairhearing runs`` list it."""

    id: int
    consultation_id: int | None
    started_at: str
    finished_at: str | None
    status: str
    embedder: str
    seed: int
    params: dict
    stats: dict
    error: str | None
    current: bool  # the run ``current_run`` names
    kept: bool  # its figures are kept (a snapshot, or the stored results are its own): it can be compared


_RUN_COLUMNS = """a.id, a.consultation_id, a.started_at, a.finished_at, a.status, a.embedder, a.seed, a.params,
                  a.stats, a.error, EXISTS (SELECT 1 FROM run_snapshots s WHERE s.run_id = a.id)
                  OR EXISTS (SELECT 1 FROM point_analysis pa WHERE pa.run_id = a.id)"""


def _run_row(row: tuple, current_id: int | None) -> RunRow:
    rid, cid, started, finished, status, embedder, seed, params, stats, error, kept = row
    return RunRow(
        rid,
        cid,
        started,
        finished,
        status,
        embedder,
        seed,
        json.loads(params or "{}"),
        json.loads(stats or "{}"),
        error,
        rid == current_id,
        bool(kept),
    )


def list_runs(db: sqlite_utils.Database, consultation: int | None = None) -> list[RunRow]:
    """Every run of ``consultation`` (all runs with None; a run naming no consultation belongs to
    every one, as in ``current_run``), newest first, marking the current one (with None: the current
    run of each consultation)."""
    rows = db.execute(
        f"""SELECT {_RUN_COLUMNS} FROM analysis_runs a
            WHERE ? IS NULL OR a.consultation_id = ? OR a.consultation_id IS NULL ORDER BY a.id DESC""",
        [consultation, consultation],
    ).fetchall()
    scopes = {consultation} if consultation is not None else {r[1] for r in rows}
    currents = {run["id"] for cid in scopes if (run := current_run(db, cid)) is not None}
    return [_run_row(r, r[0] if r[0] in currents else None) for r in rows]


def get_run(db: sqlite_utils.Database, run_id: int) -> RunRow | None:
    """One run (``current`` says whether it is the current run of its own consultation), or None."""
    row = db.execute(f"SELECT {_RUN_COLUMNS} FROM analysis_runs a WHERE a.id = ?", [run_id]).fetchone()
    if row is None:
        return None
    current = current_run(db, row[1])
    return _run_row(row, current["id"] if current else None)


def previous_run(db: sqlite_utils.Database, consultation: int | None = None) -> RunRow | None:
    """The newest kept, finished run of ``consultation`` before its current run (what the current run
    is compared with by default), or None."""
    current = current_run(db, consultation)
    if current is None:
        return None
    return next(
        (r for r in list_runs(db, consultation) if r.id < current["id"] and r.status == "done" and r.kept),
        None,
    )
