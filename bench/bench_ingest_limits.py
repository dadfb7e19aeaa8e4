"""Ingest of the two files issue 10's attack hung on: a 200,000-row CSV and a 48 MB single-line CSV.

    .venv/bin/python bench/bench_ingest_limits.py               # 200,000 rows and the 48 MB line
    .venv/bin/python bench/bench_ingest_limits.py --rows 20000  # a quicker row count

Each file is ingested through ``ingest.pipeline.ingest_paths`` into a fresh database, in a child
process of its own so that its peak resident memory is its own. Prints one table row per file:
outcome (added, or the error code), responses stored, wall seconds, the child's CPU seconds (the
figure to compare on a shared machine), rows per second (wall), peak RSS.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = (
    "benefit claim work coach childcare transport rent disability carer payment sanction advice job help "
    "support hours council letter form phone wait bus fare training employer contract provider"
).split()


def write_survey(path: Path, rows: int, seed: int = 1) -> None:
    """A survey export: id, respondent type and one free-text answer of 5-30 words per row."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as f:
        f.write("id,Respondent type,What should change?\n")
        for i in range(rows):
            answer = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 30))).capitalize()
            f.write(f'{i + 1},{rng.choice(["Individual", "Organisation"])},"{answer}."\n')


def write_wide_line(path: Path, size: int = 48_000_000) -> None:
    """One line of ``size`` bytes: 16M two-character columns ("x,")."""
    cell = b"xx,"
    path.write_bytes(cell * (size // len(cell)) + b"\n")


_CHILD = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from ingest.pipeline import ingest_paths
from store.db import open_db
db = open_db(Path({db!r}))
start = time.perf_counter()
[report] = ingest_paths(db, [Path({file!r})])
print(json.dumps({{"seconds": time.perf_counter() - start, "status": report.status,
                  "responses": report.responses, "error": report.error,
                  "cpu": (lambda u: u.ru_utime + u.ru_stime)(resource.getrusage(resource.RUSAGE_SELF)),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def run(file: Path, workdir: Path) -> dict:
    db = workdir / f"{file.stem}.db"
    code = _CHILD.format(root=str(ROOT), db=str(db), file=str(file))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])  # peak_mb: the child's ru_maxrss (KiB on Linux)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--line-mb", type=int, default=48)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        files = []
        survey = workdir / f"survey_{args.rows}.csv"
        t = time.perf_counter()
        write_survey(survey, args.rows)
        files.append((f"{args.rows:,}-row CSV", survey, args.rows))
        wide = workdir / "one_line.csv"
        write_wide_line(wide, args.line_mb * 1_000_000)
        files.append((f"{args.line_mb} MB single-line CSV", wide, 1))
        print(f"(files written in {time.perf_counter() - t:.1f} s)\n")
        print("| file | size | outcome | responses | seconds | CPU seconds | rows/s | peak RSS MB |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for label, path, rows in files:
            r = run(path, workdir)
            outcome = r["status"] if r["error"] is None else r["error"].split("] ")[0].split("[")[-1]
            rate = rows / r["seconds"] if r["status"] == "added" else float("nan")
            size = path.stat().st_size / 1e6
            print(
                f"| {label} | {size:.1f} MB | {outcome} | {r['responses']:,} | {r['seconds']:.1f} | "
                f"{r['cpu']:.1f} | {rate:,.0f} | {r['peak_mb']:.0f} |"
            )


if __name__ == "__main__":
    main()
