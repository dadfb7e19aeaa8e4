"""Embed each distinct text once per model: vectors are cached in the ``embeddings`` table.

The key is (text_hash, model name): re-running an analysis, or re-ingesting the same words,
embeds nothing new. The model name carries the model's version, so an upgrade re-embeds.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import sqlite_utils

from nlp.embed import Embedder

_CHUNK = 500  # hashes per SELECT: well under SQLite's bound-parameter limit


def load_vectors(
    db: sqlite_utils.Database, model: str, hashes: Iterable[str], dim: int
) -> dict[str, np.ndarray]:
    """Cached vectors of ``model`` for the given hashes (rows of another width are ignored)."""
    wanted = list(dict.fromkeys(hashes))
    found: dict[str, np.ndarray] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            f"SELECT text_hash, dim, vector FROM embeddings WHERE model = ? AND text_hash IN ({marks})",
            [model, *chunk],
        ).fetchall()
        for text_hash, row_dim, blob in rows:
            if row_dim == dim and len(blob) == 4 * dim:
                found[text_hash] = np.frombuffer(blob, dtype=np.float32).copy()
    return found


def embed_texts(
    db: sqlite_utils.Database,
    embedder: Embedder,
    items: list[tuple[str, str]],
    *,
    progress: bool = False,
) -> dict[str, np.ndarray]:
    """Return ``text_hash -> vector`` for every (text_hash, text) item, embedding only uncached hashes.

    New vectors are stored (float32 bytes) in one transaction. Items sharing a hash are embedded once.
    """
    texts: dict[str, str] = {}
    for text_hash, text in items:
        texts.setdefault(text_hash, text)
    vectors = load_vectors(db, embedder.name, texts, embedder.dim)
    missing = [h for h in texts if h not in vectors]
    if missing:
        encoded = np.asarray(
            embedder.encode([texts[h] for h in missing], progress=progress), dtype=np.float32
        )
        if encoded.shape != (len(missing), embedder.dim):
            raise ValueError(
                f"{embedder.name} returned {encoded.shape}, expected ({len(missing)}, {embedder.dim})"
            )
        rows = [
            {"text_hash": h, "model": embedder.name, "dim": embedder.dim, "vector": vec.tobytes()}
            for h, vec in zip(missing, encoded, strict=True)
        ]
        with db.conn:
            db["embeddings"].insert_all(rows, pk=("text_hash", "model"), replace=True, batch_size=1000)
        vectors.update(zip(missing, encoded, strict=True))
    return {h: vectors[h] for h in texts}


def stack(vectors: dict[str, np.ndarray], hashes: list[str]) -> np.ndarray:
    """Rows of ``vectors`` in the order of ``hashes`` (repeats allowed), as one float32 matrix."""
    if not hashes:
        return np.zeros((0, 0), dtype=np.float32)
    return np.vstack([vectors[h] for h in hashes]).astype(np.float32, copy=False)
