"""Shared fixtures: cheap databases (in memory or a tmp file) and the bundled corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "corpora" / "dwp-seeds"
POLIS = ROOT / "corpora" / "polis-opendata" / "polis_comments_all.csv"


@pytest.fixture
def mem_db():
    from store.db import open_db

    return open_db(memory=True)


@pytest.fixture
def file_db(tmp_path):
    from store.db import open_db

    db = open_db(tmp_path / "test.db")
    yield db
    db.close()


@pytest.fixture(scope="session")
def seeds_db(tmp_path_factory):
    """A database with the five DWP seeds ingested (shared, read-only by convention)."""
    from ingest.pipeline import ingest_paths
    from store.db import open_db

    db = open_db(tmp_path_factory.mktemp("seeds") / "seeds.db")
    reports = ingest_paths(db, [SEEDS])
    assert all(r.status == "added" for r in reports), [r.error for r in reports]
    return db


@pytest.fixture(scope="session")
def analysed_db(seeds_db, tmp_path_factory):
    """The seeds, analysed with the fast hashing embedder (a copy: ``seeds_db`` stays un-analysed)."""
    from nlp.embed import load_embedder
    from nlp.pipeline import Analyser
    from store.db import open_db

    path = tmp_path_factory.mktemp("analysed") / "analysed.db"
    target = open_db(path)
    seeds_db.conn.backup(target.conn)
    report = Analyser(
        load_embedder("hashing"), models_dir=tmp_path_factory.mktemp("models"), progress=False
    ).run(target)
    target.report = report
    return target


# the web-app tests: a module defines ``app`` (and ``base``: path, sample, ...) and gets these


@pytest.fixture
def client(app):
    """A test client of the module's ``app``."""
    return app.test_client()


@pytest.fixture
def sample(base):
    """The ``web.sample.Sample`` of the module's ``base`` database."""
    return base[1]
