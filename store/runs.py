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

COLLAPSED_KINDS = ("exact", "near", "campaign")  # a template group shares only part of its text


@dataclass(frozen=True)
class PointRow:
    """A point as analysis reads it."""

    id: int
    text: str
    text_hash: str
    question: str | None
    response_id: int
    placeholder: bool = False  # a placeholder answer ("n/a", "none"): kept, flagged at ingest


def select_points(db: sqlite_utils.Database) -> tuple[list[PointRow], int]:
    """Points of stakeholder responses, a collapsed duplicate group's non-representatives left out.

    Returns the points (by id) and how many were left out as duplicates.
    """
    rows = db.execute(
        f"""SELECT p.id, p.clean_text, p.text_hash, r.question, p.response_id,
                   COALESCE(json_extract(r.meta, '$.placeholder'), 0) = 1
            FROM points p JOIN responses r ON r.id = p.response_id
            LEFT JOIN duplicate_groups g ON g.id = r.duplicate_group
            WHERE r.role = 'stakeholder'
              AND (g.id IS NULL OR g.kind NOT IN ({",".join("?" * len(COLLAPSED_KINDS))})
                   OR g.representative_id = r.id)
            ORDER BY p.id""",
        list(COLLAPSED_KINDS),
    ).fetchall()
    total = db.execute(
        "SELECT COUNT(*) FROM points p JOIN responses r ON r.id = p.response_id WHERE r.role = 'stakeholder'"
    ).fetchone()[0]
    return [PointRow(*r[:5], placeholder=bool(r[5])) for r in rows], total - len(rows)


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


def start_run(db: sqlite_utils.Database, *, embedder: str, seed: int, params: dict) -> int:
    """Record a new ``running`` run owned by this process; return its id."""
    with write_tx(db):
        cur = db.execute(
            """INSERT INTO analysis_runs (started_at, status, embedder, seed, params, pid, host)
               VALUES (?, 'running', ?, ?, ?, ?, ?)""",
            [now(), embedder, seed, json.dumps(params), os.getpid(), socket.gethostname()],
        )
    return cur.lastrowid


def finish_run(db: sqlite_utils.Database, run_id: int, stats: dict) -> None:
    """Mark a run done with its stats (call inside the transaction that wrote its results)."""
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
