"""Extractive, grounded summaries: nothing is written that is not in the responses.

A summary of a set of points (a theme, a principle, a framework component) is its most
representative points — central to the set (cosine to the centroid) and diverse (maximal
marginal relevance) — plus who raised it, how many responses, and the sentiment split. Every
quote carries the id of the response it comes from.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import sqlite_utils

from nlp.vectors import load_vectors


@dataclass
class Quote:
    point_id: int
    response_id: int
    text: str
    organisation: str | None
    author: str | None
    source: str
    score: float


@dataclass
class Summary:
    n_points: int
    n_responses: int  # distinct responses, a duplicate group counted once
    n_represented: int  # responses including every member of duplicate groups
    organisations: list[tuple[str, int]]
    sentiment: dict[str, int]
    types: dict[str, int]
    quotes: list[Quote] = field(default_factory=list)


POINTS_SQL = """
SELECT p.id, p.response_id, p.clean_text, p.text_hash, r.organisation, r.author, s.name,
       pa.sentiment, pa.type, r.duplicate_group, COALESCE(g.size, 1)
FROM points p JOIN responses r ON r.id = p.response_id JOIN sources s ON s.id = p.source_id
LEFT JOIN point_analysis pa ON pa.point_id = p.id
LEFT JOIN duplicate_groups g ON g.id = r.duplicate_group
WHERE p.id IN ({ids})
ORDER BY p.id
"""


def mmr(vectors: np.ndarray, k: int, diversity: float = 0.3) -> list[tuple[int, float]]:
    """Indices of ``k`` rows central to ``vectors`` yet unlike each other, with their centrality."""
    if len(vectors) == 0:
        return []
    centroid = vectors.mean(axis=0)
    norm = np.linalg.norm(centroid)
    centrality = vectors @ (centroid / norm) if norm > 0 else np.zeros(len(vectors))
    chosen: list[int] = []
    candidates = list(range(len(vectors)))
    while candidates and len(chosen) < k:
        if chosen:
            redundancy = (vectors[candidates] @ vectors[chosen].T).max(axis=1)
        else:
            redundancy = np.zeros(len(candidates))
        scores = (1 - diversity) * centrality[candidates] - diversity * redundancy
        best = candidates[int(np.argmax(scores))]
        chosen.append(best)
        candidates.remove(best)
    return [(i, float(centrality[i])) for i in chosen]


def summarise_points(
    db: sqlite_utils.Database, point_ids: list[int], model: str | None, *, k: int = 5, min_words: int = 6
) -> Summary:
    """Summarise points by id; ``model`` names the cached embeddings to rank quotes with."""
    rows = []
    for i in range(0, len(point_ids), 900):
        chunk = point_ids[i : i + 900]
        sql = POINTS_SQL.format(ids=",".join("?" * len(chunk)))
        rows.extend(db.execute(sql, chunk).fetchall())
    groups: dict[object, int] = {}
    for _, rid, *_rest, group, size in rows:
        groups[group if group is not None else ("r", rid)] = size
    orgs = Counter(r[4] for r in rows if r[4])
    summary = Summary(
        n_points=len(rows),
        n_responses=len(groups),
        n_represented=sum(groups.values()),
        organisations=sorted(orgs.items(), key=lambda kv: (-kv[1], kv[0])),
        sentiment=dict(Counter(r[7] for r in rows if r[7])),
        types=dict(Counter(r[8] for r in rows if r[8])),
    )
    candidates = [r for r in rows if len(r[2].split()) >= min_words] or rows
    vectors = load_vectors(db, [r[3] for r in candidates], model) if model else None
    if vectors is None or not len(candidates):
        picked = [(i, 0.0) for i in range(min(k, len(candidates)))]
    else:
        picked = mmr(vectors, k)
    summary.quotes = [
        Quote(
            point_id=candidates[i][0],
            response_id=candidates[i][1],
            text=candidates[i][2],
            organisation=candidates[i][4],
            author=candidates[i][5],
            source=candidates[i][6],
            score=round(score, 4),
        )
        for i, score in picked
    ]
    return summary


def theme_summary(db: sqlite_utils.Database, theme_id: int, model: str | None, k: int = 5) -> Summary:
    ids = [
        r[0]
        for r in db.execute(
            """SELECT pa.point_id FROM point_analysis pa JOIN themes t ON t.id = pa.theme_id
               WHERE t.id = ? OR t.parent_id = ?""",
            [theme_id, theme_id],
        )
    ]
    return summarise_points(db, ids, model, k=k)


def principle_summary(db: sqlite_utils.Database, principle_id: int, model: str | None, k: int = 5) -> Summary:
    ids = [
        r[0]
        for r in db.execute(
            "SELECT point_id FROM point_principles WHERE principle_id = ? AND rank = 0", [principle_id]
        )
    ]
    return summarise_points(db, ids, model, k=k)


def component_summary(db: sqlite_utils.Database, component_id: int, model: str | None, k: int = 5) -> Summary:
    ids = [
        r[0]
        for r in db.execute(
            """SELECT pp.point_id FROM point_principles pp JOIN principles pr ON pr.id = pp.principle_id
               WHERE pr.component_id = ? AND pp.rank = 0""",
            [component_id],
        )
    ]
    return summarise_points(db, ids, model, k=k)


@dataclass
class ComponentSection:
    component_id: int
    name: str
    headline: str | None
    is_annex: bool
    summary: Summary
    principles: list[tuple[int, str, str, Summary]]  # (id, code, text, summary)


def summary_of_responses(db: sqlite_utils.Database, model: str | None, k: int = 4) -> list[ComponentSection]:
    """The overall "summary of responses", organised by framework component."""
    sections = []
    for cid, name, headline, is_annex in db.execute(
        "SELECT id, name, headline, is_annex FROM components ORDER BY framework_id, idx"
    ).fetchall():
        principles = []
        for pid, code, text in db.execute(
            "SELECT id, code, text FROM principles WHERE component_id = ? ORDER BY idx", [cid]
        ).fetchall():
            s = principle_summary(db, pid, model, k=2)
            if s.n_points:
                principles.append((pid, code, text, s))
        sections.append(
            ComponentSection(
                component_id=cid,
                name=name,
                headline=headline,
                is_annex=bool(is_annex),
                summary=component_summary(db, cid, model, k=k),
                principles=principles,
            )
        )
    return sections
