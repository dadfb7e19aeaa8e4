"""Themes: BERTopic over precomputed embeddings, with outlier reduction and a two-level hierarchy.

``ThemeModeller(...).fit(texts, embeddings)`` returns a ``ThemeResult``: a theme number per text
(-1 = outlier), a score (cosine similarity to the theme's centroid), the themes (number, label,
keywords, size) and broader groups of themes. Every stage is a constructor argument with a default:

1. UMAP to 5 dimensions (cosine, ``random_state=seed``; 200 epochs above 5,000 texts).
2. HDBSCAN, leaf cluster selection (``min_cluster_size`` grows with the square root of the corpus,
   or ``min_topic_size``). On MiniLM vectors of Polis comments the usual "eom" selection made one
   cluster of about half the corpus (5,000 comments: 2,339 of them; 11,081: 5,567, though 53 themes
   after a float-level change to the input); "leaf" gave 35-38 and 53-61 specific themes. It leaves
   more outliers (about 40% there), which step 4 moves to their nearest theme.
3. A theme set people can hold (skipped when a target ``nr_topics`` is given, which is met exactly:
   surplus themes merged by Ward agglomeration of their centroids, too few made by KMeans on the
   UMAP output):
   - near-duplicates merged: while two theme centroids have a *relative* cosine above
     ``merge_above`` (0.8), the pair merges. Relative = (cosine - m) / (1 - m), m the corpus' mean
     pairwise cosine (the squared norm of its mean unit vector), so the rule means the same for
     embedders whose cosines sit high (multilingual e5: m 0.85 on German comments, where a raw 0.85
     merged every theme into one) as for MiniLM (m 0.18-0.33 on the eval corpora, where 0.8 is a
     raw 0.84-0.87; the closest distinct themes of the seeds and two Polis conversations sat at
     relative 0.73-0.77);
   - at most ``max_themes`` themes (25; Ward merges the surplus);
   - themes under ``min_theme_size`` points (HDBSCAN's smallest cluster by default) are dissolved
     into the outliers.
   If HDBSCAN finds nothing at all, KMeans makes about sqrt(n/2) themes.
4. Outliers are moved to their nearest theme only when they fit it: when their cosine to its
   centroid reaches the ``unthemed_quantile`` (0.1) quantile of that theme's own members' cosines.
   The rest stay unthemed (-1): an honest "not themed" bucket, not forced into the nearest theme.
   ``unthemed_quantile=None`` moves every outlier (the old behaviour); ``reduce_outliers=False``
   moves none. The counts before and after are reported.
5. Keywords: c-TF-IDF over a (1, 2)-gram vocabulary learnt on the documents (``min_df`` grows with
   the corpus), refined by KeyBERTInspired then MaximalMarginalRelevance when an embedder is given
   (both embed candidate words), plain c-TF-IDF otherwise. Titles and descriptions come from
   ``nlp.theme_titles`` (noun phrases from the points; keywords stay as they were).
6. Groups: theme centroids clustered (Ward) into about sqrt(n_themes) groups, labelled from the
   c-TF-IDF of their themes' documents.

Small corpora (fewer than ``min_docs`` texts, 30 by default) skip UMAP/HDBSCAN, which are unreliable
there: Ward agglomeration of the embeddings (``nr_topics`` or about sqrt(n/2) themes) with c-TF-IDF
keywords. Ward needs no seed; on 18-27 synthetic texts it kept topics apart better than KMeans, and
on 10-29 real seed bullets it split more evenly than average linkage (which left singletons).
Large corpora (more than ``sample_size`` texts, 10,000 by default; ``None``: never) fit steps 1-3 on a
seeded random sample and assign the rest with the fitted model, then place outliers (step 4) and
compute keywords and titles (steps 5-6) over every text, with no second embedding pass.
``assign_rest="centroid"`` (default) gives each other text its nearest theme centroid, themed at the
rate of the sample's texts nearest that theme, best-fitting first (``calibrated_floor``);
``"predict"`` uses UMAP ``transform`` + HDBSCAN ``approximate_predict`` instead (slower; see
``bench/bench_theme_sample.py`` for the agreement of both with a full fit).
The result is deterministic for a given input and seed. BERTopic (10-20 s to import) is imported
only inside ``fit`` and when loading a saved BERTopic model; ``load`` and ``assign`` do not need it.
"""

from __future__ import annotations

import json
import math
import warnings
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from nlp.embed import Embedder, available_cores, normalise_rows
from nlp.knn import EXACT_KNN_MAX, EXACT_KNN_MIN, exact_cosine_knn
from nlp.parallel import Aside
from nlp.theme_text import known_languages, read_texts, theme_stop_words
from nlp.theme_titles import title_classes

TOKEN_PATTERN = r"(?u)\b[^\W\d_][^\W\d_]+\b"  # words of two or more letters
FORMAT_VERSION = 1


@dataclass
class Theme:
    topic: int
    label: str  # the title: a noun phrase from the theme's points (nlp.theme_titles)
    keywords: list[str]
    size: int
    group: int
    description: str = ""  # one sentence quoting the key clause of the most typical point
    title_sources: list[dict] = field(default_factory=list)  # TitleSource dicts, the title's phrase first


@dataclass
class ThemeGroup:
    group: int
    label: str
    keywords: list[str]
    topics: list[int]
    size: int
    description: str = ""
    title_sources: list[dict] = field(default_factory=list)


@dataclass
class ThemeResult:
    topics: np.ndarray  # theme number per text, -1 = outlier
    scores: np.ndarray  # cosine similarity to the assigned (or, for outliers, nearest) theme centroid
    themes: list[Theme]
    groups: list[ThemeGroup]
    outliers_before: int = 0
    outliers_after: int = 0
    method: str = "bertopic"  # or "small-corpus", or "no-words" (texts without a single word)
    params: dict[str, Any] = field(default_factory=dict)
    languages: list[str | None] = field(default_factory=list)  # detected per text (ISO 639-1; None: unsure)

    def theme(self, topic: int) -> Theme:
        return next(t for t in self.themes if t.topic == topic)

    def summary(self) -> dict[str, Any]:
        """Everything but the per-text arrays, JSON-ready."""
        return {
            "method": self.method,
            "outliers_before": self.outliers_before,
            "outliers_after": self.outliers_after,
            "params": self.params,
            "themes": [asdict(t) for t in self.themes],
            "groups": [asdict(g) for g in self.groups],
        }


def default_min_cluster_size(n: int) -> int:
    """HDBSCAN's smallest theme: ~0.4·sqrt(n) points (6 at 240 points, 110 at 75k)."""
    return max(5, round(0.4 * math.sqrt(n)))


DEFAULT_MAX_THEMES = 25  # users of other tools find 30+ themes too many to hold
MERGE_ABOVE = 0.8  # relative centroid cosine above which two themes are near-duplicates (_raw_cosine)
UNTHEMED_QUANTILE = 0.1  # an outlier joins its nearest theme when it fits as well as 90% of the members
DEFAULT_SAMPLE = 10_000  # above this many texts, themes are fitted on a sample (bench/bench_theme_sample.py)

# Above this many texts UMAP runs ``LARGE_LAYOUT_EPOCHS`` epochs (UMAP's own default is 500 up to
# 10,000 texts, 200 above; this stage ran 200 before 2026-12-03): on 10,000 and 50,000 real answers
# the themes agree as well with the answers' conversations at 100 as at 200, and as well across seeds
# at 10,000 (evals/eval_theme_scale.py, evals/README.md), and the fit of 10,000 takes about 3 s less.
# Smaller corpora keep UMAP's default.
LARGE_LAYOUT_MIN = 5_000
LARGE_LAYOUT_EPOCHS = 100


def default_umap_epochs(n: int) -> int | None:
    """UMAP's ``n_epochs`` for a layout of ``n`` texts (None: UMAP's own default)."""
    return LARGE_LAYOUT_EPOCHS if n > LARGE_LAYOUT_MIN else None


ASSIGN_METHODS = ("centroid", "predict")


def default_min_samples(size: int) -> int:
    """Low ``min_samples`` keeps HDBSCAN from calling dense-but-small concerns noise (seeds: 5 → 16 themes)."""
    return max(2, min(size // 3, 10))


def default_min_df(n: int) -> int:
    return 1 if n < 300 else max(2, n // 5000)


def default_n_clusters(n: int) -> int:
    """Themes for the small-corpus and no-cluster fallbacks: about sqrt(n/2)."""
    return max(1, min(n, round(math.sqrt(n / 2))))


def _backend(embedder: Embedder) -> Any:
    """Wrap an ``Embedder`` as a BERTopic backend (for the keyword representations) that embeds each
    distinct text once: KeyBERTInspired embeds every candidate keyword in one call, then
    MaximalMarginalRelevance asks again for each theme's keywords, one theme at a time."""
    from bertopic.backend import BaseEmbedder

    class _Backend(BaseEmbedder):
        def __init__(self) -> None:
            super().__init__()
            self.seen: dict[str, np.ndarray] = {}

        def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
            texts = [str(d) for d in documents]
            todo = [t for t in dict.fromkeys(texts) if t not in self.seen]
            if todo:
                self.seen.update(zip(todo, np.asarray(embedder.encode(todo), np.float32), strict=True))
            if not texts:
                return np.asarray(embedder.encode([]), np.float32)
            return np.stack([self.seen[t] for t in texts])

    return _Backend()


def _ctfidf(counts: sparse.csr_matrix, top_n: int) -> list[list[int]]:
    """Top term columns per row of class-by-term counts, weighted as BERTopic's c-TF-IDF."""
    counts = sparse.csr_matrix(counts, dtype=np.float64)
    df = np.asarray(counts.sum(axis=0)).ravel()
    avg = max(1.0, float(counts.sum(axis=1).mean()))
    idf = np.log(1 + avg / np.where(df > 0, df, 1))
    rows = []
    for i in range(counts.shape[0]):
        row = counts.getrow(i)
        if row.nnz == 0:
            rows.append([])
            continue
        weights = np.sqrt(row.data / row.data.sum()) * idf[row.indices]
        order = np.lexsort((row.indices, -weights))[:top_n]
        rows.append([int(row.indices[j]) for j in order])
    return rows


def _as_matrix(embeddings: np.ndarray, n: int) -> np.ndarray:
    """Validated, L2-normalised float32 rows, one per text."""
    matrix = np.asarray(embeddings, dtype=np.float32)
    if n == 0 and matrix.size == 0:
        return matrix.reshape(0, matrix.shape[-1] if matrix.ndim == 2 else 0)
    if matrix.ndim != 2 or matrix.shape[0] != n:
        raise ValueError(f"expected one embedding row per text ({n}), got shape {matrix.shape}")
    return normalise_rows(matrix)


def _renumber(topics: np.ndarray) -> np.ndarray:
    """Number themes 0.. by size, largest first (ties: earliest first member); -1 stays."""
    labels = [t for t in np.unique(topics) if t != -1]
    first = {t: int(np.flatnonzero(topics == t)[0]) for t in labels}
    order = sorted(labels, key=lambda t: (-int((topics == t).sum()), first[t]))
    mapping = {old: new for new, old in enumerate(order)}
    return np.array([mapping.get(int(t), -1) for t in topics], dtype=int)


def _centroids(topics: np.ndarray, embeddings: np.ndarray) -> np.ndarray:
    k = int(topics.max()) + 1 if len(topics) else 0
    if k <= 0:
        return np.zeros((0, embeddings.shape[1]), dtype=np.float32)
    return normalise_rows(np.vstack([embeddings[topics == t].mean(axis=0) for t in range(k)]))


def _agglomerate(vectors: np.ndarray, n_clusters: int) -> np.ndarray:
    """Ward agglomeration of (unit) vectors into ``n_clusters``: deterministic, and more even than
    average linkage, which on real theme centroids tends to make one group of nearly everything."""
    from sklearn.cluster import AgglomerativeClustering

    distinct = len(np.unique(np.round(vectors, 6), axis=0)) if len(vectors) else 0
    n_clusters = max(1, min(n_clusters, distinct))
    if n_clusters == 1:
        return np.zeros(len(vectors), dtype=int)
    return AgglomerativeClustering(n_clusters=n_clusters, linkage="ward").fit_predict(vectors)


def _raw_cosine(relative: float, embeddings: np.ndarray) -> float:
    """The cosine that is ``relative`` of the way from the corpus' mean pairwise cosine to 1."""
    mean = embeddings.mean(axis=0) if len(embeddings) else np.zeros(1)
    m = float(np.clip(mean @ mean, 0.0, 1.0))
    return m + relative * (1.0 - m)


def _merge_close(topics: np.ndarray, embeddings: np.ndarray, above: float) -> np.ndarray:
    """Merge the closest pair of themes while their centroids' cosine is above ``above``."""
    while len(topics) and topics.max() >= 1:
        centroids = _centroids(topics, embeddings)
        sims = centroids @ centroids.T
        np.fill_diagonal(sims, -np.inf)
        i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
        if sims[i, j] <= above:
            break
        topics = _renumber(np.where(topics == max(i, j), min(i, j), topics))
    return topics


def _dissolve_small(topics: np.ndarray, min_size: int) -> tuple[np.ndarray, int]:
    """Themes under ``min_size`` points become outliers (unless that would leave no theme)."""
    if not len(topics) or topics.max() < 0:
        return topics, 0
    sizes = np.bincount(topics[topics >= 0])
    small = np.flatnonzero(sizes < min_size)
    if len(small) == 0 or len(small) == len(sizes):
        return topics, 0
    return _renumber(np.where(np.isin(topics, small), -1, topics)), len(small)


def _place_outliers(topics: np.ndarray, embeddings: np.ndarray, quantile: float | None) -> np.ndarray:
    """Move each outlier to its nearest theme (cosine to the centroid) when it fits there as well as
    the theme's own members at ``quantile`` (None: always); the others stay -1."""
    out = np.flatnonzero(topics == -1)
    if not len(out) or topics.max() < 0:
        return topics
    centroids = _centroids(topics, embeddings)
    sims = embeddings[out] @ centroids.T
    nearest, best = sims.argmax(axis=1), sims.max(axis=1)
    if quantile is None:
        fits = np.ones(len(out), dtype=bool)
    else:
        own = np.einsum("ij,ij->i", embeddings, centroids[np.maximum(topics, 0)])
        floor = np.array([np.quantile(own[topics == t], quantile) for t in range(len(centroids))])
        fits = best >= floor[nearest]
    topics = topics.copy()
    topics[out[fits]] = nearest[fits]
    return topics


def sample_indices(n: int, size: int | None, seed: int) -> np.ndarray | None:
    """The sorted indices of a seeded random sample of ``size`` of ``n`` texts, or None to use all."""
    if size is None or size <= 0 or n <= size:
        return None
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def calibrated_floor(topics: np.ndarray, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The unit centroids of the themes in ``topics`` (the sample's final themes, -1: unthemed) and,
    per theme, the cosine a new text needs to join it: of the sample's texts nearest that theme, the
    share that is themed reaches it. Texts outside the sample are then themed at the sample's rate,
    the best-fitting first (a full fit themes every HDBSCAN member, close to its centroid or not).
    Members are measured leave-one-out, as a text from outside the sample would be."""
    centroids = _centroids(topics, embeddings)
    floor = np.zeros(len(centroids), dtype=np.float32)
    if not len(centroids):
        return centroids, floor
    sims = embeddings @ centroids.T
    # a member's cosine to its own theme without itself (leave-one-out): small themes' centroids
    # sit closer to their own members than to texts from outside the sample
    member = np.flatnonzero(topics >= 0)
    sums = np.vstack([embeddings[topics == t].sum(axis=0) for t in range(len(centroids))])
    rest = sums[topics[member]] - embeddings[member]
    norms = np.linalg.norm(rest, axis=1)
    own = np.einsum("ij,ij->i", embeddings[member], rest) / np.where(norms > 0, norms, 1.0)
    sims[member, topics[member]] = np.where(norms > 0, own, sims[member, topics[member]])
    nearest, best = sims.argmax(axis=1), sims.max(axis=1)
    for t in range(len(centroids)):
        near = nearest == t
        if near.any():
            floor[t] = np.quantile(best[near], 1.0 - float(np.mean(topics[near] >= 0)))
        else:  # no sample text is nearest this theme: its least-fitting member
            floor[t] = float(np.min(sims[topics == t, t]))
    return centroids, floor


def nearest_fitting(embeddings: np.ndarray, centroids: np.ndarray, floor: np.ndarray | None) -> np.ndarray:
    """Each row's nearest centroid by cosine, or -1 where it is under that theme's ``floor``.

    Row by row independent, so it can run on batches anywhere (``nlp.ray_path``)."""
    if not len(centroids):
        return np.full(len(embeddings), -1, dtype=int)
    sims = np.asarray(embeddings, dtype=np.float32) @ centroids.T
    nearest = sims.argmax(axis=1)
    if floor is None:
        return nearest.astype(int)
    best = sims[np.arange(len(sims)), nearest]
    return np.where(best >= floor[nearest], nearest, -1).astype(int)


def _kmeans(points: np.ndarray, n_clusters: int, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    distinct = len(np.unique(np.round(points, 6), axis=0))
    n_clusters = max(1, min(n_clusters, distinct))
    if n_clusters == 1:
        return np.zeros(len(points), dtype=int)
    return KMeans(n_clusters=n_clusters, random_state=seed, n_init=4).fit_predict(points)


class _LaidOut:
    """A dimensionality reduction already fitted on the embeddings BERTopic is given next: it hands
    BERTopic their stored layout, and forwards any other call to the fitted model."""

    def __init__(self, model: Any, embeddings: np.ndarray, reduced: np.ndarray) -> None:
        self.model, self.embeddings, self.reduced = model, embeddings, reduced

    def _same(self, x: Any) -> bool:
        return x is self.embeddings or (
            getattr(x, "shape", None) == self.embeddings.shape and np.array_equal(x, self.embeddings)
        )

    def fit(self, x: Any, y: Any = None) -> _LaidOut:
        if not self._same(x):
            self.model.fit(x, y=y)
        return self

    def fit_transform(self, x: Any, y: Any = None) -> np.ndarray:
        return self.reduced if self._same(x) else self.model.fit_transform(x, y=y)

    def transform(self, x: Any) -> np.ndarray:
        return self.reduced if self._same(x) else self.model.transform(x)


class ThemeModeller:
    """Fit themes on texts with precomputed embeddings; save, load, and assign new texts."""

    def __init__(
        self,
        *,
        embedder: Embedder | None = None,
        umap_model: Any = None,
        hdbscan_model: Any = None,
        vectorizer_model: Any = None,
        representation_model: Any = "default",
        nr_topics: int | None = None,
        min_topic_size: int | None = None,
        n_groups: int | None = None,
        seed: int = 42,
        min_docs: int = 30,
        reduce_outliers: bool = True,
        max_themes: int | None = DEFAULT_MAX_THEMES,
        min_theme_size: int | None = None,
        merge_above: float | None = MERGE_ABOVE,
        unthemed_quantile: float | None = UNTHEMED_QUANTILE,
        top_n_words: int = 10,
        sample_size: int | None = DEFAULT_SAMPLE,
        assign_rest: str = "centroid",
        umap_epochs: int | None = None,
        verbose: bool = False,
    ) -> None:
        if nr_topics is not None and nr_topics < 1:
            raise ValueError("nr_topics must be at least 1")
        if assign_rest not in ASSIGN_METHODS:
            raise ValueError(f"assign_rest must be one of {ASSIGN_METHODS}")
        if sample_size and sample_size < max(2, min_docs):
            raise ValueError(f"sample_size must be 0/None (never sample) or at least min_docs ({min_docs})")
        self.sample_size = sample_size
        self.assign_rest = assign_rest
        # (embeddings, centroids, floor) -> themes for the texts outside the sample; None: ``nearest_fitting``
        self.rest_assigner: Any = None
        self.embedder = embedder
        self.umap_model = umap_model
        self.umap_epochs = umap_epochs  # None: ``default_umap_epochs`` (ignored with ``umap_model``)
        self.hdbscan_model = hdbscan_model
        self.vectorizer_model = vectorizer_model
        self.representation_model = representation_model
        self.nr_topics = nr_topics
        self.min_topic_size = min_topic_size
        self.n_groups = n_groups
        self.seed = seed
        self.min_docs = max(2, min_docs)
        self.reduce_outliers = reduce_outliers
        if max_themes is not None and max_themes < 1:
            raise ValueError("max_themes must be at least 1")
        self.max_themes = max_themes
        self.min_theme_size = min_theme_size
        self.merge_above = merge_above
        self.unthemed_quantile = unthemed_quantile
        self._shaping: dict[str, Any] = {}
        self._clustered = True  # the last BERTopic fit kept HDBSCAN's clusters (no KMeans fallback)
        self.top_n_words = top_n_words
        self.verbose = verbose
        self.result: ThemeResult | None = None
        self.topic_model: Any = None  # the fitted BERTopic model, when BERTopic was used
        self.centroids = np.zeros((0, 0), dtype=np.float32)
        self._lemmas = None  # the lemma tokenizer of the last fit's vectorizer, if it made one
        self.languages: list[str | None] = []  # the last fit's detected language per text (None: unsure)
        self._languages: list[str] = []  # the same, limited to languages with stop words
        self.group_centroids = np.zeros((0, 0), dtype=np.float32)
        self.embedder_name = embedder.name if embedder is not None else None

    # ----- stage defaults -------------------------------------------------------------------------

    def _umap(self, n: int, embeddings: np.ndarray | None = None) -> Any:
        """UMAP as configured; given the ``embeddings`` it will fit (``EXACT_KNN_MIN`` to
        ``EXACT_KNN_MAX`` of them, and when no UMAP ``transform`` of new texts is needed), with their
        exact neighbours precomputed (``nlp.knn``) instead of UMAP's NN-descent."""
        if self.umap_model is not None:
            return self.umap_model
        from umap import UMAP

        k = min(15, n - 1)
        knn: tuple = (None, None, None)
        if embeddings is not None and EXACT_KNN_MIN <= n <= EXACT_KNN_MAX and self.assign_rest != "predict":
            knn = (*exact_cosine_knn(embeddings, k), None)
        return UMAP(
            n_neighbors=k,
            precomputed_knn=knn,
            n_components=5,
            min_dist=0.0,
            metric="cosine",
            random_state=self.seed,
            n_jobs=1,  # what random_state implies anyway; said here to avoid UMAP's warning
            low_memory=True,
            n_epochs=self.umap_epochs if self.umap_epochs is not None else default_umap_epochs(n),
        )

    def _hdbscan(self, n: int) -> Any:
        if self.hdbscan_model is not None:
            return self.hdbscan_model
        from hdbscan import HDBSCAN

        size = self.min_topic_size or default_min_cluster_size(n)
        return HDBSCAN(
            min_cluster_size=size,
            min_samples=default_min_samples(size),
            metric="euclidean",
            cluster_selection_method="leaf",
            prediction_data=True,
            core_dist_n_jobs=available_cores(),
        )

    def _vectorizer(self, texts: list[str], lemmas: dict[str, str] | None = None) -> Any:
        """The c-TF-IDF vectorizer: a vocabulary with a document-level ``min_df``, fixed for BERTopic.

        (BERTopic fits its vectorizer on one joined document per topic, where ``min_df`` would count
        topics; learning the vocabulary on the documents first gives ``min_df`` its usual meaning.)
        ``lemmas``: the texts' words outside the stop words already lemmatised (``read_texts``).
        """
        from sklearn.base import clone
        from sklearn.feature_extraction.text import CountVectorizer

        self._lemmas = None
        if self.vectorizer_model is not None:
            return clone(self.vectorizer_model)
        from nlp.lemmas import LemmaTokenizer

        tokenizers: dict[bool, LemmaTokenizer] = {}
        for min_df, stop_words in ((default_min_df(len(texts)), True), (1, True), (1, False)):
            if stop_words not in tokenizers:
                stops = theme_stop_words(texts, self._languages) if stop_words else frozenset()
                known = lemmas if stop_words else None  # read for the words outside the stop words
                tokenizers[stop_words] = LemmaTokenizer(texts, TOKEN_PATTERN, stop_words=stops, lemmas=known)
            options = {"tokenizer": tokenizers[stop_words], "token_pattern": None, "lowercase": False}
            probe = CountVectorizer(ngram_range=(1, 2), min_df=min_df, **options)
            try:
                probe.fit(texts)
            except ValueError:  # empty vocabulary: only stop words, or nothing frequent enough
                continue
            self._lemmas = tokenizers[stop_words]
            return CountVectorizer(ngram_range=(1, 2), vocabulary=sorted(probe.vocabulary_), **options)
        return None

    def _representation(self) -> Any:
        if self.representation_model != "default":
            return self.representation_model
        if self.embedder is None:
            return None  # both refinements below embed candidate words
        from bertopic.representation import KeyBERTInspired, MaximalMarginalRelevance

        return [
            # 50 candidates, not BERTopic's 100: embedding them is most of this step's time
            KeyBERTInspired(top_n_words=self.top_n_words, nr_candidate_words=50, random_state=self.seed),
            MaximalMarginalRelevance(diversity=0.3, top_n_words=self.top_n_words),
        ]

    # ----- fitting --------------------------------------------------------------------------------

    def fit(self, texts: list[str], embeddings: np.ndarray) -> ThemeResult:
        """Fit themes; deterministic for the same texts, embeddings and seed."""
        texts = [str(t) for t in texts]
        embeddings = _as_matrix(embeddings, len(texts))
        n = len(texts)
        self.topic_model = None
        lemmas = self.vectorizer_model is None
        sample, layout = None, None
        if n >= self.min_docs:  # UMAP lays out the (sampled) points while a worker reads the texts
            sample = sample_indices(n, self.sample_size, self.seed)
            with Aside(read_texts, texts, TOKEN_PATTERN, lemmas) as reading_aside:
                layout = self._layout(embeddings if sample is None else embeddings[sample])
                reading = reading_aside.result()
        else:
            reading = read_texts(texts, TOKEN_PATTERN, lemmas)
        self.languages = reading.languages
        # titles and keywords read each text with its language's stop words (the main one if unknown)
        self._languages = known_languages(texts, self.languages)
        vectorizer = self._vectorizer(texts, reading.lemmas) if n else None
        if n == 0:
            topics, before, after, method = np.zeros(0, dtype=int), 0, 0, "small-corpus"
        elif n < self.min_docs:
            k = self.nr_topics or min(default_n_clusters(n), self.max_themes or n)
            topics, before, after, method = _agglomerate(embeddings, k), 0, 0, "small-corpus"
        elif vectorizer is None:  # not one word in any text (numbers, emoji): nothing for c-TF-IDF
            k = self.nr_topics or min(default_n_clusters(n), self.max_themes or n)
            topics, before, after, method = _kmeans(embeddings, k, self.seed), 0, 0, "no-words"
        else:
            method = "bertopic"
        self._shaping = {}
        if layout is not None:  # the epochs UMAP was given (None: its own default), whoever chose them
            self._shaping["umap_epochs"] = getattr(layout.model, "n_epochs", None)
        if method == "bertopic":
            topics, before = self._fit_themes(texts, embeddings, vectorizer, sample, layout)
            after = int((topics == -1).sum())
        else:
            topics = self._merge_to_target(_renumber(np.asarray(topics, dtype=int)), embeddings)
        self.centroids = _centroids(topics, embeddings)
        counts, terms = self._doc_counts(texts, vectorizer)
        if self.topic_model is not None:
            self._update_bertopic(texts, topics, vectorizer)
            keywords = [
                [w for w, _ in self.topic_model.get_topic(t) or [] if w] for t in range(len(self.centroids))
            ]
        else:
            keywords = self._keywords(topics, counts, terms, len(self.centroids))
        # counted by lemma, shown as the texts most often write them
        if self._lemmas is not None:
            keywords = [list(dict.fromkeys(self._lemmas.written(kw) for kw in kws)) for kws in keywords]
            terms = [self._lemmas.written(t) for t in terms]
        self.result = self._assemble(
            texts, embeddings, topics, keywords, counts, terms, before, after, method
        )
        return self.result

    def _fit_themes(
        self,
        texts: list[str],
        embeddings: np.ndarray,
        vectorizer: Any,
        sample: np.ndarray | None,
        layout: _LaidOut,
    ) -> tuple[np.ndarray, int]:
        """Steps 1-4: themes per text and the number of outliers before placement. Above
        ``sample_size`` texts, steps 1-3 run on a seeded ``sample`` (``layout``: its UMAP, already
        fitted) and the rest are assigned."""
        n = len(texts)
        idx = np.arange(n) if sample is None else sample
        raw, before, _ = self._fit_bertopic([texts[i] for i in idx], layout, vectorizer)
        shaped = self._consolidate(self._merge_to_target(_renumber(raw), embeddings[idx]), embeddings[idx])
        place = self.reduce_outliers
        if sample is None:
            topics = shaped
        elif self.assign_rest == "predict" and self._can_predict():
            rest = np.setdiff1d(np.arange(n), sample)
            topics = np.full(n, -1, dtype=int)
            topics[sample] = shaped
            topics[rest] = self._predict_rest(shaped, embeddings[rest])
            before += int((topics[rest] == -1).sum())
            self._shaping.update(sample=len(sample), assigned=len(rest), assign_rest="predict")
        else:  # the sample's outliers placed first, then the rest themed at the sample's rate
            rest = np.setdiff1d(np.arange(n), sample)
            if place:
                shaped = _place_outliers(shaped, embeddings[sample], self.unthemed_quantile)
            centroids, floor = calibrated_floor(shaped, embeddings[sample])
            assign = self.rest_assigner or nearest_fitting
            topics = np.full(n, -1, dtype=int)
            topics[sample] = shaped
            topics[rest] = np.asarray(assign(embeddings[rest], centroids, floor), dtype=int)
            before += int((topics[rest] == -1).sum())
            self._shaping.update(sample=len(sample), assigned=len(rest), assign_rest="centroid")
            place = False
        if place:
            topics = _place_outliers(topics, embeddings, self.unthemed_quantile)
        return _renumber(topics), before

    def _can_predict(self) -> bool:
        hdb = getattr(self.topic_model, "hdbscan_model", None)
        return self._clustered and getattr(hdb, "prediction_data_", None) is not None

    def _predict_rest(self, shaped: np.ndarray, embeddings: np.ndarray) -> np.ndarray:
        """Themes (-1: outlier) for texts outside the sample: UMAP ``transform`` + HDBSCAN
        ``approximate_predict``, HDBSCAN's clusters mapped to the sample's shaped themes."""
        import hdbscan

        hdb = self.topic_model.hdbscan_model
        predicted, _ = hdbscan.approximate_predict(hdb, self.topic_model.umap_model.transform(embeddings))
        votes: dict[int, Counter] = {}  # merges and dissolving act on whole clusters: one theme each
        for cluster, theme in zip(np.asarray(hdb.labels_, dtype=int), shaped, strict=True):
            votes.setdefault(int(cluster), Counter())[int(theme)] += 1
        theme_of = {c: v.most_common(1)[0][0] for c, v in votes.items() if c >= 0}
        return np.array([theme_of.get(int(c), -1) for c in predicted], dtype=int)

    def _layout(self, embeddings: np.ndarray) -> _LaidOut:
        """Step 1 for the texts BERTopic will fit: the dimensionality reduction fitted, as BERTopic
        would fit it (``fit_transform``, else ``fit`` then ``transform``)."""
        model = self._umap(len(embeddings), embeddings)
        with warnings.catch_warnings():
            # precomputed neighbours come without a search index: UMAP warns that it cannot
            # transform new texts, which this path never asks it to (assign_rest="predict" does)
            warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]", category=UserWarning)
            if hasattr(model, "fit_transform"):
                reduced = model.fit_transform(embeddings)
            else:
                model.fit(embeddings)
                reduced = model.transform(embeddings)
        return _LaidOut(model, embeddings, np.asarray(reduced))

    def _fit_bertopic(
        self, texts: list[str], layout: _LaidOut, vectorizer: Any
    ) -> tuple[np.ndarray, int, int]:
        from bertopic import BERTopic
        from bertopic.vectorizers import ClassTfidfTransformer

        n = len(texts)
        embeddings = layout.embeddings
        model = BERTopic(
            embedding_model=_backend(self.embedder) if self.embedder is not None else None,
            umap_model=layout,
            hdbscan_model=self._hdbscan(n),
            vectorizer_model=vectorizer,
            ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
            representation_model=None,  # applied once, on the final themes (_update_bertopic)
            top_n_words=self.top_n_words,
            calculate_probabilities=False,
            language="multilingual",  # only stops BERTopic's English cleaning, which strips "-", "'" and "/"
            verbose=self.verbose,
        )
        topics = np.asarray(model.fit_transform(texts, embeddings)[0], dtype=int)
        model.umap_model = layout.model  # the fitted reduction itself from here on (transform, save)
        self.topic_model = model
        self._clustered = True
        n_found = len(set(topics.tolist()) - {-1})
        target = self.nr_topics
        if n_found == 0 or (target is not None and n_found < target):
            reduced = getattr(model.umap_model, "embedding_", None)
            if reduced is None:
                reduced = model.umap_model.transform(embeddings)
            k = target or default_n_clusters(n)
            self._clustered = False  # KMeans on the UMAP output: HDBSCAN's clusters do not apply
            return _kmeans(np.asarray(reduced), k, self.seed), 0, 0
        before = int((topics == -1).sum())
        return topics, before, before  # outliers are placed (or left unthemed) by _fit_themes

    def _merge_to_target(
        self, topics: np.ndarray, embeddings: np.ndarray, target: int | None = None
    ) -> np.ndarray:
        """Ward-merge theme centroids down to ``target`` (default: ``nr_topics``) themes."""
        target = target or self.nr_topics
        k = int(topics.max()) + 1 if len(topics) else 0
        if target is None or k <= target:
            return topics
        merged = _agglomerate(_centroids(topics, embeddings), target)
        return _renumber(np.array([merged[t] if t >= 0 else -1 for t in topics], dtype=int))

    def _consolidate(self, topics: np.ndarray, embeddings: np.ndarray) -> np.ndarray:
        """Near-duplicates merged, the cap, the minimum size (outliers are placed by the caller)."""
        n_before = int(topics.max()) + 1 if len(topics) else 0
        if self.nr_topics is None:
            if self.merge_above is not None:
                topics = _merge_close(topics, embeddings, _raw_cosine(self.merge_above, embeddings))
            self._shaping["merged_duplicates"] = n_before - (int(topics.max()) + 1)
            n_merged = int(topics.max()) + 1
            topics = self._merge_to_target(topics, embeddings, self.max_themes)
            self._shaping["merged_to_cap"] = n_merged - (int(topics.max()) + 1)
            size = self.min_theme_size or default_min_cluster_size(len(topics))
            topics, dissolved = _dissolve_small(topics, size)
            self._shaping["dissolved_small"] = dissolved
        return _renumber(topics)

    def _update_bertopic(self, texts: list[str], topics: np.ndarray, vectorizer: Any) -> None:
        """Recompute keywords for the final themes, with the representation chain, inside BERTopic."""
        from bertopic.vectorizers import ClassTfidfTransformer

        model = self.topic_model
        model.topics_ = topics.tolist()  # set here, not passed: passing topics makes BERTopic warn
        model.update_topics(
            texts,
            top_n_words=self.top_n_words,
            vectorizer_model=vectorizer,
            ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
            representation_model=self._representation(),
        )
        # Topic vectors = the centroids used by ``assign``, so BERTopic's own transform agrees.
        rows = (
            [self.centroids] if -1 not in topics else [np.zeros((1, self.centroids.shape[1])), self.centroids]
        )
        model.topic_embeddings_ = np.vstack(rows).astype(np.float32)

    def _doc_counts(self, texts: list[str], vectorizer: Any) -> tuple[sparse.csr_matrix | None, list[str]]:
        if vectorizer is None:
            return None, []
        from sklearn.base import clone

        vec = clone(vectorizer)
        counts = vec.fit_transform(texts)
        return sparse.csr_matrix(counts), [str(t) for t in vec.get_feature_names_out()]

    def _keywords(
        self, labels: np.ndarray, counts: sparse.csr_matrix | None, terms: list[str], k: int
    ) -> list[list[str]]:
        """c-TF-IDF top terms per class, for ``k`` classes numbered 0..k-1 (-1 rows ignored)."""
        if counts is None or k == 0:
            return [[] for _ in range(k)]
        keep = labels >= 0
        member = sparse.csr_matrix(
            (np.ones(int(keep.sum())), (labels[keep], np.flatnonzero(keep))), shape=(k, len(labels))
        )
        return [[terms[j] for j in row] for row in _ctfidf(member @ counts, self.top_n_words)]

    def _assemble(
        self,
        texts: list[str],
        embeddings: np.ndarray,
        topics: np.ndarray,
        keywords: list[list[str]],
        counts: sparse.csr_matrix | None,
        terms: list[str],
        before: int,
        after: int,
        method: str,
    ) -> ThemeResult:
        k = len(self.centroids)
        sizes = [int((topics == t).sum()) for t in range(k)]
        phrases: dict[int, list] = {}  # candidate phrases per text, shared by the theme and group titles
        titles = title_classes(
            texts, embeddings, topics, self.centroids, languages=self._languages, cache=phrases
        )

        n_groups = self.n_groups or max(1, round(math.sqrt(k)))
        group_of = (
            _renumber(np.asarray(_agglomerate(self.centroids, min(n_groups, k)), dtype=int)) if k else []
        )
        group_of = np.asarray(group_of, dtype=int)
        doc_group = np.array([group_of[t] if t >= 0 else -1 for t in topics], dtype=int)
        n_g = int(group_of.max()) + 1 if k else 0
        group_keywords = self._keywords(doc_group, counts, terms, n_g)
        self.group_centroids = (
            _centroids(doc_group, embeddings) if n_g else np.zeros((0, embeddings.shape[1]))
        )
        multi = [g for g in range(n_g) if int((group_of == g).sum()) > 1]
        group_titles = (
            title_classes(
                texts,
                embeddings,
                doc_group,
                self.group_centroids,
                languages=self._languages,
                fallback="Group",
                cache=phrases,
                avoid=[t.key for t in titles],  # a group is named apart from its themes
            )
            if multi
            else []
        )
        groups = []
        for g in range(n_g):
            members = [int(t) for t in np.flatnonzero(group_of == g)]
            title = group_titles[g] if g in multi else titles[members[0]]
            groups.append(
                ThemeGroup(
                    g,
                    title.title,
                    group_keywords[g],
                    members,
                    sum(sizes[t] for t in members),
                    title.description,
                    title.sources_json(),
                )
            )

        themes = [
            Theme(
                t,
                titles[t].title,
                keywords[t],
                sizes[t],
                int(group_of[t]),
                titles[t].description,
                titles[t].sources_json(),
            )
            for t in range(k)
        ]
        if k:
            sims = embeddings @ self.centroids.T
            scores = np.where(
                topics >= 0, sims[np.arange(len(topics)), np.maximum(topics, 0)], sims.max(axis=1)
            )
        else:
            scores = np.zeros(len(topics), dtype=np.float32)
        params = {
            "seed": self.seed,
            "nr_topics": self.nr_topics,
            "min_topic_size": self.min_topic_size,
            "max_themes": self.max_themes,
            "min_theme_size": self.min_theme_size,
            "merge_above": self.merge_above,
            "unthemed_quantile": self.unthemed_quantile,
            "sample_size": self.sample_size,
            "n": len(texts),
            **self._shaping,
        }
        return ThemeResult(
            topics,
            scores.astype(np.float32),
            themes,
            groups,
            before,
            after,
            method,
            params,
            list(self.languages),
        )

    # ----- using a fitted model -------------------------------------------------------------------

    def assign(
        self, texts: list[str], embeddings: np.ndarray, *, min_score: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Theme and score for new texts: the nearest theme centroid by cosine (-1 below ``min_score``)."""
        if self.result is None:
            raise ValueError("fit or load a model first")
        embeddings = _as_matrix(embeddings, len(texts))
        if len(texts) == 0 or len(self.centroids) == 0:
            return np.full(len(texts), -1, dtype=int), np.zeros(len(texts), dtype=np.float32)
        if embeddings.shape[1] != self.centroids.shape[1]:
            raise ValueError(
                f"embeddings have {embeddings.shape[1]} columns, the model {self.centroids.shape[1]}"
            )
        sims = embeddings @ self.centroids.T
        topics = sims.argmax(axis=1).astype(int)
        scores = sims.max(axis=1).astype(np.float32)
        if min_score is not None:
            topics[scores < min_score] = -1
        return topics, scores

    def save(self, path: str | Path) -> Path:
        """Write ``themes.json`` (labels, keywords, hierarchy), ``centroids.safetensors`` and, when
        BERTopic was used, its safetensors serialization under ``bertopic/``."""
        from safetensors.numpy import save_file

        if self.result is None:
            raise ValueError("nothing to save: fit first")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        meta = {"format": FORMAT_VERSION, "embedder": self.embedder_name, **self.result.summary()}
        (path / "themes.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
        tensors = {"themes": self.centroids, "groups": np.asarray(self.group_centroids, dtype=np.float32)}
        save_file(
            {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()},
            path / "centroids.safetensors",
        )
        if self.topic_model is not None:
            # True (not a name): no embedding-model pointer is written, and BERTopic does not warn.
            self.topic_model.save(
                path / "bertopic", serialization="safetensors", save_ctfidf=True, save_embedding_model=True
            )
        return path

    @classmethod
    def load(cls, path: str | Path) -> ThemeModeller:
        """Load a saved model for ``assign`` (BERTopic is not imported; see ``load_bertopic``)."""
        from safetensors.numpy import load_file

        path = Path(path)
        meta = json.loads((path / "themes.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"{path}: unknown theme model format {meta.get('format')!r}")
        tensors = load_file(path / "centroids.safetensors")
        params = meta.get("params", {})
        model = cls(
            seed=params.get("seed", 42),
            nr_topics=params.get("nr_topics"),
            min_topic_size=params.get("min_topic_size"),
            max_themes=params.get("max_themes", DEFAULT_MAX_THEMES),
            min_theme_size=params.get("min_theme_size"),
            merge_above=params.get("merge_above", MERGE_ABOVE),
            unthemed_quantile=params.get("unthemed_quantile", UNTHEMED_QUANTILE),
            sample_size=params.get("sample_size", DEFAULT_SAMPLE),
        )
        model.embedder_name = meta.get("embedder")
        model.centroids = tensors["themes"]
        model.group_centroids = tensors["groups"]
        model.result = ThemeResult(
            topics=np.zeros(0, dtype=int),
            scores=np.zeros(0, dtype=np.float32),
            themes=[Theme(**t) for t in meta["themes"]],
            groups=[ThemeGroup(**g) for g in meta["groups"]],
            outliers_before=meta["outliers_before"],
            outliers_after=meta["outliers_after"],
            method=meta["method"],
            params=params,
        )
        return model

    @staticmethod
    def load_bertopic(path: str | Path, embedder: Embedder | None = None) -> Any:
        """The saved BERTopic model (for its own tools and plots), or None for a small-corpus fit."""
        folder = Path(path) / "bertopic"
        if not folder.exists():
            return None
        from bertopic import BERTopic

        return BERTopic.load(
            str(folder), embedding_model=_backend(embedder) if embedder is not None else None
        )
