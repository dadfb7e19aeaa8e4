"""Themes of a large consultation: how UMAP's epochs change them, measured against real labels.

    HF_HUB_OFFLINE=1 .venv/bin/python evals/eval_theme_scale.py [--sizes 10000 50000] [--epochs 200 100] [--seeds 3]

Texts: the bench's corpus (``bench/bench_e2e.py``): 10,000 real Polis answers from 20 public
conversations (CC BY 4.0, The Computational Democracy Project), and above 10,347 the real answers
plus variants (a real answer with the first sentence of another appended). Each answer's label is
the conversation it was written in (a variant takes its first answer's); the conversations are about
different subjects, so a theme that mixes conversations mixes subjects. Vectors: the packaged MiniLM
(cached, ``evals/theme_corpora.py``). Each setting fits ``ThemeModeller`` with its defaults but for
``umap_epochs`` (above 10,000 texts, on its 10,000-text sample), for each seed.

Columns: fit s — mean seconds per fit (one process, models loaded); unthemed — mean share of texts in
no theme; NMI — normalised mutual information of themes (unthemed as one more label) and
conversations; homogeneity — of the themed texts (1: every theme holds one conversation); ARI seeds
— mean adjusted Rand index between the seeds' fits; ARI vs first — between each seed's fit and the
same seed's fit with the first ``--epochs`` value (the previous default, 200). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score, homogeneity_score, normalized_mutual_info_score

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "evals")]

from bench_e2e import corpus, real_answers  # noqa: E402
from theme_corpora import POLIS, minilm_vectors  # noqa: E402


def conversations(texts: list[str]) -> list[str]:
    """The conversation of each text of ``corpus(len(texts))``."""
    csv.field_size_limit(sys.maxsize)
    found: dict[str, str] = {}
    with open(POLIS / "polis_comments_all.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            found.setdefault(row["comment_body"], row["conversation"])
    real = real_answers()
    return [found[t if i < len(real) else real[(i - len(real)) % len(real)]] for i, t in enumerate(texts)]


def evaluate(n: int, epochs: list[int], seeds: int) -> list[list[str]]:
    from nlp.embed import load_embedder
    from nlp.numba_cache import prepare_numba
    from nlp.themes import ThemeModeller

    texts = corpus(n)
    labels = np.array(conversations(texts))
    vectors = minilm_vectors(texts)
    embedder = load_embedder("minilm")
    embedder.encode(texts[:64])
    prepare_numba()
    fits: dict[tuple[int, int], np.ndarray] = {}
    rows = []
    for ep in epochs:
        seconds, unthemed, nmi, hom, counts = [], [], [], [], []
        for seed in range(seeds):
            t0 = time.perf_counter()
            result = ThemeModeller(embedder=embedder, seed=seed, umap_epochs=ep).fit(texts, vectors)
            seconds.append(time.perf_counter() - t0)
            topics = np.asarray(result.topics)
            fits[ep, seed] = topics
            themed = topics >= 0
            unthemed.append(1 - themed.mean())
            nmi.append(normalized_mutual_info_score(labels, topics))
            hom.append(homogeneity_score(labels[themed], topics[themed]))
            counts.append(len(result.themes))
        pairs = [
            adjusted_rand_score(fits[ep, a], fits[ep, b]) for a, b in itertools.combinations(range(seeds), 2)
        ]
        versus = [adjusted_rand_score(fits[epochs[0], s], fits[ep, s]) for s in range(seeds)]
        rows.append(
            [
                f"{n:,}",
                str(ep),
                f"{np.mean(seconds):.1f}",
                f"{min(counts)}-{max(counts)}",
                f"{np.mean(unthemed):.1%}",
                f"{np.mean(nmi):.3f}",
                f"{np.mean(hom):.3f}",
                f"{np.mean(pairs):.3f}" if pairs else "-",
                "-" if ep == epochs[0] else f"{np.mean(versus):.3f}",
            ]
        )
        print(" | ".join(rows[-1]), file=sys.stderr, flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", nargs="+", type=int, default=[10_000])
    ap.add_argument("--epochs", nargs="+", type=int, default=[200, 100], help="the first is the baseline")
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()
    header = [
        "texts",
        "UMAP epochs",
        "fit s",
        "themes",
        "unthemed",
        "NMI",
        "homogeneity",
        "ARI seeds",
        "ARI vs first",
    ]
    rows = [row for n in args.sizes for row in evaluate(n, args.epochs, args.seeds)]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
