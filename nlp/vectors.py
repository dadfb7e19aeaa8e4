"""Reading cached point embeddings back from the ``embeddings`` table."""

from __future__ import annotations

import numpy as np
import sqlite_utils


def load_vectors(db: sqlite_utils.Database, hashes: list[str], model: str) -> np.ndarray | None:
    """Vectors for ``hashes`` in order (float32 rows); ``None`` if any is missing."""
    found: dict[str, np.ndarray] = {}
    unique = list(dict.fromkeys(hashes))
    for i in range(0, len(unique), 900):
        chunk = unique[i : i + 900]
        sql = f"SELECT text_hash, vector FROM embeddings WHERE model = ? AND text_hash IN ({','.join('?' * len(chunk))})"
        for h, blob in db.execute(sql, [model, *chunk]):
            found[h] = np.frombuffer(blob, dtype=np.float32)
    if len(found) < len(unique):
        return None
    if not hashes:
        return np.zeros((0, 0), dtype=np.float32)
    return np.vstack([found[h] for h in hashes])


def latest_model(db: sqlite_utils.Database) -> str | None:
    """The embedder name of the latest finished analysis run."""
    row = db.execute(
        "SELECT embedder FROM analysis_runs WHERE status = 'done' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return row[0] if row else None
