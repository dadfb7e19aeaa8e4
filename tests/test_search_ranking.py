"""Semantic ranking: ``top_k`` is the head of the full order, and filtered ranking (growing chunks
of the nearest hashes, else the whole filtered table) equals brute force over the filtered hashes."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.pipeline import ingest_file
from search.cache import BoundedCache
from search.filter_rows import load_filter_rows
from search.hybrid import (
    cached_filter_rows,
    filter_mask,
    hybrid_search,
    keyword_index,
    semantic_ranking,
)
from search.keyword_index import load_keyword_index
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
    mask = filter_mask(db, index, filters)
    assert {index.hashes[i] for i in np.flatnonzero(mask)} == allowed & set(index.hashes)
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
                assert semantic_ranking(db, index, query, filters, k, min_sim, mask=mask) == brute


@pytest.mark.parametrize(("filters", "passing"), FILTERS, ids=[p for _, p in FILTERS])
def test_hybrid_search_with_a_cache_keeps_the_filter_mask_and_the_same_results(db, filters, passing):
    index = load_index(db, EMBEDDER.name)
    cache = BoundedCache()
    for q in ("payment by results", "bus fares to the jobcentre"):
        plain = hybrid_search(db, q, filters, index=index, embedder=lambda: EMBEDDER, candidates=20)
        kept = hybrid_search(
            db, q, filters, index=index, embedder=lambda: EMBEDDER, candidates=20, cache=cache
        )
        assert kept == plain
    (key,) = cache.keys("filter mask")  # built once, for both queries
    assert key[2:] == (filters.where()[0], tuple(filters.where()[1]))


def _keyword_reference(db, q: str, filters, limit: int) -> list[str]:
    """The keyword ranking as one query over every match (the joins and filters applied to all)."""
    where, params = filters.where()

    def run(expr: str) -> list[str]:
        rows = db.execute(
            f"""SELECT p.text_hash FROM points_fts JOIN points p ON p.rowid = points_fts.rowid
                JOIN responses r ON r.id = p.response_id LEFT JOIN point_analysis pa ON pa.point_id = p.id
                WHERE points_fts MATCH ? AND {where} ORDER BY points_fts.rank, p.rowid LIMIT ?""",
            [expr, *params, limit * 4],
        ).fetchall()
        return list(dict.fromkeys(r[0] for r in rows))[:limit]

    match = search_queries.fts_query(q)
    return run(match) or (run(match.replace('" "', '" OR "')) if " " in match else [])


@pytest.mark.parametrize(("filters", "passing"), FILTERS, ids=[p for _, p in FILTERS])
def test_keyword_ranking_checked_in_chunks_equals_one_query_over_every_match(db, filters, passing):
    for q in ("the", "payment by results", "contracts", "bus fare zebra", "charities council"):
        for limit in (1, 3, 10, 200):
            expected = _keyword_reference(db, q, filters, limit)
            assert search_queries.keyword_search(db, q, filters, limit) == expected, (q, limit)
    unfiltered = search_queries.Filters()
    assert len(search_queries.keyword_search(db, "the", unfiltered, 10)) == 10  # more than one chunk's worth


@pytest.mark.parametrize(("filters", "passing"), FILTERS, ids=[p for _, p in FILTERS])
def test_keyword_ranking_from_the_numpy_index_equals_fts5(db, filters, passing):
    index = load_keyword_index(db)
    for q in ("the", "payment by results", "contracts", "bus fare zebra", "charities council", "café"):
        for limit in (1, 3, 10, 200):
            expected = _keyword_reference(db, q, filters, limit)
            assert search_queries.keyword_search(db, q, filters, limit, index=index) == expected, (q, limit)


@pytest.mark.parametrize(("filters", "passing"), FILTERS, ids=[p for _, p in FILTERS])
def test_keyword_matches_checked_against_the_filters_points_in_memory_equal_fts5(db, filters, passing):
    rows = load_filter_rows(db, filters)
    where, params = filters.where()
    assert (
        len(rows)
        == db.execute(
            f"SELECT COUNT(*) FROM points p JOIN responses r ON r.id = p.response_id "
            f"LEFT JOIN point_analysis pa ON pa.point_id = p.id WHERE {where}",
            params,
        ).fetchone()[0]
    )
    index = load_keyword_index(db)
    for q in ("the", "payment by results", "contracts", "bus fare zebra", "charities council", "café"):
        for limit in (1, 3, 10, 200):
            expected = _keyword_reference(db, q, filters, limit)
            for keywords in (None, index):  # ranked by FTS5 or by the numpy index
                got = search_queries.keyword_search(db, q, filters, limit, index=keywords, rows=rows)
                assert got == expected, (q, limit, keywords)


def test_filter_rows_keep_the_first_passing_points_in_ranked_order():
    from search.filter_rows import FilterRows

    rows = FilterRows(np.array([2, 5, 9], dtype=np.int64), ["b", "e", "i"])
    assert rows.first_hashes([9, 1, 5, 10, 2, 5], 10) == ["i", "e", "b", "e"]  # repeats kept, misses dropped
    assert rows.first_hashes([9, 1, 5, 2], 2) == ["i", "e"]
    assert rows.first_hashes([], 3) == [] and rows.first_hashes([2], 0) == []
    assert FilterRows(np.array([], dtype=np.int64), []).first_hashes([1, 2], 3) == []


def test_filters_points_are_kept_until_the_data_changes(tmp_path):
    path, _, _ = sample_base(tmp_path / "rows.db", 40, analyst=False)
    db = open_db(path)
    cache = BoundedCache()
    filters = search_queries.Filters()
    first = cached_filter_rows(db, filters, cache, "k")
    assert cached_filter_rows(db, filters, cache, "k") is first  # unchanged: kept
    extra = tmp_path / "more.txt"
    extra.write_text("Zebra crossings are needed outside every jobcentre.\n", encoding="utf-8")
    assert ingest_file(db, extra).status == "added"
    second = cached_filter_rows(db, filters, cache, "k")
    assert second is not first and len(second) == len(first) + 1
    index = keyword_index(db, cache, "k")
    expected = _keyword_reference(db, "zebra", filters, 10)
    assert search_queries.keyword_search(db, "zebra", filters, 10, index=index, rows=second) == expected != []
    db.close()


def _fts5_order(db, words: list[str], any_word: bool) -> list[int]:
    expr = (" OR " if any_word else " ").join(f'"{w}"' for w in words)
    return [r[0] for r in db.execute(_FTS5_RANKED, [expr])]


_FTS5_RANKED = "SELECT rowid FROM points_fts WHERE points_fts MATCH ? ORDER BY rank, rowid"


def test_keyword_index_scores_every_query_as_fts5_does(db):
    """Random one- to four-word queries over the sample's own words (common and rare, repeated
    words too): the same rowids in the same order as FTS5's ``ORDER BY rank, rowid``."""
    index = load_keyword_index(db)
    vocab = sorted(
        {w.lower() for (t,) in db.execute("SELECT clean_text FROM points") for w in t.split() if w.isalnum()}
    )
    rng = np.random.default_rng(3)
    for _ in range(150):
        words = [str(w) for w in rng.choice(vocab, size=int(rng.integers(1, 5)))]
        for any_word in (False, True):
            assert index.ranked(db, words, any_word) == _fts5_order(db, words, any_word), (words, any_word)
    assert index.ranked(db, ["zzzunseen"], True) == []
    assert index.ranked(db, ["café"], False) is None  # not plain ASCII: FTS5 answers instead


def test_keyword_index_is_rebuilt_when_the_fts_index_changes(tmp_path):
    path, _, _ = sample_base(tmp_path / "kw.db", 40, analyst=False)
    db = open_db(path)
    cache = BoundedCache()
    first = keyword_index(db, cache, "k")
    assert keyword_index(db, cache, "k") is first  # unchanged: kept
    extra = tmp_path / "more.txt"
    extra.write_text("Zebra crossings are needed outside every jobcentre.\n", encoding="utf-8")
    assert ingest_file(db, extra).status == "added"
    second = keyword_index(db, cache, "k")
    assert second is not first
    assert second.ranked(db, ["zebra"]) == _fts5_order(db, ["zebra"], False) != []
    db.close()
