"""What ``search.keyword_index`` reads of the points' FTS5 index: its totals, document lengths and
one term's postings, and a marker that moves on every write to the index.

Migration ``016_fts_vocab`` adds ``points_fts_instances``, an ``fts5vocab`` table over
``points_fts`` (one row per term occurrence, no storage of its own), so that a read-only
connection can look up a term's postings. Must not import ``store.schema``.
"""

from __future__ import annotations

import numpy as np
import sqlite_utils

Database = sqlite_utils.Database  # as store.db names it (importing store.db here would be circular)

INSTANCES = "points_fts_instances"
_AVERAGES_ID = 1  # FTS5's %_data row holding the row count and the token total per column
_STRUCTURE_ID = 10  # FTS5's %_data row describing its segments: rewritten on every write


def m016_fts_vocab(db: Database) -> None:
    db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {INSTANCES} USING fts5vocab(points_fts, instance)")


def has_instances(db: Database) -> bool:
    return bool(
        db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [INSTANCES]).fetchone()
    )


def fts_version(db: Database) -> tuple[bytes, bytes]:
    """A marker that changes whenever ``points_fts`` is written (its structure and totals records)."""
    rows = dict(
        db.execute(
            "SELECT id, block FROM points_fts_data WHERE id IN (?, ?)", [_AVERAGES_ID, _STRUCTURE_ID]
        ).fetchall()
    )
    return bytes(rows.get(_STRUCTURE_ID) or b""), bytes(rows.get(_AVERAGES_ID) or b"")


def _varints(blob: bytes) -> list[int]:
    """SQLite's variable-length integers (big-endian, 7 bits a byte; a ninth byte carries 8 bits)."""
    out, i = [], 0
    while i < len(blob):
        value = 0
        for n in range(9):
            byte = blob[i]
            i += 1
            if n == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if byte < 0x80:
                break
        out.append(value)
    return out


def fts_totals(db: Database) -> tuple[int, int]:
    """(rows indexed, tokens indexed) of ``points_fts``: the figures FTS5's bm25 averages over."""
    row = db.execute("SELECT block FROM points_fts_data WHERE id = ?", [_AVERAGES_ID]).fetchone()
    values = _varints(bytes(row[0])) if row and row[0] else []
    return (values[0], values[1]) if len(values) >= 2 else (0, 0)


def doc_lengths(db: Database) -> tuple[np.ndarray, np.ndarray]:
    """(rowids, token counts) of every indexed point, from ``points_fts_docsize``."""
    rowids, sizes = [], []
    for rowid, blob in db.execute("SELECT id, sz FROM points_fts_docsize"):
        rowids.append(rowid)
        sizes.append(blob[0] if len(blob) == 1 and blob[0] < 0x80 else _varints(bytes(blob))[0])
    return np.asarray(rowids, dtype=np.int64), np.asarray(sizes, dtype=np.float64)


def term_postings(db: Database, term: str) -> np.ndarray:
    """The rowid of every occurrence of ``term`` (a token as the index holds it), ascending."""
    rows = db.execute(f"SELECT doc FROM {INSTANCES} WHERE term = ?", [term])
    return np.fromiter((r[0] for r in rows), dtype=np.int64)
