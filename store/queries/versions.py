"""Cheap change markers: caches (the vector index, pages) are rebuilt when these move."""

from __future__ import annotations

from store.db import Database


def embeddings_version(db: Database, model: str | None = None) -> tuple[int, int]:
    """Cheap change marker for cached vectors: newest rowid of ``embeddings`` and of ``points``.

    The embedding cache only grows (a rewrite is a delete + insert, so a new rowid), and new
    points get new rowids, so both maxima move whenever the vectors to search change.
    """
    e = db.execute("SELECT MAX(rowid) FROM embeddings").fetchone()[0] or 0
    p = db.execute("SELECT MAX(rowid) FROM points").fetchone()[0] or 0
    return int(e), int(p)


def data_version(db: Database) -> tuple:
    """Cheap marker that changes when responses, the framework, an analysis run or an edit is added."""
    return tuple(
        db.execute(f"SELECT MAX(rowid) FROM {t}").fetchone()[0]
        for t in ("sources", "responses", "principles", "analysis_runs", "themes", "edits")
    )
