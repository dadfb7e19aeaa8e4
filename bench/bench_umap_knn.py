"""UMAP's NN-descent against exact neighbours precomputed by matrix products (``nlp.knn``).

    .venv/bin/python bench/bench_umap_knn.py [--sizes 5000 10000]

Vectors: packaged MiniLM over the distinct real Polis comments (``bench_e2e.real_answers``), cached in
``~/.cache/fairhearing/bench_polis_minilm.npy``. Each measurement is a fresh process, as ``analyse``
is: it loads the numba cache (``prepare_numba``), then fits the themes stage's UMAP
(``ThemeModeller._umap``) once on the first n vectors (n from 4,096, where UMAP switches to
NN-descent) with UMAP's NN-descent ("before") or with ``exact_cosine_knn`` ("after"). NN-descent's
kernels cannot be kept in numba's disk cache (numba says they use dynamic globals), so every process
that uses it compiles them: that is in "before", as it is in every ``analyse``. A third process fits
"before" with another seed. HDBSCAN (the stage's settings) clusters each layout; agreement is the ARI
between the clusterings of before and after, beside the ARI between the two seeds of "before" (how
much a layout moves by itself). Neighbour recall: the share of NN-descent's neighbours that are exact
ones. Prints a markdown table; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import ROOT, report, run_child

sys.path.insert(0, str(ROOT))
CACHE = Path.home() / ".cache" / "fairhearing" / "bench_polis_minilm.npy"


def vectors() -> np.ndarray:
    if CACHE.exists():
        return np.load(CACHE)
    from bench_e2e import real_answers

    from nlp.embed import load_embedder

    out = load_embedder("minilm").encode(real_answers())
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    np.save(CACHE, out)
    return out


def child(n: int, exact: bool, seed: int, out: Path) -> None:
    """One fresh-process fit; writes the layout, its clusters and (before) UMAP's neighbours."""
    import warnings

    from nlp.numba_cache import prepare_numba
    from nlp.themes import ThemeModeller

    prepare_numba()
    x = vectors()[:n]
    modeller = ThemeModeller(seed=seed)
    t = time.perf_counter()
    umap = modeller._umap(n, x if exact else None)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]", category=UserWarning)
        warnings.filterwarnings("ignore", message=r"Cannot cache compiled function")
        layout = umap.fit_transform(x)
    seconds = time.perf_counter() - t
    labels = np.asarray(modeller._hdbscan(n).fit(layout).labels_)
    np.save(out / "labels.npy", labels)
    if not exact:
        np.save(out / "knn.npy", np.asarray(umap._knn_indices))
    report({"seconds": seconds})


def measure(n: int, exact: bool, seed: int, out: Path) -> float:
    out.mkdir(parents=True, exist_ok=True)
    args = ["--child", str(n), str(int(exact)), str(seed), str(out)]
    return run_child(__file__, args, f"UMAP fit of {n} points")["seconds"]


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", nargs="*", type=int, default=[5000, 10000])
    ap.add_argument("--child", nargs=4)
    args = ap.parse_args()
    if args.child:
        n, exact, seed, out = args.child
        child(int(n), bool(int(exact)), int(seed), Path(out))
        return
    from sklearn.metrics import adjusted_rand_score

    from nlp.knn import exact_cosine_knn

    all_vectors = vectors()
    print(f"machine: {os.cpu_count()} cores; {len(all_vectors):,} MiniLM vectors of real Polis comments\n")
    print(
        "| points | NN-descent + UMAP (before) s | exact kNN + UMAP (after) s | speed-up | neighbour recall of "
        "NN-descent | ARI before vs after | ARI before, seed 42 vs 43 |"
    )
    print("|---|---|---|---|---|---|---|", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            base = Path(tmp) / str(n)
            t_before = measure(n, False, 42, base / "before")
            t_after = measure(n, True, 42, base / "after")
            measure(n, False, 43, base / "seed43")
            own = np.load(base / "before" / "knn.npy")
            exact, _ = exact_cosine_knn(all_vectors[:n], own.shape[1])
            hits = sum(len(set(a) & set(b)) for a, b in zip(own.tolist(), exact.tolist(), strict=True))
            labels = {k: np.load(base / k / "labels.npy") for k in ("before", "after", "seed43")}
            print(
                f"| {n:,} | {t_before:.1f} | {t_after:.1f} | {t_before / t_after:.1f}x | {hits / exact.size:.3f} "
                f"| {adjusted_rand_score(labels['before'], labels['after']):.2f} "
                f"| {adjusted_rand_score(labels['before'], labels['seed43']):.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
