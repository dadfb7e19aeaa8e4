"""Tag each point with its sentiment towards the policy and its point type.

``Tagger`` is two logistic-regression heads (sentiment, type) over one standardised feature row per
point: the point's sentence embedding (passed in, from any embedder), VADER lexicon scores and the
cue features of ``nlp.tag_rules``. The rules may override the type head only where they are near
certain (``tag_rules.certain_type``). Each head's C and the weight of the embedding block are chosen
by 5-fold cross-validated macro-F1 on the training data alone (grouped by source when groups are
given); fitting is deterministic for a given seed. Measured accuracy: evals/README.md, "## Tags".

``default_tagger`` loads ``models/tagger-<embedder>.joblib`` or, when it is missing or stale
(training data, cue rules or feature version changed), fits it from ``nlp/data/tags_train.jsonl``
and saves it (a few seconds plus embedding ~435 short texts).
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.preprocessing import StandardScaler
from threadpoolctl import ThreadpoolController

from nlp import tag_rules
from nlp.parallel import map_in_parts

TRAIN_PATH = Path(__file__).resolve().parent / "data" / "tags_train.jsonl"
FEATURE_VERSION = 1
RULE_SCORE = 0.95  # type_score reported for a rule override: a marker of a rule decision, not a probability
C_GRID = (0.003, 0.01, 0.03, 0.1, 0.3)
EMBEDDING_WEIGHTS = (0.25, 0.5, 1.0)  # scale of the (standardised) embedding block against the other features
DEFAULT_C = 0.1


@dataclass(frozen=True)
class Tag:
    """Tags for one point; scores are the chosen class's probability (or ``RULE_SCORE``)."""

    sentiment: str
    sentiment_score: float
    type: str
    type_score: float


@lru_cache(maxsize=1)
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def lexicon_features(texts: Sequence[str]) -> np.ndarray:
    """VADER compound, pos, neg, neu for each text (n × 4, float32)."""
    analyser = _vader()
    rows = []
    for text in texts:
        s = analyser.polarity_scores(text)
        rows.append([s["compound"], s["pos"], s["neg"], s["neu"]])
    return np.asarray(rows, dtype=np.float32).reshape(len(texts), 4)


# Below this many texts, worker processes cost more than the text features they would share.
PARALLEL_MIN = 2_000


def _text_features(texts: list[str], *, lexicon: bool, rules: bool) -> list[np.ndarray]:
    """Each text's ``lexicon_features`` then ``rule_features`` (module level: worker processes run it)."""
    blocks = ([lexicon_features(texts)] if lexicon else []) + (
        [tag_rules.rule_feature_matrix(texts)] if rules else []
    )
    return list(np.hstack(blocks)) if texts else []


def vader_sentiment(text: str, threshold: float = 0.05) -> str:
    """The usual VADER rule: compound ≥ threshold positive, ≤ −threshold negative, else neutral."""
    compound = _vader().polarity_scores(text)["compound"]
    return "positive" if compound >= threshold else "negative" if compound <= -threshold else "neutral"


_controller: ThreadpoolController | None = None


def _one_thread():
    """One native thread (``threadpoolctl``'s limit 1) over the libraries found on first use, without
    scanning the process's libraries again on every call (2.4 ms each: a check-my-point request's
    tagging)."""
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller.limit(limits=1)


class Tagger:
    """Sentiment and point-type heads over embeddings + lexicon + rule features.

    ``use_embeddings``/``use_lexicon``/``use_rules`` select feature blocks and ``overrides``
    switches the near-certain rule overrides on or off (the eval's ablations use them).
    """

    def __init__(
        self,
        *,
        use_embeddings: bool = True,
        use_lexicon: bool = True,
        use_rules: bool = True,
        overrides: bool = True,
        seed: int = 42,
    ) -> None:
        if not (use_embeddings or use_lexicon or use_rules):
            raise ValueError("a Tagger needs at least one feature block")
        self.use_embeddings = use_embeddings
        self.use_lexicon = use_lexicon
        self.use_rules = use_rules
        self.overrides = overrides
        self.seed = seed
        self.dim: int | None = None
        self.scaler: StandardScaler | None = None
        self.sentiment_head: LogisticRegression | None = None
        self.type_head: LogisticRegression | None = None
        self.weights: dict[str, float] = {"sentiment": 1.0, "type": 1.0}
        self.meta: dict[str, Any] = {}

    # --- features ---------------------------------------------------------------------------
    def _features(self, texts: Sequence[str], embeddings: np.ndarray | None) -> np.ndarray:
        texts = list(texts)
        blocks: list[np.ndarray] = []
        if self.use_embeddings:
            emb = _as_matrix(embeddings, len(texts))
            if self.dim is not None and emb.shape[1] != self.dim:
                raise ValueError(
                    f"embeddings have {emb.shape[1]} columns; this tagger was fitted on {self.dim}"
                )
            blocks.append(emb)
        if self.use_lexicon or self.use_rules:
            width = 4 * self.use_lexicon + len(tag_rules.FEATURE_NAMES) * self.use_rules
            text_rows = partial(_text_features, lexicon=self.use_lexicon, rules=self.use_rules)
            rows = map_in_parts(text_rows, texts, min_items=PARALLEL_MIN)
            blocks.append(np.asarray(rows, dtype=np.float32).reshape(len(texts), width))
        return np.hstack(blocks).astype(np.float64)

    # --- fit / predict ----------------------------------------------------------------------
    def fit(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray | None,
        sentiments: Sequence[str],
        types: Sequence[str],
        *,
        groups: Sequence[str] | None = None,
    ) -> Tagger:
        """Fit both heads; labels must come from ``tag_rules.SENTIMENTS`` and ``tag_rules.TYPES``.

        ``groups`` (e.g. the source document of each item) makes the model selection
        cross-validate across groups, which estimates performance on unseen sources.
        """
        texts = list(texts)
        if not (len(texts) == len(sentiments) == len(types)) or not texts:
            raise ValueError("texts, sentiments and types must be non-empty and of equal length")
        if groups is not None and len(groups) != len(texts):
            raise ValueError("groups must have one entry per text")
        _check_labels(sentiments, tag_rules.SENTIMENTS, "sentiment")
        _check_labels(types, tag_rules.TYPES, "type")
        if self.use_embeddings:
            self.dim = _as_matrix(embeddings, len(texts)).shape[1]
        x = self._features(texts, embeddings)
        self.scaler = StandardScaler().fit(x)
        x = self.scaler.transform(x)
        # Small dense problems: one BLAS thread is ~50x faster than threads contending for the cores.
        with _one_thread():
            self.sentiment_head, w_s = self._fit_head(x, np.asarray(sentiments), groups)
            self.type_head, w_t = self._fit_head(x, np.asarray(types), groups)
        self.weights = {"sentiment": w_s, "type": w_t}
        self.meta["selected"] = {
            "sentiment": {"C": self.sentiment_head.C, "embedding_weight": w_s},
            "type": {"C": self.type_head.C, "embedding_weight": w_t},
        }
        return self

    def _weighted(self, x: np.ndarray, embedding_weight: float) -> np.ndarray:
        if not self.use_embeddings or embedding_weight == 1.0:
            return x
        x = x.copy()
        x[:, : self.dim] *= embedding_weight
        return x

    def _splits(self, x: np.ndarray, y: np.ndarray, groups: Sequence[str] | None) -> list | None:
        counts = np.unique(y, return_counts=True)[1]
        if groups is not None and len(set(groups)) >= 3:
            return list(GroupKFold(n_splits=min(5, len(set(groups)))).split(x, y, groups))
        folds = int(min(5, counts.min()))
        if folds < 2:
            return None
        return list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.seed).split(x, y))

    def _fit_head(
        self, x: np.ndarray, y: np.ndarray, groups: Sequence[str] | None
    ) -> tuple[LogisticRegression, float]:
        """Choose (embedding weight, C) by cross-validated macro-F1, then refit on everything."""
        if len(np.unique(y)) < 2:
            raise ValueError(f"need at least two classes to fit, got only {y[0]!r}")
        splits = self._splits(x, y, groups)
        weights = (
            EMBEDDING_WEIGHTS if self.use_embeddings and (self.use_lexicon or self.use_rules) else (1.0,)
        )
        best = (-1.0, weights[0], DEFAULT_C)
        for w in weights if splits else ():
            xw = self._weighted(x, w)
            for c in C_GRID:
                pred = np.empty(len(y), dtype=object)
                for train, test in splits:
                    pred[test] = self._head(c).fit(xw[train], y[train]).predict(xw[test])
                score = f1_score(y, pred.astype(str), average="macro", zero_division=0)
                if score > best[0] + 1e-9:
                    best = (score, w, c)
        _, w, c = best
        return self._head(c).fit(self._weighted(x, w), y), w

    def _head(self, c: float) -> LogisticRegression:
        return LogisticRegression(C=c, class_weight="balanced", max_iter=5000, random_state=self.seed)

    def predict(self, texts: Sequence[str], embeddings: np.ndarray | None) -> list[Tag]:
        """One ``Tag`` per text, in order."""
        if self.scaler is None or self.sentiment_head is None or self.type_head is None:
            raise RuntimeError("Tagger.predict called before fit/load")
        texts = list(texts)
        if not texts:
            return []
        x = self.scaler.transform(self._features(texts, embeddings))
        with _one_thread():
            ps = self.sentiment_head.predict_proba(self._weighted(x, self.weights["sentiment"]))
            pt = self.type_head.predict_proba(self._weighted(x, self.weights["type"]))
        s_classes = list(self.sentiment_head.classes_)
        t_classes = list(self.type_head.classes_)
        tags = []
        for i, text in enumerate(texts):
            si, ti = int(np.argmax(ps[i])), int(np.argmax(pt[i]))
            kind, kind_score = t_classes[ti], float(pt[i, ti])
            forced = tag_rules.certain_type(text) if self.overrides else None
            if forced and forced != kind:
                kind, kind_score = forced, RULE_SCORE
            tags.append(Tag(s_classes[si], float(ps[i, si]), kind, kind_score))
        return tags

    # --- persistence ------------------------------------------------------------------------
    def save(self, path: Path | str) -> Path:
        """Write the fitted tagger to ``path`` (joblib), creating folders as needed."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {"feature_version": FEATURE_VERSION, **self.__dict__}
        joblib.dump(state, path)
        return path

    @classmethod
    def load(cls, path: Path | str) -> Tagger:
        """Read a tagger written by ``save``; raises ``ValueError`` for another feature version."""
        state = dict(joblib.load(Path(path)))
        if state.pop("feature_version", None) != FEATURE_VERSION:
            raise ValueError(f"{path} was saved by another tagger feature version")
        tagger = cls.__new__(cls)
        tagger.__dict__.update(state)
        return tagger


def _as_matrix(embeddings: np.ndarray | None, n: int) -> np.ndarray:
    if embeddings is None:
        raise ValueError("this tagger uses embeddings: pass an (n, dim) array")
    emb = np.asarray(embeddings, dtype=np.float32)
    if emb.ndim != 2 or emb.shape[0] != n:
        raise ValueError(f"embeddings must be an array of shape ({n}, dim), got {emb.shape}")
    return emb


def _check_labels(labels: Sequence[str], allowed: tuple[str, ...], what: str) -> None:
    unknown = sorted(set(labels) - set(allowed))
    if unknown:
        raise ValueError(f"unknown {what} labels {unknown}; expected {list(allowed)}")


def load_examples(path: Path = TRAIN_PATH) -> list[dict[str, str]]:
    """Labelled items ``{"text", "sentiment", "type", "origin"}`` from a JSONL file."""
    with Path(path).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def origin_group(origin: str) -> str:
    """The source an item came from, for grouped cross-validation: a Polis conversation, a file, "synthetic"."""
    parts = origin.split(":")
    return parts[1] if parts[0] == "polis" and len(parts) > 2 else origin


def _fingerprint(train_path: Path) -> str:
    """Changes whenever the training data, the cue rules or the feature version change."""
    digest = hashlib.sha1(Path(train_path).read_bytes())
    digest.update(Path(tag_rules.__file__).read_bytes())
    digest.update(str(FEATURE_VERSION).encode())
    return digest.hexdigest()


def default_tagger(
    embedder_name: str,
    embed: Callable[[list[str]], np.ndarray],
    models_dir: Path = Path("models"),
    *,
    train_path: Path = TRAIN_PATH,
) -> Tagger:
    """Load ``models_dir/tagger-<embedder_name>.joblib``, or fit it from the training data and save it.

    A saved tagger is refitted when the training file, the cue rules or the feature version changed.
    """
    safe = re.sub(r"[^A-Za-z0-9._@-]+", "_", embedder_name)
    path = Path(models_dir) / f"tagger-{safe}.joblib"
    fingerprint = _fingerprint(train_path)
    if path.exists():
        try:
            tagger = Tagger.load(path)
            if tagger.meta.get("train_sha1") == fingerprint and tagger.meta.get("embedder") == embedder_name:
                return tagger
        except (
            ValueError,
            EOFError,
            KeyError,
            AttributeError,
            ImportError,
            TypeError,
            pickle.UnpicklingError,
        ):
            pass  # stale or unreadable: refit below
    rows = load_examples(train_path)
    texts = [r["text"] for r in rows]
    groups = [origin_group(r.get("origin", "")) for r in rows]
    tagger = Tagger().fit(
        texts, embed(texts), [r["sentiment"] for r in rows], [r["type"] for r in rows], groups=groups
    )
    tagger.meta.update(train_sha1=fingerprint, embedder=embedder_name, n_train=len(rows))
    tagger.save(path)
    return tagger
