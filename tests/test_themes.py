"""Theme labels (pure) and the theme modeller (BERTopic path, small-corpus path, save/load/assign)."""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from nlp.embed import HashingEmbedder
from nlp.theme_labels import bigram_counts, detect_casing, make_label, unique_labels
from nlp.themes import ThemeModeller

SEEDS = Path(__file__).resolve().parents[1] / "corpora" / "dwp-seeds"

# ----- labels ------------------------------------------------------------------------------------


def test_label_from_the_brief():
    texts = ["TUPE applies when staff transfer.", "Under TUPE, staff transfer with their pensions.", "tupe"]
    casing = detect_casing(texts)
    bigrams = bigram_counts(texts, ["tupe", "staff", "transfer"])
    assert casing["tupe"] == "TUPE"
    assert bigrams[("staff", "transfer")] == 2
    label = make_label(["tupe", "staff", "transfer", "tupe applies"], casing=casing, bigrams=bigrams)
    assert label == "TUPE and staff transfer"


def test_label_prefers_representative_bigram_and_never_repeats_words():
    kws = ["work", "programme", "work programme", "providers", "provider", "contracts"]
    assert make_label(kws, casing={"programme": "Programme"}) == "Work Programme and providers"
    # "provider" is the same word as "providers": the second phrase moves on
    assert make_label(["providers", "provider", "payments"]) == "Providers and payments"
    # a bigram whose other word is not a keyword is passed over for the unigram
    assert make_label(["tupe", "tupe applies", "pensions"], casing={"tupe": "TUPE"}) == "TUPE and pensions"


def test_label_shapes():
    assert make_label([]) == ""
    assert make_label(["", "2010", "  "]) == ""  # nothing wordy
    assert make_label(["funding"]) == "Funding"
    long = make_label(["payment results", "cash flow", "contract length"], max_words=5)
    assert long == "Payment results and cash flow"
    assert len(make_label(["alpha beta", "gamma delta", "epsilon"], max_words=3).split()) <= 3
    words = make_label(["jobcentre plus", "jobcentre", "plus", "advisers", "referrals"]).lower().split()
    assert len(words) == len(set(words))


def test_casing_detection():
    texts = [
        "The DWP said so. DWP staff agreed, and the dwp site was down.",
        "Ask Jobcentre Plus. Staff at Jobcentre Plus were helpful.",
        "Jobcentre staff know. Every staff member was there.",
    ]
    casing = detect_casing(texts)
    assert casing["dwp"] == "DWP"  # upper-case in 2 of 3 uses
    assert casing["jobcentre"] == "Jobcentre"  # capitalised mid-sentence; the sentence-initial use is ignored
    assert "staff" not in casing and "the" not in casing
    assert set(detect_casing(texts, vocab=["dwp"])) == {"dwp"}


def test_unique_labels_adds_a_distinguishing_keyword():
    labels = unique_labels(
        ["Funding", "Funding", "Advisers"], [["funding", "rural"], ["funding", "cuts"], ["advisers"]]
    )
    assert labels == ["Funding: rural", "Funding: cuts", "Advisers"]


# ----- modeller ----------------------------------------------------------------------------------

TOPICS = {
    "tupe": (
        ["TUPE", "staff transfer", "pension rights", "employment terms", "transferred staff"],
        ["protects", "applies to", "must cover", "should guarantee", "worries"],
    ),
    "contracts": (
        ["contract payments", "payment by results", "cash flow", "contract length", "upfront funding"],
        ["delays", "undermines", "needs review of", "hurts", "depends on"],
    ),
    "jobcentre": (
        [
            "Jobcentre Plus advisers",
            "referral process",
            "eligibility checks",
            "benefit claimants",
            "work coaches",
        ],
        ["slows", "should improve", "is confusing for", "needs training on", "fails"],
    ),
}
FILLER = ["in our experience", "across the region", "for small charities", "this year", "in rural areas"]


def synthetic(per_topic: int = 40, seed: int = 0) -> tuple[list[str], list[int]]:
    """Three obvious topics: sentences built from each topic's own phrases."""
    rng = random.Random(seed)
    texts, truth = [], []
    for index, (nouns, verbs) in enumerate(TOPICS.values()):
        for _ in range(per_topic):
            a, b = rng.sample(nouns, 2)
            texts.append(f"{a[0].upper()}{a[1:]} {rng.choice(verbs)} {b} {rng.choice(FILLER)}.")
            truth.append(index)
    return texts, truth


def purity(truth: list[int], topics: np.ndarray) -> float:
    """Share of texts whose theme is the majority theme of their true topic (1.0: no topic is split)."""
    pairs = Counter(zip(truth, topics.tolist(), strict=True))
    best = {t: max(n for (tt, _), n in pairs.items() if tt == t) for t in set(truth)}
    return sum(best.values()) / len(truth)


def topic_of_theme(truth: list[int], topics: np.ndarray) -> dict[int, int]:
    """The true topic most of each theme's texts come from."""
    truth_arr = np.array(truth)
    return {
        int(t): Counter(truth_arr[topics == t].tolist()).most_common(1)[0][0] for t in set(topics.tolist())
    }


def homogeneity(truth: list[int], topics: np.ndarray) -> float:
    """Share of themed texts whose theme's majority true topic is theirs (1.0: no theme mixes topics).

    Unthemed texts (-1) are no theme and are left out."""
    owner = topic_of_theme(truth, topics)
    pairs = [(t, tt) for t, tt in zip(topics.tolist(), truth, strict=True) if t >= 0]
    return sum(owner[int(t)] == tt for t, tt in pairs) / len(pairs)


@pytest.fixture(scope="module")
def corpus():
    texts, truth = synthetic()
    embedder = HashingEmbedder()
    return texts, truth, embedder, embedder.encode(texts)


@pytest.fixture(scope="module")
def fitted(corpus):
    texts, _, embedder, vectors = corpus
    modeller = ThemeModeller(embedder=embedder, seed=7)
    return modeller, modeller.fit(texts, vectors)


def test_themes_separate_obvious_topics(corpus, fitted):
    texts, truth, _, _ = corpus
    _, result = fitted
    assert result.method == "bertopic"
    assert len(result.themes) >= 3  # HDBSCAN (leaf) may split a topic into sub-themes...
    assert homogeneity(truth, result.topics) >= 0.95  # ...but no theme mixes two topics
    assert set(topic_of_theme(truth, result.topics).values()) == {0, 1, 2}
    # outliers that fit a theme joined it; the rest are left unthemed (-1), not forced into one
    assert result.outliers_before >= result.outliers_after == int((result.topics == -1).sum())
    k = len(result.themes)
    assert [t.topic for t in result.themes] == list(range(k))
    assert [t.size for t in result.themes] == [int((result.topics == t).sum()) for t in range(k)]
    assert all(t.description and t.title_sources for t in result.themes)
    assert sorted(t.size for t in result.themes)[::-1] == [t.size for t in result.themes]  # largest first
    for theme in result.themes:
        assert theme.label and len(theme.label.split()) <= 5 and theme.keywords
        words = [w for w in theme.label.lower().split() if w != "and"]
        assert len(set(words)) == len(words)
    assert len({t.label for t in result.themes}) == k
    assert np.all(result.scores <= 1.0001) and np.all(result.scores >= -1.0001)


def test_labels_name_the_topics(corpus, fitted):
    texts, truth, _, _ = corpus
    _, result = fitted
    owner = topic_of_theme(truth, result.topics)
    labels = {
        topic: " / ".join(t.label for t in result.themes if owner[t.topic] == topic) for topic in range(3)
    }
    # noun phrases of the topic, cased as written ("Jobcentre Plus advisers" spreads over every
    # jobcentre sub-theme, so each takes a phrase more its own)
    assert re.search(
        r"Jobcentre Plus|[Aa]dvisers|[Rr]eferral|[Ee]ligibility|[Cc]laimants|[Cc]oaches", labels[2]
    )
    assert re.search(r"TUPE|[Ss]taff|[Pp]ension|[Ee]mployment", labels[0])
    assert re.search(r"[Pp]ayment|[Cc]ontract|[Ff]unding|[Cc]ash", labels[1])


def test_hierarchy_groups_cover_every_theme_once(corpus, fitted):
    _, truth, _, _ = corpus
    _, result = fitted
    assert 1 <= len(result.groups) <= len(result.themes)
    # here the broader groups recover the three topics the themes split
    assert len(result.groups) == 3
    themed = result.topics >= 0
    doc_group = np.array([result.theme(int(t)).group for t in result.topics[themed]])
    truth_themed = [tt for tt, keep in zip(truth, themed, strict=True) if keep]
    assert homogeneity(truth_themed, doc_group) >= 0.95 and purity(truth_themed, doc_group) >= 0.95
    members = sorted(t for g in result.groups for t in g.topics)
    assert members == [t.topic for t in result.themes]
    from nlp.theme_titles import near_identical

    theme_keys = [tuple(t.label.lower().split()) for t in result.themes]
    for group in result.groups:
        assert group.label
        if len(group.topics) > 1:  # a group of several themes is named apart from every theme
            key = tuple(group.label.lower().split())
            assert not any(near_identical(key, k) for k in theme_keys), group.label
        assert group.size == sum(result.theme(t).size for t in group.topics)
        assert all(result.theme(t).group == group.group for t in group.topics)


def test_same_input_and_seed_give_same_result(corpus, fitted):
    texts, _, embedder, vectors = corpus
    _, first = fitted
    again = ThemeModeller(embedder=embedder, seed=7).fit(texts, vectors)
    np.testing.assert_array_equal(first.topics, again.topics)
    np.testing.assert_array_equal(first.scores, again.scores)
    assert [t.label for t in first.themes] == [t.label for t in again.themes]
    assert [g.topics for g in first.groups] == [g.topics for g in again.groups]


def test_texts_read_in_a_worker_or_here_give_the_same_themes(corpus, fitted, monkeypatch):
    """Languages and lemmas are read in a worker process while UMAP runs (nlp.parallel.Aside), or
    here on one core: the same themes, titles and keywords either way."""
    from nlp import parallel

    texts, _, embedder, vectors = corpus
    _, first = fitted
    monkeypatch.setattr(parallel, "available_cores", lambda: 1)
    here = ThemeModeller(embedder=embedder, seed=7).fit(texts, vectors)
    np.testing.assert_array_equal(first.topics, here.topics)
    assert [(t.label, t.keywords) for t in first.themes] == [(t.label, t.keywords) for t in here.themes]
    assert first.languages == here.languages


@pytest.mark.parametrize("target", [2, 3, 20])
def test_target_number_of_themes_is_honoured(corpus, target):
    texts, truth, embedder, vectors = corpus
    result = ThemeModeller(embedder=embedder, seed=7, nr_topics=target).fit(texts, vectors)
    assert len(result.themes) == target  # fewer than HDBSCAN found: merged; more: KMeans
    assert set(result.topics.tolist()) - {-1} == set(range(target))
    if target == 3:
        assert purity(truth, result.topics) >= 0.95 and homogeneity(truth, result.topics) >= 0.95


def test_save_load_assign_round_trip(tmp_path, corpus, fitted):
    texts, truth, embedder, vectors = corpus
    modeller, result = fitted
    path = modeller.save(tmp_path / "models" / "themes")
    assert (path / "themes.json").exists() and (path / "centroids.safetensors").exists()
    assert (path / "bertopic" / "topics.json").exists()

    loaded = ThemeModeller.load(path)
    assert loaded.embedder_name == "hashing-256@1"
    assert [(t.topic, t.label, t.keywords, t.size, t.group) for t in loaded.result.themes] == [
        (t.topic, t.label, t.keywords, t.size, t.group) for t in result.themes
    ]
    assert [g.label for g in loaded.result.groups] == [g.label for g in result.groups]

    new_texts, new_truth = synthetic(per_topic=5, seed=99)
    new_vectors = embedder.encode(new_texts)
    topics, scores = loaded.assign(new_texts, new_vectors)
    original_topics, original_scores = modeller.assign(new_texts, new_vectors)
    np.testing.assert_array_equal(topics, original_topics)
    np.testing.assert_allclose(scores, original_scores, rtol=1e-6)
    owner = topic_of_theme(truth, result.topics)
    hits = sum(owner[int(topics[i])] == t for i, t in enumerate(new_truth))
    assert hits >= 0.9 * len(new_texts)  # new sentences land in a theme of their topic
    unsure, _ = loaded.assign(new_texts, new_vectors, min_score=1.01)
    assert set(unsure.tolist()) == {-1}

    bertopic_model = ThemeModeller.load_bertopic(path)
    predicted, _ = bertopic_model.transform(new_texts, new_vectors)
    np.testing.assert_array_equal(np.asarray(predicted), topics)  # BERTopic's own transform agrees


def test_assign_before_fit_and_wrong_width_fail(corpus, fitted):
    with pytest.raises(ValueError, match="fit or load"):
        ThemeModeller().assign(["x"], np.ones((1, 256)))
    modeller, _ = fitted
    with pytest.raises(ValueError, match="columns"):
        modeller.assign(["x"], np.ones((1, 384)))


def test_tiny_corpus_falls_back_to_agglomeration(tmp_path):
    texts, truth = synthetic(per_topic=6, seed=3)
    embedder = HashingEmbedder()
    vectors = embedder.encode(texts)
    result = ThemeModeller(seed=1).fit(texts, vectors)
    assert result.method == "small-corpus"
    assert len(result.themes) == 3  # about sqrt(18 / 2)
    assert purity(truth, result.topics) >= 0.8
    assert result.outliers_before == result.outliers_after == 0
    assert all(t.label and t.keywords for t in result.themes)
    assert ThemeModeller(seed=1, nr_topics=2).fit(texts, vectors).topics.max() == 1

    modeller = ThemeModeller(seed=1)
    modeller.fit(texts, vectors)
    path = modeller.save(tmp_path / "small")
    assert not (path / "bertopic").exists()
    loaded = ThemeModeller.load(path)
    np.testing.assert_array_equal(loaded.assign(texts, vectors)[0], modeller.assign(texts, vectors)[0])
    assert ThemeModeller.load_bertopic(path) is None


def test_degenerate_corpora():
    embedder = HashingEmbedder()
    empty = ThemeModeller().fit([], np.zeros((0, 256)))
    assert empty.themes == [] and empty.groups == [] and len(empty.topics) == 0
    one = ThemeModeller().fit(
        ["Only one response about TUPE."], embedder.encode(["Only one response about TUPE."])
    )
    assert one.topics.tolist() == [0] and len(one.themes) == 1 and one.themes[0].label
    stop = ["the and of", "and the of", "of the and"]  # nothing but stop words
    result = ThemeModeller().fit(stop, embedder.encode(stop))
    assert len(result.topics) == 3 and all(t.label for t in result.themes)
    numbers = [f"{i} {i * 7 % 13} 2024" for i in range(40)]  # not one word: no c-TF-IDF, still themes
    result = ThemeModeller(nr_topics=3).fit(numbers, embedder.encode(numbers))
    assert result.method == "no-words" and len(result.themes) == 3
    assert [t.label for t in result.themes] == ["Theme 1", "Theme 2", "Theme 3"]


def _seed_bullets() -> list[str]:
    text = (SEEDS / "002_a782d7f36bd06b08.txt").read_text(encoding="utf-8")
    return [line[2:].strip(" ;") for line in text.splitlines() if line.startswith("- ") and len(line) > 20]


@pytest.mark.slow
def test_real_minilm_on_seed_bullets():
    """MiniLM embeddings of the WORKSTEP event bullets (seed 002): the Ofsted bullets share a theme."""
    from nlp.embed import load_embedder

    bullets = _seed_bullets()
    assert len(bullets) >= 50
    embedder = load_embedder("minilm")
    vectors = embedder.encode(bullets)
    assert vectors.shape == (len(bullets), 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-4)
    result = ThemeModeller(embedder=embedder, seed=42).fit(bullets, vectors)
    assert result.method == "bertopic" and len(result.themes) >= 2
    ofsted = [i for i, b in enumerate(bullets) if "Ofsted" in b]
    assert len(ofsted) >= 5
    top, count = Counter(result.topics[ofsted].tolist()).most_common(1)[0]
    assert count >= 0.6 * len(ofsted)
    assert "Ofsted" in " ".join(result.theme(top).keywords + [result.theme(top).label]).title()
    for theme in result.themes:
        assert 1 <= len(theme.label.split()) <= 5


# ----- a theme set people can hold ---------------------------------------------------------------


def test_near_duplicate_themes_merge_and_small_ones_dissolve():
    from nlp.themes import _dissolve_small, _merge_close

    rng = np.random.default_rng(0)
    axes = np.eye(4, dtype=np.float32)
    # themes 0 and 1 both sit on axis 0 (near-duplicates); 2 on axis 1; 3 (two points) on axis 2
    centres = [axes[0], axes[0], axes[1], axes[2]]
    topics = np.array([0] * 10 + [1] * 10 + [2] * 10 + [3] * 2)
    vectors = np.vstack([centres[t] + 0.05 * rng.standard_normal(4) for t in topics]).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    merged = _merge_close(topics, vectors, 0.85)
    assert merged.max() == 2 and len(set(merged[:20].tolist())) == 1  # 0 and 1 became one theme
    assert len(set(_merge_close(topics, vectors, 0.9999).tolist())) == 4  # nothing that close
    dissolved, n = _dissolve_small(merged, 5)
    assert n == 1 and (dissolved[-2:] == -1).all() and dissolved.max() == 1
    kept, n = _dissolve_small(np.array([0, 0, 1]), 5)  # never dissolves every theme
    assert n == 0 and kept.tolist() == [0, 0, 1]


def test_merge_threshold_is_relative_to_the_corpus_mean_cosine():
    """An embedder whose cosines all sit high (e5: about 0.85 between unrelated texts) must not have
    every theme merged: the threshold is measured from the corpus' mean cosine."""
    from nlp.themes import MERGE_ABOVE, _merge_close, _raw_cosine

    rng = np.random.default_rng(1)
    axes = np.eye(5, dtype=np.float32)
    topics = np.repeat(np.arange(3), 10)
    low = np.vstack([axes[t] + 0.05 * rng.standard_normal(5) for t in topics]).astype(np.float32)
    low /= np.linalg.norm(low, axis=1, keepdims=True)
    high = low + 2.5 * axes[4]  # a shared direction lifts every cosine (as e5's do)
    high /= np.linalg.norm(high, axis=1, keepdims=True)
    assert (high @ high.T).min() > 0.8
    assert len(set(_merge_close(topics, high, 0.85).tolist())) == 1  # a raw threshold merges them all
    assert len(set(_merge_close(topics, high, _raw_cosine(MERGE_ABOVE, high)).tolist())) == 3
    assert len(set(_merge_close(topics, low, _raw_cosine(MERGE_ABOVE, low)).tolist())) == 3
    assert _raw_cosine(0.8, low) < _raw_cosine(0.8, high) < 1


def test_outliers_join_a_theme_only_when_they_fit():
    from nlp.themes import _place_outliers

    axes = np.eye(3, dtype=np.float32)
    members = np.vstack([axes[0] + 0.1 * axes[1] * (i % 3) for i in range(9)])
    near = axes[0] + 0.05 * axes[1]  # as close to theme 0 as its members
    far = axes[2] + 0.3 * axes[0]  # nearest to theme 0, but unlike its members
    vectors = np.vstack([members, near, far]).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    topics = np.array([0] * 9 + [-1, -1])
    assert _place_outliers(topics, vectors, 0.1)[-2:].tolist() == [0, -1]
    assert _place_outliers(topics, vectors, None)[-2:].tolist() == [0, 0]  # the old behaviour


def test_theme_cap_and_configuration(corpus):
    texts, _, embedder, vectors = corpus
    capped = ThemeModeller(embedder=embedder, seed=7, max_themes=2).fit(texts, vectors)
    assert len(capped.themes) == 2 and capped.params["max_themes"] == 2
    forced = ThemeModeller(embedder=embedder, seed=7, unthemed_quantile=None).fit(texts, vectors)
    assert forced.outliers_after == 0  # every outlier placed, as before
    with pytest.raises(ValueError, match="max_themes"):
        ThemeModeller(max_themes=0)


# ----- fitting on a sample ------------------------------------------------------------------------


def test_sample_indices_are_seeded_sorted_and_only_for_large_corpora():
    from nlp.themes import sample_indices

    assert sample_indices(100, 100, 1) is None and sample_indices(100, None, 1) is None
    assert sample_indices(100, 0, 1) is None
    a, b = sample_indices(100, 30, 1), sample_indices(100, 30, 1)
    assert np.array_equal(a, b) and len(np.unique(a)) == 30 and np.all(np.diff(a) > 0)
    assert not np.array_equal(a, sample_indices(100, 30, 2))


@pytest.fixture(scope="module")
def larger():
    texts, truth = synthetic(per_topic=60, seed=3)
    embedder = HashingEmbedder()
    return texts, truth, embedder, embedder.encode(texts)


@pytest.mark.parametrize("assign_rest", ["centroid", "predict"])
def test_themes_fitted_on_a_sample_cover_every_text(larger, assign_rest):
    texts, truth, embedder, vectors = larger
    modeller = ThemeModeller(embedder=embedder, seed=7, sample_size=90, assign_rest=assign_rest)
    result = modeller.fit(texts, vectors)
    assert result.method == "bertopic"
    assert result.params["sample"] == 90 and result.params["assigned"] == len(texts) - 90
    assert result.params["assign_rest"] == assign_rest
    assert len(result.topics) == len(texts)
    assert homogeneity(truth, result.topics) >= 0.95  # texts outside the sample join the right topic
    assert set(topic_of_theme(truth, result.topics).values()) == {0, 1, 2}
    if assign_rest == "centroid":  # the rest is themed at the sample's rate, best-fitting first
        from nlp.themes import sample_indices

        in_sample = np.zeros(len(texts), dtype=bool)
        in_sample[sample_indices(len(texts), 90, 7)] = True
        themed = result.topics >= 0
        assert abs(themed[in_sample].mean() - themed[~in_sample].mean()) <= 0.2  # themes of ~9 here
    k = len(result.themes)
    assert [t.size for t in result.themes] == [int((result.topics == t).sum()) for t in range(k)]
    assert result.outliers_after == int((result.topics == -1).sum())
    # deterministic for a seed
    again = ThemeModeller(embedder=embedder, seed=7, sample_size=90, assign_rest=assign_rest).fit(
        texts, vectors
    )
    assert np.array_equal(again.topics, result.topics)
    assert [t.label for t in again.themes] == [t.label for t in result.themes]


def test_sample_size_checked():
    with pytest.raises(ValueError):
        ThemeModeller(sample_size=5)
    with pytest.raises(ValueError):
        ThemeModeller(assign_rest="nearest")


def test_keyword_backend_embeds_each_distinct_text_once() -> None:
    from nlp.themes import _backend

    calls: list[list[str]] = []

    class Counting:
        name, dim = "counting", 4

        def encode(self, texts: list[str]) -> np.ndarray:
            calls.append(list(texts))
            return np.eye(4, dtype=np.float32)[[len(t) % 4 for t in texts]].reshape(len(texts), 4)

    backend = _backend(Counting())
    first = backend.embed(["a", "bb", "a"])
    again = backend.embed(["bb", "ccc"])
    assert calls == [["a", "bb"], ["ccc"]]
    assert np.array_equal(first[0], first[2]) and np.array_equal(again[0], first[1])
    assert backend.embed([]).shape == (0, 4)
