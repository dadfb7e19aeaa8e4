"""web.db.preload_search: the query embedder (and the vector index) load before the first search."""

from __future__ import annotations

import sqlite3

from web import create_app
from web.db import preload_search


def make_app(tmp_path, source):
    path = tmp_path / "t.db"
    target = sqlite3.connect(path)
    source.conn.backup(target)  # WAL content included, unlike a file copy
    target.close()
    return create_app({"DATABASE": str(path), "SECRET_KEY": "k", "INSTANCE_PATH": str(tmp_path / "instance")})


def test_preload_loads_the_runs_embedder_and_search_reuses_it(analysed_db, tmp_path):
    app = make_app(tmp_path, analysed_db)
    thread = preload_search(app)
    assert thread is not None
    thread.join(timeout=120)
    assert not thread.is_alive()
    loaded = app.extensions["fairhearing_embedders"]
    assert set(loaded) == {"hashing"}  # the current run's embedder, by its loader name
    embedder = loaded["hashing"]
    cache = app.extensions["fairhearing_cache"]
    assert any(key[2] == embedder.name for key in cache.keys("vectors"))  # the index is warm
    assert cache.keys("options")  # and the search page's filter choices
    assert app.jinja_env.cache and any("search.html" in str(k) for k in app.jinja_env.cache)  # compiled
    r = app.test_client().get("/search", query_string={"q": "work programme providers"})
    assert r.status_code == 200
    assert app.extensions["fairhearing_embedders"]["hashing"] is embedder  # not loaded a second time


def test_preload_does_nothing_before_any_analysis(seeds_db, tmp_path):
    app = make_app(tmp_path, seeds_db)
    assert preload_search(app) is None
    assert app.extensions["fairhearing_embedders"] == {}
