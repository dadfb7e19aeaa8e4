"""Themes fitted on a sample vs on every text: seconds and agreement with the full fit.

    .venv/bin/python bench/bench_theme_sample.py [--samples 2500 5000] [--vectors cache.npy]

The texts are the distinct Polis comments of three or more words (real answers), embedded with the
packaged MiniLM (vectors cached in ``--vectors`` so a rerun skips embedding). Each row fits
``nlp.themes.ThemeModeller`` (MiniLM as its embedder, seed 42) and times ``fit`` (UMAP, HDBSCAN,
shaping, assignment, keywords, titles); the full fit (no sample) is the reference. Agreement with
it, over every text: adjusted Rand index and NMI of the theme labels (-1 counted as a label), and
the share of texts both leave unthemed or both theme. Prints a markdown table; nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
POLIS = ROOT / "corpora" / "polis-opendata" / "polis_comments_all.csv"


def polis_texts() -> list[str]:
    with POLIS.open(encoding="utf-8") as f:
        rows = [r["comment_body"] for r in csv.DictReader(f)]
    return list(dict.fromkeys(t for t in rows if len(t.split()) >= 3))


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, nargs="+", default=[2500, 5000])
    parser.add_argument("--methods", nargs="+", default=["centroid", "predict"])
    parser.add_argument(
        "--vectors", type=Path, default=Path.home() / ".cache" / "fairhearing" / "bench_polis_minilm.npy"
    )
    parser.add_argument("--limit", type=int, default=None, help="use the first N texts only")
    args = parser.parse_args()

    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from nlp.embed import load_embedder
    from nlp.numba_cache import prepare_numba
    from nlp.themes import ThemeModeller

    texts = polis_texts()
    embedder = load_embedder("minilm")
    if args.vectors.exists():
        vectors = np.load(args.vectors)
    else:
        vectors = embedder.encode(texts)
        args.vectors.parent.mkdir(parents=True, exist_ok=True)
        np.save(args.vectors, vectors)
    if len(vectors) != len(texts):
        raise SystemExit(f"{args.vectors} holds {len(vectors)} vectors for {len(texts)} texts: delete it")
    if args.limit:
        texts, vectors = texts[: args.limit], vectors[: args.limit]
    prepare_numba()

    def fit(sample: int | None, method: str) -> tuple[float, object]:
        modeller = ThemeModeller(embedder=embedder, seed=42, sample_size=sample, assign_rest=method)
        t0 = time.perf_counter()
        result = modeller.fit(texts, vectors)
        return time.perf_counter() - t0, result

    # a throwaway small fit first, so the first row does not pay for imports and numba loading
    ThemeModeller(embedder=embedder, seed=42).fit(texts[:500], vectors[:500])
    print(f"\n{len(texts):,} distinct Polis comments, MiniLM, seed 42\n")
    print(
        "| fitted on | rest assigned by | fit s | themes | themed share | ARI vs full | NMI vs full "
        "| same themed/unthemed |"
    )
    print("|---|---|---|---|---|---|---|---|", flush=True)

    def row(label: str, method: str, seconds: float, result, reference) -> None:
        ari = adjusted_rand_score(reference.topics, result.topics)
        nmi = normalized_mutual_info_score(reference.topics, result.topics)
        same = float(np.mean((reference.topics >= 0) == (result.topics >= 0)))
        themed = float(np.mean(result.topics >= 0))
        print(
            f"| {label} | {method} | {seconds:.1f} | {len(result.themes)} | {themed:.2f} | {ari:.2f} "
            f"| {nmi:.2f} | {same:.2f} |",
            flush=True,
        )

    seconds, full = fit(None, "centroid")
    row("all (reference)", "-", seconds, full, full)
    runs = [(sample, method) for sample in args.samples for method in args.methods]
    for i, (sample, method) in enumerate(runs):
        seconds, result = fit(sample, method)
        row(f"{sample:,}", method, seconds, result, full)
        if i == 0:  # how much a full fit itself moves with the seed: the baseline for the agreement
            t0 = time.perf_counter()
            other = ThemeModeller(embedder=embedder, seed=43, sample_size=None).fit(texts, vectors)
            row("all, seed 43 (baseline)", "-", time.perf_counter() - t0, other, full)


if __name__ == "__main__":
    main()
