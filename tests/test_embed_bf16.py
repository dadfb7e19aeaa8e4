"""MiniLM's bfloat16 backend: when auto uses it, that its vectors are checked, and that they are the same."""

from __future__ import annotations

import numpy as np
import pytest

from fairhearing.errors import AnalysisError
from nlp import embed_bf16
from nlp.embed import MiniLMEmbedder

FLAGS = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f {extra}\nbogomips\t: 5200.00\n"


@pytest.mark.parametrize(
    ("extra", "native"), [("amx_bf16 amx_tile", True), ("avx512_bf16", True), ("", False)]
)
def test_native_bf16_reads_the_cpu_flags(tmp_path, monkeypatch, extra, native):
    monkeypatch.delenv("FAIRHEARING_BF16", raising=False)
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(FLAGS.format(extra=extra))
    assert embed_bf16.native_bf16(cpuinfo) is native
    assert embed_bf16.native_bf16(tmp_path / "missing") is False  # not Linux: never assumed


def test_native_bf16_can_be_forced_either_way(tmp_path, monkeypatch):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(FLAGS.format(extra="amx_bf16"))
    monkeypatch.setenv("FAIRHEARING_BF16", "0")
    assert embed_bf16.native_bf16(cpuinfo) is False
    monkeypatch.setenv("FAIRHEARING_BF16", "1")
    assert embed_bf16.native_bf16(tmp_path / "missing") is True


def _texts(n: int) -> list[str]:
    topics = ["pensions", "bus routes", "the library", "disabled access", "childcare", "contracts"]
    return [
        f"Answer {i}: I am worried about {topics[i % len(topics)]} and the cost in year {i}."
        for i in range(n)
    ]


@pytest.mark.slow
def test_auto_uses_bf16_for_bulk_calls_only_and_gives_the_same_vectors(tmp_path, monkeypatch):
    pytest.importorskip("onnxruntime")
    monkeypatch.setenv("FAIRHEARING_BF16", "1")  # checked on any CPU (emulated where not native)
    texts = [*_texts(MiniLMEmbedder.BULK_TEXTS), "ok", "A much longer answer about pensions. " * 80]
    auto = MiniLMEmbedder(backend="auto", models_dir=tmp_path)
    bulk = auto.encode(texts)
    assert auto.backend == "torch-bf16"
    small = auto.encode(texts[:3])
    assert auto.backend == "onnx"  # a query-sized call loads no bulk model and uses the quick one
    reference = MiniLMEmbedder(backend="torch").encode(texts)
    cosines = np.sum(bulk * reference, axis=1)
    assert cosines.min() >= 0.9999 and bulk.dtype == np.float32
    assert not np.array_equal(bulk, reference)  # really another backend
    np.testing.assert_allclose(small, reference[:3], atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(bulk, axis=1), 1.0, rtol=1e-5)


@pytest.mark.slow
def test_bf16_that_fails_its_check_is_skipped_by_auto_and_refused_when_asked_for(tmp_path, monkeypatch):
    pytest.importorskip("onnxruntime")
    monkeypatch.setenv("FAIRHEARING_BF16", "1")
    monkeypatch.setattr(embed_bf16, "MIN_COSINE", 1.01)  # no model can pass
    auto = MiniLMEmbedder(backend="auto", models_dir=tmp_path)
    auto.encode(_texts(MiniLMEmbedder.BULK_TEXTS))
    assert auto.backend == "onnx"
    with pytest.raises(AnalysisError) as err:
        MiniLMEmbedder(backend="torch-bf16").load()
    assert err.value.code == "FH-E301" and "differ from float32" in err.value.message


def test_auto_without_native_bf16_never_loads_torch_for_bulk(monkeypatch):
    monkeypatch.setenv("FAIRHEARING_BF16", "0")
    auto = MiniLMEmbedder(backend="auto")
    assert auto._bulk_model() is None and auto._model is None
    assert MiniLMEmbedder(backend="onnx")._bulk_model() is None  # only auto chooses for itself


def test_onnx_batches_default_to_the_backends_best_size(monkeypatch):
    """Without a batch_size, ONNX runs batches of BATCH["onnx"]; an explicit size wins."""
    monkeypatch.setenv("FAIRHEARING_BF16", "0")
    sizes: list[int] = []

    class FakeOnnx:
        def run(self, batch: list[str]) -> np.ndarray:
            sizes.append(len(batch))
            return np.ones((len(batch), 384), dtype=np.float32) / np.sqrt(384)

    emb = MiniLMEmbedder(backend="onnx")
    emb._loaded, emb._onnx = "onnx", FakeOnnx()
    emb.encode([f"text {i}" for i in range(100)])
    assert sizes == [32, 32, 32, 4]
    sizes.clear()
    emb.encode([f"text {i}" for i in range(100)], batch_size=50)
    assert sizes == [50, 50]
