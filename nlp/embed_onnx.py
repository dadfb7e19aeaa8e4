"""ONNX Runtime fp32 backend for the packaged MiniLM: the same vectors as torch, about twice as fast on CPU.

The ONNX file is exported locally, once per installation, from the packaged model folder (torch +
``onnx``; nothing is downloaded) into ``<models dir>/embedders/<model name>-onnx-fp32/model.onnx``.
Right after export the two backends embed a fixed set of sentences; the export is kept only if every
cosine is at least ``MIN_COSINE``, else a ``rejected.json`` beside it records why and torch is used.
Later processes need only onnxruntime and tokenizers (no torch import).

``ensure_int8`` derives an int8 copy from the verified fp32 file (dynamic quantisation of the MatMul
weights, per output channel; activations quantised per batch at run time), kept only if its vectors
stay within ``INT8_MIN_COSINE`` (mean) and ``INT8_FLOOR`` (every sentence) of fp32. Its vectors are
*not* the fp32 ones, so it is a separate embedder (``minilm-int8``) with its own cache key.

Pooling copies the sentence-transformers model: mean of the token vectors under the attention mask,
then L2 normalisation. Tokenisation uses the folder's ``tokenizer.json`` truncated to the model's
``max_seq_length``; batches are padded to their longest text.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

MIN_COSINE = 0.9999
INT8_MIN_COSINE = 0.98  # mean cosine to fp32 on CHECK_SENTENCES an int8 copy must keep
INT8_FLOOR = 0.95  # and on every one of them
CHECK_SENTENCES = [
    "The consultation should extend the deadline for small businesses.",
    "I strongly disagree with closing the local library on Sundays!",
    "Bus fares are too high for students and pensioners, and routes were cut in 2023.",
    "ok",
    "Please consider the impact on disabled people who rely on the service, "
    "especially in rural areas where there is no alternative and travel takes hours. " * 12,
]


class OnnxUnavailable(RuntimeError):
    """The ONNX backend cannot run here (a package is missing, export failed or was rejected)."""


def onnx_runtime_available() -> bool:
    """True if onnxruntime and tokenizers import."""
    try:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError:
        return False
    return True


class OnnxSentenceModel:
    """A BERT-style sentence-transformers folder run through ONNX Runtime (mean pooling, normalised)."""

    def __init__(self, model_dir: Path, onnx_path: Path, *, threads: int, max_length: int = 256) -> None:
        if not onnx_runtime_available():
            raise OnnxUnavailable("onnxruntime and tokenizers are needed for the onnx backend")
        import onnxruntime
        import tokenizers

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(onnx_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.inputs = {i.name for i in self.session.get_inputs()}
        tokenizer = tokenizers.Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=max_length)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.tokenizer = tokenizer

    def run(self, batch: list[str]) -> np.ndarray:
        """Normalised float32 sentence vectors for one batch."""
        encoded = self.tokenizer.encode_batch(batch)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self.inputs})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def max_seq_length(model_dir: Path, default: int = 256) -> int:
    """``max_seq_length`` from the folder's sentence_bert_config.json."""
    try:
        return int(json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, KeyError, ValueError):
        return default


def export_onnx(model_dir: Path, target: Path) -> None:
    """Export the folder's transformer to ``target`` (fp32, dynamic batch and length), atomically."""
    try:
        import onnx  # noqa: F401 - torch's exporter needs it
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise OnnxUnavailable(f"exporting to ONNX needs torch, transformers and onnx ({exc})") from exc

    class _Hidden(torch.nn.Module):
        def __init__(self, base: Any) -> None:
            super().__init__()
            self.base = base

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.base(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    model = _Hidden(AutoModel.from_pretrained(str(model_dir)).eval())
    names = ["input_ids", "attention_mask", "token_type_ids"]
    dummy = tuple(torch.ones((2, 8), dtype=torch.long) for _ in names)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".onnx.part", dir=target.parent)
    os.close(fd)
    try:
        import warnings

        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model,
                dummy,
                tmp,
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
                opset_version=17,
                dynamo=False,
            )
        os.replace(tmp, target)
    except Exception as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OnnxUnavailable(f"ONNX export failed: {exc}") from exc


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    """Smallest row-wise cosine between two sets of normalised vectors."""
    return float(np.min(np.sum(a * b, axis=1))) if len(a) else 1.0


def ensure_onnx(model_dir: Path, folder: Path, torch_encode: Any, *, threads: int) -> Path:
    """The verified ONNX export in ``folder``, exporting and checking it on first use.

    ``torch_encode(texts)`` gives the reference vectors for the check. Raises ``OnnxUnavailable``
    if the export cannot be made or was rejected (the reason is kept in ``rejected.json``).
    """
    target = _checked_before(folder, "the ONNX export")
    if target.exists():
        return target
    export_onnx(model_dir, target)
    model = OnnxSentenceModel(model_dir, target, threads=threads, max_length=max_seq_length(model_dir))
    cosine = agreement(model.run(CHECK_SENTENCES), np.asarray(torch_encode(CHECK_SENTENCES)))
    record = {"min_cosine": cosine, "threshold": MIN_COSINE, "sentences": len(CHECK_SENTENCES)}
    why = f"ONNX vectors differ from torch (min cosine {cosine:.6f} < {MIN_COSINE})"
    return _keep_or_reject(folder, record, None if cosine >= MIN_COSINE else why)


def _checked_before(folder: Path, what: str) -> Path:
    """``folder/model.onnx``; it exists only if an earlier check kept it. Raises ``OnnxUnavailable``
    if an earlier check rejected it (the reason is in ``rejected.json``)."""
    target, rejected = folder / "model.onnx", folder / "rejected.json"
    if rejected.exists():
        raise OnnxUnavailable(f"{what} was rejected earlier: {rejected.read_text()}")
    if target.exists() and not (folder / "verified.json").exists():
        target.unlink()  # made but never checked (a process stopped in between): make it again
    return target


def _keep_or_reject(folder: Path, record: dict, why_not: str | None) -> Path:
    """Record the check beside ``folder/model.onnx``: kept (``verified.json``) when ``why_not`` is
    None, else removed, ``rejected.json`` written and ``OnnxUnavailable(why_not)`` raised."""
    target = folder / "model.onnx"
    if why_not is not None:
        (folder / "rejected.json").write_text(json.dumps(record))
        target.unlink(missing_ok=True)
        raise OnnxUnavailable(why_not)
    (folder / "verified.json").write_text(json.dumps(record))
    return target


def quantise_int8(source: Path, target: Path) -> None:
    """Write an int8 copy of the fp32 ONNX file ``source`` to ``target`` (atomically): MatMul weights
    quantised per output channel, activations per batch at run time (ONNX Runtime's dynamic
    quantisation; needs the ``onnx`` package, at quantisation time only)."""
    try:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from onnxruntime.quantization.shape_inference import quant_pre_process
    except ImportError as exc:
        raise OnnxUnavailable(f"int8 quantisation needs onnx and onnxruntime ({exc})") from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".onnx.part", dir=target.parent)
    os.close(fd)
    prepared = Path(tmp).with_suffix(".prep.onnx")
    try:
        quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)  # the step ORT asks for
        quantize_dynamic(
            str(prepared),
            tmp,
            per_channel=True,
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul"],
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        os.replace(tmp, target)
    except Exception as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OnnxUnavailable(f"int8 quantisation failed: {exc}") from exc
    finally:
        prepared.unlink(missing_ok=True)


def ensure_int8(model_dir: Path, fp32: Path, folder: Path, *, threads: int) -> Path:
    """The verified int8 copy of ``fp32`` in ``folder``, made and checked against fp32 on first use.

    Raises ``OnnxUnavailable`` if it cannot be made or was rejected (reason kept in ``rejected.json``).
    """
    target = _checked_before(folder, "the int8 copy")
    if target.exists():
        return target
    quantise_int8(fp32, target)
    length = max_seq_length(model_dir)
    reference = OnnxSentenceModel(model_dir, fp32, threads=threads, max_length=length).run(CHECK_SENTENCES)
    cosines = np.sum(
        OnnxSentenceModel(model_dir, target, threads=threads, max_length=length).run(CHECK_SENTENCES)
        * reference,
        axis=1,
    )
    record = {
        "mean_cosine": float(cosines.mean()),
        "min_cosine": float(cosines.min()),
        "thresholds": {"mean": INT8_MIN_COSINE, "min": INT8_FLOOR},
        "sentences": len(CHECK_SENTENCES),
    }
    too_far = cosines.mean() < INT8_MIN_COSINE or cosines.min() < INT8_FLOOR
    return _keep_or_reject(
        folder, record, f"int8 vectors are too far from fp32: {record}" if too_far else None
    )
