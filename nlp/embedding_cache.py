"""Embed each distinct text once per model: vectors are cached in the ``embeddings`` table.

The key is (text_hash, model name): re-running an analysis, or re-ingesting the same words,
embeds nothing new. The model name carries the model's version, so an upgrade re-embeds.
New vectors are committed every ``CHUNK_TEXTS`` texts, so an analysis killed while embedding
resumes where it stopped (also when the vectors come from Ray, ``nlp.ray_path``). The SQL lives in ``store/embeddings.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import numpy as np

from fairhearing import crashpoints
from nlp.embed import Embedder
from store import embeddings as table
from store.db import Database

CHUNK_TEXTS = 512  # texts embedded, then committed, per step

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def load_vectors(db: Database, model: str, hashes: Iterable[str], dim: int) -> dict[str, np.ndarray]:
    """Cached vectors of ``model`` for the given hashes (rows of another width are ignored)."""
    blobs = table.vector_blobs(db, model, hashes, dim)
    return {h: np.frombuffer(b, dtype=np.float32).copy() for h, b in blobs.items()}


def embed_texts(
    db: Database,
    embedder: Embedder,
    items: list[tuple[str, str]],
    *,
    progress: bool = False,
    on_progress: Progress | None = None,
    chunk: int = CHUNK_TEXTS,
) -> dict[str, np.ndarray]:
    """Return ``text_hash -> vector`` for every (text_hash, text) item, embedding only uncached hashes.

    Items sharing a hash are embedded once. Uncached texts go to the embedder longest first in
    steps of ``chunk``; each step's vectors are committed before the next starts. ``progress``
    shows a bar (stage ``embed``, texts done of all distinct texts, texts/s over this call's work);
    ``on_progress(stage, done, total)`` is called after the cache lookup and after every step.
    """
    texts: dict[str, str] = {}
    for text_hash, text in items:
        texts.setdefault(text_hash, text)
    vectors = load_vectors(db, embedder.name, texts, embedder.dim)
    missing = sorted((h for h in texts if h not in vectors), key=lambda h: (-len(texts[h]), h))
    total, done = len(texts), len(vectors)
    if on_progress is not None:
        on_progress("embed", done, total)
    if not missing:
        return {h: vectors[h] for h in texts}
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, initial=done, desc=f"embed ({embedder.name})", unit="text", smoothing=0.1)
    try:
        for step, encoded in _encoded_steps(embedder, missing, texts, max(1, chunk)):
            encoded = np.asarray(encoded, dtype=np.float32)
            if encoded.shape != (len(step), embedder.dim):
                raise ValueError(
                    f"{embedder.name} returned {encoded.shape}, expected ({len(step)}, {embedder.dim})"
                )
            table.save_vectors(
                db,
                embedder.name,
                embedder.dim,
                ((h, v.tobytes()) for h, v in zip(step, encoded, strict=True)),
            )
            crashpoints.reached("analyse:after-embed-batch")
            vectors.update(zip(step, encoded, strict=True))
            done += len(step)
            if bar is not None:
                bar.update(len(step))
            if on_progress is not None:
                on_progress("embed", done, total)
    finally:
        if bar is not None:
            bar.close()
    return {h: vectors[h] for h in texts}


def _encoded_steps(
    embedder: Embedder, missing: list[str], texts: dict[str, str], chunk: int
) -> Iterator[tuple[list[str], np.ndarray]]:
    """(hashes, vectors) steps of about ``chunk`` texts. An embedder with ``encode_stream`` (e.g.
    ``nlp.ray_path.RayEmbedder``) embeds them all in one job and hands back steps as they finish."""
    if hasattr(embedder, "encode_stream"):
        yield from embedder.encode_stream([(h, texts[h]) for h in missing], chunk)
        return
    for start in range(0, len(missing), chunk):
        step = missing[start : start + chunk]
        yield step, embedder.encode([texts[h] for h in step])


def stack(vectors: dict[str, np.ndarray], hashes: list[str]) -> np.ndarray:
    """Rows of ``vectors`` in the order of ``hashes`` (repeats allowed), as one float32 matrix."""
    if not hashes:
        return np.zeros((0, 0), dtype=np.float32)
    return np.vstack([vectors[h] for h in hashes]).astype(np.float32, copy=False)
