"""Recompute duplicate, template, campaign and common-answer groups, within each consultation.

Two passes of ``ingest.duplicates.find_duplicates`` (MinHash LSH, not pairwise): whole responses to
one question (exact / near duplicates, form-letter campaigns, common short answers), then long
points and official notices across the consultation's pages, so that an organisation's template
paragraph re-used on two consultation pages links the two responses even when the rest of each
differs. Every member keeps its row and its own analysis (analysis embeds and tags each distinct
point text once per question, and applies the result to every copy); groups are shown and counted.
"""

from __future__ import annotations

from ingest.duplicates import UnionFind, find_duplicates
from store.db import Database
from store.duplicate_groups import duplicates_stale, point_rows, replace_groups, response_rows
from store.ingest_store import generation

TEMPLATE_MIN_WORDS = 25  # a re-used paragraph this long links two responses as a template
NOTICE_MIN_WORDS = 8  # an official notice re-used across pages (the page's name changed in it)
NOTICE_SIMILARITY = 0.6  # word 3-shingle Jaccard for notices: one changed name costs three shingles
CAMPAIGN_SIZE = 10  # copies that make a campaign (or a common answer)
CAMPAIGN_MIN_WORDS = 15  # a campaign shares a text of some length; shorter: a common answer
KIND_RANK = {"exact": 0, "common": 0, "near": 1, "template": 2, "campaign": 3}


def _words(text: str) -> int:
    return len(text.split())


def recompute_duplicates(db: Database) -> int:
    """Rebuild ``duplicate_groups`` and ``responses.duplicate_group``; return the number of groups.

    Scopes: exact / near duplicates, campaigns and common answers are found among the stakeholder
    responses to one question of one consultation; templates (a long paragraph re-used across pages
    or questions, official notices included) among every response of one consultation. Nothing is
    grouped across consultations. A group of ``CAMPAIGN_SIZE`` or more copies is a ``campaign`` when
    the shared text has at least ``CAMPAIGN_MIN_WORDS`` words (a form letter), else ``common`` (a
    common short answer such as "No": counted, not flagged).

    Groups are computed from a read, then written under the write lock; the stale flag is cleared
    only if no source was written in between (else the next command recomputes again).
    """
    read_generation = generation(db)
    rows = response_rows(db)
    source_of = {rid: sid for rid, sid, *_ in rows}
    text_of = {rid: t for rid, _, t, *_ in rows}
    uf = UnionFind()
    found: list[tuple[list[int], str]] = []

    def add(members: list[int], k: str) -> None:
        for m in members[1:]:
            uf.union(members[0], m)
        found.append((members, k))

    per_question: dict[tuple[int, str], list[tuple[int, str]]] = {}
    for rid, _, text, role, cid, question in rows:
        if role == "stakeholder":
            per_question.setdefault((cid, question), []).append((rid, text))
    for _, items in sorted(per_question.items()):
        for g in find_duplicates(items, source_of=source_of):
            add(g.members, g.kind)

    per_consultation: dict[int, list[tuple[int, str]]] = {}
    response_of: dict[int, int] = {}
    for pid, rid, text, cid in point_rows(db):
        response_of[pid] = rid
        if _words(text) >= TEMPLATE_MIN_WORDS:
            per_consultation.setdefault(cid, []).append((pid, text))
    for _, items in sorted(per_consultation.items()):
        for g in find_duplicates(items):
            responses = sorted({response_of[p] for p in g.members})
            if len(responses) > 1:
                add(responses, "template")
    notices: dict[int, list[tuple[int, str]]] = {}
    for rid, _, text, role, cid, _q in rows:  # official notices re-used across pages, page name changed
        if role == "moderator" and _words(text) >= NOTICE_MIN_WORDS:
            notices.setdefault(cid, []).append((rid, text))
    for _, items in sorted(notices.items()):
        for g in find_duplicates(items, threshold=NOTICE_SIMILARITY):
            add(g.members, "template")

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
    chosen = []
    for root, members in sorted(groups.items()):
        representative = min(members, key=lambda r: (-len(text_of[r]), r))
        chosen.append(
            (
                group_kind(kind.get(root, "near"), len(members), _words(text_of[representative])),
                members,
                representative,
            )
        )
    replace_groups(db, chosen, read_generation)
    return len(groups)


def group_kind(kind: str, size: int, words: int) -> str:
    """A big group is a form-letter ``campaign`` only when its text has some length, else ``common``."""
    if kind != "template" and size >= CAMPAIGN_SIZE:
        return "campaign" if words >= CAMPAIGN_MIN_WORDS else "common"
    return kind


def ensure_duplicates(db: Database) -> bool:
    """Recompute duplicate groups if an earlier ingest stopped before doing so; True if it did."""
    if not duplicates_stale(db):
        return False
    recompute_duplicates(db)
    return True
