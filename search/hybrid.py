"""Hybrid search: keyword (FTS5/BM25) and semantic (cosine) rankings of point texts, fused by RRF.

The semantic side ranks with ``search.vector_index`` (the one index and top-k, shared with
check-my-point). ``vector_index`` builds a model's index from the embeddings cache; given a
``BoundedCache`` (the web app's), it keeps one per database and model and rebuilds it only when
the embeddings or points change (``store.queries.versions.embeddings_version``). The embedder is
asked for only when a query needs it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from fairhearing.errors import FairhearingError
from search.cache import BoundedCache
from search.filter_rows import FilterRows, load_filter_rows
from search.keyword_index import KeywordIndex, load_keyword_index
from search.vector_index import VectorIndex, load_index
from store.db import Database
from store.queries import keywords as keyword_queries
from store.queries import search as search_queries
from store.queries import vectors as vector_queries
from store.queries import versions

RRF_K = 60


def vector_index(
    db: Database, model: str, cache: BoundedCache | None = None, key: str = ""
) -> VectorIndex | None:
    """``model``'s index of stakeholder point vectors (``None`` when it has no cached vectors).

    With ``cache``, the index is kept under ``("vectors", key, model)`` (``key``: the database
    path) and rebuilt when the cached vectors change.
    """
    if not vector_queries.has_embeddings(db, model):
        return None
    if cache is None:
        return load_index(db, model)
    return cache.get(("vectors", key, model), versions.embeddings_version(db), lambda: load_index(db, model))


def keyword_index(db: Database, cache: BoundedCache, key: str = "") -> KeywordIndex | None:
    """The in-memory BM25 index of ``points_fts`` (``search.keyword_index``), kept in ``cache`` under
    ``("keywords", key)`` until the FTS index is written (``None``: a database without it)."""
    return cache.get(("keywords", key), keyword_queries.fts_version(db), lambda: load_keyword_index(db))


def filter_mask(db: Database, index: VectorIndex, filters: search_queries.Filters) -> np.ndarray:
    """A boolean per row of ``index``: whether some point matching ``filters`` has its text."""
    mask = np.zeros(len(index.hashes), dtype=bool)
    rows = [index.row[h] for h in search_queries.filtered_hashes(db, filters) if h in index.row]
    mask[np.asarray(rows, dtype=np.int64)] = True
    return mask


def cached_filter_mask(
    db: Database, index: VectorIndex, filters: search_queries.Filters, cache: BoundedCache, key: str = ""
) -> np.ndarray:
    """``filter_mask`` kept in ``cache`` per filters (``key``: the database path) until the data or the
    vectors change: the filter's SQL runs once, not on every search or page of results."""
    where, params = filters.where()
    version = (versions.data_version(db), versions.embeddings_version(db), len(index.hashes))
    return cache.get(
        ("filter mask", key, where, tuple(params)), version, lambda: filter_mask(db, index, filters)
    )


def cached_filter_rows(
    db: Database, filters: search_queries.Filters, cache: BoundedCache, key: str = ""
) -> FilterRows:
    """The points passing ``filters`` (``search.filter_rows``) kept in ``cache`` per filters (``key``:
    the database path) until the data or the points change: keyword matches are then checked
    against them in memory."""
    where, params = filters.where()
    version = (versions.data_version(db), versions.embeddings_version(db))
    return cache.get(
        ("filter rows", key, where, tuple(params)), version, lambda: load_filter_rows(db, filters)
    )


def semantic_ranking(
    db: Database,
    index: VectorIndex,
    query: np.ndarray,
    filters: search_queries.Filters,
    k: int,
    min_sim: float,
    chunk_rounds: int = 5,
    mask: np.ndarray | None = None,
) -> list[str]:
    """The ``k`` nearest hashes that pass the filters (given as ``mask``, a ``filter_mask``: scored
    over the rows it keeps).

    With filters, only the nearest ``chunk_rounds * 10 k`` hashes are ranked, and checked against the
    filters in growing chunks (``2 k``, then four times as many each time: cheap SQL on a few hundred
    to a few thousand hashes) until ``k`` pass; a filter so narrow that they do not yield ``k`` is
    instead evaluated once over the whole table, and only its hashes are scored. Either way the
    result is the first ``k`` passing hashes of the full ranking.
    """
    if not filters.any:
        return index.top(query, k, None, min_sim)
    if mask is not None:
        return index.top_in(query, k, mask, min_sim)
    limit = chunk_rounds * 10 * k
    ranked = index.top(query, limit + 1, None, min_sim)  # one more than checked: were there more?
    found: list[str] = []
    start, size = 0, 2 * k
    while start < min(len(ranked), limit):
        end = min(start + size, limit)
        found += search_queries.filter_hashes(db, ranked[start:end], filters)
        if len(found) >= k:
            return found[:k]
        start, size = end, size * 4
    if len(ranked) <= limit:
        return found
    return index.top(query, k, search_queries.filtered_hashes(db, filters), min_sim)


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
    db: Database,
    q: str,
    filters: search_queries.Filters,
    *,
    index: VectorIndex | None,
    embedder: Callable[[], Any],
    candidates: int = 200,
    min_sim: float = 0.3,
    cache: BoundedCache | None = None,
    key: str = "",
    keywords: KeywordIndex | None = None,
) -> SearchOutcome:
    """Keyword and semantic rankings of point texts fused by RRF; keyword only without ``index``.

    ``embedder()`` gives the embedder of the index's model (called only when there is an index).
    With ``cache`` (the web app's; ``key``: the database path) the filters' rows of the index are
    kept there (``cached_filter_mask``); without it they are found near the query, chunk by chunk.
    ``keywords`` (a ``keyword_index``) ranks the keyword matches without calling FTS5's bm25 per row;
    with ``cache`` they are checked against the filters' points kept there (``cached_filter_rows``).
    """
    rows = cached_filter_rows(db, filters, cache, key) if cache is not None else None
    keyword = search_queries.keyword_search(db, q, filters, candidates, index=keywords, rows=rows)
    semantic: list[str] = []
    note = ""
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
                mask = None
                if filters.any and cache is not None:
                    mask = cached_filter_mask(db, index, filters, cache, key)
                semantic = semantic_ranking(db, index, query, filters, candidates, min_sim, mask=mask)
    return SearchOutcome(rrf([keyword, semantic]), len(keyword), len(semantic), note)
