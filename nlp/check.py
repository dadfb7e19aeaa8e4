""" "Was my point captured?": three separate verdicts for each point of a submission.

The submission is split into points like any response; each is embedded with the analysis' own
embedder and compared (cosine, ``search.vector_index``) with every analysed point of the latest run.

- **Found in the analysis**: how close the closest analysed point is, in words (``very likely``,
  ``likely``, ``possibly``, ``not found``). The thresholds were chosen on paraphrase pairs written
  from the DWP seeds and measured on held-out pairs (``evals/eval_check.py``, evals/README.md,
  "Check-my-point"); "found" means ``very likely`` or ``likely``.
- **Reflected in the summary**: ``quoted`` when a summary quote says the same thing (it is the point,
  or a paraphrase of it, at the "likely" level); ``represented`` when a set the close points belong
  to (their theme, a principle they are mapped to, its component) quotes a point on the same topic
  (at the "possibly" level); else ``not in the summary``.
- **Position**: the submission's sentiment from the analysis' tagger (``nlp.tags``) against the
  stored sentiment of the close points: ``shared`` when one of them takes the same side,
  ``opposed`` when they take only the other side ("your topic was raised, your position was not"),
  ``unclear`` when none takes a side or the submission takes none.

Principles shown are the analysis' own decisions (mapped pairs, confirmed or suggested) for the
close points; nothing is mapped afresh. Raw similarities stay in the data (``Match.score``) for
machines; people see words.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from fairhearing.errors import AnalysisError
from ingest.clean import display_text
from ingest.points import split_points
from nlp import registry
from nlp.stages import Embedder
from search.vector_index import VectorIndex, load_index
from store import check_data
from store.db import Database
from store.queries import runs as run_queries

MAX_CHARS = 10_000  # a long consultation response; the check costs CPU in proportion to its points
MAX_POINTS = 30  # points embedded and matched per submission
TOP_MATCHES = 5  # close points shown per submitted point
CANDIDATES = 50  # nearest texts looked up (some may not be in the current run)

FOUND = ("very likely", "likely")  # the confidence words that count as "found"
OPPOSITE = {"positive": "negative", "negative": "positive"}


@dataclass(frozen=True)
class Thresholds:
    """Cosine cut-offs of one embedder: at or above each, the match is that likely."""

    very_likely: float
    likely: float
    possibly: float

    def words(self, sim: float) -> str:
        if sim >= self.very_likely:
            return "very likely"
        if sim >= self.likely:
            return "likely"
        if sim >= self.possibly:
            return "possibly"
        return "not found"


# Chosen on the calibration half of evals/data/check_pairs.jsonl by evals/eval_check.py (per embedder
# family; the hashing embedder is for tests only). Other embedders use MiniLM's values.
THRESHOLDS = {
    "minilm": Thresholds(very_likely=0.60, likely=0.54, possibly=0.49),
    "hashing": Thresholds(very_likely=0.32, likely=0.24, possibly=0.20),
}


def thresholds_for(model: str) -> Thresholds:
    """The thresholds of the embedder family named by ``model`` (e.g. ``minilm-l6-v2@0.1.0``)."""
    for family, t in THRESHOLDS.items():
        if model.startswith(family):
            return t
    return THRESHOLDS["minilm"]


class SentimentTagger(Protocol):
    def predict(self, texts: list[str], embeddings: np.ndarray | None) -> list: ...


@dataclass
class Match:
    point_id: int
    response_id: int
    score: float  # cosine; for machines (the JSON), never shown to people
    confidence: str
    text: str
    organisation: str | None
    sentiment: str | None
    theme_id: int | None


@dataclass
class PrincipleDecision:
    principle_id: int
    code: str
    title: str
    decision: str  # confirmed / suggested
    points: int  # how many of the close points are mapped to it


@dataclass
class Quote:
    kind: str  # theme / principle / component
    target_id: int
    label: str
    point_id: int
    response_id: int
    text: str
    organisation: str | None


@dataclass
class PointCheck:
    text: str
    start: int
    end: int
    found: str  # very likely / likely / possibly / not found
    summary: str  # quoted / represented / not in the summary / not found
    position: str  # shared / opposed / unclear / not compared
    sentiment: str | None  # the submitted point's, from the tagger
    theme_id: int | None
    theme_label: str | None
    principles: list[PrincipleDecision] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    quote: Quote | None = None  # the summary quote that reflects the point, if any
    explanation: list[str] = field(default_factory=list)

    @property
    def is_found(self) -> bool:
        return self.found in FOUND

    @property
    def status(self) -> str:
        """The old one-word status: captured (found and quoted/represented), partly (found), not captured."""
        if not self.is_found:
            return "not captured"
        return "captured" if self.summary in ("quoted", "represented") else "partly"


@dataclass
class CheckResult:
    points: list[PointCheck]
    run_id: int

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for p in self.points:
            out["found" if p.is_found else p.found] += 1
            out[p.summary] += 1
            out[f"position {p.position}"] += 1
        return dict(out)


def latest_run(db: Database) -> tuple[int, str, str]:
    """(run id, embedder model name, embedder loader name) of the current run (``store.runs.current_run``)."""
    run = run_queries.current_run(db)
    if run is None:
        raise AnalysisError("FH-E300", "no finished analysis; run `fairhearing analyse --db DB` first")
    params = json.loads(run["params"] or "{}")
    return run["id"], run["embedder"], params.get("embedder", "minilm")


def run_tagger(db: Database, embedder: Embedder, models_dir: Path) -> SentimentTagger:
    """The tagger of the current run, by the registered name it ran with (``analyse --tagger``), so a
    check reads sentiment as the analysis did. A run made before the name was kept, or whose tagger
    was a Python object not in the registry, gets the default tagger."""
    run = run_queries.current_run(db)
    params = json.loads(run["params"] or "{}") if run is not None else {}
    name = params.get("tagger", registry.DEFAULTS["tagger"])
    if name not in registry.names("tagger"):
        name = registry.DEFAULTS["tagger"]
    return registry.create(
        "tagger", name, embedder_name=embedder.name, embed=embedder.encode, models_dir=models_dir
    )


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
    db: Database,
    text: str,
    embedder,
    index: VectorIndex | None = None,
    tagger: SentimentTagger | None = None,
) -> CheckResult:
    """Check each point of ``text`` against the latest analysis.

    ``embedder`` must be the run's; ``index`` is its vector index (built from the cache when not
    given); ``tagger`` gives the submission's sentiment (without it, position is "not compared").
    """
    run_id, model, _ = latest_run(db)
    index = index if index is not None else load_index(db, model)
    spans = split_points(text, 0, len(text)) if text.strip() else []
    texts = [display_text(text[s.start : s.end]) for s in spans]
    if not texts:
        return CheckResult(points=[], run_id=run_id)
    vectors = np.asarray(embedder.encode(texts), dtype=np.float32)
    if index.hashes and index.dim != vectors.shape[1]:
        raise AnalysisError(
            "FH-E311",
            f"the embedder {embedder.name} does not match the analysis' vectors ({model}); "
            "check with the analysis' own embedder",
        )
    sentiments = [t.sentiment for t in tagger.predict(texts, vectors)] if tagger else [None] * len(texts)
    limits = thresholds_for(model)
    quotes = check_data.summary_quotes(db, run_id)
    labels = check_data.set_labels(db, run_id)
    out = []
    for span, clean, vec, sentiment in zip(spans, texts, vectors, sentiments, strict=True):
        nearest = index.top_scored(vec, CANDIDATES) if index.hashes else []
        matches = _matches(db, run_id, nearest, limits)
        found = matches[0].confidence if matches else "not found"
        decisions = check_data.mapped_principles(db, [m.point_id for m in matches])
        theme_votes: dict[int, float] = defaultdict(float)
        for m in matches:
            if m.theme_id is not None:
                theme_votes[m.theme_id] += m.score
        theme_id = max(theme_votes, key=lambda t: (theme_votes[t], -t)) if theme_votes else None
        summary, quote = _summary(vec, sentiment, matches, decisions, quotes, labels, index, limits)
        position = _position(sentiment, matches)
        pc = PointCheck(
            text=clean,
            start=span.start,
            end=span.end,
            found=found,
            summary=summary,
            position=position,
            sentiment=sentiment,
            theme_id=theme_id,
            theme_label=labels.get(("theme", theme_id)) if theme_id is not None else None,
            principles=_principles(decisions, matches),
            matches=matches,
            quote=quote,
        )
        pc.explanation = explain(pc)
        out.append(pc)
    return CheckResult(points=out, run_id=run_id)


def _matches(db: Database, run_id: int, nearest: list[tuple[str, float]], limits: Thresholds) -> list[Match]:
    """The closest analysed points at the "possibly" level or above, best first (one per response)."""
    close = [(h, s) for h, s in nearest if s >= limits.possibly]
    by_hash: dict[str, list[dict]] = defaultdict(list)
    for row in check_data.analysed_points(db, run_id, [h for h, _ in close]):
        by_hash[row["text_hash"]].append(row)
    out: list[Match] = []
    seen: set[int] = set()
    for h, s in close:
        for row in by_hash.get(h, []):
            if row["response_id"] in seen:
                continue
            seen.add(row["response_id"])
            out.append(
                Match(
                    point_id=row["id"],
                    response_id=row["response_id"],
                    score=round(s, 4),
                    confidence=limits.words(s),
                    text=row["text"],
                    organisation=row["organisation"],
                    sentiment=row["sentiment"],
                    theme_id=row["theme_id"],
                )
            )
            if len(out) == TOP_MATCHES:
                return out
    return out


def _principles(decisions: list[dict], matches: list[Match]) -> list[PrincipleDecision]:
    """The close points' mapped principles: most shared first, then the closest point's first.

    A principle is confirmed when an analyst confirmed any of its pairs with these points.
    """
    rank = {m.point_id: n for n, m in enumerate(matches)}
    decisions = sorted(decisions, key=lambda d: rank.get(d["point_id"], len(rank)))
    by_id: dict[int, PrincipleDecision] = {}
    order: dict[int, int] = {}
    for n, d in enumerate(decisions):
        pd = by_id.get(d["principle_id"])
        if pd is None:
            pd = by_id[d["principle_id"]] = PrincipleDecision(
                d["principle_id"], d["code"], d["title"], "suggested", 0
            )
            order[d["principle_id"]] = n
        pd.points += 1
        if d["confirmed"]:
            pd.decision = "confirmed"
    return sorted(by_id.values(), key=lambda p: (-p.points, order[p.principle_id]))


def _summary(
    vec: np.ndarray,
    sentiment: str | None,
    matches: list[Match],
    decisions: list[dict],
    quotes: list[dict],
    labels: dict[tuple[str, int], str],
    index: VectorIndex,
    limits: Thresholds,
) -> tuple[str, Quote | None]:
    """Whether a summary quotes the point (or a paraphrase), or quotes a close point's set on its topic.

    A quote that takes the other side (stored sentiment opposite to the submission's) reflects the
    topic, not the point: it never counts.
    """
    if not matches:
        return "not found", None
    other_side = OPPOSITE.get(sentiment or "")
    sets = {("theme", m.theme_id) for m in matches if m.theme_id is not None}
    sets |= {("principle", d["principle_id"]) for d in decisions}
    sets |= {("component", d["component_id"]) for d in decisions}
    best: tuple[float, dict] | None = None
    best_in_sets: tuple[float, dict] | None = None
    for q in quotes:
        qv = index.vector(q["text_hash"])
        if qv is None or len(qv) != len(vec) or (other_side and q["sentiment"] == other_side):
            continue
        s = float(qv @ vec)
        if best is None or s > best[0]:
            best = (s, q)
        if (q["kind"], q["target_id"]) in sets and (best_in_sets is None or s > best_in_sets[0]):
            best_in_sets = (s, q)
    if best is not None and best[0] >= limits.likely:
        return "quoted", _quote(best[1], labels)
    if best_in_sets is not None and best_in_sets[0] >= limits.possibly:
        return "represented", _quote(best_in_sets[1], labels)
    return "not in the summary", None


def _quote(q: dict, labels: dict[tuple[str, int], str]) -> Quote:
    return Quote(
        kind=q["kind"],
        target_id=q["target_id"],
        label=labels.get((q["kind"], q["target_id"]), ""),
        point_id=q["point_id"],
        response_id=q["response_id"],
        text=q["text"],
        organisation=q["organisation"],
    )


def _position(sentiment: str | None, matches: list[Match]) -> str:
    """Shared / opposed / unclear: the submitted point's side against the close points' stored sides."""
    if sentiment is None or not matches:
        return "not compared"
    if sentiment not in OPPOSITE:
        return "unclear"
    sides = {m.sentiment for m in matches}
    if sentiment in sides:
        return "shared"
    if OPPOSITE[sentiment] in sides:
        return "opposed"
    return "unclear"


def explain(pc: PointCheck) -> list[str]:
    """One plain sentence per verdict."""
    n = len(pc.matches)
    if pc.found == "not found":
        found = "Not found: no analysed point says anything close to this."
    elif pc.is_found:
        found = f"Found ({pc.found}): {n} analysed point{'s are' if n != 1 else ' is'} close to this one."
    else:
        found = f"Possibly found: {n} analysed point{'s are' if n != 1 else ' is'} on a similar topic."
    sentences = [found]
    if pc.summary == "quoted":
        where = pc.quote.label if pc.quote else ""
        sentences.append(f"Quoted in the summary of {pc.quote.kind} “{where}”." if pc.quote else "Quoted.")
    elif pc.summary == "represented" and pc.quote:
        sentences.append(
            f"Represented in the summary of {pc.quote.kind} “{pc.quote.label}” by a quote on the same topic."
        )
    elif pc.summary == "not in the summary":
        sentences.append("No summary quotes it, or a point on its topic and side.")
    if pc.position == "shared":
        sentences.append(f"Your position ({pc.sentiment}) was raised too.")
    elif pc.position == "opposed":
        sides = sorted({m.sentiment for m in pc.matches if m.sentiment})
        sentences.append(
            f"Your topic was raised, your position was not: you are {pc.sentiment}, the close points are "
            f"{' or '.join(sides)}."
        )
    elif pc.position == "unclear":
        sentences.append("Neither side is clear enough to compare positions.")
    return sentences
