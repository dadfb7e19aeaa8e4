"""Evaluate principle mapping on hand-labelled points: plain cosine against the mapper.

Run: ``.venv/bin/python evals/eval_mapping.py`` (under a minute on 2 cores; each distinct text is
embedded once by MiniLM and reused across configurations).

Data
- The framework is seed 004 (DWP Commissioning Strategy 2008) parsed with ``ingest.formats.framework``:
  13 components (7 strategy components, 6 Code-of-Conduct annex sections), ~98 principles, ten
  respondent pull-quotes and the Annex 2 summaries as component context.
- ``evals/data/mapping_dev.jsonl``: 172 points split by hand from seeds 000-003 (comment pages, event
  notes, a blog thread), each labelled by reading with the principle(s) it concerns, named by
  component and the first words of the principle, or ``[]`` when no principle fits (63 points:
  sanctions complaints, benefit rules, event logistics, chit-chat). Labels were written before any
  model was run on them.
- ``evals/data/mapping_confirmations.jsonl``: 45 other labelled points from the same seeds (a seeded
  random sample of the labelled ones), disjoint from the dev set. They stand in for analyst
  confirmations: "+K confirmed" feeds up to K of them per principle to the mapper as
  ``Feedback(verdict="confirm")``. Some pool points are near-duplicates of dev points (event notes
  repeat themselves, e.g. "Payments made monthly." / "Payment needs to be monthly;"), as real
  confirmations would be.

Configurations
- cosine: cosine between point and principle text, clipped to [0, 1], fixed threshold 0.35 (set a
  priori, not tuned).
- mapper, no examples: ``PrincipleMapper`` on principle texts only (no pull-quotes, no context).
- mapper, no glossary: with the strategy's examples but without the domain glossary (ablation).
- mapper + strategy examples: pull-quotes and Annex 2 context as component evidence.
- mapper + K confirmed: the above plus up to K pool points per principle as confirmations.

The mapper's lexical feature expands points with a small, documented domain glossary
(``nlp.mapping_features.GLOSSARY``: TUPE, creaming/parking, payment terms, primes, sub-contractors,
Ofsted, ...); it was written while reading the seed pages, so it may flatter these figures a
little: the "no glossary" row shows its share. The mapper's model and its "none" threshold are
fitted on self-supervised pairs from the framework itself (and on the confirmations when given),
never on dev points. Design choices (absolute features only, no component prior, confirmations kept
out of the example features, feedback weight 1) were made on the confirmation pool (``--on pool``,
its two halves confirming each other) and on off-topic Polis comments, not on the dev set. One
change followed a dev run: the first run (confirmations lifting a principle from cosine 0.6) showed
no gain from confirmations, and ``near_from`` was then raised to 0.75 from label agreement of pool
point pairs (0 of 3 pairs at cosine 0.6-0.7 share a principle, 1 of 1 at 0.7-0.8); disclosed here
because the dev result prompted the look.

Metrics (dev set): P@1 = the top-ranked principle is gold (points with gold principles); top-1 p =
the mean score of that top principle (a calibrated mapper would show top-1 p close to P@1; the
baseline's score is a cosine, not a probability);
R@3 = share of a point's gold principles in its top 3 (averaged over those points);
micro P/R/F1 of the predicted set (top 3 at or above the threshold) against gold over all points,
with a 95% bootstrap interval for F1; none-acc = share of points where "predicted none" equals
"gold none".
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.formats.base import ReadOptions  # noqa: E402
from ingest.formats.framework import READER  # noqa: E402
from nlp.mapping import CosineBaseline, Feedback, MapperFramework, PrincipleMapper  # noqa: E402

FRAMEWORK = ROOT / "corpora" / "dwp-seeds" / "004_e8bb6e121e9bd43b.txt"
DEV = ROOT / "evals" / "data" / "mapping_dev.jsonl"
POOL = ROOT / "evals" / "data" / "mapping_confirmations.jsonl"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def load_framework() -> MapperFramework:
    parsed = READER.read(FRAMEWORK.read_bytes(), FRAMEWORK.name, ReadOptions())
    return MapperFramework.from_parse_result(parsed)


def resolve(fw: MapperFramework, gold: list[dict]) -> set[int]:
    """Principle ids named by component and the first words of their text (exactly one each)."""
    out = set()
    for g in gold:
        hits = [
            p.id
            for p in fw.principles
            if _norm(fw.components[p.component].name) == _norm(g["component"])
            and _norm(p.text).startswith(_norm(g["principle_prefix"]))
        ]
        if len(hits) != 1:
            raise SystemExit(f"gold label {g} matches {len(hits)} principles; fix the data file")
        out.add(hits[0])
    return out


def load_points(path: Path, fw: MapperFramework) -> tuple[list[str], list[set[int]]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["text"] for r in rows], [resolve(fw, r["gold"]) for r in rows]


def confirmations(texts: list[str], gold: list[set[int]], k: int) -> list[Feedback]:
    """Up to ``k`` pool points per principle, in file order, as analyst confirmations."""
    used: dict[int, int] = {}
    out = []
    for text, ids in zip(texts, gold, strict=True):
        for pid in sorted(ids):
            if used.get(pid, 0) < k:
                used[pid] = used.get(pid, 0) + 1
                out.append(Feedback(text, pid, "confirm"))
    return out


def metrics(
    scores: np.ndarray, predicted: list[list[tuple[int, float]]], ids: list[int], gold: list[set[int]]
):
    rng = np.random.default_rng(0)
    order = np.argsort(-scores, axis=1, kind="stable")
    labelled = [i for i, g in enumerate(gold) if g]
    p1 = np.mean([ids[order[i, 0]] in gold[i] for i in labelled])
    r3 = np.mean([len({ids[j] for j in order[i, :3]} & gold[i]) / len(gold[i]) for i in labelled])
    tp = np.array([len({p for p, _ in pr} & g) for pr, g in zip(predicted, gold, strict=True)])
    npred = np.array([len(pr) for pr in predicted])
    ngold = np.array([len(g) for g in gold])

    def f1(idx):
        return 2 * tp[idx].sum() / max(npred[idx].sum() + ngold[idx].sum(), 1)

    all_idx = np.arange(len(gold))
    boot = [f1(rng.integers(0, len(gold), len(gold))) for _ in range(1000)]
    none_acc = np.mean([(not pr) == (not g) for pr, g in zip(predicted, gold, strict=True)])
    return {
        "P@1": p1,
        "top-1 p": float(np.mean([scores[i, order[i, 0]] for i in labelled])),
        "R@3": r3,
        "P": tp.sum() / max(npred.sum(), 1),
        "R": tp.sum() / max(ngold.sum(), 1),
        "F1": f1(all_idx),
        "F1 95% CI": f"{np.percentile(boot, 2.5):.2f}-{np.percentile(boot, 97.5):.2f}",
        "none-acc": none_acc,
    }


def cached(embed: Callable[[list[str]], np.ndarray]) -> Callable[[list[str]], np.ndarray]:
    store: dict[str, np.ndarray] = {}

    def run(texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in store]
        if todo:
            for t, v in zip(todo, embed(todo), strict=True):
                store[t] = v
        return np.array([store[t] for t in texts], dtype=np.float32)

    return run


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--embedder", default="minilm", help="nlp.embed name (default minilm)")
    ap.add_argument(
        "--on", choices=["dev", "pool"], default="dev", help="pool: design checks, no confirmations"
    )
    args = ap.parse_args(argv)
    from nlp.embed import load_embedder

    embedder = load_embedder(args.embedder)
    embed = cached(lambda texts: embedder.encode(list(texts)))
    fw = load_framework()
    plain = fw.without_examples()
    texts, gold = load_points(DEV if args.on == "dev" else POOL, fw)
    pool_texts, pool_gold = load_points(POOL, fw)
    vectors = embed(texts)
    configs: list[tuple[str, object, MapperFramework, list[Feedback]]] = [
        ("cosine baseline", CosineBaseline(), plain, []),
        ("mapper, no examples", PrincipleMapper(), plain, []),
        ("mapper + strategy examples, no glossary", PrincipleMapper(use_glossary=False), fw, []),
        ("mapper + strategy examples", PrincipleMapper(), fw, []),
    ]
    if args.on == "dev":
        for k in (1, 2, 3):
            fb = confirmations(pool_texts, pool_gold, k)
            configs.append(
                (f"mapper + examples + {k} confirmed/principle ({len(fb)})", PrincipleMapper(), fw, fb)
            )
    n_gold = sum(1 for g in gold if g)
    print(
        f"{len(texts)} points ({n_gold} with gold principles, {len(texts) - n_gold} none); "
        f"{len(fw.principles)} principles; embedder {embedder.name}\n"
    )
    cols = ["P@1", "top-1 p", "R@3", "P", "R", "F1", "F1 95% CI", "none-acc"]
    print("| method | " + " | ".join(cols) + " | threshold | fit s |")
    print("|---" * (len(cols) + 3) + "|")
    near = _near_confirmations(vectors, embed(pool_texts)) if args.on == "dev" else np.zeros(0, bool)
    for name, mapper, framework, fb in configs:
        t = time.perf_counter()
        mapper.fit(framework, embed, fb)
        fit_s = time.perf_counter() - t
        scores = mapper.scores(texts, vectors)
        m = metrics(scores, mapper.map(texts, vectors, top_k=3), mapper.principle_ids, gold)
        cells = [m[c] if isinstance(m[c], str) else f"{m[c]:.2f}" for c in cols]
        print(f"| {name} | " + " | ".join(cells) + f" | {mapper.threshold:.2f} | {fit_s:.1f} |")
    if len(near):
        print(
            f"\n{int(near.sum())} dev point(s) lie within cosine {NEAR} of a pool point, where a confirmation "
            "also lifts its principle directly; elsewhere confirmations act only through the refitted model."
        )


NEAR = PrincipleMapper().near_from  # closer than this to a confirmed point, a principle is lifted


def _near_confirmations(vectors: np.ndarray, pool_vectors: np.ndarray) -> np.ndarray:
    return (
        (vectors @ pool_vectors.T).max(axis=1) >= NEAR if len(pool_vectors) else np.zeros(len(vectors), bool)
    )


if __name__ == "__main__":
    main()
