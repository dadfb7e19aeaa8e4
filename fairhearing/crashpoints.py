"""A test hook: die at a named phase of a write, as ``kill -9`` would, to test crash safety.

Set ``FAIRHEARING_TEST_KILL_AT=<phase>`` (or ``<phase>#<n>``: the n-th time the phase is reached;
default the first) and the process sends itself ``SIGKILL`` when it reaches that phase: no
``finally`` block, no rollback, no flushing, exactly like a power cut or an OOM kill. Unset (the
normal case) every ``reached`` call is one environment lookup and nothing else. The crash tests in
``tests/test_crash_phases.py`` run a command in a subprocess with this set at each phase, then run
the next command and check the database equals a clean run's.

Phases (each named where the code reaches it):

``ingest:before-source-commit``
    a source, its responses and points written, its transaction not yet committed
``ingest:after-source-write``
    a source committed (duplicate groups now stale), before the next file
``ingest:before-duplicates``
    every file written, duplicate groups not yet recomputed
``ingest:duplicates-before-commit``
    new duplicate groups written, their transaction not yet committed
``ingest:after-duplicates``
    duplicate groups committed, before the command returns
``analyse:after-run-start``
    the run's row written (``running``), nothing analysed
``analyse:after-embed-batch``
    one batch of embeddings committed (``--embed-batch`` texts), before the next
``analyse:after-themes``
    themes fitted in memory, nothing of the run's results written
``analyse:before-commit``
    every result of the run written, its transaction not yet committed
"""

from __future__ import annotations

import os
import signal

ENV = "FAIRHEARING_TEST_KILL_AT"

PHASES = (
    "ingest:before-source-commit",
    "ingest:after-source-write",
    "ingest:before-duplicates",
    "ingest:duplicates-before-commit",
    "ingest:after-duplicates",
    "analyse:after-run-start",
    "analyse:after-embed-batch",
    "analyse:after-themes",
    "analyse:before-commit",
)

_seen: dict[str, int] = {}


def target() -> tuple[str, int] | None:
    """The (phase, n) named by ``FAIRHEARING_TEST_KILL_AT``, or None when it is unset."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    phase, _, nth = value.partition("#")
    if phase not in PHASES:
        raise ValueError(f"{ENV}={value!r}: unknown phase; one of {', '.join(PHASES)}")
    return phase, int(nth) if nth else 1


def reached(phase: str) -> None:
    """Mark ``phase`` as reached; SIGKILL this process if the test hook names it (and this is the n-th time)."""
    assert phase in PHASES, phase
    wanted = target()
    if wanted is None or wanted[0] != phase:
        return
    _seen[phase] = _seen.get(phase, 0) + 1
    if _seen[phase] == wanted[1]:
        os.kill(os.getpid(), signal.SIGKILL)
