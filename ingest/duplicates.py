"""Exact, near-duplicate, cross-source template and campaign groups among responses.

Texts are compared after ``dedup_key``: NFKC, casefolded, every run of non-alphanumerics made
one space. Equal keys are *exact* duplicates. Texts of at least ``MIN_NEAR_WORDS`` words are
also MinHashed over word 3-shingles and banded as ``datasketch.MinHashLSH`` would band them at
``LSH_SLACK`` below the threshold (so that pairs just above it are rarely missed). Each
candidate pair is confirmed by the exact Jaccard similarity of the two shingle sets (>=
``threshold``), so the index only prunes and never decides. Pairs are merged with union-find,
so a chain of small edits ends in one group. Shorter texts only join exact groups.

Bounded work per text (the trade-off). Texts are taken in id order; each meets the earlier
texts sharing one of its LSH bands. A plain LSH query returns *every* such text, so thousands
of short answers near the threshold of one another made the work quadratic. Here:

- a band bucket keeps its first ``BUCKET_CAP`` texts only, so a text meets at most
  bands x ``BUCKET_CAP`` earlier texts;
- texts already in its group are dropped (merging them again changes nothing);
- when more than ``MAX_CHECKS`` remain, those whose MinHash estimate is below the index
  threshold are dropped (at the default threshold 0.8 and 128 permutations a true pair is
  dropped with probability about 1e-8), and the rest are ordered best estimate first, then
  smallest id;
- at most ``MAX_CHECKS`` exact checks are made, skipping texts that joined its group meanwhile.

On ordinary data, a 200-letter campaign included, the groups are those of checking every LSH
candidate (``tests/test_duplicates.py`` compares both). On many near-threshold texts
a pair can be left out when neither text is kept in a bucket the other reaches, or when better
candidates use up the checks: groups then split, never merge wrongly (every pair is still
confirmed exactly). ``bench/bench_duplicates.py`` measures the time and what is left out.

Each connected group gets one kind:

- ``"campaign"``: ``campaign_size`` (10) or more members: a form letter sent at scale;
- ``"template"``: smaller, and its members come from more than one source (``source_of``);
- ``"exact"``: every member has the same key;
- ``"near"``: otherwise.

The representative is the member with the longest text (the most complete copy: others may be
truncated), ties going to the smallest id. Groups come out sorted by their smallest member.

Work is linear in the number of texts (one MinHash and bounded band lookups and checks each;
no all-pairs comparison): figures in ``bench/bench_duplicates.py``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash, MinHashLSH

MIN_NEAR_WORDS = 5
SHINGLE = 3
CAMPAIGN_SIZE = 10
LSH_SLACK = 0.2  # the index looks this far below ``threshold`` so that few true pairs slip
BUCKET_CAP = 16  # texts kept per LSH bucket: later texts are compared with the first ones
MAX_CHECKS = 16  # exact Jaccard checks per text, best MinHash estimate first

_NON_ALNUM = re.compile(r"[\W_]+")


@dataclass
class DuplicateGroup:
    kind: str  # "exact" / "near" / "template" / "campaign"
    members: list[int]  # response ids, sorted
    representative: int


def dedup_key(text: str) -> str:
    """The comparison form of ``text``: casefolded words joined by single spaces."""
    return _NON_ALNUM.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def shingles(words: list[str], k: int = SHINGLE) -> set[str]:
    """Word k-shingles of a word list (the whole list when shorter than k)."""
    if len(words) < k:
        return {" ".join(words)}
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


class UnionFind:
    """Disjoint sets of ints; a set's root is its smallest member."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        root = self.parent.setdefault(x, x)
        while root != self.parent[root]:
            root = self.parent[root]
        while x != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


class _Groups:
    """Groups of positions 0..n-1 as a label array (for vectorised "same group?" tests).

    Merging relabels the smaller group, so each position is relabelled O(log n) times.
    """

    def __init__(self, n: int) -> None:
        self.label = np.arange(n, dtype=np.int64)
        self.members: dict[int, list[int]] = {}  # label -> positions, for groups of two or more

    def merge(self, p: int, q: int) -> None:
        a, b = int(self.label[p]), int(self.label[q])
        if a == b:
            return
        ma, mb = self.members.get(a, [a]), self.members.get(b, [b])
        if len(ma) < len(mb):
            a, b, ma, mb = b, a, mb, ma
        self.label[mb] = a
        ma.extend(mb)
        self.members[a] = ma
        self.members.pop(b, None)


def _band_keys(hashvalues: np.ndarray, bands: int, rows: int) -> list[list[int]]:
    """One 64-bit key per band of ``rows`` MinHash values, per text (row of ``hashvalues``).

    Two texts with equal band values get equal keys; unequal ones collide only by accident
    (about 2**-64), which costs one extra exact check and never a wrong pair.
    """
    hv = hashvalues.astype(np.uint64)
    keys = np.empty((hv.shape[0], bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for band in range(bands):
            key = np.full(hv.shape[0], 0xCBF29CE484222325, dtype=np.uint64)
            for col in range(band * rows, (band + 1) * rows):
                key = (key ^ hv[:, col]) * np.uint64(0x100000001B3)
                key ^= key >> np.uint64(29)
            keys[:, band] = key
    return keys.tolist()


def _near_pairs(
    keys: dict[int, str],
    threshold: float,
    num_perm: int,
    seed: int,
    *,
    bucket_cap: int = BUCKET_CAP,
    max_checks: int = MAX_CHECKS,
) -> list[tuple[int, int]]:
    """Pairs of ids (one per distinct key) whose shingle sets have Jaccard >= threshold.

    Each text, in id order, meets the earlier texts that share an LSH band with it; those whose
    MinHash estimate reaches the index threshold are checked exactly, best estimate first (then
    smallest id), skipping those already in its group, at most ``max_checks`` of them. Then the
    text enters each of its band buckets holding fewer than ``bucket_cap`` texts. The pairs
    found are enough to build the groups, not every similar pair.
    """
    sets = {i: shingles(k.split()) for i, k in keys.items() if len(k.split()) >= MIN_NEAR_WORDS}
    ids = sorted(sets)
    if not ids:
        return []
    hashes = MinHash.bulk(
        ([s.encode("utf-8") for s in sorted(sets[i])] for i in ids), num_perm=num_perm, seed=seed
    )
    signatures = np.stack([h.hashvalues for h in hashes])
    lsh_threshold = max(0.3, threshold - LSH_SLACK)
    params = MinHashLSH(threshold=lsh_threshold, num_perm=num_perm)  # datasketch's banding
    min_equal = lsh_threshold * num_perm
    buckets: list[dict[int, list[int]]] = [{} for _ in range(params.b)]
    groups = _Groups(len(ids))
    pairs: list[tuple[int, int]] = []
    for pos, row in enumerate(_band_keys(signatures, params.b, params.r)):
        met: set[int] = set()
        for table, key in zip(buckets, row, strict=True):
            bucket = table.get(key)
            if bucket is None:
                table[key] = [pos]
                continue
            met.update(bucket)
            if len(bucket) < bucket_cap:
                bucket.append(pos)
        if not met:
            continue
        near = np.fromiter(met, dtype=np.int64, count=len(met))
        near = near[groups.label[near] != groups.label[pos]]  # already in its group: nothing to gain
        if len(near) > max_checks:
            equal = (signatures[near] == signatures[pos]).sum(axis=1)
            keep = equal >= min_equal
            near = near[keep][np.lexsort((near[keep], -equal[keep]))]
        else:
            near.sort()
        i, checks = ids[pos], 0
        joined = {int(groups.label[pos])}  # labels as they were when this text's candidates were met
        for q, lab in zip(near.tolist(), groups.label[near].tolist(), strict=True):
            if lab in joined:
                continue
            if checks == max_checks:
                break
            checks += 1
            b = sets[ids[q]]
            if len(sets[i] & b) >= threshold * len(sets[i] | b):
                pairs.append((ids[q], i))
                joined.add(lab)
                groups.merge(pos, q)
    return pairs


def find_duplicates(
    items: list[tuple[int, str]],
    *,
    threshold: float = 0.8,
    num_perm: int = 128,
    seed: int = 1,
    source_of: dict[int, int] | None = None,
    campaign_size: int = CAMPAIGN_SIZE,
    bucket_cap: int = BUCKET_CAP,
    max_checks: int = MAX_CHECKS,
) -> list[DuplicateGroup]:
    """Group duplicate texts among ``items`` = [(response_id, text), ...] (see module docstring).

    Deterministic for a given ``seed``. Texts with no words are ignored. ``bucket_cap`` and
    ``max_checks`` bound the near-duplicate work per text (see the module docstring).
    """
    texts = dict(items)
    by_key: dict[str, list[int]] = defaultdict(list)
    for rid, text in sorted(items):
        key = dedup_key(text)
        if key:
            by_key[key].append(rid)

    uf = UnionFind()
    for ids in by_key.values():
        for other in ids[1:]:
            uf.union(ids[0], other)
    firsts = {ids[0]: key for key, ids in by_key.items()}
    for a, b in _near_pairs(firsts, threshold, num_perm, seed, bucket_cap=bucket_cap, max_checks=max_checks):
        uf.union(a, b)

    components: dict[int, list[int]] = defaultdict(list)
    for ids in by_key.values():
        for rid in ids:
            components[uf.find(rid)].append(rid)

    groups: list[DuplicateGroup] = []
    for members in components.values():
        if len(members) < 2:
            continue
        members.sort()
        rep = min(members, key=lambda r: (-len(texts[r]), r))
        if len(members) >= campaign_size:
            kind = "campaign"
        elif source_of is not None and len({source_of.get(m) for m in members}) > 1:
            kind = "template"
        elif len({dedup_key(texts[m]) for m in members}) == 1:
            kind = "exact"
        else:
            kind = "near"
        groups.append(DuplicateGroup(kind=kind, members=members, representative=rep))
    groups.sort(key=lambda g: g.members[0])
    return groups
