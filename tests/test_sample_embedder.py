"""The sample database names the embedder it was built with, so `serve` embeds queries with the same model."""

from __future__ import annotations

import json

import numpy as np

from nlp.embed import HashingEmbedder
from store.db import open_db
from store.queries import runs as run_queries
from web.sample import build_sample


class OtherModel:
    """A second embedder under another loader name (vectors: hashing's, widened), so no model loads."""

    loader_name = "minilm"
    name = "other-model@test"
    dim = 384

    def __init__(self) -> None:
        self.inner = HashingEmbedder()

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        v = self.inner.encode(texts)
        return np.hstack([v, np.zeros((len(texts), self.dim - v.shape[1]), dtype=np.float32)])


def test_sample_run_names_its_embedder(tmp_path):
    db = open_db(tmp_path / "s.db")
    build_sample(db, 12, embedder=OtherModel())
    run = run_queries.current_run(db)
    assert run["embedder"] == "other-model@test"
    assert json.loads(run["params"])["embedder"] == "minilm"  # what serve loads for queries
    dims = {r[0] for r in db.execute("SELECT DISTINCT dim FROM embeddings")}
    assert dims == {384}


def test_hashing_sample_still_says_hashing(tmp_path):
    db = open_db(tmp_path / "h.db")
    build_sample(db, 12, embedder=HashingEmbedder())
    assert json.loads(run_queries.current_run(db)["params"])["embedder"] == "hashing"
