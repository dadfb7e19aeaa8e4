"""Semantic search over cached point embeddings, fused with keyword search (reciprocal rank fusion).

The matrix of a model's point vectors is loaded once per process and cached, keyed by the
database path and model, and reloaded only when the embeddings table changes (row count and
newest rowid). The embedder itself loads on the first query that needs it.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sqlite_utils

from fairhearing.errors import FairhearingError
from store import read

RRF_K = 60
_CACHE: dict[tuple, tuple[Any, Any]] = {}
_LOCK = threading.Lock()
_KEY_LOCKS: dict[tuple, threading.Lock] = {}


def cached(key: tuple, version: Any, build: Callable[[], Any]) -> Any:
    """One object per ``key``, rebuilt when ``version`` changes; each key is built once at a time."""
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        key_lock = _KEY_LOCKS.setdefault(key, threading.Lock())
    with key_lock:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        value = build()
        with _LOCK:
            _CACHE[key] = (version, value)
        return value


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

    def top(
        self, query: np.ndarray, k: int, allowed: set[str] | None = None, min_sim: float = -1.0
    ) -> list[str]:
        """Hashes of the ``k`` rows most similar to ``query`` (restricted to ``allowed``), best first."""
        if allowed is None:
            rows = None
            sims = self.matrix @ query
        else:
            rows = np.fromiter((self.row[h] for h in allowed if h in self.row), dtype=np.int64)
            sims = self.matrix[rows] @ query if len(rows) else np.zeros(0, dtype=np.float32)
        if not len(sims):
            return []
        k = min(k, len(sims))
        best = np.argpartition(-sims, k - 1)[:k]
        best = best[np.lexsort((best, -sims[best]))]
        best = best[sims[best] >= min_sim]
        ids = best if rows is None else rows[best]
        return [self.hashes[i] for i in ids]


def load_index(db: sqlite_utils.Database, model: str) -> VectorIndex:
    hashes, blobs, dim = [], [], None
    for h, d, blob in read.point_embeddings(db, model):
        if dim is None:
            dim = d
        if d == dim and len(blob) == 4 * d:
            hashes.append(h)
            blobs.append(blob)
    if not hashes:
        return VectorIndex([], np.zeros((0, 0), dtype=np.float32))
    matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(hashes), dim)
    return VectorIndex(hashes, matrix)


def get_index(db: sqlite_utils.Database, db_path: str, model: str) -> VectorIndex | None:
    if not read.has_embeddings(db, model):
        return None
    return cached(("vectors", db_path, model), read.embeddings_version(db), lambda: load_index(db, model))


def semantic_ranking(
    db: sqlite_utils.Database,
    index: VectorIndex,
    query: np.ndarray,
    filters: read.Filters,
    k: int,
    min_sim: float,
    chunk_rounds: int = 5,
) -> list[str]:
    """The ``k`` nearest hashes that pass the filters.

    With filters, the nearest hashes are checked against them in chunks of ``10 k`` (cheap SQL on
    a few thousand hashes); a filter so narrow that ``chunk_rounds`` chunks do not yield ``k``
    is instead evaluated once over the whole table, and only its hashes are scored.
    """
    if not filters.any:
        return index.top(query, k, None, min_sim)
    ranked = index.top(query, len(index.hashes), None, min_sim)
    found: list[str] = []
    size = 10 * k
    for start in range(0, min(len(ranked), chunk_rounds * size), size):
        found += read.filter_hashes(db, ranked[start : start + size], filters)
        if len(found) >= k:
            return found[:k]
    if len(ranked) <= chunk_rounds * size:
        return found
    return index.top(query, k, read.filtered_hashes(db, filters), min_sim)


def rrf(rankings: list[list[str]], k: int = RRF_K) -> list[str]:
    """Reciprocal rank fusion: sum of 1 / (k + rank) over the rankings an item appears in."""
    score: dict[str, float] = defaultdict(float)
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            score[item] += 1.0 / (k + rank)
    return sorted(score, key=lambda h: (-score[h], h))


@dataclass
class SearchOutcome:
    hashes: list[str]
    keyword: int = 0
    semantic: int = 0
    note: str = ""


def hybrid_search(
    db: sqlite_utils.Database,
    db_path: str,
    q: str,
    filters: read.Filters,
    *,
    model: str | None,
    embedder: Callable[[], Any],
    candidates: int = 200,
    min_sim: float = 0.3,
) -> SearchOutcome:
    """Keyword (FTS5/BM25) and semantic (cosine) rankings of point texts, fused by RRF."""
    keyword = read.keyword_search(db, q, filters, candidates)
    semantic: list[str] = []
    note = ""
    index = get_index(db, db_path, model) if model else None
    if index is None or not index.hashes:
        note = "Semantic search is off: no embeddings for the current analysis (keyword matches only)."
    else:
        try:
            emb = embedder()
            query = np.asarray(emb.encode([q]), dtype=np.float32)[0]
        except FairhearingError as e:
            note = f"Semantic search is unavailable ({e.message}); keyword matches only."
        else:
            if query.shape[0] != index.dim:
                note = "Semantic search is off: the embedder does not match the stored vectors."
            else:
                semantic = semantic_ranking(db, index, query, filters, candidates, min_sim)
    return SearchOutcome(rrf([keyword, semantic]), len(keyword), len(semantic), note)
