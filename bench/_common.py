"""What the bench scripts share: the repository root, and measuring in a fresh child process.

A script runs itself again with ``--child ...`` through ``run_child`` so that each measurement starts
cold (no model, cache or import already loaded); the child prints its result with ``report``.
Imported as ``from _common import ...``: a script's own folder is first on ``sys.path``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_RESULT = "RESULT "


def report(result: dict) -> None:
    """Print a child's result (JSON) for ``run_child`` to read."""
    print(_RESULT + json.dumps(result))


def run_child(script: str, args: list[str], what: str, *, cwd: Path = ROOT, env: dict | None = None) -> dict:
    """Run ``script`` with ``args`` in a fresh interpreter and return what it passed to ``report``;
    exit naming ``what`` with the tail of its stderr when it reported nothing."""
    proc = subprocess.run(
        [sys.executable, script, *args], capture_output=True, text=True, cwd=cwd, env=env, check=False
    )
    for line in proc.stdout.splitlines():
        if line.startswith(_RESULT):
            return json.loads(line[len(_RESULT) :])
    raise SystemExit(f"{what} failed:\n{proc.stderr[-3000:]}")
