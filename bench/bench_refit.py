"""How long "refit now" on /review takes: the mapping stage alone, re-run on an analysed database.

Ingests the bundled seeds into a temporary database, analyses them once, files a few verdicts,
then times ``nlp.refit.refit_mappings`` (embeddings come from the cache, so the embedder only
embeds framework texts it has not seen). Prints a table.

    python bench/bench_refit.py [--embedder hashing|minilm] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--embedder", default="hashing")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from ingest.pipeline import ingest_paths
    from nlp.embed import load_embedder
    from nlp.pipeline import Analyser
    from nlp.refit import refit_mappings
    from store import edits, review
    from store.db import open_db

    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "b.db")
        ingest_paths(db, [ROOT / "corpora" / "dwp-seeds"])
        emb = load_embedder(args.embedder)
        t = time.perf_counter()
        rep = Analyser(emb, models_dir=Path(tmp) / "models", progress=False).run(db)
        analyse_s = time.perf_counter() - t
        for item in review.queue(db, rep.run_id)[:10]:
            top = review.ranking(db, item["point_id"])[0]
            edits.review_mapping(db, item["point_id"], top["id"], "confirm", "bench")
        times = []
        for _ in range(args.repeat):
            r = refit_mappings(db, rep.run_id, emb, "bench")
            times.append(r.seconds)
    print(
        f"| embedder | points | analyse (s) | mapping stage in analyse (s) | refit median of {args.repeat} (s) |"
    )
    print("|---|---|---|---|---|")
    print(
        f"| {args.embedder} | {r.points} | {analyse_s:.1f} | {rep.seconds.get('principles', 0):.2f} | "
        f"{statistics.median(times):.2f} |"
    )


if __name__ == "__main__":
    main()
