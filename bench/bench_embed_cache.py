"""How often the embedding cache spares the model: duplicates, re-runs, other sources and questions.

    .venv/bin/python bench/bench_embed_cache.py [--answers 2000] [--embedder minilm]

Corpus: the first ``--answers`` distinct real Polis comments (``bench_e2e.real_answers``) plus a copy
of every fifth one (a campaign of duplicates), as a CSV. Steps, one database, the DWP strategy as the
framework:

1. ``ingest`` the CSV, ``analyse``;
2. ``analyse`` again (a re-run: a new seed, say);
3. ``ingest`` a second CSV in the same consultation: half of the same answers, half new ones;
   ``analyse``;
4. ``ingest`` the first CSV again as another question (``--question``), ``analyse``.

Per step: the stakeholder points analysed, the distinct (text, question) pairs analysed (a text is
themed, tagged and mapped once per question), the distinct texts, how many of those had a
vector in the cache before ``analyse`` started (the rest the model embedded), and the embed stage's
seconds. Prints a markdown table;
nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from pathlib import Path

from _common import ROOT

sys.path.insert(0, str(ROOT))


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    ap = argparse.ArgumentParser()
    ap.add_argument("--answers", type=int, default=2000)
    ap.add_argument("--embedder", default="minilm")
    args = ap.parse_args()
    from bench_e2e import FRAMEWORK, real_answers, write_csv

    from ingest.formats.base import ReadOptions
    from ingest.pipeline import ingest_paths
    from nlp.embed import load_embedder
    from nlp.embedding_cache import load_vectors
    from nlp.pipeline import Analyser, distinct_points, select_points
    from store.db import open_db
    from store.ingest_store import find_consultation

    real = real_answers()
    first = real[: args.answers]
    rng = random.Random(7)
    copies = [first[i] for i in range(0, len(first), 5)]
    campaign = first + copies
    rng.shuffle(campaign)
    second = first[: len(first) // 2] + real[args.answers : args.answers + len(first) // 2]
    embedder = load_embedder(args.embedder)
    print(f"{len(first):,} distinct answers + {len(copies):,} copies; embedder {embedder.name}\n")
    print(
        "| step | points analysed | distinct (text, question) analysed | distinct texts | texts embedded "
        "| from the cache | hit rate | embed s |"
    )
    print("|---|---|---|---|---|---|---|---|", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "bench.db")
        a = write_csv(campaign, Path(tmp) / "answers.csv")
        b = write_csv(second, Path(tmp) / "more.csv")
        a2 = write_csv(campaign, Path(tmp) / "answers_q2.csv")
        steps = [
            ("1. ingest + analyse", lambda: ingest_paths(db, [a, FRAMEWORK])),
            ("2. analyse again", lambda: None),
            ("3. a second source, half the same answers", lambda: ingest_paths(db, [b])),
            (
                "4. the first answers again, as another question",
                lambda: ingest_paths(db, [a2], options=ReadOptions(question="Q2")),
            ),
        ]
        for label, ingest in steps:
            ingest()
            points, _ = select_points(db, find_consultation(db, "default"))
            distinct, _ = distinct_points(points)
            hashes = sorted({p.text_hash for p in distinct})
            cached = len(load_vectors(db, embedder.name, hashes, embedder.dim))
            run = Analyser(embedder, models_dir=Path(tmp) / "models", progress=False).run(db)
            print(
                f"| {label} | {run.points:,} | {len(distinct):,} | {len(hashes):,} | {len(hashes) - cached:,} "
                f"| {cached:,} "
                f"| {cached / len(hashes):.0%} | {run.seconds['embed']:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
