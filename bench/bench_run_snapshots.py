"""What keeping runs costs: writing a run's snapshot (inside the run's writing transaction), reading it
back, and comparing two runs, on sample databases of growing size.

    .venv/bin/python bench/bench_run_snapshots.py                    # 2,000 and 20,000 responses
    .venv/bin/python bench/bench_run_snapshots.py --responses 500 5000

Builds each sample consultation (``web.sample``, hashing embedder), then times, best of ``--repeat``:
``store.run_snapshots.write_snapshot`` (the cost ``finish_run`` adds to every analysis),
``read_snapshot``, and ``store.run_compare.compare`` of the run with itself (live figures both sides).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def measure(path: Path, n: int, repeat: int) -> tuple:
    """(responses, points analysed, themes, write, read, compare seconds) for one sample size."""
    from store.db import open_db
    from store.run_compare import compare
    from store.run_snapshots import read_snapshot, write_snapshot
    from store.tx import write_tx
    from web.sample import build_sample

    db = open_db(path)
    build_sample(db, n)
    run_id = db.execute("SELECT MAX(id) FROM analysis_runs").fetchone()[0]
    points = db.execute("SELECT COUNT(*) FROM point_analysis WHERE run_id = ?", [run_id]).fetchone()[0]

    def snapshot() -> None:
        with write_tx(db):
            write_snapshot(db, run_id)

    write_s = best(snapshot, repeat)
    themes = db.execute("SELECT COUNT(*) FROM run_themes WHERE run_id = ?", [run_id]).fetchone()[0]
    read_s = best(lambda: read_snapshot(db, run_id), repeat)
    compare_s = best(lambda: compare(db, run_id, run_id), repeat)
    db.close()
    return n, points, themes, write_s, read_s, compare_s


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--responses", type=int, nargs="+", default=[2000, 20000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(Path(tmp) / f"sample-{n}.db", n, args.repeat) for n in args.responses]
    print(
        "| responses | points analysed | themes | write_snapshot s | read_snapshot s | compare (live, live) s |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for n, points, themes, w, r, c in rows:
        print(f"| {n:,} | {points:,} | {themes} | {w:.3f} | {r:.3f} | {c:.3f} |")


if __name__ == "__main__":
    main()
