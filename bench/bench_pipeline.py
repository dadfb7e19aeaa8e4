"""Whole-pipeline benchmark: ingest + analyse at 1k / 10k / 50k responses, against plain BERTopic.

    .venv/bin/python bench/bench_pipeline.py --sizes 1000 10000 50000 [--embedder minilm]

The corpus is the Polis CSV (11,082 real comments), replicated with variation to reach the size:
copy k of comment i appends the first sentence of another comment, so every response is distinct
text (no free wins from duplicate detection). Each size runs in a fresh process so peak memory
(max RSS) is its own. The baseline is BERTopic's default pipeline on the same responses with the
same embedding model, in the same run: embed every document, UMAP, HDBSCAN, c-TF-IDF.
Prints a markdown table; nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import resource
import tempfile
import time
from pathlib import Path

from _common import ROOT, bertopic_default, report, run_child

POLIS = ROOT / "corpora" / "polis-opendata" / "polis_comments_all.csv"
FRAMEWORK = ROOT / "corpora" / "dwp-seeds" / "004_e8bb6e121e9bd43b.txt"  # so the mapping stage has work
FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(\s|$)")


def make_corpus(n: int, out: Path) -> Path:
    """Write an n-row survey-style CSV built from the Polis comments."""
    with POLIS.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if len(r["comment_body"].split()) >= 3]
    path = out / f"polis_{n}.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["response_id", "topic", "comment_body"])
        for k in range(n):
            base = rows[k % len(rows)]
            text = base["comment_body"]
            if k >= len(rows):
                other = rows[(k * 7 + k // len(rows)) % len(rows)]["comment_body"]
                m = FIRST_SENTENCE.match(other)
                text = f"{text} {m.group(1) if m else other[:80]}"
            w.writerow([k + 1, base["topic"], text])
    return path


def run_ours(csv_path: Path, embedder: str) -> dict:
    t0 = time.perf_counter()  # before the imports, as BERTopic's timer (``bertopic_default``)
    from ingest.pipeline import ingest_paths
    from nlp.embed import load_embedder
    from nlp.pipeline import Analyser
    from store.db import open_db

    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "bench.db")
        report, framework = ingest_paths(db, [csv_path, FRAMEWORK])
        t_ingest = time.perf_counter() - t0
        assert report.status == framework.status == "added", (report.error, framework.error)
        t1 = time.perf_counter()
        run = Analyser(load_embedder(embedder), models_dir=Path(tmp) / "models", progress=False).run(db)
        t_analyse = time.perf_counter() - t1
        return {
            "responses": report.responses,
            "points": report.points,
            "ingest": t_ingest,
            **run.seconds,
            "analyse": t_analyse,
            "total": t_ingest + t_analyse,
            "themes_n": run.themes,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }


def child(kind: str, csv_path: str, embedder: str) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    result = run_ours(Path(csv_path), embedder) if kind == "ours" else bertopic_default(Path(csv_path))
    report(result)


def measure(kind: str, csv_path: Path, embedder: str) -> dict:
    return run_child(
        __file__, ["--child", kind, str(csv_path), "--embedder", embedder], f"{kind} on {csv_path.name}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000, 50000])
    ap.add_argument("--embedder", default="minilm")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--child", nargs=2, metavar=("KIND", "CSV"))
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.embedder)
        return
    print(f"machine: {os.cpu_count()} cores; embedder: {args.embedder}\n")
    print(
        "| responses | points | ingest s | embed s | themes s | tags s | principles s | end-to-end s "
        "| responses/s | peak MiB | BERTopic default s | BERTopic peak MiB | time ratio ours/BERTopic |"
    )
    print("|" + "---|" * 13)
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = make_corpus(n, Path(tmp))
            ours = measure("ours", path, args.embedder)
            base = None if args.no_baseline else measure("baseline", path, args.embedder)
            print(
                f"| {ours['responses']} | {ours['points']} | {ours['ingest']:.1f} | {ours.get('embed', 0):.1f} "
                f"| {ours.get('themes', 0):.1f} | {ours.get('tags', 0):.1f} | {ours.get('principles', 0):.1f} "
                f"| {ours['total']:.1f} | {ours['responses'] / ours['total']:.0f} | {ours['peak_mb']:.0f} "
                + (
                    f"| {base['total']:.1f} | {base['peak_mb']:.0f} | {ours['total'] / base['total']:.2f} |"
                    if base
                    else "| - | - | - |"
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
