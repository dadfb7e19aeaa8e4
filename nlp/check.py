""" "Was my point captured?": where each point of a submission landed, and whether it shows.

The submission is split into points like any response. Each point is embedded and matched
against every analysed point (cosine over cached embeddings). Its theme is the one its closest
matches share; its principles come from those matches' principle maps, weighted by similarity.
It is *captured* when the theme's summary quotes say much the same thing, *partly* when close
points exist in the analysis but the summary does not reflect them, and *not captured* when
nothing stored is close. Thresholds are cosine values on L2-normalised vectors.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import sqlite_utils

from fairhearing.errors import AnalysisError
from ingest.clean import display_text
from ingest.points import split_points
from nlp.summaries import stored_quotes
from nlp.vectors import load_vectors

MAX_CHARS = 10_000  # a long consultation response; the check costs CPU in proportion to its points
MAX_POINTS = 30  # points embedded and matched per submission
MATCH_MIN = 0.55  # a stored point this close says much the same thing
SUMMARY_CAPTURED = 0.70  # a summary quote this close reflects the point
TOP_MATCHES = 5


@dataclass
class Match:
    point_id: int
    response_id: int
    score: float
    text: str
    organisation: str | None


@dataclass
class PointCheck:
    text: str
    start: int
    end: int
    status: str  # captured / partly / not captured
    theme_id: int | None
    theme_label: str | None
    principles: list[tuple[int, str, str, float]]  # (id, code, text, score)
    matches: list[Match] = field(default_factory=list)
    evidence: str = ""


@dataclass
class CheckResult:
    points: list[PointCheck]
    run_id: int

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for p in self.points:
            out[p.status] += 1
        return dict(out)


class PointIndex:
    """All analysed points of a run with their vectors, for nearest-neighbour look-ups."""

    def __init__(self, db: sqlite_utils.Database, run_id: int, model: str) -> None:
        rows = db.execute(
            """SELECT p.id, p.response_id, p.clean_text, p.text_hash, r.organisation, pa.theme_id
               FROM point_analysis pa JOIN points p ON p.id = pa.point_id JOIN responses r ON r.id = p.response_id
               WHERE pa.run_id = ? ORDER BY p.id""",
            [run_id],
        ).fetchall()
        self.rows = rows
        self.summary_vectors: dict[int, np.ndarray | None] = {}  # theme id -> its summary quotes' vectors
        vectors = load_vectors(db, [r[3] for r in rows], model)
        self.vectors = vectors if vectors is not None and len(rows) else np.zeros((0, 1), dtype=np.float32)

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        if not len(self.rows):
            return []
        sims = self.vectors @ vector
        k = min(k, len(sims))
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.lexsort((top, -sims[top]))]
        return [(int(i), float(sims[i])) for i in top]


def latest_run(db: sqlite_utils.Database) -> tuple[int, str, str]:
    from store.runs import current_run
    from store.scope import scope_of

    run = current_run(db, scope_of(db))
    if run is None:
        raise AnalysisError("FH-E300", "no finished analysis; run `fairhearing analyse --db DB` first")
    params = json.loads(run["params"] or "{}")
    return run["id"], run["embedder"], params.get("embedder", "minilm")


def check_limits(text: str, max_chars: int = MAX_CHARS, max_points: int | None = MAX_POINTS) -> int:
    """The number of points in ``text``; raises FH-E310 when it is over either limit.

    Cheap (no embedding): callers run it before ``check_submission`` so one oversized
    submission cannot occupy the CPU. ``max_points=None`` checks only the size.
    """
    if len(text) > max_chars:
        raise AnalysisError(
            "FH-E310",
            f"the submission is {len(text):,} characters; the check takes at most {max_chars:,} "
            "at a time, so check it in parts",
        )
    n = len(split_points(text, 0, len(text))) if text.strip() else 0
    if max_points is not None and n > max_points:
        raise AnalysisError(
            "FH-E310",
            f"the submission has {n} points; the check takes at most {max_points} at a time, "
            "so check it in parts",
        )
    return n


def check_submission(
    db: sqlite_utils.Database, text: str, embedder, index: PointIndex | None = None
) -> CheckResult:
    """Check each point of ``text`` against the latest analysis. ``embedder`` must match the run's."""
    run_id, model, _ = latest_run(db)
    index = index or PointIndex(db, run_id, model)
    spans = split_points(text, 0, len(text)) if text.strip() else []
    texts = [display_text(text[s.start : s.end]) for s in spans]
    if not texts:
        return CheckResult(points=[], run_id=run_id)
    vectors = embedder.encode(texts)
    labels = dict(db.execute("SELECT id, label FROM themes WHERE run_id = ?", [run_id]).fetchall())
    out = []
    for span, clean, vec in zip(spans, texts, vectors, strict=True):
        near = index.nearest(vec, TOP_MATCHES)
        matches = [
            Match(
                point_id=index.rows[i][0],
                response_id=index.rows[i][1],
                score=round(s, 4),
                text=index.rows[i][2],
                organisation=index.rows[i][4],
            )
            for i, s in near
            if s >= MATCH_MIN
        ]
        theme_votes: dict[int, float] = defaultdict(float)
        for i, s in near:
            if s >= MATCH_MIN and index.rows[i][5] is not None:
                theme_votes[index.rows[i][5]] += s
        theme_id = max(theme_votes, key=lambda t: (theme_votes[t], -t)) if theme_votes else None
        principles = _principles(db, [(m.point_id, m.score) for m in matches])
        status, evidence = _status(db, vec, theme_id, matches, index.summary_vectors, model)
        out.append(
            PointCheck(
                text=clean,
                start=span.start,
                end=span.end,
                status=status,
                theme_id=theme_id,
                theme_label=labels.get(theme_id),
                principles=principles,
                matches=matches,
                evidence=evidence,
            )
        )
    return CheckResult(points=out, run_id=run_id)


def _principles(
    db: sqlite_utils.Database, weighted: list[tuple[int, float]]
) -> list[tuple[int, str, str, float]]:
    """Principles of the matched points: each scored by its best (similarity × mapping score)."""
    if not weighted:
        return []
    weight = dict(weighted)
    ids = list(weight)
    score: dict[int, float] = defaultdict(float)
    for pid, prid, s in db.execute(
        f"SELECT point_id, principle_id, score FROM point_principles WHERE point_id IN ({','.join('?' * len(ids))})",
        ids,
    ):
        score[prid] = max(score[prid], weight[pid] * s)
    best = sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    out = []
    for prid, s in best:
        code, text = db.execute("SELECT code, text FROM principles WHERE id = ?", [prid]).fetchone()
        out.append((prid, code, text, round(s, 4)))
    return out


def _status(db, vec, theme_id, matches, cache, model) -> tuple[str, str]:
    if not matches:
        return "not captured", "No analysed point is close to this one."
    if theme_id is None:
        return "partly", f"{len(matches)} similar points exist but none is in a theme."
    if theme_id not in cache:
        quote_ids = [pid for pid, _ in stored_quotes(db, "theme", theme_id)]
        cache[theme_id] = (
            load_vectors(db, [_hash(db, pid) for pid in quote_ids], model) if quote_ids else None
        )
    vecs = cache[theme_id]
    best = float((vecs @ vec).max()) if vecs is not None and len(vecs) else 0.0
    if best >= SUMMARY_CAPTURED:
        return "captured", f"The theme summary quotes a point {best:.2f} similar to yours."
    return (
        "partly",
        f"{len(matches)} similar points are in the theme, but its summary quotes nothing closer than {best:.2f}.",
    )


def _hash(db: sqlite_utils.Database, point_id: int) -> str:
    return db.execute("SELECT text_hash FROM points WHERE id = ?", [point_id]).fetchone()[0]
