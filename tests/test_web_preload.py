"""web.db.preload_search: the query embedder (and the vector index) load before the first search."""

from __future__ import annotations

import sqlite3

import pytest

from store import edits
from store.db import connect, open_db
from store.queries import runs as run_queries
from store.queries import themes as theme_queries
from store.queries import versions
from store.users import create_user
from tests.web_helpers import PASSWORD, sign_in
from web import create_app
from web.db import one_native_thread_per_request, preload_search
from web.warm import theme_warmer


def make_app(tmp_path, source):
    tmp_path.mkdir(parents=True, exist_ok=True)
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
    assert cache.keys("filter rows")  # and the points its keyword matches are checked against
    assert app.jinja_env.cache and any("search.html" in str(k) for k in app.jinja_env.cache)  # compiled
    r = app.test_client().get("/search", query_string={"q": "work programme providers"})
    assert r.status_code == 200
    assert app.extensions["fairhearing_embedders"]["hashing"] is embedder  # not loaded a second time


def test_preload_does_nothing_before_any_analysis(seeds_db, tmp_path):
    app = make_app(tmp_path, seeds_db)
    assert preload_search(app) is None
    assert app.extensions["fairhearing_embedders"] == {}


def _warmed_app(tmp_path, source):
    app = make_app(tmp_path, source)
    preload_search(app).join(timeout=120)
    warmer = theme_warmer(app)
    assert warmer is not None
    warmer.join(timeout=120)
    return app, warmer


def _theme_ids(app) -> list[int]:
    db = connect(app.config["DATABASE"], readonly=True)
    try:
        return [t["id"] for t in theme_queries.themes(db, run_queries.run_id(db))]
    finally:
        db.close()


def _version(app) -> tuple:
    db = connect(app.config["DATABASE"], readonly=True)
    try:
        return versions.data_version(db)
    finally:
        db.close()


def test_preload_warms_every_theme_page_with_the_pages_own_figures(analysed_db, tmp_path):
    app, warmer = _warmed_app(tmp_path / "warm", analysed_db)
    ids = _theme_ids(app)
    assert ids and warmer.version == _version(app)
    cache = app.extensions["fairhearing_cache"]
    path = app.config["DATABASE"]
    assert {k[2] for k in cache.keys("theme")} == set(ids)  # every theme and group of the current run
    assert {k[2] for k in cache.keys("theme total")} == set(ids)
    # a page built from the warmed summaries is the page an unwarmed app computes on the request
    cold = make_app(tmp_path / "cold", analysed_db)
    for tid in ids:
        warmed_html = app.test_client().get(f"/themes/{tid}").get_data(as_text=True)
        assert cache.get(("theme", path, tid), warmer.version, lambda: pytest.fail("built again"))
        assert warmed_html == cold.test_client().get(f"/themes/{tid}").get_data(as_text=True)


def test_warmer_warms_again_when_the_data_changes(analysed_db, tmp_path):
    app, warmer = _warmed_app(tmp_path, analysed_db)
    before = warmer.version
    first, other = _theme_ids(app)[:2]
    db = open_db(app.config["DATABASE"])  # another process's edit (the CLI): no request of this app
    edits.rename_theme(db, first, "Renamed while the app ran", "ana")
    db.close()
    after = _version(app)
    assert after != before
    assert app.test_client().get(f"/themes/{other}").status_code == 200  # sees the new version: kicks
    warmer.join(timeout=120)
    assert warmer.version == after
    cache = app.extensions["fairhearing_cache"]
    key = ("theme", app.config["DATABASE"], first)
    summary = cache.get(key, after, lambda: pytest.fail("not warmed at the new version"))
    assert summary["theme"]["label"] == "Renamed while the app ran"


def test_a_write_request_warms_the_theme_pages_again(analysed_db, tmp_path):
    app, warmer = _warmed_app(tmp_path, analysed_db)
    before = warmer.version
    db = open_db(app.config["DATABASE"])
    create_user(db, "ana", PASSWORD)
    db.close()
    client = app.test_client()
    csrf = sign_in(client)
    first = _theme_ids(app)[0]
    r = client.post(f"/themes/{first}/rename", data={"label": "Renamed on the page", "csrf_token": csrf})
    assert r.status_code == 302
    warmer.join(timeout=120)
    assert warmer.version == _version(app) != before
    cache = app.extensions["fairhearing_cache"]
    summary = cache.get(("theme", app.config["DATABASE"], first), warmer.version, lambda: None)
    assert summary is not None and summary["theme"]["label"] == "Renamed on the page"


def test_one_native_thread_per_request_limits_blas_to_the_calling_thread():
    import numpy as np  # noqa: F401 - loads the BLAS threadpoolctl reports on
    from threadpoolctl import threadpool_info

    limits = one_native_thread_per_request()
    try:
        blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
        assert blas and all(p["num_threads"] == 1 for p in blas)
    finally:
        limits.restore_original_limits()
