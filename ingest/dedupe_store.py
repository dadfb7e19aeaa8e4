"""Recompute duplicate, template and campaign groups over every stored stakeholder response.

Two passes of ``ingest.duplicates.find_duplicates`` (MinHash LSH, not pairwise):
whole responses (exact / near duplicates, form-letter campaigns), then long points, so that
an organisation's template paragraph re-used on two consultation pages links the two responses
even when the rest of each differs. Every member keeps its row; analysis treats a group once.
"""

from __future__ import annotations

import sqlite_utils

from ingest.duplicates import find_duplicates
from store.ingest_store import generation
from store.tx import write_tx

TEMPLATE_MIN_WORDS = 25
KIND_RANK = {"exact": 0, "near": 1, "template": 2, "campaign": 3}


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def recompute_duplicates(db: sqlite_utils.Database) -> int:
    """Rebuild ``duplicate_groups`` and ``responses.duplicate_group``; return the number of groups.

    Groups are computed from a read, then written under the write lock; the stale flag is cleared
    only if no source was written in between (else the next command recomputes again).
    """
    read_generation = generation(db)
    rows = db.execute(
        "SELECT id, source_id, clean_text FROM responses WHERE role = 'stakeholder' ORDER BY id"
    ).fetchall()
    source_of = {rid: sid for rid, sid, _ in rows}
    uf = _UnionFind()
    found: list[tuple[list[int], str]] = []

    def add(members: list[int], k: str) -> None:
        for m in members[1:]:
            uf.union(members[0], m)
        found.append((members, k))

    for g in find_duplicates([(rid, t) for rid, _, t in rows], source_of=source_of):
        add(g.members, g.kind)

    point_rows = db.execute(
        """SELECT p.id, p.response_id, p.clean_text FROM points p JOIN responses r ON r.id = p.response_id
           WHERE r.role = 'stakeholder' ORDER BY p.id"""
    ).fetchall()
    long_points = [(pid, t) for pid, _, t in point_rows if len(t.split()) >= TEMPLATE_MIN_WORDS]
    response_of = {pid: rid for pid, rid, _ in point_rows}
    for g in find_duplicates(long_points):
        responses = sorted({response_of[p] for p in g.members})
        if len(responses) > 1:
            add(responses, "template")

    groups: dict[int, list[int]] = {}
    for rid in source_of:
        if rid in uf.parent:
            groups.setdefault(uf.find(rid), []).append(rid)
    groups = {root: sorted(m) for root, m in groups.items() if len(m) > 1}
    kind: dict[int, str] = {}
    for members, k in found:
        root = uf.find(members[0])
        if KIND_RANK[k] >= KIND_RANK[kind.get(root, "exact")]:
            kind[root] = k
    with write_tx(db):
        if generation(db) == read_generation:
            db.execute("UPDATE store_state SET value = 0 WHERE key = 'duplicates_stale'")
        db.execute("UPDATE responses SET duplicate_group = NULL WHERE duplicate_group IS NOT NULL")
        db.execute("DELETE FROM duplicate_groups")
        for root, members in sorted(groups.items()):
            k = kind.get(root, "near")
            if len(members) >= 10:
                k = "campaign"
            cur = db.execute(
                "INSERT INTO duplicate_groups (kind, size, representative_id) VALUES (?, ?, ?)",
                [k, len(members), members[0]],
            )
            db.conn.executemany(
                "UPDATE responses SET duplicate_group = ? WHERE id = ?", [(cur.lastrowid, m) for m in members]
            )
    return len(groups)


def duplicates_stale(db: sqlite_utils.Database) -> bool:
    """Whether sources were written since duplicate groups were last recomputed (e.g. a killed ingest)."""
    row = db.execute("SELECT value FROM store_state WHERE key = 'duplicates_stale'").fetchone()
    return bool(row and row[0])


def ensure_duplicates(db: sqlite_utils.Database) -> bool:
    """Recompute duplicate groups if an earlier ingest stopped before doing so; True if it did."""
    if not duplicates_stale(db):
        return False
    recompute_duplicates(db)
    return True
