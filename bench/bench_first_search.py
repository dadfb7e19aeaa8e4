"""Latency of the first search after the web app starts, with and without ``web.db.preload_search``.

    nice .venv/bin/python bench/bench_first_search.py [--polis 1000]
    nice .venv/bin/python bench/bench_first_search.py --db web-50k.db --backends onnx

Builds one database: the five DWP seeds plus ``--polis`` real Polis comments, analysed with MiniLM
(or measures a prepared, analysed database given with ``--db``, e.g. ``bench_web.py``'s 50k sample).
Then each row is a fresh process that creates the app and sends one search (``/search?q=...``):

- no preload: the query embedder loads inside the first search (the behaviour before this change);
- preload, search right away: the search arrives while the background load runs and waits for it;
- preload, search later: the search arrives after the background load finished (what a user
  who opens the page a few seconds after ``serve`` sees); the load time is shown beside it.

Each is run with the torch and the ONNX backend of MiniLM. Times are wall seconds on a shared
2-core machine: compare rows of one run.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, report, run_child

sys.path.insert(0, str(ROOT))  # this checkout's packages, not another editable install
QUERY = "support for disabled people travelling to appointments"


def build_db(path: Path, polis: int) -> int:
    from ingest.pipeline import ingest_paths
    from nlp.embed import load_embedder
    from nlp.pipeline import Analyser
    from store.db import open_db

    sources = [ROOT / "corpora" / "dwp-seeds"]
    if polis:
        src = ROOT / "corpora" / "polis-opendata" / "polis_comments_all.csv"
        with src.open(encoding="utf-8") as f:
            rows = [r for r in csv.DictReader(f) if len(r["comment_body"].split()) >= 3][:polis]
        out = path.parent / "polis.csv"
        with out.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["response_id", "comment_body"])
            w.writerows([i + 1, r["comment_body"]] for i, r in enumerate(rows))
        sources.append(out)
    db = open_db(path)
    ingest_paths(db, sources)
    report = Analyser(load_embedder("minilm"), models_dir=path.parent / "models", progress=False).run(db)
    db.close()
    return report.points


def _points(path: Path) -> int:
    from store.db import open_db

    db = open_db(path)
    try:
        return db.execute("SELECT COUNT(*) FROM points").fetchone()[0]
    finally:
        db.close()


def child(db_path: str, mode: str) -> dict:
    from web import create_app
    from web.db import preload_search

    t0 = time.perf_counter()
    app = create_app({"DATABASE": db_path, "SECRET_KEY": "bench", "INSTANCE_PATH": tempfile.mkdtemp()})
    loaded = None
    if mode != "none":
        thread = preload_search(app)
        if mode == "later" and thread is not None:
            thread.join()
            loaded = time.perf_counter() - t0
    client = app.test_client()
    t = time.perf_counter()
    r = client.get("/search", query_string={"q": QUERY})
    first = time.perf_counter() - t
    t = time.perf_counter()
    client.get("/search", query_string={"q": QUERY + " and carers"})
    second = time.perf_counter() - t
    backend = getattr(app.extensions["fairhearing_embedders"].get("minilm"), "backend", None)
    return {"status": r.status_code, "first": first, "second": second, "loaded": loaded, "backend": backend}


def measure(db_path: Path, mode: str, backend: str) -> dict:
    """One fresh process's first search (``FAIRHEARING_MODELS_DIR`` as set: the built db's folder, or
    the default models folder for a prepared ``--db``)."""
    env = {**os.environ, "FAIRHEARING_EMBED_BACKEND": backend}
    return run_child(__file__, ["--child", str(db_path), mode], f"{mode}/{backend}", env=env)


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    ap = argparse.ArgumentParser()
    ap.add_argument("--polis", type=int, default=1000)
    ap.add_argument("--db", type=Path, help="a prepared, analysed database (MiniLM vectors) to measure")
    ap.add_argument("--backends", nargs="+", default=["torch", "onnx"], choices=["torch", "onnx"])
    ap.add_argument("--child", nargs=2, metavar=("DB", "MODE"))
    args = ap.parse_args()
    if args.child:
        report(child(*args.child))
        return
    with tempfile.TemporaryDirectory() as tmp:
        if args.db is not None:
            db_path = args.db.resolve()
            points = _points(db_path)
        else:
            db_path = Path(tmp) / "bench.db"
            os.environ["FAIRHEARING_MODELS_DIR"] = tmp  # the ONNX export is made here once, before timing
            points = build_db(db_path, args.polis)
        print(
            f"machine: {os.cpu_count()} cores (shared: compare rows of this run); {points} points, MiniLM\n"
        )
        print("| backend | preload | background load s | first search s | second search s | status |")
        print("|---|---|---|---|---|---|")
        labels = {"none": "no", "now": "yes, search at once", "later": "yes, search after load"}
        for backend in args.backends:
            for mode in ("none", "now", "later"):
                r = measure(db_path, mode, backend)
                loaded = f"{r['loaded']:.1f}" if r["loaded"] is not None else "-"
                print(
                    f"| {r['backend'] or backend} | {labels[mode]} | {loaded} | {r['first']:.2f} "
                    f"| {r['second']:.2f} | {r['status']} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
