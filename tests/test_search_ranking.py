"""Semantic ranking: ``top_k`` is the head of the full order, and filtered ranking (growing chunks
of the nearest hashes, else the whole filtered table) equals brute force over the filtered hashes."""

from __future__ import annotations

import numpy as np
import pytest

from search.hybrid import semantic_ranking
from search.vector_index import load_index, top_k
from store.db import open_db
from store.queries import search as search_queries
from tests.web_helpers import EMBEDDER, sample_base


def test_top_k_is_the_head_of_the_full_order_when_values_tie():
    rng = np.random.default_rng(7)
    for _ in range(200):
        sims = rng.integers(0, 6, size=int(rng.integers(1, 60))).astype(np.float32) / 5  # many ties
        full = np.lexsort((np.arange(len(sims)), -sims))  # best first, ties: lower index first
        for k in range(1, len(sims) + 2):
            assert top_k(sims, k).tolist() == full[:k].tolist()
    assert top_k(np.zeros(0, dtype=np.float32), 3).tolist() == []


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path, _, _ = sample_base(tmp_path_factory.mktemp("ranking") / "base.db", 120, analyst=False)
    db = open_db(path)
    yield db
    db.close()


FILTERS = [  # (filters, how many of the sample's 194 texts pass)
    (search_queries.Filters(sentiment="negative"), "most"),  # found in the first chunk
    (search_queries.Filters(organisation="Northfield Works"), "few"),  # several chunks, or the whole table
    (search_queries.Filters(language="unknown"), "all"),
    (search_queries.Filters(organisation="No such organisation"), "none"),
]


@pytest.mark.parametrize(("filters", "passing"), FILTERS, ids=[p for _, p in FILTERS])
def test_filtered_ranking_equals_brute_force(db, filters, passing):
    index = load_index(db, EMBEDDER.name)
    allowed = search_queries.filtered_hashes(db, filters)
    share = len(allowed) / len(index.hashes)
    assert {"most": 0.5 < share < 1, "few": 0 < share < 0.2, "all": share == 1, "none": share == 0}[passing]
    queries = EMBEDDER.encode(["payment by results squeezes small charities", "bus fares", "long contracts"])
    for query in queries:
        for k in (1, 3, 10, 40):
            for min_sim in (-1.0, 0.1):
                brute = index.top(query, k, allowed, min_sim)
                for rounds in (0, 1, 5):
                    got = semantic_ranking(db, index, query, filters, k, min_sim, chunk_rounds=rounds)
                    assert got == brute, (k, min_sim, rounds)
