"""Texts per second of the embedders considered for principle mapping, and what 50k points would cost.

    nice -n 19 .venv/bin/python bench/bench_map_embedders.py [--n 300] [--embedders minilm mpnet]

Texts: the first ``--n`` distinct Polis comments (short) and ``--n`` paragraphs of the DWP seed
consultations (longer), embedded apart. Each embedder is loaded (timed apart) and encodes both sets
once, in this process, on every core it may use. The last column extrapolates linearly to 50,000
points of the mixed kind (half short, half long). The machine is shared by several jobs: compare
the ratios of one run, not absolute times.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_embed_backends import polis_texts, seed_paragraphs  # noqa: E402


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--embedders", nargs="+", default=["minilm", "mpnet"])
    args = ap.parse_args()

    from nlp.embed import available_cores, load_embedder

    short, long = polis_texts(args.n), seed_paragraphs()[: args.n]
    print(
        f"machine: {os.cpu_count()} cores, {available_cores()} usable (shared: compare ratios of this run)\n"
        f"texts: {len(short)} Polis comments (mean {sum(len(t.split()) for t in short) / len(short):.0f} "
        f"words), {len(long)} seed paragraphs (mean {sum(len(t.split()) for t in long) / len(long):.0f} words)\n"
    )
    print("| embedder | load s | short texts/s | paragraphs/s | 50k points (half each), minutes |")
    print("|---|---|---|---|---|")
    for name in args.embedders:
        t = time.perf_counter()
        emb = load_embedder(name)
        emb.encode(short[:2])  # loads (and for mpnet unpacks once) the model
        load = time.perf_counter() - t
        t = time.perf_counter()
        emb.encode(short)
        rate_short = len(short) / (time.perf_counter() - t)
        t = time.perf_counter()
        emb.encode(long)
        rate_long = len(long) / (time.perf_counter() - t)
        minutes = (25_000 / rate_short + 25_000 / rate_long) / 60
        print(f"| {emb.name} | {load:.1f} | {rate_short:.1f} | {rate_long:.1f} | {minutes:.0f} |", flush=True)


if __name__ == "__main__":
    main()
