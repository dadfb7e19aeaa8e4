"""Theme titles before (keyword pairs) and after (extracted noun phrases), on the same themes.

Run: ``HF_HUB_OFFLINE=1 .venv/bin/python evals/eval_theme_titles.py [corpus ...]`` (corpora as in
``evals/theme_corpora.py``: ``seeds``, ``polis:<conversation>``; default: the seeds, an English and a
German Polis conversation). Each corpus is themed once by ``ThemeModeller`` (MiniLM vectors,
seed 42); every labelling method then names the same themes:

- before: ``nlp.theme_labels.make_label`` over the theme's c-TF-IDF/KeyBERT keywords, made
  unique by ``unique_labels`` (the labels up to this change);
- runs: ``nlp.theme_titles`` with content-word runs for every language (no parser);
- 2026-11-30: ``nlp.theme_titles`` as first released (a longer phrase replaced a one-word title only
  at half its weight, no "X of Y" phrases);
- chunks: ``nlp.theme_titles`` with spaCy noun chunks for English points (the default).

Measures, all computed the same way for every method, on the theme's points:
- coverage: share of the theme's points that contain every word of the title (ignoring "and"
  and case; a word matches a token that starts with its first 5 letters);
- specificity: of all points containing every title word, the share inside the theme;
- pairs: titles of the form "X and Y"; stop pairs: titles with two stop words in a row; stop
  edges: titles starting or ending with a stop word; near-dups: pairs of near-identical titles;
one-word: titles of a single word; numbered: titles with no phrase ("Theme 8").
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import theme_corpora  # noqa: E402

from nlp.language import LANGUAGES, stop_words, words  # noqa: E402
from nlp.theme_labels import TOP_K, bigram_counts, detect_casing, make_label, unique_labels  # noqa: E402
from nlp.theme_titles import near_identical, title_classes  # noqa: E402
from nlp.themes import ThemeModeller  # noqa: E402

DEFAULT = [
    "seeds",
    "survey",
    "polis:american-assembly.bowling-green",
    "polis:austria-climate.5twd2jsnkf.2022-08-08",
]
ALL_STOPS = frozenset().union(*(stop_words(lang) for lang in LANGUAGES))


def keyword_labels(texts: list[str], topics: np.ndarray, keywords: list[list[str]]) -> list[str]:
    """The labels Fairhearing made before this change, for the same themes and keywords."""
    vocab = {w for kws in keywords for kw in kws for w in kw.split()}
    casing = detect_casing(texts, vocab=vocab)
    labels = []
    for t, kws in enumerate(keywords):
        members = [texts[i] for i in np.flatnonzero(topics == t)[:2000]]
        top = {w for kw in kws[:TOP_K] for w in kw.lower().split()}
        label = make_label(
            kws,
            casing=casing,
            bigrams=bigram_counts(members, top),
            near_pairs=bigram_counts(members, top, max_gap=1),
        )
        labels.append(label or f"Theme {t + 1}")
    return unique_labels(labels, keywords, casing)


def _has_all(tokens: list[str], title_words: list[str]) -> bool:
    return all(any(t.startswith(w[:5]) for t in tokens) for w in title_words)


def measure(texts: list[str], topics: np.ndarray, titles: list[str]) -> dict[str, float]:
    tokens = [words(t) for t in texts]
    cov, spec = [], []
    for t, title in enumerate(titles):
        title_words = [w for w in words(title) if w != "and"]
        hits = (
            np.array([_has_all(tok, title_words) for tok in tokens]) if title_words else np.zeros(len(texts))
        )
        inside = topics == t
        cov.append(hits[inside].mean() if inside.any() else 0.0)
        spec.append(hits[inside].sum() / hits.sum() if hits.sum() else 0.0)
    keys = [tuple(w for w in words(x) if w != "and") for x in titles]
    near = sum(
        1
        for i in range(len(keys))
        for j in range(i + 1, len(keys))
        if keys[i] and keys[j] and near_identical(keys[i], keys[j])
    )
    ws = [words(x) for x in titles]
    return {
        "coverage": float(np.mean(cov)),
        "specificity": float(np.mean(spec)),
        "pairs": sum(bool(re.search(r"\S and \S", x)) for x in titles),
        "stop pairs": sum(
            any(a in ALL_STOPS and b in ALL_STOPS for a, b in zip(w, w[1:], strict=False)) for w in ws
        ),
        "stop edges": sum(bool(w) and (w[0] in ALL_STOPS or w[-1] in ALL_STOPS) for w in ws),
        "near-dups": near,
        "one-word": sum(len(w) == 1 for w in ws),
        "numbered": sum(bool(re.fullmatch(r"(Theme|Group) \d+", x)) for x in titles),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", default=DEFAULT)
    parser.add_argument(
        "--show", type=int, default=8, help="titles shown per corpus in the side-by-side table"
    )
    args = parser.parse_args()
    from nlp.embed import load_embedder

    embedder = load_embedder("minilm")
    rows, side = [], []
    for name in args.corpora:
        texts, vectors = theme_corpora.load(name)
        modeller = ThemeModeller(embedder=embedder, seed=42)
        result = modeller.fit(texts, vectors)
        topics, centroids = result.topics, modeller.centroids
        from nlp.embed import normalise_rows

        unit = normalise_rows(np.asarray(vectors, dtype=np.float32))
        methods = {
            "before: keyword labels": keyword_labels(texts, topics, [t.keywords for t in result.themes]),
            "runs (no parser)": [
                t.title for t in title_classes(texts, unit, topics, centroids, parser=False)
            ],
            "2026-11-30 titles": [
                t.title
                for t in title_classes(
                    texts,
                    unit,
                    topics,
                    centroids,
                    languages=modeller._languages,
                    expand=0.5,
                    of_phrases=False,
                )
            ],
            "chunks (default)": [t.label for t in result.themes],
        }
        for method, titles in methods.items():
            rows.append((name, len(texts), len(titles), method, measure(texts, topics, titles)))
        for t in result.themes[: args.show]:
            side.append(
                (
                    name,
                    t.size,
                    methods["before: keyword labels"][t.topic],
                    methods["2026-11-30 titles"][t.topic],
                    t.label,
                    t.description,
                )
            )
    short = {n: n.split(":")[-1][:28] for n in args.corpora}
    print(
        "| corpus | points | themes | method | coverage | specificity | pairs | stop pairs | stop edges | "
        "near-dups | one-word | numbered |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, n, k, method, m in rows:
        print(
            f"| {short[name]} | {n} | {k} | {method} | {m['coverage']:.2f} | {m['specificity']:.2f} | "
            f"{m['pairs']} | {m['stop pairs']} | {m['stop edges']} | {m['near-dups']} | {m['one-word']} | "
            f"{m['numbered']} |"
        )
    print()
    print("| corpus | size | keyword label | title 2026-11-30 | title now | description (now) |")
    print("|---|---|---|---|---|---|")
    for name, size, before, first, after, description in side:
        print(f"| {short[name]} | {size} | {before} | {first} | {after} | {description.replace('|', '/')} |")


if __name__ == "__main__":
    main()
