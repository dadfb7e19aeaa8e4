"""Writers under load: analyst edits during an ingest, and replacing a large source.

    .venv/bin/python bench/bench_writes.py [--analysts 6] [--rows 40000] [--edits 40]

Table 1: ``--analysts`` threads, each signed in through its own Flask test client, rename themes
(``--edits`` each, a read-then-write edit with CSRF, as the web app does it) while a separate process
ingests a ``--rows``-row CSV into the same database file and then replaces it with a changed version.
Prints errors (any non-302 answer other than a 503 "try again" counts as an error; 503s are counted
apart), and p50/p95/max edit latency.

Table 2: replacing a ``--rows``-response source in place (every text changed, so every row is
deleted and re-inserted), split into the write transaction and the duplicate recomputation.
The CSV is built from the Polis comments (real text) with a row number appended, so no two rows
are duplicates. Nothing is asserted; figures depend on the machine (say which when quoting).
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import ROOT, polis_comments

sys.path.insert(0, str(ROOT))
PASSWORD = "bench password 123"


def make_csv(path: Path, n: int, variant: str = "") -> Path:
    rows = polis_comments()
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["response_id", "comment"])
        for k in range(n):
            w.writerow([k + 1, f"{rows[k % len(rows)]} (row {k + 1}{variant})"])
    return path


def _ingest_script(db: Path, first: Path, second: Path) -> str:
    return (
        "import sys; sys.path.insert(0, {!r})\n"
        "from ingest.pipeline import ingest_paths\nfrom store.db import open_db\n"
        "db = open_db({!r})\n"
        "import shutil\n"
        "target = {!r}\n"
        "shutil.copy({!r}, target); ingest_paths(db, [target])\n"
        "shutil.copy({!r}, target); ingest_paths(db, [target])\n"
    ).format(str(ROOT), str(db), str(first.parent / "survey.csv"), str(first), str(second))


def bench_edits(tmp: Path, analysts: int, rows: int, edits: int) -> dict:
    from nlp.embed import HashingEmbedder
    from store.db import open_db
    from store.users import create_user
    from web import create_app
    from web.sample import build_sample

    path = tmp / "edits.db"
    db = open_db(path)
    sample = build_sample(db, 40, embedder=HashingEmbedder())
    for a in range(analysts):
        create_user(db, f"analyst{a}", PASSWORD)
    db.close()
    theme_ids = list(sample.theme_ids.values())
    app = create_app(
        {
            "DATABASE": str(path),
            "SECRET_KEY": "bench",
            "EMBEDDER": HashingEmbedder(),
            "INSTANCE_PATH": str(tmp),
        }
    )
    first = make_csv(tmp / "first.csv", rows)
    second = make_csv(tmp / "second.csv", rows, variant=" changed")
    latencies: list[float] = []
    errors: list[str] = []
    busy = 0
    lock = threading.Lock()

    def token(client) -> str:
        html = client.get("/check").get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def analyst(a: int) -> None:
        nonlocal busy
        client = app.test_client()
        client.post("/login", data={"name": f"analyst{a}", "password": PASSWORD, "csrf_token": token(client)})
        tok = token(client)
        for i in range(edits):
            theme = theme_ids[(a + i) % len(theme_ids)]
            t = time.perf_counter()
            r = client.post(f"/themes/{theme}/rename", data={"label": f"A{a} edit {i}", "csrf_token": tok})
            dt = time.perf_counter() - t
            with lock:
                if r.status_code == 302:
                    latencies.append(dt)
                elif r.status_code == 503:
                    busy += 1
                else:
                    errors.append(f"{r.status_code}")

    ingest = subprocess.Popen([sys.executable, "-c", _ingest_script(path, first, second)])
    time.sleep(1.0)  # let the ingest start writing
    threads = [threading.Thread(target=analyst, args=(a,)) for a in range(analysts)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    ingest_overlap = ingest.poll() is None
    ingest.wait()
    latencies.sort()
    return {
        "analysts": analysts,
        "edits": analysts * edits,
        "ok": len(latencies),
        "busy_503": busy,
        "errors": len(errors),
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan"),
        "max_ms": 1000 * latencies[-1] if latencies else float("nan"),
        "wall_s": wall,
        "ingest_still_running_at_end": ingest_overlap,
        "ingest_rc": ingest.returncode,
    }


def bench_replace(tmp: Path, rows: int) -> dict:
    import hashlib

    from ingest.dedupe_store import recompute_duplicates
    from ingest.formats import ReadOptions
    from ingest.pipeline import parse_file, prepare
    from store.db import open_db
    from store.ingest_store import consultation_id, existing_source, write_source
    from store.tx import write_tx

    db = open_db(tmp / "replace.db")
    out = {"rows": rows}
    for label, variant in (("add", ""), ("replace", " changed")):
        data = make_csv(tmp / f"r{variant or '0'}.csv", rows, variant).read_bytes()
        t = time.perf_counter()
        parsed = parse_file(data, "survey.csv", None, ReadOptions())
        prepared = prepare(parsed, ReadOptions())
        out[f"{label}_parse_s"] = time.perf_counter() - t
        t = time.perf_counter()
        with write_tx(db):
            cid = consultation_id(db, "default")
            old = existing_source(db, cid, "survey.csv")
            write_source(
                db,
                consultation=cid,
                name="survey.csv",
                path="survey.csv",
                sha256=hashlib.sha256(data).hexdigest(),
                size=len(data),
                parsed=parsed,
                responses=prepared,
                replace_id=old[0] if old else None,
            )
        out[f"{label}_write_s"] = time.perf_counter() - t
        t = time.perf_counter()
        recompute_duplicates(db)
        out[f"{label}_dedupe_s"] = time.perf_counter() - t
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--analysts", type=int, default=6)
    ap.add_argument("--rows", type=int, default=40000)
    ap.add_argument("--edits", type=int, default=40)
    ap.add_argument("--skip-edits", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if not args.skip_edits:
            e = bench_edits(tmp, args.analysts, min(args.rows, 20000), args.edits)
            print("\n| analysts | edits | ok | busy (503) | errors | p50 ms | p95 ms | max ms | wall s |")
            print("|---|---|---|---|---|---|---|---|---|")
            print(
                f"| {e['analysts']} | {e['edits']} | {e['ok']} | {e['busy_503']} | {e['errors']} | "
                f"{e['p50_ms']:.0f} | {e['p95_ms']:.0f} | {e['max_ms']:.0f} | {e['wall_s']:.1f} |"
            )
            print(f"(ingest of {min(args.rows, 20000)} rows + replace ran beside it; rc {e['ingest_rc']})")
        r = bench_replace(tmp, args.rows)
        print("\n| responses | step | parse s | write s | duplicate groups s |")
        print("|---|---|---|---|---|")
        for label in ("add", "replace"):
            print(
                f"| {r['rows']} | {label} | {r[label + '_parse_s']:.1f} | {r[label + '_write_s']:.1f} | "
                f"{r[label + '_dedupe_s']:.1f} |"
            )


if __name__ == "__main__":
    main()
