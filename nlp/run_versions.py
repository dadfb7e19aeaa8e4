"""Which models and versions an analysis run used, recorded in its parameters (``analysis_runs.params``).

Plain data: the embedder's name (model and version), the theme model, the tagger (the default one
is named with the fingerprint of its training data and rules, which decides when it is refitted), the
principle mapper, the seed, and the versions of the libraries the stages run on.
"""

from __future__ import annotations

import importlib.metadata

LIBRARIES = (
    "fairhearing",
    "bertopic",
    "umap-learn",
    "hdbscan",
    "scikit-learn",
    "sentence-transformers",
    "onnxruntime",
    "numpy",
)


def _qualname(obj) -> str:
    """``module.Name`` of a class, function or instance."""
    target = obj if callable(obj) and hasattr(obj, "__qualname__") else type(obj)
    return f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', type(obj).__name__)}"


def library_versions() -> dict[str, str | None]:
    """Installed version of each library in ``LIBRARIES`` (None: not installed)."""
    out: dict[str, str | None] = {}
    for dist in LIBRARIES:
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    return out


def stage_versions(analyser) -> dict:
    """The models of an ``nlp.pipeline.Analyser`` as plain data, for the run's parameters."""
    embedder = analyser._embedder()
    names = getattr(analyser, "stage_names", {})
    if analyser.tagger_factory is None and names.get("tagger", "default") == "default":
        from nlp.tags import TRAIN_PATH, _fingerprint

        tagger = f"nlp.tags.default_tagger (training {_fingerprint(TRAIN_PATH)[:12]})"
    elif analyser.tagger_factory is None:
        tagger = f"registry tagger {names['tagger']}"
    else:
        tagger = _qualname(analyser.tagger_factory)
    return {
        "embedder_model": embedder.name,
        "theme_model": _qualname(analyser.theme_modeller)
        if analyser.theme_modeller is not None
        else "nlp.themes.ThemeModeller",
        "tagger": tagger,
        "mapper": _qualname(type(analyser.mapper_factory()))
        if analyser.mapper_factory is not None
        else "nlp.mapping.PrincipleMapper",
        "seed": analyser.seed,
        "libraries": library_versions(),
    }
