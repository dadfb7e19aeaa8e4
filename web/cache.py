"""The app's bounded cache of derived data (vector indexes, page aggregates), held in ``app.extensions``.

The cache is ``search.cache.BoundedCache`` (per-kind LRU, rebuilt when a version marker changes);
``vector_index`` gives search and check-my-point the same cached ``search.vector_index`` index.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app

from search.cache import BoundedCache
from search.hybrid import keyword_index as build_keyword_index
from search.hybrid import vector_index as build_vector_index
from search.keyword_index import KeywordIndex
from search.vector_index import VectorIndex
from store.db import Database


def app_cache() -> BoundedCache:
    """This app's cache (created on first use)."""
    cache = current_app.extensions.get("fairhearing_cache")
    if cache is None:
        cache = current_app.extensions.setdefault("fairhearing_cache", BoundedCache())
    return cache


def cached(key: tuple, version: Any, build: Callable[[], Any]) -> Any:
    """One object per ``key`` in this app's cache, rebuilt when ``version`` changes."""
    return app_cache().get(key, version, build)


def vector_index(db: Database, model: str) -> VectorIndex | None:
    """``model``'s vector index for this app's database, kept in the app's cache (``None``: no vectors)."""
    return build_vector_index(db, model, cache=app_cache(), key=current_app.config["DATABASE"])


def keyword_index(db: Database) -> KeywordIndex | None:
    """The in-memory BM25 index of this app's database, kept in the app's cache until the FTS index
    changes (``None``: a database from before migration ``016_fts_vocab``)."""
    return build_keyword_index(db, app_cache(), key=current_app.config["DATABASE"])
