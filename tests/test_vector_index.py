"""The one top-k (``nlp.vector_index``) that search and check share, and the app's bounded cache."""

from __future__ import annotations

import threading

import numpy as np

from search import vector_index
from search.cache import BoundedCache
from search.vector_index import VectorIndex, top_k


def _index(n: int = 200, dim: int = 16, seed: int = 3) -> VectorIndex:
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(n, dim)).astype(np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    return VectorIndex([f"h{i:03d}" for i in range(n)], m)


def test_top_k_is_a_full_sort_prefix_with_ties_by_row():
    sims = np.array([0.5, 0.9, 0.5, 0.1, 0.9, 0.5], dtype=np.float32)
    assert top_k(sims, 4).tolist() == [1, 4, 0, 2]
    assert top_k(sims, 99).tolist() == [1, 4, 0, 2, 5, 3]
    assert top_k(sims, 0).tolist() == [] and top_k(np.zeros(0), 3).tolist() == []


def test_top_scored_equals_brute_force_with_and_without_allowed():
    index = _index()
    q = index.matrix[7] * 0.6 + index.matrix[9] * 0.4
    q /= np.linalg.norm(q)
    sims = index.matrix @ q
    order = sorted(range(len(sims)), key=lambda i: (-sims[i], i))
    got = index.top_scored(q, 10)
    assert [h for h, _ in got] == [index.hashes[i] for i in order[:10]]
    assert np.allclose([s for _, s in got], sims[order[:10]])
    allowed = {index.hashes[i] for i in range(0, 200, 3)} | {"missing"}
    want = [index.hashes[i] for i in order if index.hashes[i] in allowed][:5]
    assert index.top(q, 5, allowed) == want
    assert all(s >= 0.2 for _, s in index.top_scored(q, 200, None, min_sim=0.2))
    assert index.vector("h007") is not None and index.vector("nope") is None


def test_empty_index():
    empty = VectorIndex([], np.zeros((0, 0), dtype=np.float32))
    assert empty.dim == 0 and empty.top_scored(np.ones(4, dtype=np.float32), 3) == []


def test_cache_rebuilds_on_a_new_version_only():
    cache, builds = BoundedCache(), []
    for version in (1, 1, 2, 2):
        cache.get(("vectors", "db", "m"), version, lambda v=version: builds.append(v) or v)
    assert builds == [1, 2] and len(cache) == 1


def test_cache_bounds_each_kind_on_its_own():
    cache = BoundedCache({"vectors": 1}, default=3)
    cache.get(("vectors", "a"), 0, lambda: "A")
    for n in range(10):
        cache.get(("theme", n), 0, lambda n=n: n)
    assert len(cache) == 1 + 3  # ten theme pages never evicted the vector index
    assert cache.get(("vectors", "a"), 0, lambda: "rebuilt") == "A"
    cache.get(("vectors", "b"), 0, lambda: "B")
    assert cache.get(("vectors", "a"), 0, lambda: "rebuilt") == "rebuilt"
    cache.get(("theme", 8), 0, lambda: "again")  # touched: now the most recent theme
    cache.get(("theme", 99), 0, lambda: 99)
    assert cache.get(("theme", 8), 0, lambda: "lost") == 8


def test_cache_builds_one_key_once_under_concurrency():
    cache, builds = BoundedCache(), []
    gate = threading.Barrier(8)

    def build():
        builds.append(1)
        return "v"

    def worker():
        gate.wait()
        assert cache.get(("vectors", "x"), 0, build) == "v"

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1


def test_pruned_top_k_equals_brute_force(monkeypatch):
    """On a large index the exact top k is found by bounds over the leading axes: the same rows, in
    the same order (ties by row), as scoring every row, with and without a mask and a floor."""
    monkeypatch.setattr(vector_index, "PRUNE_MIN_ROWS", 100)
    rng = np.random.default_rng(11)
    topics = rng.normal(size=(12, 96))
    m = topics[rng.integers(0, 12, 3000)] + 0.6 * rng.normal(size=(3000, 96))  # clustered, like text
    m[2000:2010] = m[1000]  # exact duplicates: ties
    m = (m / np.linalg.norm(m, axis=1, keepdims=True)).astype(np.float32)
    index = VectorIndex([f"h{i}" for i in range(len(m))], m)
    assert index.pruner() is not None
    queries = [
        m[1000],
        m[5],
        *(m[rng.integers(0, 3000, 20)] + 0.3 * rng.normal(size=(20, 96)).astype(np.float32)),
    ]
    for q in queries:
        q = (q / np.linalg.norm(q)).astype(np.float32)
        full = m @ q
        for k in (1, 5, 11, 200):
            for min_sim in (-1.0, 0.2, 0.6):
                for mask in (None, rng.random(3000) < 0.2):
                    sims = full if mask is None else np.where(mask, full, -np.inf)
                    want = top_k(sims, k)
                    want = want[sims[want] >= min_sim]
                    rows, got_sims = index.best(q, k, mask, min_sim)
                    assert rows.tolist() == want.tolist(), (k, min_sim, mask is None)
                    assert np.allclose(got_sims, full[want])


def test_small_index_is_not_pruned():
    assert _index().pruner() is None
