"""The cached vectors of stakeholder points, for the vector index."""

from __future__ import annotations

from collections.abc import Iterator

from store.db import Database


def has_embeddings(db: Database, model: str) -> bool:
    return db.execute("SELECT 1 FROM embeddings WHERE model = ? LIMIT 1", [model]).fetchone() is not None


def point_embeddings(db: Database, model: str) -> Iterator[tuple[str, int, bytes]]:
    """(text_hash, dim, vector) for the embedded points of stakeholder responses, by hash."""
    yield from db.execute(
        """SELECT e.text_hash, e.dim, e.vector FROM embeddings e WHERE e.model = ? AND e.text_hash IN
           (SELECT p.text_hash FROM points p JOIN responses r ON r.id = p.response_id WHERE r.role = 'stakeholder')
           ORDER BY e.text_hash""",
        [model],
    )
