"""Map each point to the framework's principles: rank every principle always, decide separately.

``PrincipleMapper`` (the default) ranks by cosine between the point and each principle's text (or
its short ``title`` and ``synonyms``, the framework's own vocabulary) plus a TF-IDF cosine, then
moves scores by analyst verdicts on nearby points (``nlp.verdict_model``); ``decide`` returns one
``nlp.mapping_decision.Mapping`` per point: ``ranked`` (top 5, always), ``mapped`` (the ones that
count) and ``no_principle`` (positive off-topic evidence only). Codebook fallback items ("Other",
"Don't know", kind ``fallback``) are never ranked and are chosen only when nothing else fits.

``LogisticMapper`` (the former default: several principle views and features from
``nlp.mapping_features`` combined by a logistic model trained on self-supervised pairs) and
``CosineBaseline`` are kept for comparison; all three have ``decide``. On held-out points the
learned model scored below plain cosine once the seed-written glossary was removed
(evals/README.md), hence the default.

All mappers take precomputed point embeddings (any ``nlp.embed`` embedder) and an ``embed``
callable for the framework's own texts; a framework comes from ``load_framework`` (the database)
or ``MapperFramework.from_parse_result`` (a reader's output).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ingest.model import ParseResult
from nlp.mapping_decision import (
    DecisionRule,
    Mapping,
    decide_rows,
    is_empty_answer_item,
    is_fallback_item,
    is_placeholder,
)
from nlp.mapping_features import (
    FEATURES,
    ExampleSet,
    Glossary,
    LexicalIndex,
    assemble,
    component_best,
    sentences,
    units,
)
from nlp.verdict_model import VerdictModel
from store import frameworks
from store.db import Database

Embed = Callable[[list[str]], np.ndarray]
Ranked = list[tuple[int, float]]


@dataclass
class MapperComponent:
    name: str
    headline: str | None = None
    context: str | None = None  # the framework's own summary of responses under this heading
    is_annex: bool = False
    examples: list[str] = field(default_factory=list)  # respondent pull-quotes printed with it


@dataclass
class MapperPrinciple:
    id: int
    component: int  # index into MapperFramework.components
    text: str
    code: str = ""
    kind: str = "principle"
    description: str | None = None
    examples: list[str] = field(default_factory=list)
    title: str | None = None  # short name analysts use ("payment by results"), when the framework has one
    synonyms: list[str] = field(default_factory=list)  # per-framework vocabulary (keywords, synonyms)

    @property
    def is_fallback(self) -> bool:
        """A codebook item meaning "nothing else fits" ("Other", "Don't know", kind ``fallback``)."""
        return is_fallback_item(self.title or self.text, self.kind)


@dataclass
class Feedback:
    """An analyst's verdict on one (point, principle) pair: ``confirm`` or ``reject``."""

    point_text: str
    principle_id: int
    verdict: str
    point_hash: str | None = None


@dataclass
class MapperFramework:
    name: str
    components: list[MapperComponent]
    principles: list[MapperPrinciple]
    id: int | None = None
    question: str | None = None
    feedback: list[Feedback] = field(default_factory=list)

    def without_examples(self) -> MapperFramework:
        """A copy with no pull-quotes, context, shipped examples or feedback (principle text only)."""
        return replace(
            self,
            components=[replace(c, context=None, examples=[]) for c in self.components],
            principles=[replace(p, examples=[]) for p in self.principles],
            feedback=[],
        )

    @classmethod
    def from_parse_result(cls, parsed: ParseResult, first_id: int = 1) -> MapperFramework:
        """Build from a reader's result: principles numbered from ``first_id``; pull-quotes are the
        responses whose ``meta["component"]`` names a component."""
        if parsed.framework is None:
            raise ValueError("the parse result holds no framework")
        fw = parsed.framework
        comps = [
            MapperComponent(c.name, c.headline, c.context, c.is_annex, examples=[]) for c in fw.components
        ]
        index = {_norm(c.name): i for i, c in enumerate(comps)}
        for r in parsed.responses:
            ci = index.get(_norm(str(r.meta.get("component", ""))))
            if ci is not None:
                comps[ci].examples.append(parsed.text[r.start : r.end])
        principles = []
        for ci, c in enumerate(fw.components):
            for pi, p in enumerate(c.principles):
                principles.append(
                    MapperPrinciple(
                        id=first_id + len(principles),
                        component=ci,
                        text=p.text,
                        code=f"{ci + 1}.{pi + 1}",
                        kind=p.kind,
                        description=p.description,
                        examples=list(p.examples),
                    )
                )
        return cls(fw.name, comps, principles, question=fw.question)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _select(scores: np.ndarray, ids: Sequence[int], top_k: int, threshold: float) -> list[Ranked]:
    """Best-first (principle id, score) pairs among the top ``top_k`` that reach ``threshold``."""
    out = []
    for row in scores:
        order = np.argsort(-row, kind="stable")[:top_k]
        out.append([(int(ids[j]), float(row[j])) for j in order if row[j] >= threshold])
    return out


def _principle_text(p: MapperPrinciple) -> str:
    return f"{p.text}\n{p.description}" if p.description else p.text


def _enriched(p: MapperPrinciple, c: MapperComponent) -> str:
    head = f"{c.name}: {c.headline}" if c.headline else c.name
    return f"{head}\n{_principle_text(p)}"


class CosineBaseline:
    """Cosine between a point and each principle's text, clipped to [0, 1], with a fixed threshold."""

    def __init__(self, threshold: float = 0.35) -> None:
        self.threshold = threshold
        self.principle_ids: list[int] = []
        self._vectors = np.zeros((0, 0), np.float32)

    def fit(
        self, framework: MapperFramework, embed: Embed, feedback: Sequence[Feedback] = ()
    ) -> CosineBaseline:
        self.principle_ids = [p.id for p in framework.principles]
        self._vectors = np.asarray(embed([_principle_text(p) for p in framework.principles]), np.float32)
        return self

    def scores(self, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        return np.clip(np.asarray(embeddings, np.float32) @ self._vectors.T, 0.0, 1.0)

    def map(self, texts: Sequence[str], embeddings: np.ndarray, top_k: int = 3) -> list[Ranked]:
        return _select(self.scores(texts, embeddings), self.principle_ids, top_k, self.threshold)

    def decide(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        placeholder: Sequence[bool] | None = None,
        rule: DecisionRule | None = None,
    ) -> list[Mapping]:
        """Plain cosine ranking of every item (fallback items included) under the same decision rule."""
        scores = np.asarray(embeddings, np.float32) @ self._vectors.T
        relevance = scores.max(axis=1) if scores.shape[1] else np.zeros(len(scores))
        return decide_rows(
            scores, relevance, self.principle_ids, rule or DecisionRule(), placeholder=placeholder
        )


def anchor_to_component(
    scores: np.ndarray, cos: np.ndarray, comp: np.ndarray, rankable: np.ndarray
) -> np.ndarray:
    """``scores`` with each row's top principle moved into the component of its best ``cos``.

    Where the best-scoring rankable principle lies outside the component holding the best plain
    cosine, that component's best-scoring principle is lifted just above it: the component comes
    from cosine, the principle within it from the full score, the rest of the order is kept. A
    framework with one component (a codebook) is unchanged. Plain numpy, deterministic.
    """
    out = np.array(scores, np.float32, copy=True)
    if len(np.unique(comp[rankable])) < 2 or not len(out):
        return out
    masked = np.where(rankable[None, :], out, -np.inf)
    best_cos = comp[np.argmax(np.where(rankable[None, :], cos, -np.inf), axis=1)]
    top = np.argmax(masked, axis=1)
    for i in np.flatnonzero(comp[top] != best_cos):
        j = int(np.argmax(np.where(comp == best_cos[i], masked[i], -np.inf)))
        out[i, j] = masked[i, top[i]] + 1e-4 * max(1.0, abs(float(masked[i, top[i]])))
    return out


# How much of a codebook's question is taken out of each answer before ranking its items
# (``PrincipleMapper.without_question``); chosen on the public coded survey, evals/README.md.
QUESTION_WEIGHT = 1.0


class PrincipleMapper:
    """The default mapper: rank every principle always, decide separately, learn from verdicts.

    Ranking: cosine between the point and each principle's text (its ``title`` prepended when it
    has one), or its vocabulary (title and ``synonyms``) when that is closer, plus ``lexical_weight``
    times a TF-IDF cosine (no built-in glossary) between the point and the principle's text, title
    and synonyms, anchored so that the top principle lies in the component of the best cosine
    (``anchor_component``: the lexical term reorders principles but never moves the top component,
    so without labels the top component is cosine's; evals/README.md). For a codebook with a
    question, the question is first taken out of each answer (``without_question``; for the verdicts'
    neighbours too). Analyst verdicts
    (``framework.feedback`` plus ``feedback``) and the framework's shipped examples then move scores through ``VerdictModel`` (labelled nearest
    neighbours, by principle and by component). Fallback items ("Other", "Don't know", kind
    ``fallback``) are never ranked; ``decide`` chooses them when nothing else fits.
    """

    def __init__(
        self,
        *,
        lexical_weight: float = 0.3,
        rule: DecisionRule | None = None,
        verdicts: VerdictModel | None = None,
        use_examples: bool = True,
        anchor_component: bool = True,
        question_weight: float = QUESTION_WEIGHT,
    ) -> None:
        self.lexical_weight = lexical_weight
        self.anchor_component = anchor_component
        self.question_weight = question_weight
        self._question: np.ndarray | None = None
        self.rule = rule or DecisionRule()
        self.verdicts = verdicts or VerdictModel()
        self.use_examples = use_examples
        self.principle_ids: list[int] = []
        self.rankable = np.zeros(0, bool)
        self.comp = np.zeros(0, np.int64)
        self.fallback_other: list[int] = []
        self.fallback_empty: list[int] = []
        self._views = np.zeros((0, 0, 0), np.float32)
        self._lexical: LexicalIndex | None = None

    def fit(
        self, framework: MapperFramework, embed: Embed, feedback: Sequence[Feedback] = ()
    ) -> PrincipleMapper:
        """Embed the principles' views and index their words; fit the verdict model on the
        framework's feedback plus ``feedback`` (a later verdict on the same point and principle wins;
        verdicts on unknown principles are ignored) and, with ``use_examples``, shipped examples."""
        princ = framework.principles
        self.principle_ids = [p.id for p in princ]
        self._question = None
        if framework.question and framework.question.strip() and self.question_weight:
            q = np.asarray(embed([framework.question]), np.float32)[0]
            norm = float(np.linalg.norm(q))
            self._question = q / norm if norm > 0 else None
        self.comp = np.array([p.component for p in princ], np.int64)
        self.rankable = np.array([not p.is_fallback for p in princ], bool)
        fb = [p for p in princ if p.is_fallback]
        self.fallback_empty = [p.id for p in fb if is_empty_answer_item(p.title or p.text)]
        self.fallback_other = [p.id for p in fb if p.id not in self.fallback_empty]
        if not princ:
            self._views = np.zeros((0, 0, 0), np.float32)
            self._lexical = None
            self.verdicts.fit(np.zeros((0, 0), np.float32), np.zeros((0, 0), np.float32))
            return self
        texts = [f"{p.title}: {_principle_text(p)}" if p.title else _principle_text(p) for p in princ]
        vocab = [
            "; ".join([p.title or "", *p.synonyms]).strip("; ") or t
            for p, t in zip(princ, texts, strict=True)
        ]
        pos = {p.id: j for j, p in enumerate(princ)}
        labelled: dict[str, dict[int, float]] = {}
        for f in [*framework.feedback, *feedback]:
            if f.principle_id in pos and f.verdict in ("confirm", "reject") and f.point_text.strip():
                labelled.setdefault(f.point_text, {})[pos[f.principle_id]] = (
                    1.0 if f.verdict == "confirm" else -1.0
                )
        if self.use_examples:
            for j, p in enumerate(princ):
                for e in p.examples:
                    if e.strip():
                        labelled.setdefault(e, {}).setdefault(j, 1.0)
        points = list(labelled)
        vecs = _embed_blocks(embed, {"text": texts, "vocab": vocab, "points": points})
        self._views = np.stack([vecs["text"], vecs["vocab"]])
        docs = [" ".join([p.title or "", *p.synonyms, _principle_text(p)]) for p in princ]
        self._lexical = LexicalIndex(docs)
        votes = np.zeros((len(points), len(princ)), np.float32)
        for i, t in enumerate(points):
            for j, v in labelled[t].items():
                votes[i, j] = v
        self.verdicts.fit(self.without_question(vecs["points"]), votes)
        return self

    def cosines(self, embeddings: np.ndarray) -> np.ndarray:
        """(n, P) best raw cosine between each point and each principle's views."""
        emb = np.asarray(embeddings, np.float32)
        if not len(self.principle_ids):
            return np.zeros((len(emb), 0), np.float32)
        return np.max(np.einsum("nd,vpd->vnp", emb, self._views), axis=0)

    def without_question(self, embeddings: np.ndarray) -> np.ndarray:
        """The points with ``question_weight`` × their codebook's question taken out, renormalised:
        every answer restates the question, so its direction says nothing about which item applies.
        At weight 1 an item ranks by its cosine to the answer minus its cosine to the question.
        Verdicts' neighbours are found in the same space (answers all lie near their question, so
        raw neighbours are the question's, not the answer's). Unchanged for a framework without a
        question."""
        emb = np.asarray(embeddings, np.float32)
        if self._question is None or not len(emb):
            return emb
        out = emb - self.question_weight * self._question
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return (out / np.where(norms > 1e-6, norms, 1.0)).astype(np.float32)

    def prior(self, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        """(n, P) ranking scores before verdicts: cosine (to the point without its codebook's question,
        ``without_question``) plus weighted TF-IDF; with ``anchor_component``, the top principle lies in
        the component of the best cosine."""
        cos = self.cosines(self.without_question(embeddings))
        if self._lexical is None or not self.lexical_weight:
            return cos
        scores = cos + self.lexical_weight * self._lexical.scores(list(texts))
        return anchor_to_component(scores, cos, self.comp, self.rankable) if self.anchor_component else scores

    def scores(self, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        """(n, P) scores in ``principle_ids`` order (higher is better; not probabilities); fallback
        items score their plain cosine but are never ranked by ``decide``."""
        emb = np.asarray(embeddings, np.float32)
        if len(texts) != len(emb):
            raise ValueError(f"{len(texts)} texts but {len(emb)} embeddings")
        return self.verdicts.adjust(self.prior(texts, emb), self.without_question(emb), self.comp)

    def decide(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        placeholder: Sequence[bool] | None = None,
        rule: DecisionRule | None = None,
    ) -> list[Mapping]:
        """One ``Mapping`` per point (see ``nlp.mapping_decision``). ``placeholder[i]`` marks an
        answer flagged at ingest as a placeholder; without it, placeholder-like text is detected here."""
        emb = np.asarray(embeddings, np.float32)
        scores = self.scores(texts, emb)
        cos = self.cosines(emb)
        relevance = cos[:, self.rankable].max(axis=1) if self.rankable.any() else np.zeros(len(emb))
        # near a confirmed point (compared, as verdicts are, without the question): on-topic
        relevance = np.maximum(relevance, self.verdicts.support(self.without_question(emb)))
        if placeholder is None:
            placeholder = [is_placeholder(t) for t in texts]
        return decide_rows(
            scores,
            relevance,
            self.principle_ids,
            rule or self.rule,
            rankable=self.rankable,
            fallback_other=self.fallback_other,
            fallback_empty=self.fallback_empty,
            placeholder=placeholder,
            fallback_cos=cos,
        )

    def map(self, texts: Sequence[str], embeddings: np.ndarray, top_k: int = 3) -> list[Ranked]:
        """The decided principles with their scores, best first (at most ``top_k``); empty when the
        point is off-topic. A chosen fallback item carries the top ranked score."""
        out = []
        for m in self.decide(texts, embeddings):
            score = dict(m.ranked)
            out.append(
                [(pid, score.get(pid, m.ranked[0][1] if m.ranked else 0.0)) for pid in m.mapped][:top_k]
            )
        return out


class _Owners:
    """Integer ids for example texts, equal for equal (normalised) texts: the leave-one-out key."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        return self._ids.setdefault(_norm(text), len(self._ids))


@dataclass
class _HeldOut:
    """A principle sentence as a training query, with the principle's views rebuilt without it."""

    principle: int
    text: str
    vector: np.ndarray
    text_vec: np.ndarray
    enr_vec: np.ndarray
    lex: float


@dataclass
class _Evidence:
    """What a fitted mapper compares points with, and the material for its training queries."""

    comp: np.ndarray  # component index per principle
    n_comp: int
    text: np.ndarray  # (P, d) principle texts
    enr: np.ndarray  # (P, d) principle texts under their component's name and headline
    ex_p: ExampleSet  # per principle: its sentences and shipped examples
    ex_c: ExampleSet  # per component: respondent pull-quotes
    ctx: ExampleSet  # per component: sentences of its context
    confirmed: ExampleSet  # per principle: analyst-confirmed points
    rejected: ExampleSet  # per principle: analyst-rejected points
    lexical: LexicalIndex
    owner: _Owners
    unit_vecs: np.ndarray
    unit_of: np.ndarray  # principle index per unit vector
    held_out: list[_HeldOut]
    component_queries: list[tuple[int, str, np.ndarray]]  # context sentences and pull-quotes
    feedback_queries: list[tuple[str, np.ndarray, list[int]]]  # point, vector, confirmed principles


def _build_evidence(
    framework: MapperFramework, feedback: list[Feedback], embed: Embed, max_units: int, glossary: Glossary
) -> _Evidence:
    comps, princ = framework.components, framework.principles
    pos_of = {p.id: j for j, p in enumerate(princ)}
    p_units = [(j, u) for j, p in enumerate(princ) for u in (units(p.text) or [p.text])]
    n_units = np.bincount([j for j, _ in p_units], minlength=len(princ))
    ctx = [(ci, s) for ci, c in enumerate(comps) for s in sentences(c.context)]
    quotes = [(ci, q) for ci, c in enumerate(comps) for q in c.examples if q.strip()]
    shipped = [(j, e) for j, p in enumerate(princ) for e in p.examples if e.strip()]
    confirmed = [(pos_of[f.principle_id], f.point_text) for f in feedback if f.verdict == "confirm"]
    rejected = [(pos_of[f.principle_id], f.point_text) for f in feedback if f.verdict == "reject"]
    fb_points = list({_norm(f.point_text): f.point_text for f in feedback}.values())
    seen: dict[int, int] = {}
    minus = []  # (unit row, principle text without it, enriched text without it)
    for k, (j, u) in enumerate(p_units):
        seen[j] = seen.get(j, 0) + 1
        if n_units[j] > 1 and seen[j] <= max_units:
            p, c = princ[j], comps[princ[j].component]
            minus.append((k, _without(_principle_text(p), u), _without(_enriched(p, c), u)))
    vec = _embed_blocks(
        embed,
        {
            "text": [_principle_text(p) for p in princ],
            "enr": [_enriched(p, comps[p.component]) for p in princ],
            "units": [u for _, u in p_units],
            "ctx": [s for _, s in ctx],
            "quotes": [q for _, q in quotes],
            "shipped": [e for _, e in shipped],
            "confirmed": [t for _, t in confirmed],
            "rejected": [t for _, t in rejected],
            "feedback": fb_points,
            "minus_text": [m[1] for m in minus],
            "minus_enr": [m[2] for m in minus],
        },
    )
    own = _Owners()
    lexical = LexicalIndex([_lex_doc(p, comps[p.component]) for p in princ], glossary=glossary)
    held_out = []
    for (k, minus_text, _), text_vec, enr_vec in zip(minus, vec["minus_text"], vec["minus_enr"], strict=True):
        j, u = p_units[k]
        doc = _lex_doc(replace(princ[j], text=minus_text, description=None), comps[princ[j].component])
        held_out.append(_HeldOut(j, u, vec["units"][k], text_vec, enr_vec, lexical.scores_against(u, doc)))
    confirmed_of: dict[str, list[int]] = {}
    for j, t in confirmed:
        confirmed_of.setdefault(_norm(t), []).append(j)
    return _Evidence(
        comp=np.array([p.component for p in princ], np.int64),
        n_comp=len(comps),
        text=vec["text"],
        enr=vec["enr"],
        ex_p=_examples(own, [vec["units"], vec["shipped"]], [*p_units, *shipped]),
        ex_c=_examples(own, [vec["quotes"]], quotes),
        ctx=_examples(own, [vec["ctx"]], ctx),
        confirmed=_examples(own, [vec["confirmed"]], confirmed),
        rejected=_examples(own, [vec["rejected"]], rejected),
        lexical=lexical,
        owner=own,
        unit_vecs=vec["units"],
        unit_of=np.array([j for j, _ in p_units], np.int64),
        held_out=held_out,
        component_queries=[
            (c, t, v) for (c, t), v in zip([*ctx, *quotes], [*vec["ctx"], *vec["quotes"]], strict=True)
        ],
        feedback_queries=[
            (t, v, confirmed_of.get(_norm(t), [])) for t, v in zip(fb_points, vec["feedback"], strict=True)
        ],
    )


def _examples(own: _Owners, blocks: list[np.ndarray], rows: list[tuple[int, str]]) -> ExampleSet:
    vectors = np.vstack(blocks).astype(np.float32)
    return ExampleSet(
        vectors, np.array([g for g, _ in rows], np.int64), np.array([own(t) for _, t in rows], np.int64)
    )


def _embed_blocks(embed: Embed, blocks: dict[str, list[str]]) -> dict[str, np.ndarray]:
    """Embed every block in one call (each distinct text once) and slice the result back."""
    unique = list(dict.fromkeys(t for block in blocks.values() for t in block))
    vecs = np.asarray(embed(unique), dtype=np.float32)
    at = {t: i for i, t in enumerate(unique)}
    return {
        name: vecs[[at[t] for t in block]].reshape(len(block), vecs.shape[1])
        for name, block in blocks.items()
    }


@dataclass
class _Training:
    """Training queries: vector, text, the owner it may not see, labels (1 / 0 / -1 unknown), weight."""

    vectors: list[np.ndarray] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    exclude: list[int] = field(default_factory=list)
    labels: list[np.ndarray] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    overrides: list[tuple[int, _HeldOut]] = field(default_factory=list)

    def add(self, vector: np.ndarray, text: str, exclude: int, labels: np.ndarray, weight: float) -> int:
        self.vectors.append(vector)
        self.texts.append(text)
        self.exclude.append(exclude)
        self.labels.append(labels)
        self.weights.append(weight)
        return len(self.texts) - 1


class LogisticMapper:
    """Calibrated P(principle relevant | point) from several principle views and a logistic model.

    Measured below plain cosine on held-out points (evals/README.md): kept for comparison, not the default.

    Options: ``glossary`` (``(regex, words)`` pairs expanding points for the lexical feature; none by
    default); ``max_units`` (held-out
    sentences per principle used as training queries); ``feedback_weight`` (weight of an analyst-
    labelled pair against a self-supervised one); ``duplicate_cos`` (a held-out sentence is also a
    positive for another principle with a sentence this close: the Code of Conduct repeats the
    strategy); ``near_from``/``near_full`` (cosine to a confirmed or rejected point at which its
    verdict starts to pull, and at which it decides).
    """

    fallback_threshold = 0.35

    def __init__(
        self,
        *,
        glossary: Glossary = (),
        C: float = 1.0,
        max_units: int = 6,
        feedback_weight: float = 1.0,
        duplicate_cos: float = 0.85,
        near_from: float = 0.75,
        near_full: float = 0.95,
        top_k: int = 3,
    ) -> None:
        self.glossary = tuple(glossary)
        self.C = C
        self.max_units = max_units
        self.feedback_weight = feedback_weight
        self.duplicate_cos = duplicate_cos
        self.near_from = near_from
        self.near_full = near_full
        self.top_k = top_k
        self.principle_ids: list[int] = []
        self.threshold = self.fallback_threshold
        self.model = None
        self._ev: _Evidence | None = None

    def fit(
        self, framework: MapperFramework, embed: Embed, feedback: Sequence[Feedback] = ()
    ) -> LogisticMapper:
        """Fit on ``framework`` with its own feedback plus ``feedback`` (a later verdict on the same
        point and principle wins). Feedback on unknown principles is ignored."""
        known = {p.id for p in framework.principles}
        verdicts: dict[tuple[str, int], Feedback] = {}
        for f in [*framework.feedback, *feedback]:
            if f.principle_id in known and f.verdict in ("confirm", "reject") and f.point_text.strip():
                verdicts[(_norm(f.point_text), f.principle_id)] = f
        self.principle_ids = [p.id for p in framework.principles]
        self.model, self.threshold, self._ev = None, self.fallback_threshold, None
        if not self.principle_ids:
            return self
        ev = self._ev = _build_evidence(
            framework, list(verdicts.values()), embed, self.max_units, self.glossary
        )
        train = self._training(ev)
        if not train.texts:
            return self
        feats = self._features(
            np.vstack(train.vectors), train.texts, np.array(train.exclude), train.overrides
        )
        labels = np.vstack(train.labels)
        first = len(ev.held_out)
        for k, (c, _, _) in enumerate(ev.component_queries):  # pseudo-label: the component's best match
            members = np.flatnonzero(ev.comp == c)
            match = feats[first + k, members][:, [FEATURES.index("cos_enr"), FEATURES.index("lex")]].sum(
                axis=1
            )
            labels[first + k, members] = -1.0
            labels[first + k, members[int(np.argmax(match))]] = 1.0
        keep = labels >= 0
        if len(np.unique(labels[keep])) < 2:
            return self
        weights = np.repeat(np.array(train.weights, np.float32)[:, None], labels.shape[1], axis=1)
        model = make_pipeline(StandardScaler(), LogisticRegression(C=self.C, max_iter=2000))
        model.fit(feats[keep], labels[keep], logisticregression__sample_weight=weights[keep])
        self.model = model
        self.threshold = _best_threshold(self._predict(feats), labels, self.top_k)
        return self

    def _training(self, ev: _Evidence) -> _Training:
        """Held-out sentences, then context sentences and pull-quotes (labelled once their features
        exist), then analyst-labelled points."""
        n_p = len(self.principle_ids)
        train = _Training()
        for h in ev.held_out:
            labels = np.zeros(n_p, np.float32)
            labels[ev.unit_of[ev.unit_vecs @ h.vector >= self.duplicate_cos]] = 1.0
            labels[h.principle] = 1.0
            i = train.add(h.vector, h.text, ev.owner(h.text), labels, 1.0)
            train.overrides.append((i, h))
        for _, text, v in ev.component_queries:
            train.add(v, text, ev.owner(text), np.zeros(n_p, np.float32), 1.0)
        for text, v, confirmed in ev.feedback_queries:
            labels = np.zeros(n_p, np.float32)
            labels[confirmed] = 1.0
            train.add(v, text, ev.owner(text), labels, self.feedback_weight)
        return train

    # --- scoring -----------------------------------------------------------------------------
    def _features(
        self,
        queries: np.ndarray,
        texts: Sequence[str],
        exclude: np.ndarray | None = None,
        overrides: Sequence[tuple[int, _HeldOut]] = (),
    ) -> np.ndarray:
        ev = self._ev
        assert ev is not None
        parts = {
            "cos_text": queries @ ev.text.T,
            "cos_enr": queries @ ev.enr.T,
            "ex_p": ev.ex_p.group_max(queries, len(self.principle_ids), exclude, fill=np.nan),
            "ex_c": ev.ex_c.group_max(queries, ev.n_comp, exclude, fill=np.nan)[:, ev.comp],
            "ctx": ev.ctx.group_max(queries, ev.n_comp, exclude, fill=np.nan)[:, ev.comp],
            "lex": ev.lexical.scores(list(texts)),
        }
        for i, h in overrides:
            parts["cos_text"][i, h.principle] = float(queries[i] @ h.text_vec)
            parts["cos_enr"][i, h.principle] = float(queries[i] @ h.enr_vec)
            parts["lex"][i, h.principle] = h.lex
        for name, stand_in in (("ex_p", "cos_text"), ("ex_c", "cos_enr"), ("ctx", "cos_enr")):
            parts[name] = np.where(np.isnan(parts[name]), parts[stand_in], parts[name])
        parts["comp_best"] = component_best(parts["cos_enr"], ev.comp)
        return assemble(parts)

    def _predict(self, feats: np.ndarray) -> np.ndarray:
        n, n_p, n_f = feats.shape
        if self.model is None:
            return np.clip(feats[:, :, FEATURES.index("cos_enr")], 0.0, 1.0)
        return self.model.predict_proba(feats.reshape(n * n_p, n_f))[:, 1].reshape(n, n_p)

    def scores(self, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        """(n, P) probabilities in ``principle_ids`` order, analyst verdicts on near neighbours applied:
        the closer the nearest confirmed (rejected) point of a principle, the more its probability
        is lifted towards 1 (cut towards 0), from cosine ``near_from`` to ``near_full``."""
        emb = np.asarray(embeddings, np.float32)
        if len(texts) != len(emb):
            raise ValueError(f"{len(texts)} texts but {len(emb)} embeddings")
        n_p = len(self.principle_ids)
        if not len(emb) or self._ev is None:
            return np.zeros((len(emb), n_p), np.float32)
        probs = self._predict(self._features(emb, texts))
        good = self._ev.confirmed.group_max(emb, n_p, fill=-1.0)
        bad = self._ev.rejected.group_max(emb, n_p, fill=-1.0)
        span = max(self.near_full - self.near_from, 1e-6)
        lift = np.clip((good - self.near_from) / span, 0.0, 1.0)
        cut = np.clip((bad - self.near_from) / span, 0.0, 1.0)
        probs = np.where(good > bad, probs + (1.0 - probs) * lift, probs * (1.0 - cut))
        return probs.astype(np.float32)

    def map(self, texts: Sequence[str], embeddings: np.ndarray, top_k: int = 3) -> list[Ranked]:
        """Per point, best first, up to ``top_k`` (principle id, probability) at or above the
        threshold; an empty list means no principle fits."""
        return _select(self.scores(texts, embeddings), self.principle_ids, top_k, self.threshold)

    def decide(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        placeholder: Sequence[bool] | None = None,
        rule: DecisionRule | None = None,
    ) -> list[Mapping]:
        """Its probabilities ranked under the shared decision rule (off-topic: best text cosine)."""
        emb = np.asarray(embeddings, np.float32)
        scores = self.scores(texts, emb)
        rel = (emb @ self._ev.text.T).max(axis=1) if self._ev is not None else np.zeros(len(emb))
        return decide_rows(scores, rel, self.principle_ids, rule or DecisionRule(), placeholder=placeholder)


def _without(text: str, unit: str) -> str:
    return re.sub(r"[ \t]+", " ", text.replace(unit, " ")).strip()


def _lex_doc(p: MapperPrinciple, c: MapperComponent) -> str:
    return " ".join(x for x in (_principle_text(p), c.name, c.headline or "") if x)


def _best_threshold(probs: np.ndarray, labels: np.ndarray, top_k: int) -> float:
    """The threshold maximising micro-F1 of "top_k at or above it" on the labelled training pairs."""
    order = np.argsort(-probs, axis=1, kind="stable")[:, :top_k]
    in_top = np.zeros_like(probs, dtype=bool)
    np.put_along_axis(in_top, order, True, axis=1)
    known = labels >= 0
    gold = (labels == 1) & known
    best_t, best_f1 = LogisticMapper.fallback_threshold, -1.0
    for t in np.round(np.arange(0.05, 0.951, 0.01), 2):
        pred = in_top & (probs >= t) & known
        f1 = 2 * float((pred & gold).sum()) / max(int(pred.sum() + gold.sum()), 1)
        if f1 > best_f1:
            best_t, best_f1 = float(t), f1
    return best_t


# --- the database side -----------------------------------------------------------------------
def load_framework(db: Database, framework_id: int) -> MapperFramework:
    """A stored framework with its components, principles, pull-quotes and analyst feedback."""
    stored = frameworks.load_framework_rows(db, framework_id)
    if stored is None:
        raise ValueError(f"no framework with id {framework_id}")
    comps = [MapperComponent(n, h, ctx, bool(a)) for _, n, h, ctx, a in stored.components]
    comp_index = {cid: i for i, (cid, *_) in enumerate(stored.components)}
    by_name = {_norm(c.name): i for i, c in enumerate(comps)}
    principles = [
        MapperPrinciple(
            pid, comp_index[cid], text, code, kind, desc, _json_list(examples), tit or None, _json_list(syn)
        )
        for pid, cid, code, kind, text, desc, examples, tit, syn in stored.principles
    ]
    for clean_text, meta in stored.quotes:
        component = _json_dict(meta).get("component")
        ci = by_name.get(_norm(str(component))) if component else None
        if ci is not None and clean_text.strip():
            comps[ci].examples.append(clean_text)
    feedback = [Feedback(*row) for row in stored.feedback]
    return MapperFramework(
        stored.name, comps, principles, id=framework_id, question=stored.question, feedback=feedback
    )


def select_frameworks(db: Database, question: str | None, consultation: int | None = None) -> list[int]:
    """Framework ids to map a point with: the codebook whose question matches the point's question
    (case and spacing ignored), else every framework that belongs to no question; only frameworks of
    the point's ``consultation`` (all, when None)."""
    rows = frameworks.framework_questions(db, consultation)
    if question:
        own = [fid for fid, q in rows if q and _norm(q) == _norm(question)]
        if own:
            return own
    return [fid for fid, q in rows if not q]


def _json_list(raw: str | None) -> list[str]:
    try:
        value = json.loads(raw or "[]")
    except json.JSONDecodeError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _json_dict(raw: str | None) -> dict:
    try:
        value = json.loads(raw or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}
