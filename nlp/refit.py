"""Refit only the mapping stage of the current run (the "refit now" button on ``/review``).

The mapper is fitted afresh on the framework and every analyst verdict (``load_framework`` reads
``mapping_feedback``), exactly as ``fairhearing analyse`` fits it, and re-ranks the run's points
from their cached embeddings; themes, tags and summaries stay as they are. The new rankings are
written by ``store.review.write_refit``, which puts every verdict back on top.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from nlp.embedding_cache import embed_texts, stack
from nlp.pipeline import Analyser, _principle_rows
from store.db import Database
from store.review import analysed_point_ids, write_refit
from store.runs import select_points


@dataclass
class RefitReport:
    run_id: int
    points: int
    mapped: int
    off_topic: int
    seconds: float


def refit_mappings(db: Database, run_id: int, embedder, who: str) -> RefitReport:
    """Re-rank and re-decide every analysed point of ``run_id`` with a freshly fitted mapper."""
    t = time.perf_counter()
    analysed = analysed_point_ids(db, run_id)
    points = [p for p in select_points(db)[0] if p.id in analysed]
    vectors = embed_texts(db, embedder, [(p.text_hash, p.text) for p in points])
    embeddings = stack(vectors, [p.text_hash for p in points])
    mapped = Analyser(embedder, progress=False).principles(db, points, embeddings)
    rows = [row for pid, m in mapped.items() for row in _principle_rows(pid, m)]
    off_topic = {pid: bool(m.no_principle) for pid, m in mapped.items()}
    seconds = time.perf_counter() - t
    write_refit(db, run_id, rows, off_topic, who, seconds)
    return RefitReport(
        run_id=run_id,
        points=len(points),
        mapped=sum(1 for m in mapped.values() if m.mapped),
        off_topic=sum(off_topic.values()),
        seconds=round(seconds, 2),
    )
