"""Extractive, grounded summaries: nothing is written that is not in the responses.

The summary of a set of points (a theme, a principle, a framework component) is its most
representative points: central to the set (cosine to its centroid) yet unlike each other
(maximal marginal relevance), one per response, each linked to the response it quotes. They are
chosen once per analysis run, from the vectors already in memory, and stored in
``summary_quotes``; the web pages, the report and check-my-point all read the same quotes.
Counts, organisations and sentiment splits are plain aggregates the readers compute in SQL.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

QUOTES_PER_SET = 5
MIN_WORDS = 6  # shorter points rarely stand alone as quotes
DIVERSITY = 0.3


def mmr(vectors: np.ndarray, k: int, diversity: float = DIVERSITY) -> list[tuple[int, float]]:
    """Indices of ``k`` rows central to ``vectors`` yet unlike each other, with their centrality."""
    if len(vectors) == 0 or k <= 0:
        return []
    centroid = vectors.mean(axis=0)
    norm = float(np.linalg.norm(centroid))
    centrality = vectors @ (centroid / norm) if norm > 0 else np.zeros(len(vectors), dtype=np.float32)
    chosen: list[int] = []
    redundancy = np.full(len(vectors), -np.inf, dtype=np.float32)
    available = np.ones(len(vectors), dtype=bool)
    while len(chosen) < min(k, len(vectors)):
        penalty = np.where(np.isfinite(redundancy), redundancy, 0.0)
        scores = np.where(available, (1 - diversity) * centrality - diversity * penalty, -np.inf)
        best = int(np.argmax(scores))
        chosen.append(best)
        available[best] = False
        redundancy = np.maximum(redundancy, vectors @ vectors[best])
    return [(i, float(centrality[i])) for i in chosen]


def representative(
    members: Sequence[int],
    embeddings: np.ndarray,
    texts: Sequence[str],
    response_ids: Sequence[int],
    k: int = QUOTES_PER_SET,
) -> list[tuple[int, float]]:
    """Up to ``k`` representative members (indices into the arrays), one per response and text."""
    long_enough = [i for i in members if len(texts[i].split()) >= MIN_WORDS] or list(members)
    seen_text: set[str] = set()
    candidates = []
    for i in long_enough:
        if texts[i] not in seen_text:
            seen_text.add(texts[i])
            candidates.append(i)
    picked: list[tuple[int, float]] = []
    seen_response: set[int] = set()
    for j, score in mmr(embeddings[candidates], min(len(candidates), k * 3)):
        i = candidates[j]
        if response_ids[i] in seen_response:
            continue
        seen_response.add(response_ids[i])
        picked.append((i, score))
        if len(picked) == k:
            break
    return picked


def summary_quote_rows(
    run_id: int,
    sets: dict[tuple[str, int], list[int]],
    point_ids: Sequence[int],
    embeddings: np.ndarray,
    texts: Sequence[str],
    response_ids: Sequence[int],
) -> list[tuple[int, str, int, int, int, float]]:
    """The quotes of every (kind, target id) set, as rows of ``summary_quotes``:
    (run id, kind, target id, rank, point id, centrality)."""
    rows = []
    for (kind, target), members in sorted(sets.items()):
        for rank, (i, score) in enumerate(representative(members, embeddings, texts, response_ids)):
            rows.append((run_id, kind, target, rank, point_ids[i], round(score, 4)))
    return rows
