"""Themes against human codes: Fairhearing's modeller beside a plain default BERTopic run.

Run: ``HF_HUB_OFFLINE=1 .venv/bin/python evals/eval_theme_alignment.py [--data DIR] [--seeds N]``.

Data: the free-text answers of the GWU exam-proctoring survey (github.com/gwusec, qualitative-analysis
``input_data/* (primary).csv``: one answer per row, the primary coder's codes in ``Code 1..n``). The
repository has no licence, so it is read from a local checkout (``--data``, default
``/tmp/gwusec/scripts/qualitative-analysis/input_data``) and nothing of it is committed. An answer's
human code is the top-level part of its first code (``required_to_use->department`` →
``required_to_use``). Corpora: each question with at least 90 answers, and all questions pooled (the
code then named with its question, as the coders coded per question).

For each corpus, method and seed (0..N-1) it fits the same texts and packaged MiniLM vectors and
prints the mean over seeds of:

- NMI / ARI (all): normalised mutual information and adjusted Rand index between theme and human
  code over every answer, the unthemed/outlier answers counted as one more cluster;
- NMI / ARI (themed): the same over the answers that got a theme only (share in "themed");
- codes matched (majority): share of human codes with at least 3 answers that are the majority code
  of some theme;
- codes matched (F1): share of those codes whose best theme has F1 ≥ 0.5 (theme members against
  answers with that code, the unthemed bucket not a theme).

Methods: "Fairhearing" is ``ThemeModeller(seed=s)`` with its defaults (or the options given to
``variant``). "BERTopic default" is ``BERTopic()`` with its defaults (HDBSCAN min_cluster_size 10,
"eom"), given a seeded UMAP with BERTopic's default settings; its outliers stay -1.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import theme_corpora  # noqa: E402

from nlp.themes import ThemeModeller  # noqa: E402

DATA = Path("/tmp/gwusec/scripts/qualitative-analysis/input_data")
MIN_ANSWERS = 90  # questions with fewer answers are only pooled
MIN_CODE = 3  # codes with fewer answers are not counted as matchable


def read_question(path: Path) -> list[tuple[str, str]]:
    """(answer, top-level primary code) per coded answer of one ``* (primary).csv``."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))[1:]
    return [
        (r[1].strip(), r[2].split("->")[0].strip())
        for r in rows
        if len(r) > 2 and r[1].strip() and r[2].strip()
    ]


def corpora(data: Path) -> dict[str, tuple[list[str], list[str]]]:
    """Texts and codes per corpus: the large questions one by one, then all questions pooled."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    pooled: tuple[list[str], list[str]] = ([], [])
    for path in sorted(data.glob("* (primary).csv")):
        question = path.name.split(" - ")[-1].split(" ")[0]
        rows = read_question(path)
        if len(rows) >= MIN_ANSWERS:
            out[question] = ([t for t, _ in rows], [c for _, c in rows])
        pooled[0].extend(t for t, _ in rows)
        pooled[1].extend(f"{question}:{c}" for _, c in rows)
    out["all questions"] = pooled
    return out


def fairhearing(**options: Any) -> Callable[[list[str], np.ndarray, int], np.ndarray]:
    def fit(texts: list[str], vectors: np.ndarray, seed: int) -> np.ndarray:
        return ThemeModeller(seed=seed, **options).fit(texts, vectors).topics

    return fit


def bertopic_default(texts: list[str], vectors: np.ndarray, seed: int) -> np.ndarray:
    from bertopic import BERTopic
    from umap import UMAP

    umap = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed)
    topics, _ = BERTopic(umap_model=umap).fit_transform(texts, vectors)
    return np.asarray(topics, dtype=int)


def scores(topics: np.ndarray, codes: list[str]) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    codes_arr = np.asarray(codes)
    themed = topics >= 0
    counts = Counter(codes)
    matchable = [c for c, n in counts.items() if n >= MIN_CODE]
    majority = set()
    best_f1 = dict.fromkeys(matchable, 0.0)
    for t in set(topics[themed].tolist()):
        members = codes_arr[topics == t]
        majority.add(Counter(members.tolist()).most_common(1)[0][0])
        for c in matchable:
            hits = int((members == c).sum())
            if hits:
                f1 = 2 * hits / (len(members) + counts[c])
                best_f1[c] = max(best_f1[c], f1)
    sub = themed.sum() >= 2
    return {
        "nmi_all": normalized_mutual_info_score(codes, topics),
        "ari_all": adjusted_rand_score(codes, topics),
        "nmi_themed": normalized_mutual_info_score(codes_arr[themed], topics[themed]) if sub else 0.0,
        "ari_themed": adjusted_rand_score(codes_arr[themed], topics[themed]) if sub else 0.0,
        "themed": float(themed.mean()),
        "themes": len(set(topics[themed].tolist())),
        "majority": sum(c in majority for c in matchable) / len(matchable),
        "f1": sum(best_f1[c] >= 0.5 for c in matchable) / len(matchable),
        "codes": len(matchable),
    }


METHODS: dict[str, Callable[[list[str], np.ndarray, int], np.ndarray]] = {
    "Fairhearing": fairhearing(),
    "BERTopic default": bertopic_default,
}

VARIANTS: dict[str, Callable[[list[str], np.ndarray, int], np.ndarray]] = {
    "Fairhearing, every outlier placed": fairhearing(unthemed_quantile=None),
    "Fairhearing, no outlier placed": fairhearing(reduce_outliers=False),
    "Fairhearing, no merge": fairhearing(merge_above=None),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--variants", action="store_true", help="also Fairhearing with other options")
    parser.add_argument("--corpus", action="append", help="only these corpora (e.g. Q5, 'all questions')")
    parser.add_argument("--embedder", default="minilm", help="vectors of this registered embedder (minilm)")
    args = parser.parse_args()
    methods = {**METHODS, **(VARIANTS if args.variants else {})}
    print(
        "| corpus | answers | codes ≥3 | method | themes | themed | NMI all | ARI all | NMI themed | "
        "ARI themed | codes matched (majority) | codes matched (F1 ≥ 0.5) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, (texts, codes) in corpora(args.data).items():
        if args.corpus and name not in args.corpus:
            continue
        vectors = theme_corpora.minilm_vectors(texts, args.embedder)
        for method, fit in methods.items():
            runs = [scores(fit(texts, vectors, seed), codes) for seed in range(args.seeds)]
            mean = {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}
            themes = [r["themes"] for r in runs]
            print(
                f"| {name} | {len(texts)} | {runs[0]['codes']} | {method} | {min(themes)}-{max(themes)} | "
                f"{mean['themed']:.0%} | {mean['nmi_all']:.3f} | {mean['ari_all']:.3f} | "
                f"{mean['nmi_themed']:.3f} | {mean['ari_themed']:.3f} | {mean['majority']:.2f} | "
                f"{mean['f1']:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
