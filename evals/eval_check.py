"""Calibrate and measure check-my-point's "found in the analysis" on paraphrase pairs.

``evals/data/check_pairs.jsonl`` holds 120 submissions written by hand: 60 faithful paraphrases of
seed points (a stakeholder restating a point of the DWP seeds in their own words; positive) and 60
points nobody made (30 on the consultation's topic but a different point, 30 off-topic; negative).
Each row says which half it belongs to (``split``: calibrate / test, alternating within a kind).

The seeds are ingested into a scratch database; every stakeholder point is embedded (as the analysis
does) and each submission is compared with all of them (``search.vector_index``, the check's own
index). The closest cosine decides the verdict. On the calibration half this script chooses:

- ``likely`` (the "found" cut-off): the cosine that maximises F1 of "found", ties to the higher;
- ``very_likely``: the lowest cosine above which every calibration item is a paraphrase;
- ``possibly``: the highest cosine that keeps 95% of the calibration paraphrases.

and reports, on the test half, precision / recall / F1 of "found" at the chosen cut-off, at the
thresholds now in ``nlp/check.py``, and for the plain baseline "cosine ≥ 0.5", plus how often the
paraphrased seed point itself is among the 5 points shown.

Run: ``.venv/bin/python evals/eval_check.py [--embedder minilm]``
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nlp.check import thresholds_for  # noqa: E402
from search.vector_index import VectorIndex  # noqa: E402

PAIRS = ROOT / "evals" / "data" / "check_pairs.jsonl"
SEEDS = ROOT / "corpora" / "dwp-seeds"
BASELINE = 0.5
GRID = np.round(np.arange(0.20, 0.96, 0.01), 2)


def seed_points() -> list[str]:
    """The clean text of every stakeholder point of the seeds, as ingested."""
    from ingest.pipeline import ingest_paths
    from store.db import open_db

    db = open_db(memory=True)
    ingest_paths(db, [SEEDS])
    rows = db.execute(
        """SELECT p.clean_text FROM points p JOIN responses r ON r.id = p.response_id
           WHERE r.role = 'stakeholder' ORDER BY p.id"""
    ).fetchall()
    return [r[0] for r in rows]


def prf(gold: list[bool], pred: list[bool]) -> tuple[float, float, float]:
    tp = sum(g and p for g, p in zip(gold, pred, strict=True))
    fp = sum(p and not g for g, p in zip(gold, pred, strict=True))
    fn = sum(g and not p for g, p in zip(gold, pred, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def choose(best: np.ndarray, gold: list[bool]) -> dict[str, float]:
    """The three cut-offs, from the calibration half's closest cosines."""
    f1s = [prf(gold, list(best >= t))[2] for t in GRID]
    top = max(f1s)
    likely = float(max(t for t, f in zip(GRID, f1s, strict=True) if f == top))
    negatives = best[~np.asarray(gold)]
    very = float(np.ceil((negatives.max() + 1e-9) * 100) / 100) if len(negatives) else likely
    positives = np.sort(best[np.asarray(gold)])
    possibly = float(np.floor(positives[int(0.05 * len(positives))] * 100) / 100)
    return {"very_likely": max(very, likely), "likely": likely, "possibly": min(possibly, likely)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--embedder", default="minilm")
    args = ap.parse_args()
    from nlp.embed import load_embedder

    embedder = load_embedder(args.embedder)
    rows = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    points = seed_points()
    index = VectorIndex([str(i) for i in range(len(points))], np.asarray(embedder.encode(points)))
    queries = np.asarray(embedder.encode([r["text"] for r in rows]), dtype=np.float32)
    best, seed_shown = [], []
    for r, q in zip(rows, queries, strict=True):
        top = index.top_scored(q, 5)
        best.append(top[0][1])
        if r["seed"]:
            seed_shown.append(any(points[int(h)].startswith(r["seed"]) for h, _ in top))
    best = np.asarray(best)
    cal = np.asarray([r["split"] == "calibrate" for r in rows])
    gold = [bool(r["found"]) for r in rows]
    chosen = choose(best[cal], [g for g, c in zip(gold, cal, strict=True) if c])
    current = thresholds_for(embedder.name)

    test_gold = [g for g, c in zip(gold, cal, strict=True) if not c]
    test_best = best[~cal]
    test_rows = [r for r, c in zip(rows, cal, strict=True) if not c]
    n_pos = sum(test_gold)
    print(f"embedder: {embedder.name}; {len(points)} seed points; {len(rows)} pairs")
    print(f"test half: {n_pos} paraphrases, {len(test_gold) - n_pos} points nobody made\n")
    print(
        "chosen on the calibration half: "
        + ", ".join(f"{k} ≥ {v:.2f}" for k, v in chosen.items())
        + f"\nnow in nlp/check.py: very_likely ≥ {current.very_likely:.2f}, likely ≥ {current.likely:.2f}, "
        f"possibly ≥ {current.possibly:.2f}\n"
    )
    print('| rule for "found" (test half) | precision | recall | F1 | same-topic found | off-topic found |')
    print("|---|---|---|---|---|---|")
    for name, cut in (
        (f"baseline: cosine ≥ {BASELINE:.2f}", BASELINE),
        (f"chosen: likely ≥ {chosen['likely']:.2f}", chosen["likely"]),
        (f"nlp/check.py: likely ≥ {current.likely:.2f}", current.likely),
    ):
        pred = list(test_best >= cut)
        p, r, f = prf(test_gold, pred)
        same = [pr for pr, row in zip(pred, test_rows, strict=True) if row["kind"] == "same-topic"]
        off = [pr for pr, row in zip(pred, test_rows, strict=True) if row["kind"] == "off-topic"]
        print(f"| {name} | {p:.3f} | {r:.3f} | {f:.3f} | {sum(same)}/{len(same)} | {sum(off)}/{len(off)} |")
    print("\n| verdict with nlp/check.py thresholds (test half) | paraphrase | same-topic | off-topic |")
    print("|---|---|---|---|")
    for word in ("very likely", "likely", "possibly", "not found"):
        counts = {
            kind: sum(
                1
                for s, row in zip(test_best, test_rows, strict=True)
                if row["kind"] == kind and current.words(s) == word
            )
            for kind in ("paraphrase", "same-topic", "off-topic")
        }
        print(f"| {word} | {counts['paraphrase']} | {counts['same-topic']} | {counts['off-topic']} |")
    shown_test = [
        s for s, row in zip(seed_shown, [r for r in rows if r["seed"]], strict=True) if row["split"] == "test"
    ]
    print(
        f"\nthe paraphrased seed point is among the 5 close points shown: "
        f"{sum(shown_test)}/{len(shown_test)} (test half), {sum(seed_shown)}/{len(seed_shown)} (all)"
    )


if __name__ == "__main__":
    main()
