"""Theme stability across seeds: Fairhearing's modeller beside a plain default BERTopic run.

Run: ``HF_HUB_OFFLINE=1 .venv/bin/python evals/eval_themes.py [corpus ...]`` (corpora as in
``evals/theme_corpora.py``; default: the DWP seed points and the Polis conversation
american-assembly.bowling-green). For each corpus and method the same texts and MiniLM vectors are
fitted with seeds 0-4, and over the 10 pairs of runs it prints:

- ARI: adjusted Rand index of the point assignments (unthemed/outlier points count as one more
  label), mean and minimum;
- title overlap: Jaccard overlap of the two runs' sets of titles (lower-cased), mean and minimum;
- themes: the number of themes per run (min-max), and the share of points left unthemed (mean).

Methods: "Fairhearing" is ``ThemeModeller(seed=s)`` with its defaults (titles from
``nlp.theme_titles``; no embedder, so keywords are plain c-TF-IDF, which titles do not use). "BERTopic
default" is ``BERTopic()`` with its default HDBSCAN (min_cluster_size 10, "eom"), default
CountVectorizer and default UMAP settings, given ``random_state=s`` (without it UMAP is not
reproducible at all); its titles are its default topic names (the top four c-TF-IDF words), and its
outliers (-1) are left as they are.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import theme_corpora  # noqa: E402

from nlp.themes import ThemeModeller  # noqa: E402

DEFAULT = ["seeds", "polis:american-assembly.bowling-green"]
SEEDS = range(5)


def fairhearing(texts: list[str], vectors: np.ndarray, seed: int) -> tuple[np.ndarray, list[str]]:
    result = ThemeModeller(seed=seed).fit(texts, vectors)
    return result.topics, [t.label for t in result.themes]


def fairhearing_umap(**options: object):
    """Fairhearing with its default UMAP but for ``options`` (an alternative measured for stability)."""

    def fit(texts: list[str], vectors: np.ndarray, seed: int) -> tuple[np.ndarray, list[str]]:
        from umap import UMAP

        settings = dict(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", low_memory=True)
        umap = UMAP(**{**settings, **options}, random_state=seed, n_jobs=1)
        result = ThemeModeller(seed=seed, umap_model=umap).fit(texts, vectors)
        return result.topics, [t.label for t in result.themes]

    return fit


VARIANTS = {
    "Fairhearing, UMAP 500 epochs": fairhearing_umap(n_epochs=500),
    "Fairhearing, UMAP PCA init": fairhearing_umap(init="pca"),
}


def bertopic_default(texts: list[str], vectors: np.ndarray, seed: int) -> tuple[np.ndarray, list[str]]:
    from bertopic import BERTopic
    from umap import UMAP

    umap = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed)
    model = BERTopic(umap_model=umap)
    topics, _ = model.fit_transform(texts, vectors)
    info = model.get_topic_info()
    names = [
        str(n).split("_", 1)[1].replace("_", " ")
        for t, n in zip(info.Topic, info.Name, strict=True)
        if t != -1
    ]
    return np.asarray(topics, dtype=int), names


def jaccard(a: list[str], b: list[str]) -> float:
    sa, sb = {x.lower() for x in a}, {x.lower() for x in b}
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


def main() -> None:
    from sklearn.metrics import adjusted_rand_score

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", default=DEFAULT)
    parser.add_argument("--variants", action="store_true", help="only the alternatives in VARIANTS")
    args = parser.parse_args()
    methods = (
        VARIANTS if args.variants else {"Fairhearing": fairhearing, "BERTopic default": bertopic_default}
    )
    rows = []
    for name in args.corpora:
        texts, vectors = theme_corpora.load(name)
        for method, fit in methods.items():
            start = time.perf_counter()
            runs = [fit(texts, vectors, seed) for seed in SEEDS]
            seconds = (time.perf_counter() - start) / len(runs)
            pairs = list(itertools.combinations(runs, 2))
            ari = [adjusted_rand_score(a[0], b[0]) for a, b in pairs]
            overlap = [jaccard(a[1], b[1]) for a, b in pairs]
            counts = [len(r[1]) for r in runs]
            unthemed = np.mean([(r[0] == -1).mean() for r in runs])
            rows.append((name, len(texts), method, ari, overlap, counts, unthemed, seconds))
            print(f"{name} {method}: first run titles: {runs[0][1][:8]}", file=sys.stderr)
    print(
        "| corpus | points | method | ARI mean | ARI min | title overlap mean | title overlap min | themes | unthemed |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, n, method, ari, overlap, counts, unthemed, _ in rows:
        print(
            f"| {name.split(':')[-1]} | {n} | {method} | {np.mean(ari):.3f} | {min(ari):.3f} | "
            f"{np.mean(overlap):.3f} | {min(overlap):.3f} | {min(counts)}-{max(counts)} | {unthemed:.1%} |"
        )


if __name__ == "__main__":
    main()
