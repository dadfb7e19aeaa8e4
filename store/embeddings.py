"""The ``embeddings`` table: cached vectors keyed by (text_hash, model), float32 bytes.

Readers get raw bytes (``nlp.embedding_cache`` turns them into arrays); writers commit in their own
``BEGIN IMMEDIATE`` transaction per call, so a long embedding job keeps what it has stored if killed.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlite_utils

from store.tx import write_tx

CHUNK = 500  # hashes per SELECT: well under SQLite's bound-parameter limit


def vector_blobs(db: sqlite_utils.Database, model: str, hashes: Iterable[str], dim: int) -> dict[str, bytes]:
    """``text_hash -> float32 bytes`` of ``model`` for the given hashes (rows of another width are skipped)."""
    wanted = list(dict.fromkeys(hashes))
    found: dict[str, bytes] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            f"SELECT text_hash, dim, vector FROM embeddings WHERE model = ? AND text_hash IN ({marks})",
            [model, *chunk],
        ).fetchall()
        for text_hash, row_dim, blob in rows:
            if row_dim == dim and len(blob) == 4 * dim:
                found[text_hash] = blob
    return found


def model_dim(db: sqlite_utils.Database, model: str) -> int | None:
    """Width of ``model``'s cached vectors, or ``None`` if it has none."""
    row = db.execute("SELECT dim FROM embeddings WHERE model = ? LIMIT 1", [model]).fetchone()
    return None if row is None else int(row[0])


def save_vectors(db: sqlite_utils.Database, model: str, dim: int, rows: Iterable[tuple[str, bytes]]) -> int:
    """Store (text_hash, float32 bytes) rows of ``model`` in one committed transaction; returns the count."""
    params = [(text_hash, model, dim, blob) for text_hash, blob in rows]
    with write_tx(db):
        db.conn.executemany(
            "INSERT OR REPLACE INTO embeddings (text_hash, model, dim, vector) VALUES (?, ?, ?, ?)", params
        )
    return len(params)


def count_vectors(db: sqlite_utils.Database, model: str) -> int:
    """How many vectors of ``model`` are cached."""
    return int(db.execute("SELECT COUNT(*) FROM embeddings WHERE model = ?", [model]).fetchone()[0])
