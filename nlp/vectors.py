"""Cached point embeddings as one matrix, for readers that know only the model's name."""

from __future__ import annotations

import numpy as np

from nlp.embedding_cache import load_vectors as load_cached
from nlp.embedding_cache import stack
from store.db import Database
from store.embeddings import model_dim


def load_vectors(db: Database, hashes: list[str], model: str) -> np.ndarray | None:
    """Vectors for ``hashes`` in order (float32 rows); ``None`` if any is not cached."""
    dim = model_dim(db, model)
    if dim is None:
        return None
    found = load_cached(db, model, hashes, dim)
    if any(h not in found for h in hashes):
        return None
    return stack(found, hashes)
