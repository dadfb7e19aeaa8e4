"""One nearest-neighbour index over cached point vectors, shared by search and check-my-point.

``VectorIndex`` holds the L2-normalised vectors of distinct point texts (keyed by text hash) as
one float32 matrix; ``top_scored`` is the single top-k implementation (exact cosine, ties broken by
row so results are deterministic). ``load_index`` builds it from the embeddings cache for the
stakeholder points of one model; callers keep it in a bounded cache (``search.cache``, held by the
web app through ``web.cache``) and rebuild it when ``store.queries.versions.embeddings_version``
changes (``search.hybrid.vector_index``).
"""

from __future__ import annotations

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


@dataclass
class VectorIndex:
    hashes: list[str]
    matrix: np.ndarray  # (n, dim) float32, L2-normalised rows
    row: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.row = {h: i for i, h in enumerate(self.hashes)}

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
            rows = None
            sims = self.matrix @ query if len(self.hashes) else np.zeros(0, dtype=np.float32)
        else:
            rows = np.fromiter((self.row[h] for h in allowed if h in self.row), dtype=np.int64)
            sims = self.matrix[rows] @ query if len(rows) else np.zeros(0, dtype=np.float32)
        best = top_k(sims, k)
        best = best[sims[best] >= min_sim]
        ids = best if rows is None else rows[best]
        return [(self.hashes[i], float(sims[j])) for i, j in zip(ids, best, strict=True)]

    def top_in(self, query: np.ndarray, k: int, mask: np.ndarray, min_sim: float = -1.0) -> list[str]:
        """Hashes of the ``k`` rows most similar to ``query`` among the rows ``mask`` (a boolean per row)
        keeps, best first (ties: lower row first)."""
        if not len(self.hashes):
            return []
        sims = np.where(mask, self.matrix @ query, -np.inf)
        best = top_k(sims, k)
        return [self.hashes[i] for i in best[sims[best] >= min_sim]]

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
