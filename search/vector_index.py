"""One nearest-neighbour index over cached point vectors, shared by search and check-my-point.

``VectorIndex`` holds the L2-normalised vectors of distinct point texts (keyed by text hash) as
one float32 matrix; ``top_scored`` is the single top-k implementation (exact cosine, ties broken by
row so results are deterministic). On a large index (``PRUNE_MIN_ROWS``) the exact top k is found
without scoring every row: each row's first ``PRUNE_DIMS`` coordinates in the principal axes of the
vectors give an approximate score and, with the rest of its length, an upper bound (Cauchy-Schwarz);
only rows whose bound reaches the k-th best exact score of the approximate top k are scored exactly
(about 2,000 of 84,000 for a search query at 50k: 5 ms instead of 15). ``load_index`` builds it from the embeddings cache for the
stakeholder points of one model; callers keep it in a bounded cache (``search.cache``, held by the
web app through ``web.cache``) and rebuild it when ``store.queries.versions.embeddings_version``
changes (``search.hybrid.vector_index``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from store.db import Database
from store.queries import vectors as vector_queries


def top_k(sims: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest values of ``sims``, best first (ties: lower index first): always
    the first ``k`` of the full order, even when values tie across the ``k``-th place."""
    k = min(k, len(sims))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    best = np.argpartition(-sims, k - 1)[:k]
    last = sims[best].min()  # the k-th value: of the rows holding it, argpartition keeps any; keep the first
    if not np.isnan(last):
        above = best[sims[best] > last]
        best = np.concatenate([above, np.flatnonzero(sims == last)[: k - len(above)]])
    return best[np.lexsort((best, -sims[best]))]


PRUNE_MIN_ROWS = 20_000  # below this, scoring every row is as fast
PRUNE_DIMS = 64
# added to every bound, so that float32 rounding (of the scores, and of the lengths outside the axes,
# which a square root can magnify to ~1e-3 when they are near 0) never hides a row of the top k
_SLACK = 5e-3


@dataclass
class _Pruner:
    basis: np.ndarray  # (dim, PRUNE_DIMS): the leading principal axes (uncentred) of the rows
    head: np.ndarray  # (n, PRUNE_DIMS): each row in those axes
    rest: np.ndarray  # (n,): the length of each row left outside them


def _pruner(matrix: np.ndarray) -> _Pruner:
    gram = (matrix.T @ matrix).astype(np.float64)  # any orthonormal basis keeps the bound valid
    _, vectors = np.linalg.eigh(gram)  # ascending eigenvalues; deterministic for the same rows
    basis = np.ascontiguousarray(vectors[:, ::-1][:, :PRUNE_DIMS], dtype=np.float32)
    head = np.ascontiguousarray(matrix @ basis)
    rest = np.sqrt(np.maximum(0.0, np.einsum("ij,ij->i", matrix, matrix) - np.einsum("ij,ij->i", head, head)))
    return _Pruner(basis, head, rest.astype(np.float32))


@dataclass
class VectorIndex:
    hashes: list[str]
    matrix: np.ndarray  # (n, dim) float32, L2-normalised rows
    row: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.row = {h: i for i, h in enumerate(self.hashes)}
        self._lock = threading.Lock()
        self._prune: _Pruner | None = None

    def pruner(self) -> _Pruner | None:
        """The pruning structure of a large index (built once, on first use); ``None`` when small."""
        if len(self.hashes) < PRUNE_MIN_ROWS or self.matrix.shape[1] <= PRUNE_DIMS:
            return None
        with self._lock:
            if self._prune is None:
                self._prune = _pruner(self.matrix)
            return self._prune

    def best(
        self, query: np.ndarray, k: int, mask: np.ndarray | None = None, min_sim: float = -1.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """(rows, cosines) of the ``k`` rows most similar to ``query`` among those ``mask`` keeps (all
        without it) and at ``min_sim`` or above, best first, ties by row: the head of the full order."""
        prune = self.pruner() if k > 0 else None
        if prune is None:
            sims = self.matrix @ query if len(self.hashes) else np.zeros(0, dtype=np.float32)
            if mask is not None:
                sims = np.where(mask, sims, -np.inf)
            best = top_k(sims, k)
            best = best[sims[best] >= min_sim]
            return best, sims[best]
        q_head = query @ prune.basis
        q_rest = float(np.sqrt(max(0.0, float(query @ query) - float(q_head @ q_head))))
        approx = prune.head @ q_head
        if mask is not None:
            approx = np.where(mask, approx, -np.inf)
        seed = top_k(approx, k)
        seed = seed[np.isfinite(approx[seed])]
        floor = float(min_sim)
        if len(seed) == k:  # the k-th best exact score among k allowed rows: no higher than the true k-th
            floor = max(floor, float(np.min(self.matrix[seed] @ query)))
        rows = np.flatnonzero(approx + (q_rest * prune.rest + _SLACK) >= floor)  # ascending: ties by row
        sims = self.matrix[rows] @ query
        best = top_k(sims, k)
        best = best[sims[best] >= min_sim]
        return rows[best], sims[best]

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1]) if self.matrix.ndim == 2 else 0

    def vector(self, text_hash: str) -> np.ndarray | None:
        i = self.row.get(text_hash)
        return None if i is None else self.matrix[i]

    def top_scored(
        self, query: np.ndarray, k: int, allowed: set[str] | None = None, min_sim: float = -1.0
    ) -> list[tuple[str, float]]:
        """(hash, cosine) of the ``k`` rows most similar to ``query`` (within ``allowed``), best first."""
        if allowed is None:
            ids, sims = self.best(query, k, None, min_sim)
            return [(self.hashes[i], float(s)) for i, s in zip(ids, sims, strict=True)]
        rows = np.fromiter((self.row[h] for h in allowed if h in self.row), dtype=np.int64)
        rows.sort()  # ties by row, whatever the set's order
        sims = self.matrix[rows] @ query if len(rows) else np.zeros(0, dtype=np.float32)
        best = top_k(sims, k)
        best = best[sims[best] >= min_sim]
        return [(self.hashes[rows[j]], float(sims[j])) for j in best]

    def top_in(self, query: np.ndarray, k: int, mask: np.ndarray, min_sim: float = -1.0) -> list[str]:
        """Hashes of the ``k`` rows most similar to ``query`` among the rows ``mask`` (a boolean per row)
        keeps, best first (ties: lower row first)."""
        if not len(self.hashes):
            return []
        ids, _ = self.best(query, k, mask, min_sim)
        return [self.hashes[i] for i in ids]

    def top(
        self, query: np.ndarray, k: int, allowed: set[str] | None = None, min_sim: float = -1.0
    ) -> list[str]:
        """Hashes of the ``k`` rows most similar to ``query`` (restricted to ``allowed``), best first."""
        return [h for h, _ in self.top_scored(query, k, allowed, min_sim)]


def load_index(db: Database, model: str) -> VectorIndex:
    """The cached vectors of ``model`` for every stakeholder point text (rows of another width skipped)."""
    hashes, blobs, dim = [], [], None
    for h, d, blob in vector_queries.point_embeddings(db, model):
        if dim is None:
            dim = d
        if d == dim and len(blob) == 4 * d:
            hashes.append(h)
            blobs.append(blob)
    if not hashes:
        return VectorIndex([], np.zeros((0, 0), dtype=np.float32))
    matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(hashes), dim)
    return VectorIndex(hashes, matrix)
