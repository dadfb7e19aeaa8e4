"""What each analysis stage must offer: the protocols ``nlp.pipeline.Analyser`` relies on.

A stage is any object with these members (structural typing: no base class to inherit). Stages
take and return plain data (texts, float32 arrays, dataclasses); none touches the database.
Implementations are registered by name in ``nlp.registry`` (built-ins: ``nlp.builtin_stages``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from nlp.mapping import Feedback, MapperFramework
    from nlp.mapping_decision import Mapping
    from nlp.tags import Tag
    from nlp.themes import ThemeResult

Embed = Callable[[list[str]], np.ndarray]  # texts -> L2-normalised float32 rows


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of ``dim`` columns."""

    name: str  # model and version, e.g. "minilm-l6-v2@0.1.0": the key of cached vectors
    dim: int

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray: ...


@runtime_checkable
class ThemeModel(Protocol):
    """Groups texts into themes (and broader groups) from their embeddings."""

    min_docs: int  # below this many texts the model uses its small-corpus path (no UMAP/HDBSCAN)

    def fit(self, texts: list[str], embeddings: np.ndarray) -> ThemeResult: ...


@runtime_checkable
class Tagger(Protocol):
    """Sentiment and point type for each text."""

    def predict(self, texts: Sequence[str], embeddings: np.ndarray | None) -> list[Tag]: ...


@runtime_checkable
class Mapper(Protocol):
    """Ranks a framework's principles for each point and decides which ones it is mapped to."""

    def fit(self, framework: MapperFramework, embed: Embed, feedback: Sequence[Feedback] = ()) -> Mapper: ...

    def decide(
        self, texts: Sequence[str], embeddings: np.ndarray, placeholder: Sequence[bool] | None = None
    ) -> list[Mapping]: ...
