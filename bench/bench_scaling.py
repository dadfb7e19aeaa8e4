"""How embedding and duplicate detection grow with the corpus: one row per stage and size.

    nice .venv/bin/python bench/bench_scaling.py [--dedup-sizes 1000 10000 50000] [--embed-sizes 1000 5000]

Texts are real Polis comments (11,082 with three or more words); past that they are replicated with
variation as in bench_pipeline.py (copy k of comment i gets the first sentence of another comment
appended), so sizes above 11k are real text with many near-duplicates, said so in the table.
Duplicate detection is ``ingest.duplicates.find_duplicates`` (exact keys + MinHash LSH); embedding
is MiniLM on the backend ``load_embedder`` picks (``--backend``), model loading timed apart.
Each stage and size runs once in this process; the machine is shared, so compare the growth
(seconds per 1,000 items) within one run rather than absolute times.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's packages, not another editable install
POLIS = ROOT / "corpora" / "polis-opendata" / "polis_comments_all.csv"
FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(\s|$)")


def corpus(n: int) -> list[str]:
    with POLIS.open(encoding="utf-8") as f:
        rows = [r["comment_body"] for r in csv.DictReader(f) if len(r["comment_body"].split()) >= 3]
    out = []
    for k in range(n):
        text = rows[k % len(rows)]
        if k >= len(rows):
            other = rows[(k * 7 + k // len(rows)) % len(rows)]
            m = FIRST_SENTENCE.match(other)
            text = f"{text} {m.group(1) if m else other[:80]}"
        out.append(text)
    return out


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    ap = argparse.ArgumentParser()
    ap.add_argument("--dedup-sizes", nargs="*", type=int, default=[1000, 10000, 50000])
    ap.add_argument("--embed-sizes", nargs="*", type=int, default=[1000, 5000])
    ap.add_argument("--backend", default=None, help="auto (default), onnx or torch")
    args = ap.parse_args()

    from ingest.duplicates import find_duplicates
    from nlp.embed import load_embedder

    print(f"machine: {os.cpu_count()} cores (shared: compare growth within this run)\n")
    print("| stage | items | real texts | seconds | s per 1k items | items/s | result |")
    print("|---|---|---|---|---|---|---|")
    for n in args.dedup_sizes:
        texts = corpus(n)
        t = time.perf_counter()
        groups = find_duplicates(list(enumerate(texts, start=1)))
        s = time.perf_counter() - t
        result = f"{len(groups)} groups, {sum(len(g.members) for g in groups)} texts in them"
        real = "all" if n <= 11082 else "11,082 + variants"
        print(
            f"| duplicates | {n:,} | {real} | {s:.1f} | {1000 * s / n:.2f} | {n / s:.0f} | {result} |",
            flush=True,
        )
    if args.embed_sizes:
        embedder = load_embedder("minilm", backend=args.backend)
        t = time.perf_counter()
        backend = embedder.load() if hasattr(embedder, "load") else "-"
        print(
            f"| embedding model load ({backend}) | - | - | {time.perf_counter() - t:.1f} | - | - | - |",
            flush=True,
        )
        for n in args.embed_sizes:
            texts = list(dict.fromkeys(corpus(n)))
            t = time.perf_counter()
            vectors = embedder.encode(texts)
            s = time.perf_counter() - t
            real = "all" if n <= 11082 else "11,082 + variants"
            print(
                f"| embedding ({backend}) | {len(texts):,} | {real} | {s:.1f} | {1000 * s / len(texts):.2f} "
                f"| {len(texts) / s:.0f} | {vectors.shape[1]}-d |",
                flush=True,
            )


if __name__ == "__main__":
    main()
