"""`fairhearing search` ranks with the same hybrid search (one vector index, one top-k) as the web."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from fairhearing.cli import cli
from nlp.embed import HashingEmbedder
from search.hybrid import hybrid_search, vector_index
from store.db import open_db
from store.queries import search as search_queries
from web.sample import build_sample

QUERY = "payment by results squeezes small charities"


@pytest.fixture(scope="module")
def sample_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "sample.db"
    db = open_db(path)
    build_sample(db, 60, embedder=HashingEmbedder())
    db.close()
    return str(path)


def test_cli_search_prints_the_hybrid_ranking(sample_path):
    r = CliRunner().invoke(cli, ["search", QUERY, "--db", sample_path, "--json", "--limit", "5"])
    assert r.exit_code == 0, r.output
    got = [json.loads(line) for line in r.stdout.splitlines()]
    db = open_db(sample_path)
    index = vector_index(db, HashingEmbedder().name)
    assert index is not None and index.hashes
    filters = search_queries.Filters()
    outcome = hybrid_search(db, QUERY, filters, index=index, embedder=HashingEmbedder)
    assert outcome.semantic > 0 and outcome.keyword > 0
    want = search_queries.points_for_hashes(db, outcome.hashes[:5], filters)
    assert [row["id"] for row in got] == [row["id"] for row in want] and len(got) == 5
    assert "by meaning" in r.stderr


def test_cli_search_refuses_an_unknown_consultation(sample_path):
    r = CliRunner().invoke(cli, ["search", "travel", "--db", sample_path, "--consultation", "nope"])
    assert r.exit_code == 1 and "FH-E305" in r.output


def test_cached_index_is_rebuilt_only_when_vectors_change(sample_path):
    from search.cache import BoundedCache

    db = open_db(sample_path)
    cache = BoundedCache()
    model = HashingEmbedder().name
    first = vector_index(db, model, cache, key=sample_path)
    assert vector_index(db, model, cache, key=sample_path) is first
    assert vector_index(db, "no-such-model", cache, key=sample_path) is None
