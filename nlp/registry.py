"""Stages by name, in the spirit of spaCy's registry: ``register(kind, name)``, ``get``, ``names``.

Kinds and what a registered factory is called with (each returns the stage, see ``nlp.stages``):

- ``embedder``: ``factory(backend=None)`` -> ``Embedder`` (``backend`` matters to ``minilm`` only);
- ``theme_model``: ``factory(embedder=..., seed=..., n_themes=...)`` -> ``ThemeModel``;
- ``tagger``: ``factory(embedder_name=..., embed=..., models_dir=...)`` -> ``Tagger``;
- ``mapper``: ``factory()`` -> ``Mapper`` (a fresh one per framework fitted);
- ``reader``: the format readers of ``ingest.formats`` (their own list, in detection order, is the
  registry: ``get`` returns the reader, ``names`` its format names; readers are not registered here).

The built-in stages (``nlp.builtin_stages``) are registered on the first lookup, without loading
any model or heavy library; a name registered later (a plug-in, a test) joins them. ``analyse
--embedder/--tagger/--mapper`` take their choices from ``names``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

from fairhearing.errors import AnalysisError

KINDS = ("embedder", "theme_model", "tagger", "mapper", "reader")
DEFAULTS = {"embedder": "minilm", "theme_model": "bertopic", "tagger": "default", "mapper": "principle"}
_BUILTINS = "nlp.builtin_stages"

_registry: dict[str, dict[str, Callable[..., Any]]] = {kind: {} for kind in KINDS if kind != "reader"}
_loaded = False

F = TypeVar("F", bound=Callable[..., Any])


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown stage kind {kind!r}; kinds: {', '.join(KINDS)}")
    return kind


def _load_builtins() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        importlib.import_module(_BUILTINS)


def register(kind: str, name: str) -> Callable[[F], F]:
    """Decorator: register ``factory`` as the stage ``name`` of ``kind`` (a later one replaces it)."""
    if _kind(kind) == "reader":
        raise ValueError("readers register themselves in ingest.formats (READER / READERS of a module)")

    def decorate(factory: F) -> F:
        _registry[kind][name.strip().lower()] = factory
        return factory

    return decorate


def unregister(kind: str, name: str) -> None:
    """Remove a registered name (tests that registered their own stage tidy up with it)."""
    _registry[_kind(kind)].pop(name.strip().lower(), None)


def names(kind: str) -> list[str]:
    """Registered names of ``kind``, built-ins first in their documented order."""
    if _kind(kind) == "reader":
        from ingest.formats import readers

        return list(readers())
    _load_builtins()
    return list(_registry[kind])


def get(kind: str, name: str) -> Callable[..., Any]:
    """The factory registered as ``name`` (for readers: the reader); FH-E303 when unknown."""
    if _kind(kind) == "reader":
        from ingest.formats import get_reader

        return get_reader(name)
    _load_builtins()
    found = _registry[kind].get(name.strip().lower())
    if found is None:
        raise AnalysisError(
            "FH-E303", f"unknown {kind.replace('_', ' ')} {name!r}; choose one of: {', '.join(names(kind))}"
        )
    return found


def create(kind: str, name: str, **kwargs: Any) -> Any:
    """``get(kind, name)(**kwargs)``: a new stage."""
    return get(kind, name)(**kwargs)
