"""Analysis past one machine, on Ray (optional: ``pip install 'ray[data]==2.60.0'``, the ``ray`` extra).

``fairhearing analyse --ray ADDRESS`` (or ``--ray local``) runs the same ``Analyser`` with two stages
handed to Ray Data; everything else, and every write, stays on the driver and goes through the same
store functions as the single-machine path:

- **Embedding**: the texts not yet in the embedding cache go, longest first, through ``map_batches``
  to an actor pool (each actor loads the embedder once: by default one per node, using that node's
  CPUs). Batches come back as they finish and are committed to the cache one by one, so a killed run
  resumes where it stopped, as on one machine. Fewer than ``LOCAL_BELOW`` uncached texts, and
  the small ad hoc jobs (framework principles, keyword candidates), are embedded on the driver.
- **Themes**: fitted on the driver on the same seeded sample as the single-machine path
  (``ThemeModeller.sample_size``); the other texts are assigned to the fitted themes (nearest
  centroid that they fit, ``nlp.themes.nearest_fitting``) by ``map_batches`` tasks.

Duplicate detection (MinHash) runs at ingest, not in ``analyse``, so it is not on Ray. Importing
this module does not import Ray; ``connect`` does, and without Ray it raises FH-E301 with the install
command. The nodes of a real cluster need Fairhearing installed (same version) to run the actors.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from fairhearing.errors import AnalysisError
from nlp.embed import Embedder

RAY_VERSION = "2.60.0"
INSTALL = f"pip install 'ray[data]=={RAY_VERSION}' (or, from a checkout: pip install -e '.[ray]')"
LOCAL_BELOW = 1024  # fewer uncached texts than this are embedded on the driver: a Ray job costs seconds


def require_ray() -> Any:
    """The ``ray`` module with Ray Data, or FH-E301 saying how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401 - the extra, not just the core
    except ImportError as e:
        raise AnalysisError(
            "FH-E301", f"--ray needs Ray Data, which is not installed; install with: {INSTALL}"
        ) from e
    return ray


def connect(address: str, *, num_cpus: int | None = None) -> Any:
    """Join the Ray cluster at ``address``, or start a local one for ``"local"`` (``num_cpus``: its size).

    A local cluster's workers import this checkout (its folder is put on their ``PYTHONPATH``)."""
    ray = require_ray()
    if ray.is_initialized():
        return ray
    if address == "local":
        root = str(Path(__file__).resolve().parents[1])
        path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
        ray.init(
            num_cpus=num_cpus,
            include_dashboard=False,
            log_to_driver=False,
            runtime_env={
                "env_vars": {"PYTHONPATH": path, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
            },
        )
    else:
        ray.init(address=address, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    return ray


def _node_cpus(ray: Any) -> list[int]:
    """CPUs of each alive node of the cluster."""
    return [int(n["Resources"].get("CPU", 0)) for n in ray.nodes() if n.get("Alive")] or [1]


class _EmbedActor:
    """A Ray Data actor: loads the embedder once, then embeds batches of (key, text) rows."""

    def __init__(self, loader_name: str) -> None:
        from nlp.embed import load_embedder

        self.embedder = load_embedder(loader_name)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = self.embedder.encode([str(t) for t in batch["text"]])
        return {"key": batch["key"], "vector": np.asarray(vectors, dtype=np.float32)}


class RayEmbedder:
    """An ``Embedder`` whose large jobs run on Ray Data actors. Same ``name`` and ``dim`` as the
    embedder it wraps, so the embedding cache (and check-my-point, search) see the same model."""

    def __init__(
        self,
        embedder: Embedder,
        *,
        actors: int | None = None,
        cpus_per_actor: int | None = None,
        min_ray: int = LOCAL_BELOW,
    ):
        self.base = embedder
        self.name = embedder.name
        self.dim = embedder.dim
        self.loader_name = getattr(embedder, "loader_name", embedder.name)
        self.actors = actors
        self.cpus_per_actor = cpus_per_actor
        self.min_ray = min_ray

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Small ad hoc jobs (framework principles, keyword candidates, tagger examples): on the driver."""
        return self.base.encode([str(t) for t in texts])

    def encode_stream(
        self, items: list[tuple[str, str]], chunk: int
    ) -> Iterator[tuple[list[str], np.ndarray]]:
        """(keys, vectors) for every (key, text) item, in steps of about ``chunk`` texts as they finish:
        on the Ray actors from ``min_ray`` texts up, else on the driver."""
        if len(items) < self.min_ray:
            for start in range(0, len(items), chunk):
                step = items[start : start + chunk]
                yield [k for k, _ in step], self.base.encode([t for _, t in step])
            return
        import ray

        nodes = _node_cpus(ray)
        cpus = self.cpus_per_actor or max(1, min(nodes) - 1)  # one CPU left for Ray Data's own tasks
        actors = self.actors or len(nodes)
        batch = max(1, min(chunk, -(-len(items) // actors)))
        ds = ray.data.from_items(
            [{"key": k, "text": t} for k, t in items], override_num_blocks=max(1, len(items) // batch)
        )
        ds = ds.map_batches(
            _EmbedActor,
            fn_constructor_args=(self.loader_name,),
            batch_size=batch,
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=actors),
            num_cpus=cpus,
        )
        for out in ds.iter_batches(batch_size=chunk, batch_format="numpy"):
            yield [str(k) for k in out["key"]], np.asarray(out["vector"], dtype=np.float32)


def _assign_batch(batch: dict[str, np.ndarray], vectors: Any, centroids: np.ndarray, floor: Any) -> dict:
    import ray

    from nlp.themes import nearest_fitting

    rows = np.asarray(batch["id"], dtype=np.int64)
    matrix = ray.get(vectors) if isinstance(vectors, ray.ObjectRef) else vectors
    return {"id": rows, "topic": nearest_fitting(matrix[rows], centroids, floor)}


def assign_on_ray(embeddings: np.ndarray, centroids: np.ndarray, floor: np.ndarray | None) -> np.ndarray:
    """``nlp.themes.nearest_fitting`` over the rows of ``embeddings``, in ``map_batches`` tasks (the
    matrix is put in the object store once; each task reads its rows)."""
    import ray

    n = len(embeddings)
    if n == 0:
        return np.zeros(0, dtype=int)
    ref = ray.put(np.ascontiguousarray(embeddings, dtype=np.float32))
    blocks = max(1, min(sum(_node_cpus(ray)), -(-n // 4096)))
    ds = ray.data.range(n, override_num_blocks=blocks).map_batches(
        _assign_batch,
        fn_kwargs={"vectors": ref, "centroids": centroids, "floor": floor},
        batch_format="numpy",
    )
    topics = np.full(n, -1, dtype=int)
    for out in ds.iter_batches(batch_size=None, batch_format="numpy"):
        topics[np.asarray(out["id"], dtype=np.int64)] = out["topic"]
    return topics
