"""Exact cosine nearest neighbours by blocked matrix products, for UMAP's neighbour graph.

UMAP finds neighbours in two ways: below 4,096 points it computes every pairwise distance (exact),
above that it runs NN-descent (approximate: about 0.98 of the true neighbours on 10,000 MiniLM
vectors, ``bench/bench_umap_knn.py``). From 4,096 up to the theme sample (10,000 by default) one
matrix product per block of rows finds the *exact* neighbours in a fraction of NN-descent's time,
and UMAP takes them as ``precomputed_knn``. Below 4,096 UMAP's own exact path is kept: the same
neighbours, and its layouts are the ones the theme evals measured (precomputed neighbours, though
equal, change the layout as much as another seed does).
"""

from __future__ import annotations

import numpy as np

from nlp.embed import normalise_rows

EXACT_KNN_MIN = 4_096  # UMAP's own switch from all pairwise distances to NN-descent
EXACT_KNN_MAX = 20_000  # above this many points, UMAP's own NN-descent is used (time grows as n²)
BLOCK_ROWS = 512


def exact_cosine_knn(
    vectors: np.ndarray, k: int, *, block: int = BLOCK_ROWS
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest rows of each row by cosine distance (1 − cosine), itself first.

    Returns ``(indices, distances)``, shape ``(n, k)``, int64 and float32, nearest first; among the
    neighbours found, equal distances are ordered by index (the same input gives the same result).
    """
    x = normalise_rows(vectors)
    n = x.shape[0]
    if n == 0 or k < 1:
        return np.zeros((n, 0), dtype=np.int64), np.zeros((n, 0), dtype=np.float32)
    k = min(k, n)
    indices = np.empty((n, k), dtype=np.int64)
    distances = np.empty((n, k), dtype=np.float32)
    for start in range(0, n, block):
        stop = min(n, start + block)
        dist = 1.0 - x[start:stop] @ x.T
        rows = np.arange(stop - start)
        dist[rows, rows + start] = -np.inf  # itself first, whatever rounding says
        part = (
            np.argpartition(dist, k - 1, axis=1)[:, :k] if k < n else np.tile(np.arange(n), (stop - start, 1))
        )
        # sort the k candidates by (distance, index)
        cand = np.take_along_axis(dist, part, axis=1)
        order = np.lexsort((part, cand), axis=1)
        chosen = np.take_along_axis(part, order, axis=1)
        indices[start:stop] = chosen
        d = np.take_along_axis(dist, chosen, axis=1)
        d[:, 0] = 0.0
        distances[start:stop] = np.maximum(d, 0.0)
    return indices, distances
