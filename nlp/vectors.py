"""Cached point embeddings as one matrix, for readers that know only the model's name."""

from __future__ import annotations

import numpy as np
import sqlite_utils

from nlp.embedding_cache import load_vectors as load_cached
from nlp.embedding_cache import stack


def load_vectors(db: sqlite_utils.Database, hashes: list[str], model: str) -> np.ndarray | None:
    """Vectors for ``hashes`` in order (float32 rows); ``None`` if any is not cached."""
    row = db.execute("SELECT dim FROM embeddings WHERE model = ? LIMIT 1", [model]).fetchone()
    if row is None:
        return None
    found = load_cached(db, model, hashes, row[0])
    if any(h not in found for h in hashes):
        return None
    return stack(found, hashes)
