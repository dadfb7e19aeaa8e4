"""Evaluate principle mapping: ranking, decision, off-topic precision and learning from verdicts.

Run: ``HF_HUB_OFFLINE=1 .venv/bin/python evals/eval_mapping.py [--codebook-dir DIR] [--cache FILE]``
(a few minutes on 2 cores; ``--cache`` keeps MiniLM vectors in a pickle between runs).

Data (see evals/README.md, "Mapping"):
- framework: seed 004 (DWP Commissioning Strategy 2008) read by ``ingest.formats.framework``;
- ``evals/data/mapping_dev.jsonl``: 172 hand-labelled points (109 with 1-3 principles, 63 ``[]``),
  split by a hash of each point's id into a tuning half (A: thresholds and weights were chosen on
  it, ``--tune`` prints the grids) and a held-out half (B: the reported figures);
- off-topic text: 300 English Polis comments (``--polis``; conversations on football concussions,
  biodiversity, freshwater and electoral reform), never about welfare-to-work commissioning;
- ``--codebook-dir``: the folder ``scripts/qualitative-analysis/input_data`` of
  github.com/gwusec/2023-USENIX-Educator-Perspectives-of-Exam-Proctoring (commit 10b5509): 14
  open questions, each coded with its own codebook by a primary coder (``* (primary).csv``). Never
  used for tuning.

Metrics: comp@1 = the top-ranked principle lies in a gold component; hit@3 = a gold principle is in
the top 3; P@1 = the top-ranked principle is gold (all three over points with gold principles);
F1 = sample-averaged F1 of ``mapped`` against gold over all points (a point with no gold and
nothing mapped scores 1), with a 95% bootstrap interval (1,000 resamples).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import pickle
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.formats.base import ReadOptions  # noqa: E402
from ingest.formats.framework import READER  # noqa: E402
from nlp.mapping import (  # noqa: E402
    CosineBaseline,
    Feedback,
    LogisticMapper,
    MapperComponent,
    MapperFramework,
    MapperPrinciple,
    PrincipleMapper,
)
from nlp.mapping_decision import DecisionRule, Mapping  # noqa: E402
from nlp.verdict_model import VerdictModel  # noqa: E402

FRAMEWORK = ROOT / "corpora" / "dwp-seeds" / "004_e8bb6e121e9bd43b.txt"
DEV = ROOT / "evals" / "data" / "mapping_dev.jsonl"
POOL = ROOT / "evals" / "data" / "mapping_confirmations.jsonl"
POLIS = Path("/work/shared/corpora/polis-opendata/polis_comments_all.csv")
POLIS_ENGLISH = (  # English conversations on topics unrelated to employment services
    "football-concussions",
    "scoop-hivemind.biodiversity",
    "scoop-hivemind.freshwater",
    "canadian-electoral-reform",
)
LABELS = (0, 10, 25, 50, 100)


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


def load_points(path: Path, fw: MapperFramework) -> tuple[list[str], list[set[int]], list[str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["text"] for r in rows], [resolve(fw, r["gold"]) for r in rows], [r["id"] for r in rows]


def half(point_id: str) -> str:
    """ "A" (tuning) or "B" (held out), fixed by a hash of the point's id."""
    return "A" if hashlib.sha1(point_id.encode()).digest()[0] % 2 == 0 else "B"


def cached(embed: Callable[[list[str]], np.ndarray], path: Path | None) -> Callable[[list[str]], np.ndarray]:
    store: dict[str, np.ndarray] = pickle.loads(path.read_bytes()) if path and path.exists() else {}

    def run(texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in store]
        if todo:
            for t, v in zip(todo, embed(todo), strict=True):
                store[t] = v
            if path:
                path.write_bytes(pickle.dumps(store))
        dim = len(next(iter(store.values()))) if store else 1
        return np.array([store[t] for t in texts], dtype=np.float32).reshape(len(texts), dim)

    return run


# --- metrics ------------------------------------------------------------------------------------
def ranking_metrics(maps: Sequence[Mapping], gold: Sequence[set[int]], comp_of: dict[int, int]) -> dict:
    lab = [i for i, g in enumerate(gold) if g]
    top = [maps[i].ranked[0][0] if maps[i].ranked else None for i in lab]
    return {
        "comp@1": float(
            np.mean([comp_of.get(t) in {comp_of[g] for g in gold[i]} for t, i in zip(top, lab, strict=True)])
        ),
        "P@1": float(np.mean([t in gold[i] for t, i in zip(top, lab, strict=True)])),
        "hit@3": float(np.mean([bool({p for p, _ in maps[i].ranked[:3]} & gold[i]) for i in lab])),
    }


def sample_f1(maps: Sequence[Mapping], gold: Sequence[set[int]]) -> tuple[float, str]:
    per = []
    for m, g in zip(maps, gold, strict=True):
        pred = set(m.mapped)
        per.append(1.0 if not pred and not g else 2 * len(pred & g) / (len(pred) + len(g)))
    per_a = np.array(per)
    rng = np.random.default_rng(0)
    boot = [per_a[rng.integers(0, len(per_a), len(per_a))].mean() for _ in range(1000)]
    return float(per_a.mean()), f"{np.percentile(boot, 2.5):.2f}-{np.percentile(boot, 97.5):.2f}"


def table(header: list[str], rows: list[list]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(f"{c:.2f}" if isinstance(c, float) else str(c) for c in r) + " |")
    print()


# --- verdicts -----------------------------------------------------------------------------------
def verdicts_for(
    idx: Sequence[int], texts: Sequence[str], gold: Sequence[set[int]], prior_top: Sequence[int]
) -> list[Feedback]:
    """What an analyst reviewing these points says: confirm every gold principle; on a point with none,
    reject the suggested (top-ranked) principle."""
    out = []
    for i in idx:
        if gold[i]:
            out.extend(Feedback(texts[i], pid, "confirm") for pid in sorted(gold[i]))
        else:
            out.append(Feedback(texts[i], prior_top[i], "reject"))
    return out


def uncertainty_order(scores: np.ndarray) -> list[int]:
    """Points by the margin between their top two scores, smallest first (the review order)."""
    top2 = -np.sort(-scores, axis=1)[:, :2]
    return list(np.argsort(top2[:, 0] - top2[:, 1], kind="stable"))


def learning_curve(
    fw: MapperFramework,
    embed,
    texts: list[str],
    vectors: np.ndarray,
    gold: list[set[int]],
    comp_of: dict[int, int],
    sizes: Sequence[int],
    make: Callable[[], PrincipleMapper],
    seeds: int = 5,
) -> dict[str, list[tuple[float, float]]]:
    """comp@1 and hit@3 on the points not labelled, after n labels at random (mean over seeds) and
    in uncertainty order; the cosine baseline on the same remaining points beside."""
    base = make().fit(fw, embed)
    prior = base.scores(texts, vectors)
    ids = base.principle_ids
    prior_top = [ids[j] for j in prior.argmax(axis=1)]
    cos = CosineBaseline().fit(fw, embed).decide(texts, vectors)
    orders = {
        f"random ({seeds} seeds)": [
            list(np.random.default_rng(s).permutation(len(texts))) for s in range(seeds)
        ]
    }
    orders["uncertainty order"] = [uncertainty_order(prior)]
    out: dict[str, list[tuple[float, float]]] = {"cosine": []}
    for name, order_list in orders.items():
        out[name] = []
        for n in sizes:
            accs, hits, caccs, chits = [], [], [], []
            for order in order_list:
                chosen = [int(i) for i in order[:n]]
                rest = sorted(set(range(len(texts))) - set(chosen))
                mapper = make().fit(fw, embed, verdicts_for(chosen, texts, gold, prior_top))
                maps = mapper.decide([texts[i] for i in rest], vectors[rest])
                m = ranking_metrics(maps, [gold[i] for i in rest], comp_of)
                c = ranking_metrics([cos[i] for i in rest], [gold[i] for i in rest], comp_of)
                (
                    accs.append(m["comp@1"]),
                    hits.append(m["hit@3"]),
                    caccs.append(c["comp@1"]),
                    chits.append(c["hit@3"]),
                )
            out[name].append((float(np.mean(accs)), float(np.mean(hits))))
            if name.startswith("random"):
                out["cosine"].append((float(np.mean(caccs)), float(np.mean(chits))))
    return out


# --- other ways to learn from verdicts (compared with VerdictModel, the one in use) ---------------
def _l2(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


def _onehot(comp: np.ndarray) -> np.ndarray:
    return np.eye(int(comp.max()) + 1 if len(comp) else 0, dtype=np.float32)[comp]


class Prototypes(VerdictModel):
    """Rocchio with labels: + a × cosine to the centroid of each principle's confirmed points and
    + b × cosine to the centroid of each component's (only where there are confirmations)."""

    def __init__(self, a: float = 0.1, b: float = 0.2) -> None:
        super().__init__()
        self.a, self.b = a, b

    def adjust(self, prior, queries, comp):
        if not self.size or not len(queries):
            return prior
        pos = np.clip(self.votes, 0.0, None)
        oh = _onehot(comp)
        out = np.array(prior, np.float32)
        for weight, labels, cols in ((self.a, pos, slice(None)), (self.b, pos @ oh, comp)):
            has = labels.sum(axis=0) > 0
            sims = np.where(has, queries @ _l2(labels.T @ self.vectors).T, 0.0)
            out = out + weight * sims[:, cols]
        return out


class KernelRidge(VerdictModel):
    """Kernel ridge on the labelled points (kernel max(0, cos)^3): predicts each query's votes by
    principle and, summed, by component; + weight × the prediction."""

    def __init__(self, lam: float = 3.0, weight: float = 0.1) -> None:
        super().__init__()
        self.lam, self.w = lam, weight

    def adjust(self, prior, queries, comp):
        if not self.size or not len(queries):
            return prior
        k = np.clip(self.vectors @ self.vectors.T, 0.0, None) ** 3
        kq = np.clip(queries @ self.vectors.T, 0.0, None) ** 3
        alpha = np.linalg.solve(k + self.lam * np.eye(len(k)), np.eye(len(k)))
        comp_votes = np.clip(np.clip(self.votes, 0.0, None) @ _onehot(comp), 0.0, 1.0)
        return prior + self.w * (kq @ alpha @ self.votes) + self.w * (kq @ alpha @ comp_votes)[:, comp]


class Propagation(VerdictModel):
    """Label propagation over the 10-nearest-neighbour graph of labelled and query points
    (transductive: confirmations spread to similar unlabelled points); + weight × spread votes."""

    def __init__(self, alpha: float = 0.5, weight: float = 0.05, k: int = 10) -> None:
        super().__init__()
        self.alpha, self.w, self.knn = alpha, weight, k

    def adjust(self, prior, queries, comp):
        if not self.size or not len(queries):
            return prior
        x = np.vstack([self.vectors, queries])
        m, n = self.size, len(x)
        sims = np.clip(x @ x.T, 0.0, None)
        np.fill_diagonal(sims, 0.0)
        keep = np.argsort(-sims, axis=1, kind="stable")[:, : min(self.knn, n - 1)]
        w = np.zeros_like(sims)
        np.put_along_axis(w, keep, np.take_along_axis(sims, keep, axis=1), axis=1)
        w = np.maximum(w, w.T)
        d = np.where(w.sum(axis=1) > 0, w.sum(axis=1), 1.0)
        spread = np.linalg.inv(np.eye(n) - self.alpha * w / np.sqrt(d[:, None] * d[None, :]))
        y = np.zeros((n, self.votes.shape[1]), np.float32)
        y[:m] = self.votes
        yc = np.zeros((n, int(comp.max()) + 1), np.float32)
        yc[:m] = np.clip(np.clip(self.votes, 0.0, None) @ _onehot(comp), 0.0, 1.0)
        return prior + self.w * (spread @ y)[m:] + self.w * (spread @ yc)[m:][:, comp]


class Combined(VerdictModel):
    """VerdictModel (nearest labelled neighbours) plus label propagation."""

    def adjust(self, prior, queries, comp):
        near = super().adjust(prior, queries, comp)
        spread = Propagation()
        spread.fit(self.vectors, self.votes)
        return spread.adjust(near, queries, comp)


LEARNERS: tuple[tuple[str, Callable[[], VerdictModel]], ...] = (
    ("nearest labelled neighbours (VerdictModel, in use)", VerdictModel),
    ("prototypes (Rocchio with labels)", Prototypes),
    ("kernel ridge on embeddings", KernelRidge),
    ("label propagation (kNN graph)", Propagation),
    ("neighbours + propagation", Combined),
)


def compare_learners(fw, embed, texts, vectors, gold, comp_of, frac: float = 0.25, seeds: int = 5) -> list:
    """comp@1 / hit@3 on the other points after a random ``frac`` of points is labelled (mean over
    seeds), for each learner, with cosine and the no-label mapper beside."""
    base = PrincipleMapper().fit(fw, embed)
    prior = base.scores(texts, vectors)
    prior_top = [base.principle_ids[j] for j in prior.argmax(axis=1)]
    cos = CosineBaseline().fit(fw, embed).decide(texts, vectors)
    none = base.decide(texts, vectors)
    k = int(len(texts) * frac)
    rows: dict[str, list[tuple[float, float]]] = {}
    for s in range(seeds):
        order = np.random.default_rng(s).permutation(len(texts))
        chosen, rest = [int(i) for i in order[:k]], sorted(int(i) for i in order[k:])
        g = [gold[i] for i in rest]
        fb = verdicts_for(chosen, texts, gold, prior_top)
        for name, maps in (("plain cosine", [cos[i] for i in rest]), ("no labels", [none[i] for i in rest])):
            m = ranking_metrics(maps, g, comp_of)
            rows.setdefault(name, []).append((m["comp@1"], m["hit@3"]))
        for name, make in LEARNERS:
            maps = (
                PrincipleMapper(verdicts=make())
                .fit(fw, embed, fb)
                .decide([texts[i] for i in rest], vectors[rest])
            )
            m = ranking_metrics(maps, g, comp_of)
            rows.setdefault(name, []).append((m["comp@1"], m["hit@3"]))
    return [
        [name, float(np.mean([a for a, _ in v])), float(np.mean([h for _, h in v]))]
        for name, v in rows.items()
    ]


# --- SetFit-style contrastive tuning of the encoder (``--learner setfit``; measured, not kept) -------
def contrastive_pairs(
    items: Sequence[tuple[str, set]], label_texts: dict, seed: int, max_pairs: int = 400
) -> list[tuple[str, str, float]]:
    """(a, b, target cosine) pairs from confirmed points: two points sharing a label (component or
    code) 1, else 0; a point and the text of a label it was confirmed with 1, of two other labels 0.
    Shuffled with ``seed``; at most ``max_pairs``, half positives where there are enough."""
    rng = np.random.default_rng(seed)
    pos: list[tuple[str, str, float]] = []
    neg: list[tuple[str, str, float]] = []
    keys = sorted(label_texts)
    for i, (text, labels) in enumerate(items):
        pos.extend((text, t, 1.0) for lab in sorted(labels) for t in label_texts[lab])
        for other, other_labels in items[i + 1 :]:
            (pos if labels & other_labels else neg).append(
                (text, other, 1.0 if labels & other_labels else 0.0)
            )
        others = [k for k in keys if k not in labels]
        for j in rng.choice(len(others), size=min(2, len(others)), replace=False):
            neg.append((text, label_texts[others[int(j)]][0], 0.0))
    pos = [pos[i] for i in rng.permutation(len(pos))]
    neg = [neg[i] for i in rng.permutation(len(neg))]
    n_pos = min(max_pairs // 2, len(pos))
    pairs = pos[:n_pos] + neg[: max_pairs - n_pos]
    return [pairs[i] for i in rng.permutation(len(pairs))]


class TunedEncoder:
    """A copy of MiniLM tuned for one epoch on contrastive pairs (CosineSimilarityLoss: the squared
    error between the pair's cosine and its target), batch 16, AdamW, seeded. One torch thread: on
    the shared 2-core machine two threads took 8x the CPU time for the same steps (spinning)."""

    def __init__(self, lr: float = 2e-5, batch: int = 16, max_length: int = 128, threads: int = 1) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        from nlp.embed import MiniLMEmbedder

        torch.set_num_threads(threads)
        self.torch = torch
        self.model = SentenceTransformer(str(MiniLMEmbedder()._model_path()), device="cpu")
        self.model.max_seq_length = max_length
        self.initial = {k: v.clone() for k, v in self.model.state_dict().items()}
        self.lr, self.batch = lr, batch

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.encode(
            list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False
        ).astype(np.float32)

    def reset(self) -> TunedEncoder:
        self.model.load_state_dict(self.initial)
        return self

    def tune(self, pairs: Sequence[tuple[str, str, float]], seed: int) -> float:
        """Tune from the initial weights; return the seconds it took."""
        torch, model = self.torch, self.reset().model
        start = time.perf_counter()
        torch.manual_seed(seed)
        opt = torch.optim.AdamW(model.parameters(), lr=self.lr)
        model.train()
        for s in range(0, len(pairs), self.batch):
            batch = pairs[s : s + self.batch]
            ea = model(dict(model.tokenize([a for a, _, _ in batch])))["sentence_embedding"]
            eb = model(dict(model.tokenize([b for _, b, _ in batch])))["sentence_embedding"]
            target = torch.tensor([y for _, _, y in batch], dtype=torch.float32)
            loss = torch.nn.functional.mse_loss(torch.nn.functional.cosine_similarity(ea, eb), target)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        return time.perf_counter() - start


def _head(train_x: np.ndarray, train_y: Sequence[int], queries: np.ndarray) -> np.ndarray:
    """The SetFit head: a logistic regression on embeddings; the most likely label per query."""
    from sklearn.linear_model import LogisticRegression

    head = LogisticRegression(C=10.0, max_iter=2000).fit(train_x, np.asarray(train_y))
    return head.classes_[head.predict_proba(queries).argmax(axis=1)]


def compare_setfit(
    fw, texts, gold, comp_of, frac: float = 0.25, seeds: int = 5, draws: Sequence[int] = ()
) -> tuple[list, list]:
    """comp@1 / hit@3 on the other points after a random ``frac`` is labelled (the draws of
    ``compare_learners``), untuned and with the encoder tuned on pairs from the labelled points."""
    enc = TunedEncoder()
    embed0 = enc.encode
    vec0 = embed0(texts)
    ptext = {p.id: p.text for p in fw.principles}
    k = int(len(texts) * frac)
    rows: dict[str, list[tuple[float, float]]] = {}
    times = []

    def score(name, maps, rest):
        m = ranking_metrics(maps, [gold[i] for i in rest], comp_of)
        rows.setdefault(name, []).append((m["comp@1"], m["hit@3"]))

    def head_score(name, vecs, pvecs, chosen, rest):
        lab = [i for i in rest if gold[i]]
        x = np.vstack(
            [np.array([vecs[i] for i in chosen for _ in gold[i]]).reshape(-1, vecs.shape[1]), pvecs]
        )
        y = [comp_of[g] for i in chosen for g in sorted(gold[i])] + [p.component for p in fw.principles]
        pred = _head(x, y, vecs[lab])
        acc = float(np.mean([c in {comp_of[g] for g in gold[i]} for c, i in zip(pred, lab, strict=True)]))
        rows.setdefault(name, []).append((acc, float("nan")))

    base = PrincipleMapper().fit(fw, embed0)
    prior = base.scores(texts, vec0)
    prior_top = [base.principle_ids[j] for j in prior.argmax(axis=1)]
    for s in draws or range(seeds):
        enc.reset()
        order = np.random.default_rng(s).permutation(len(texts))
        chosen, rest = [int(i) for i in order[:k]], sorted(int(i) for i in order[k:])
        rest_t = [texts[i] for i in rest]
        fb = verdicts_for(chosen, texts, gold, prior_top)
        score("plain cosine", CosineBaseline().fit(fw, embed0).decide(rest_t, vec0[rest]), rest)
        score(
            "nearest labelled neighbours (VerdictModel, in use)",
            PrincipleMapper().fit(fw, embed0, fb).decide(rest_t, vec0[rest]),
            rest,
        )
        head_score(
            "logistic head, untuned MiniLM", vec0, embed0([p.text for p in fw.principles]), chosen, rest
        )
        items = [(texts[i], {comp_of[g] for g in gold[i]}) for i in chosen if gold[i]]
        label_texts = {
            c: [p.text for p in fw.principles if p.component == c][:1] for c in set(comp_of.values())
        }
        for i in chosen:
            for g in sorted(gold[i]):
                label_texts[comp_of[g]] = list(dict.fromkeys([ptext[g], *label_texts[comp_of[g]]]))
        pairs = contrastive_pairs(items, label_texts, s)
        secs = enc.tune(pairs, s)
        t = time.perf_counter()
        vec1 = enc.encode(texts)
        times.append((len(pairs), secs, time.perf_counter() - t))
        print(f"draw {s}: {len(pairs)} pairs, tuned in {secs:.0f} s", file=sys.stderr, flush=True)
        score("tuned: plain cosine", CosineBaseline().fit(fw, enc.encode).decide(rest_t, vec1[rest]), rest)
        score(
            "tuned: mapper, no labels", PrincipleMapper().fit(fw, enc.encode).decide(rest_t, vec1[rest]), rest
        )
        score(
            "tuned: mapper + nearest labelled neighbours",
            PrincipleMapper().fit(fw, enc.encode, fb).decide(rest_t, vec1[rest]),
            rest,
        )
        head_score(
            "tuned: logistic head (SetFit)", vec1, enc.encode([p.text for p in fw.principles]), chosen, rest
        )
        print(
            f"draw {s}: " + "; ".join(f"{n} {v[-1][0]:.3f}/{v[-1][1]:.3f}" for n, v in rows.items()),
            file=sys.stderr,
            flush=True,
        )
    out = [
        [
            n,
            float(np.mean([a for a, _ in v])),
            float(np.mean([h for _, h in v])),
            " ".join(f"{a:.2f}" for a, _ in v),
        ]
        for n, v in rows.items()
    ]
    return out, times


def paired_bootstrap(
    a: Sequence[bool], b: Sequence[bool], resamples: int = 10_000, seed: int = 0
) -> tuple[float, float, float]:
    """mean(a) - mean(b) over the same items, with its paired-bootstrap 95% interval (items resampled
    with replacement, the two methods together; seeded)."""
    diff = np.asarray(a, np.float64) - np.asarray(b, np.float64)
    rng = np.random.default_rng(seed)
    boot = diff[rng.integers(0, len(diff), (resamples, len(diff)))].mean(axis=1)
    return float(diff.mean()), float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))


def setfit_codebooks(
    folder: Path, questions: Sequence[int] = (), hits_dir: Path | None = None
) -> dict[int, dict]:
    """Survey top-1 (first decided code) on the other 75% of each question after 25% of its answers
    are confirmed (seed 0, as ``eval_codebooks``), untuned and with the encoder tuned per question.

    Returns question index -> {"pairs", "seconds", "hits": {method: [hit per answer]}}; with
    ``hits_dir``, each question is also written there as ``qNN.json`` as soon as it is done (tuning
    is seeded per question, so questions can be split over processes and pooled by ``--combine``)."""
    enc = TunedEncoder()
    out: dict[int, dict] = {}
    for q, (_, fw, answers, gold) in enumerate(codebook_questions(folder)):
        if questions and q not in questions:
            continue
        totals: dict[str, list[bool]] = {}
        enc.reset()
        vec0 = enc.encode(answers)
        order = np.random.default_rng(0).permutation(len(answers))
        k = len(answers) // 4
        chosen, rest = [int(i) for i in order[:k]], sorted(int(i) for i in order[k:])
        rest_t = [answers[i] for i in rest]
        labels = [Feedback(answers[i], pid, "confirm") for i in chosen for pid in sorted(gold[i])]

        def hit(name, maps, gold=gold, rest=rest, totals=totals):
            totals.setdefault(name, []).extend(
                bool(m.mapped and m.mapped[0] in gold[i]) for m, i in zip(maps, rest, strict=True)
            )

        hit("cosine", CosineBaseline().fit(fw, enc.encode).decide(rest_t, vec0[rest]))
        hit(
            "nearest labelled neighbours (VerdictModel, in use)",
            PrincipleMapper().fit(fw, enc.encode, labels).decide(rest_t, vec0[rest]),
        )
        pairs = contrastive_pairs(
            [(answers[i], set(gold[i])) for i in chosen], {p.id: [p.text] for p in fw.principles}, q
        )
        secs = enc.tune(pairs, q)
        print(f"question {q}: {len(pairs)} pairs, tuned in {secs:.0f} s", file=sys.stderr, flush=True)
        vec1 = enc.encode(answers)
        hit("tuned: cosine", CosineBaseline().fit(fw, enc.encode).decide(rest_t, vec1[rest]))
        hit(
            "tuned: mapper + nearest labelled neighbours",
            PrincipleMapper().fit(fw, enc.encode, labels).decide(rest_t, vec1[rest]),
        )
        x = np.vstack(
            [
                np.array([vec1[i] for i in chosen for _ in gold[i]]),
                enc.encode([p.text for p in fw.principles]),
            ]
        )
        y = [g for i in chosen for g in sorted(gold[i])] + [p.id for p in fw.principles]
        pred = _head(x, y, vec1[rest])
        totals.setdefault("tuned: logistic head (SetFit)", []).extend(
            bool(p in gold[i]) for p, i in zip(pred, rest, strict=True)
        )
        out[q] = {"pairs": len(pairs), "seconds": secs, "hits": totals}
        if hits_dir:
            hits_dir.mkdir(parents=True, exist_ok=True)
            (hits_dir / f"q{q:02d}.json").write_text(json.dumps(out[q]), encoding="utf-8")
    return out


def survey_report(per_question: dict[int, dict]) -> None:
    """Pooled top-1 per method, tuning time per question, and each method minus the learner in use
    with a paired-bootstrap interval over the same answers."""
    hits: dict[str, list[bool]] = {}
    for q in sorted(per_question):
        for name, v in per_question[q]["hits"].items():
            hits.setdefault(name, []).extend(v)
    table(
        ["method (survey, 75% of each question pooled)", "top-1"],
        [[n, float(np.mean(v))] for n, v in hits.items()],
    )
    table(
        ["question", "pairs", "tuning s"],
        [[q, per_question[q]["pairs"], per_question[q]["seconds"]] for q in sorted(per_question)],
    )
    in_use = hits["nearest labelled neighbours (VerdictModel, in use)"]
    print(
        f"Paired bootstrap over the same {len(in_use)} answers (10,000 resamples, seed 0), "
        "minus the learner in use:\n"
    )
    table(
        ["method minus VerdictModel (in use)", "difference", "95% interval"],
        [
            [name, diff, f"{lo:+.3f} to {hi:+.3f}"]
            for name, v in hits.items()
            if v is not in_use
            for diff, lo, hi in [paired_bootstrap(v, in_use)]
        ],
    )


def run_setfit(
    fw,
    texts,
    gold,
    comp_of,
    codebook_dir: Path | None,
    dev: bool = True,
    draws: Sequence[int] = (),
    questions: Sequence[int] = (),
    hits_dir: Path | None = None,
) -> None:
    print("## SetFit-style contrastive tuning of MiniLM: 25% random labels, the other 75%\n")
    if dev:
        rows, times = compare_setfit(fw, texts, gold, comp_of, draws=draws)
        table(
            [
                f"method (all dev points, draws {', '.join(map(str, draws)) or '0-4'})",
                "comp@1",
                "hit@3",
                "comp@1 per draw",
            ],
            rows,
        )
        table(
            ["draw", "pairs", "tuning s", "re-embedding 172 points s"],
            [[d, n, a, b] for d, (n, a, b) in zip(draws or range(5), times, strict=True)],
        )
    if codebook_dir:
        survey_report(setfit_codebooks(codebook_dir, questions, hits_dir))


# --- off-topic text -----------------------------------------------------------------------------
def polis_comments(path: Path, n: int = 300) -> list[str]:
    rows = [
        r["comment_body"].strip()
        for r in csv.DictReader(path.open(encoding="utf-8"))
        if r["conversation"] in POLIS_ENGLISH and len(r["comment_body"].split()) >= 5
    ]
    rng = np.random.default_rng(0)
    return [rows[i] for i in sorted(rng.choice(len(rows), size=min(n, len(rows)), replace=False))]


# --- a public coded survey ----------------------------------------------------------------------
def codebook_questions(folder: Path) -> list[tuple[str, MapperFramework, list[str], list[set[int]]]]:
    """Each ``* (primary).csv`` as (question, codebook framework, answers, gold item ids); a code is
    its top-level slug ("a->b" counts as "a"), its text the slug in words."""
    out = []
    for path in sorted(folder.glob("*(primary).csv")):
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        question = rows[0][1]
        answers, codes = [], []
        for row in rows[1:]:
            if len(row) < 3 or not row[1].strip():
                continue
            got = {c.split("->")[0].strip() for c in row[2:] if c.strip()}
            if got:
                answers.append(row[1].strip())
                codes.append(got)
        names = sorted({c for cs in codes for c in cs})
        principles = [
            MapperPrinciple(k + 1, 0, n.replace("_", " "), kind="code") for k, n in enumerate(names)
        ]
        fw = MapperFramework(path.stem, [MapperComponent(question)], principles, question=question)
        pid = {n: k + 1 for k, n in enumerate(names)}
        out.append((question, fw, answers, [{pid[c] for c in cs} for cs in codes]))
    return out


def eval_codebooks(folder: Path, embed) -> None:
    qs = codebook_questions(folder)
    n_ans = sum(len(a) for _, _, a, _ in qs)
    n_items = sum(len(fw.principles) for _, fw, _, _ in qs)
    print(f"## Public coded survey: {len(qs)} questions, {n_ans} answers, {n_items} codebook items\n")
    rows = []
    totals: dict[str, list[float]] = {}
    for question, fw, answers, gold in qs:
        vecs = embed(answers)
        cells = [question[:60], len(answers), len(fw.principles)]
        for name, mapper in (("cosine", CosineBaseline()), ("mapper", PrincipleMapper())):
            maps = mapper.fit(fw, embed).decide(answers, vecs)
            rank1 = [bool(m.ranked and m.ranked[0][0] in g) for m, g in zip(maps, gold, strict=True)]
            dec1 = [bool(m.mapped and m.mapped[0] in g) for m, g in zip(maps, gold, strict=True)]
            totals.setdefault(f"{name} ranked", []).extend(rank1)
            totals.setdefault(f"{name} decided", []).extend(dec1)
            cells.append(float(np.mean(dec1)))
        rng = np.random.default_rng(0)
        order = rng.permutation(len(answers))
        k = len(answers) // 4
        labels = [Feedback(answers[i], pid, "confirm") for i in order[:k] for pid in sorted(gold[i])]
        rest = sorted(order[k:])
        cos = CosineBaseline().fit(fw, embed).decide([answers[i] for i in rest], vecs[rest])
        hit = [bool(m.mapped and m.mapped[0] in gold[i]) for m, i in zip(cos, rest, strict=True)]
        totals.setdefault("cosine on the same other 75%", []).extend(hit)
        for name, make in LEARNERS:
            mapper = PrincipleMapper(verdicts=make()).fit(fw, embed, labels)
            maps = mapper.decide([answers[i] for i in rest], vecs[rest])
            hit = [bool(m.mapped and m.mapped[0] in gold[i]) for m, i in zip(maps, rest, strict=True)]
            totals.setdefault(f"mapper + 25% labels (other 75%): {name}", []).extend(hit)
            if make is VerdictModel:
                cells.append(float(np.mean(hit)))
        rows.append(cells)
    table(["question", "answers", "items", "cosine top-1", "mapper top-1", "+25% labels, other 75%"], rows)
    table(["method (all answers pooled)", "top-1"], [[k, float(np.mean(v))] for k, v in totals.items()])
    question_weight_halves(qs, embed)


QUESTION_WEIGHTS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.5)


def question_weight_halves(qs, embed) -> None:
    """How much of the question to take out of each answer (``PrincipleMapper.question_weight``),
    chosen on the even-numbered questions and scored on the odd ones, and the other way round."""
    hits: dict[tuple[int, float], list[bool]] = {}
    for k, (_, fw, answers, gold) in enumerate(qs):
        vecs = embed(answers)
        for w in QUESTION_WEIGHTS:
            maps = PrincipleMapper(question_weight=w).fit(fw, embed).decide(answers, vecs)
            hits[k, w] = [bool(m.mapped and m.mapped[0] in g) for m, g in zip(maps, gold, strict=True)]

    def pooled(ks: list[int], w: float) -> float:
        return float(np.mean([h for k in ks for h in hits[k, w]]))

    rows = []
    for name, parity in (("even", 0), ("odd", 1)):
        tune_on = [k for k in range(len(qs)) if k % 2 == parity]
        score_on = [k for k in range(len(qs)) if k % 2 != parity]
        best = max(QUESTION_WEIGHTS, key=lambda w: (round(pooled(tune_on, w), 4), -w))
        rows.append(
            [
                name,
                best,
                pooled(tune_on, 0.0),
                pooled(tune_on, best),
                pooled(score_on, 0.0),
                pooled(score_on, best),
            ]
        )
    table(
        ["chosen on questions", "weight", "there: 0", "there: chosen", "other half: 0", "other half: chosen"],
        rows,
    )
    table(
        ["question weight", *[str(w) for w in QUESTION_WEIGHTS]],
        [["mapper decided top-1 (pooled)", *[pooled(list(range(len(qs))), w) for w in QUESTION_WEIGHTS]]],
    )


# --- ranking variants measured on split A (not kept: see evals/README.md) ---------------------------
class RankingVariant(PrincipleMapper):
    """The default ranking with one change: ``pool`` adds ``lam`` × a component score (mean of its top
    two principle cosines) to each principle; ``expand_k`` moves each principle vector towards the mean
    of its ``expand_k`` nearest points of the batch (pseudo-relevance feedback, weight ``expand_b``);
    ``rrf`` fuses cosine and TF-IDF by reciprocal rank instead of adding scores; ``center`` subtracts
    the batch's mean vector from each point's (the direction every answer of a consultation shares);
    ``smooth_k`` adds ``smooth_b`` × the mean cosines of each point's ``smooth_k`` nearest points of
    the batch (point-side smoothing)."""

    def __init__(
        self, lam=0.0, expand_k=0, expand_b=0.3, rrf=False, center=False, smooth_k=0, smooth_b=0.25, **kw
    ) -> None:
        super().__init__(**kw)
        self.lam, self.expand_k, self.expand_b, self.rrf = lam, expand_k, expand_b, rrf
        self.center, self.smooth_k, self.smooth_b = center, smooth_k, smooth_b

    def cosines(self, embeddings):
        emb = np.asarray(embeddings, np.float32)
        if self.center and len(emb) > 1:
            emb = _l2(emb - emb.mean(axis=0))
        if self.smooth_k and len(emb) > self.smooth_k:
            base = super().cosines(emb)
            sims = emb @ emb.T
            np.fill_diagonal(sims, -np.inf)
            near = np.argsort(-sims, axis=1, kind="stable")[:, : self.smooth_k]
            return base + self.smooth_b * base[near].mean(axis=1)
        if not self.expand_k or len(emb) < self.expand_k:
            return super().cosines(emb)
        views = self._views[0]
        near = np.argsort(-(views @ emb.T), axis=1, kind="stable")[:, : self.expand_k]
        return emb @ _l2(views + self.expand_b * _l2(emb[near].mean(axis=1))).T

    def prior(self, texts, embeddings):
        cos = self.cosines(embeddings)
        if self.rrf:
            lex = self._lexical.scores(list(texts))
            rank = lambda m: 1.0 / (60 + np.argsort(np.argsort(-m, axis=1), axis=1))  # noqa: E731
            scores = rank(cos) + self.lexical_weight * rank(lex)
        else:
            scores = (
                super().prior(texts, embeddings)
                if not self.expand_k
                else cos + self.lexical_weight * (self._lexical.scores(list(texts)))
            )
        if self.lam:
            comp_score = np.stack(
                [
                    np.sort(cos[:, self.comp == c], axis=1)[:, -2:].mean(axis=1)
                    for c in range(self.comp.max() + 1)
                ],
                axis=1,
            )
            scores = scores + self.lam * comp_score[:, self.comp]
        return scores


VARIANTS = (
    ("plain cosine (CosineBaseline)", CosineBaseline),
    ("default (cosine + 0.3 TF-IDF, component anchored)", PrincipleMapper),
    ("not anchored (the previous default)", lambda: PrincipleMapper(anchor_component=False)),
    ("no lexical term", lambda: PrincipleMapper(lexical_weight=0.0)),
    (
        "+ component score (mean of top 2), weight 0.5",
        lambda: RankingVariant(lam=0.5, anchor_component=False),
    ),
    ("+ component score, weight 1.0", lambda: RankingVariant(lam=1.0, anchor_component=False)),
    ("query expansion, 5 nearest points, 0.3", lambda: RankingVariant(expand_k=5, anchor_component=False)),
    (
        "query expansion, 10 nearest points, 0.6",
        lambda: RankingVariant(expand_k=10, expand_b=0.6, anchor_component=False),
    ),
    ("reciprocal rank fusion, cosine + 0.3 TF-IDF", lambda: RankingVariant(rrf=True, anchor_component=False)),
    (
        "reciprocal rank fusion, cosine + 1.0 TF-IDF",
        lambda: RankingVariant(rrf=True, lexical_weight=1.0, anchor_component=False),
    ),
    ("points centred on the batch mean", lambda: RankingVariant(center=True, anchor_component=False)),
    (
        "point smoothing, 5 nearest points, 0.25",
        lambda: RankingVariant(smooth_k=5, anchor_component=False),
    ),
    (
        "point smoothing, 10 nearest points, 0.5",
        lambda: RankingVariant(smooth_k=10, smooth_b=0.5, anchor_component=False),
    ),
)


# --- tuning grids (split A only) ------------------------------------------------------------------
def tune(fw, embed, texts, vectors, gold, comp_of, off_topic_vectors) -> None:
    print("## Tuning grids on split A\n")
    rows = []
    for name, make in VARIANTS:
        m = ranking_metrics(make().fit(fw, embed).decide(texts, vectors), gold, comp_of)
        rows.append([name, m["comp@1"], m["hit@3"], m["P@1"]])
    table(["ranking (no labels)", "comp@1", "hit@3", "P@1"], rows)
    rows = []
    for w in (0.0, 0.1, 0.2, 0.3, 0.5):
        maps = PrincipleMapper(lexical_weight=w).fit(fw, embed).decide(texts, vectors)
        m = ranking_metrics(maps, gold, comp_of)
        rows.append([w, m["comp@1"], m["hit@3"], m["P@1"]])
    table(["lexical weight", "comp@1", "hit@3", "P@1"], rows)
    mapper = PrincipleMapper().fit(fw, embed)
    rows = []
    for margin in (0.0, 0.02, 0.05, 0.1, 0.2):
        f1, ci = sample_f1(
            mapper.decide(texts, vectors, rule=DecisionRule(margin=margin, off_topic=0.0)), gold
        )
        rows.append([margin, f1, ci])
    table(["margin", "sample F1", "95% CI"], rows)
    rel_on = mapper.cosines(vectors).max(axis=1)
    rel_off = mapper.cosines(off_topic_vectors).max(axis=1)
    labelled = np.array([bool(g) for g in gold])
    rows = []
    for t in (0.10, 0.15, 0.20, 0.25, 0.30):
        flagged_dev_none = int((rel_on[~labelled] < t).sum())
        flagged_dev_lab = int((rel_on[labelled] < t).sum())
        flagged_off = int((rel_off < t).sum())
        prec = (flagged_dev_none + flagged_off) / max(flagged_dev_none + flagged_off + flagged_dev_lab, 1)
        rows.append([t, flagged_off, flagged_dev_none, flagged_dev_lab, prec])
    table(["off_topic", "Polis flagged", "dev [] flagged", "dev labelled flagged", "precision"], rows)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--embedder", default="minilm", help="nlp.embed name (default minilm)")
    ap.add_argument("--cache", type=Path, help="pickle file of cached vectors (created if missing)")
    ap.add_argument("--polis", type=Path, default=POLIS, help="polis_comments_all.csv (off-topic text)")
    ap.add_argument("--codebook-dir", type=Path, help="the gwusec input_data folder (see evals/README.md)")
    ap.add_argument("--tune", action="store_true", help="print the tuning grids on split A and stop")
    ap.add_argument(
        "--learner",
        choices=["setfit", "setfit-survey"],
        help="setfit: only compare SetFit-style tuning of the encoder on the dev set (5 tunings) and, with "
        "--codebook-dir, the survey (14); setfit-survey: the survey only",
    )
    ap.add_argument(
        "--draws", type=int, nargs="*", default=[], help="with --learner setfit: only these draws (0-4)"
    )
    ap.add_argument(
        "--questions", type=int, nargs="*", default=[], help="with --learner setfit-survey: only these (0-13)"
    )
    ap.add_argument(
        "--hits-dir", type=Path, help="with --learner setfit-survey: write each question's hits here"
    )
    ap.add_argument(
        "--combine", type=Path, help="print the survey SetFit tables from a --hits-dir folder and stop"
    )
    ap.add_argument("--skip-curve", action="store_true", help="skip the learning curve")
    args = ap.parse_args(argv)
    if args.combine:
        files = sorted(args.combine.glob("q*.json"))
        print(f"## SetFit-style tuning on the survey: {len(files)} questions from {args.combine}\n")
        survey_report({int(f.stem[1:]): json.loads(f.read_text(encoding="utf-8")) for f in files})
        return
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from nlp.embed import load_embedder

    embedder = load_embedder(args.embedder)
    embed = cached(lambda texts: embedder.encode(list(texts)), args.cache)
    fw = load_framework()
    plain = fw.without_examples()
    comp_of = {p.id: p.component for p in fw.principles}
    texts, gold, ids = load_points(DEV, fw)
    vectors = embed(texts)
    off = polis_comments(args.polis) if args.polis.exists() else []
    off_vecs = embed(off) if off else np.zeros((0, vectors.shape[1]), np.float32)
    split = np.array([half(i) for i in ids])
    if args.learner:
        run_setfit(
            plain,
            texts,
            gold,
            comp_of,
            args.codebook_dir,
            dev=args.learner == "setfit",
            draws=args.draws,
            questions=args.questions,
            hits_dir=args.hits_dir,
        )
        return
    if args.tune:
        a = np.flatnonzero(split == "A")
        tune(plain, embed, [texts[i] for i in a], vectors[a], [gold[i] for i in a], comp_of, off_vecs)
        return
    print(
        f"{len(texts)} dev points ({sum(1 for g in gold if g)} with gold); split A {int((split == 'A').sum())}, "
        f"B {int((split == 'B').sum())}; {len(fw.principles)} principles; embedder {embedder.name}\n"
    )
    configs = [
        ("plain cosine (CosineBaseline)", CosineBaseline(), plain),
        ("LogisticMapper, no glossary", LogisticMapper(), plain),
        ("LogisticMapper + strategy examples", LogisticMapper(), fw),
        ("PrincipleMapper, no lexical", PrincipleMapper(lexical_weight=0.0), plain),
        ("PrincipleMapper (default)", PrincipleMapper(), plain),
    ]
    for part in ("B", "all"):
        idx = np.flatnonzero(split == part) if part != "all" else np.arange(len(texts))
        t, v, g = [texts[i] for i in idx], vectors[idx], [gold[i] for i in idx]
        print(
            f"## No labels, {'held-out split B' if part == 'B' else 'all dev points'} ({len(idx)} points)\n"
        )
        rows = []
        for name, mapper, framework in configs:
            maps = mapper.fit(framework, embed).decide(t, v)
            m = ranking_metrics(maps, g, comp_of)
            f1, ci = sample_f1(maps, g)
            none = sum(mp.no_principle for mp in maps)
            rows.append([name, m["comp@1"], m["hit@3"], m["P@1"], f1, ci, none])
        table(["method", "comp@1", "hit@3", "P@1", "sample F1", "F1 95% CI", "no_principle"], rows)
    if off:
        mapper = PrincipleMapper().fit(plain, embed)
        b = np.flatnonzero(split == "B")
        on = mapper.decide([texts[i] for i in b], vectors[b])
        offm = mapper.decide(off, off_vecs)
        flagged_off = sum(m.no_principle for m in offm)
        flagged_none = sum(m.no_principle for m, i in zip(on, b, strict=True) if not gold[i])
        flagged_lab = sum(m.no_principle for m, i in zip(on, b, strict=True) if gold[i])
        print("## The no_principle decision (split B and off-topic Polis comments)\n")
        table(
            ["text", "points", "flagged no_principle"],
            [
                [f"Polis comments ({', '.join(POLIS_ENGLISH[:2])}, ...)", len(off), flagged_off],
                ["dev B, gold []", sum(1 for i in b if not gold[i]), flagged_none],
                ["dev B, with gold principles", sum(1 for i in b if gold[i]), flagged_lab],
            ],
        )
        total = flagged_off + flagged_none + flagged_lab
        print(
            f"Precision of no_principle: {(flagged_off + flagged_none) / max(total, 1):.2f} "
            f"({flagged_off + flagged_none} of {total} flagged are off-topic or gold [])\n"
        )
    if not args.skip_curve:
        sizes = [*LABELS, len(texts) // 4]
        curve = learning_curve(plain, embed, texts, vectors, gold, comp_of, sizes, PrincipleMapper)
        print("## Learning curve: comp@1 / hit@3 on the points not labelled (all dev points)\n")
        header = ["labels"] + [str(n) + (" (25%)" if n == len(texts) // 4 else "") for n in sizes]
        table(header, [[name] + [f"{a:.2f} / {h:.2f}" for a, h in vals] for name, vals in curve.items()])
    if not args.skip_curve:
        print("## Learners compared: 25% random labels, comp@1 / hit@3 on the other points (5 seeds)\n")
        a = np.flatnonzero(split == "A")
        on_a = compare_learners(
            plain, embed, [texts[i] for i in a], vectors[a], [gold[i] for i in a], comp_of
        )
        on_all = compare_learners(plain, embed, texts, vectors, gold, comp_of)
        table(
            ["method", "A comp@1", "A hit@3", "all comp@1", "all hit@3"],
            [[x[0], x[1], x[2], y[1], y[2]] for x, y in zip(on_a, on_all, strict=True)],
        )
    if args.codebook_dir:
        eval_codebooks(args.codebook_dir, embed)


if __name__ == "__main__":
    main()
