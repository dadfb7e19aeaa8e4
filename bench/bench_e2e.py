"""End to end against plain BERTopic, and local against Ray-local, on real answers.

    .venv/bin/python bench/bench_e2e.py [--sizes 10000 50000] [--ray-sizes 1000 10000]

Corpus: the distinct Polis comments of three or more words (10,347 real answers from 20 public
conversations), in a seeded shuffle. Sizes up to 10,347 are real comments only. Larger sizes are
the same real comments followed by variants: a real comment with the first sentence of another
appended (every text distinct, so duplicate detection gives no free wins) — 50,000 is therefore
10,347 real answers plus 39,653 variants of them.

Every measurement runs in its own process (its peak RSS is its own), one after another:

- ours: ``ingest`` of the CSV plus the DWP strategy as framework, then ``analyse --embedder minilm``
  (ONNX MiniLM when it runs, bfloat16 torch for bulk calls on CPUs with AMX/AVX512-BF16, themes
  fitted on a 10,000-point sample above that). The model is named, as the BERTopic side's is: 53% of
  the answers with a detected language are German (the Austrian conversations), so ``analyse``
  without ``--embedder`` would embed this corpus with the multilingual e5 instead (slower, and not
  the model BERTopic is given);
- BERTopic: ``BERTopic(embedding_model=<the packaged MiniLM SentenceTransformer>).fit_transform(texts)``
  (its default pipeline: embed every text, UMAP, HDBSCAN, c-TF-IDF);
- Ray-local: ours with ``analyse --ray local`` (a local Ray cluster of this machine's CPUs, started
  inside the timing); its peak RSS is the driver's only (Ray's workers are other processes).

A warm-up process first pays the one-time costs of an installation, which neither side pays in the
timings: the ONNX export of MiniLM, the numba cache, and the sentiment/type tagger that ``analyse``
fits once and keeps under the models folder (the runs of "ours" share that folder, as every run of an
installation does; each run's database is new). Each side's timer starts before its imports (ours:
the ingest and analysis modules, torch when the embedder loads it; BERTopic: bertopic,
sentence-transformers and torch), as a command or a user's script pays them; before 2026-12-02
BERTopic's imports were outside its timer while ours were partly inside. Prints markdown tables;
nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, bertopic_default, peak_mb, polis_comments, report, run_child

sys.path.insert(0, str(ROOT))
FRAMEWORK = ROOT / "corpora" / "dwp-seeds" / "004_e8bb6e121e9bd43b.txt"
FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(\s|$)")


def real_answers() -> list[str]:
    texts = list(dict.fromkeys(polis_comments()))
    random.Random(42).shuffle(texts)
    return texts


def corpus(n: int) -> list[str]:
    real = real_answers()
    out = real[:n]
    k = 0
    while len(out) < n:
        base, other = real[k % len(real)], real[(k * 7 + 1 + k // len(real)) % len(real)]
        m = FIRST_SENTENCE.match(other)
        out.append(f"{base} {m.group(1) if m else other[:80]}")
        k += 1
    return out


def write_csv(texts: list[str], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["response_id", "comment_body"])
        w.writerows([i + 1, t] for i, t in enumerate(texts))
    return path


def run_ours(csv_path: Path, ray_address: str | None, models: Path) -> dict:
    t0 = time.perf_counter()  # before the imports, as BERTopic's timer (``bertopic_default``)
    from ingest.pipeline import ingest_paths
    from nlp.embed import load_embedder
    from nlp.pipeline import Analyser
    from store.db import open_db

    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "bench.db")
        reports = ingest_paths(db, [csv_path, FRAMEWORK])
        assert all(r.status == "added" for r in reports), [r.error for r in reports]
        t_ingest = time.perf_counter() - t0
        t1 = time.perf_counter()
        embedder, assigner = load_embedder("minilm"), None
        if ray_address:
            from nlp.ray_path import RayEmbedder, assign_on_ray, connect

            connect(ray_address)
            embedder, assigner = RayEmbedder(embedder), assign_on_ray
        # as ``fairhearing analyse --embedder minilm`` runs it: the same model as the BERTopic side
        run = Analyser(embedder, rest_assigner=assigner, models_dir=models, progress=False).run(db)
        t_analyse = time.perf_counter() - t1
    return {
        "points": run.points,
        "ingest": t_ingest,
        **run.seconds,
        "total": t_ingest + t_analyse,
        "themes_n": run.themes,
        "peak_mb": peak_mb(),
    }


def warm_up(models: Path) -> dict:
    from nlp.embed import load_embedder
    from nlp.numba_cache import prepare_numba
    from nlp.tags import default_tagger

    t0 = time.perf_counter()
    embedder = load_embedder("minilm")
    embedder.encode(["warm up"])
    prepare_numba()
    default_tagger(embedder.name, embedder.encode, models_dir=models)
    return {"total": time.perf_counter() - t0}


def child(kind: str, csv_path: str, models: str) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if kind == "warm":
        result = warm_up(Path(models))
    elif kind == "bertopic":
        result = bertopic_default(Path(csv_path))
    else:
        result = run_ours(Path(csv_path), "local" if kind == "ray" else None, Path(models))
    report(result)


MODELS = Path(tempfile.gettempdir()) / "fairhearing-bench-e2e-models"  # this installation's models folder


def measure(kind: str, csv_path: Path | str) -> dict:
    return run_child(__file__, ["--child", kind, str(csv_path), str(MODELS)], f"{kind} on {csv_path}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", nargs="*", type=int, default=[10000, 50000])
    ap.add_argument("--ray-sizes", nargs="*", type=int, default=[1000, 10000])
    ap.add_argument("--child", nargs=3, metavar=("KIND", "CSV", "MODELS"))
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    real = len(real_answers())
    print(
        f"machine: {os.cpu_count()} cores; {real:,} distinct real Polis answers; warm-up ", end="", flush=True
    )
    print(f"{measure('warm', '-')['total']:.1f} s\n", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        if args.sizes:
            print(
                "| responses (real + variants) | points | ingest s | embed s | themes s | tags s | principles s "
                "| ours end to end s | ours peak MiB | BERTopic default s | BERTopic peak MiB | BERTopic / ours |"
            )
            print("|" + "---|" * 12, flush=True)
        for n in args.sizes:
            path = write_csv(corpus(n), Path(tmp) / f"answers_{n}.csv")
            ours, base = measure("ours", path), measure("bertopic", path)
            print(
                f"| {n:,} ({min(n, real):,} + {max(0, n - real):,}) | {ours['points']:,} | {ours['ingest']:.1f} "
                f"| {ours.get('embed', 0):.1f} | {ours.get('themes', 0):.1f} | {ours.get('tags', 0):.1f} "
                f"| {ours.get('principles', 0):.1f} | {ours['total']:.1f} | {ours['peak_mb']:,.0f} "
                f"| {base['total']:.1f} | {base['peak_mb']:,.0f} | {base['total'] / ours['total']:.2f} |",
                flush=True,
            )
        if args.ray_sizes:
            print(
                "\n| responses | local s | local peak MiB | Ray-local s | Ray-local driver peak MiB "
                "| Ray embed s | Ray themes s | local / Ray |"
            )
            print("|" + "---|" * 8, flush=True)
        for n in args.ray_sizes:
            path = write_csv(corpus(n), Path(tmp) / f"answers_{n}.csv")
            local, on_ray = measure("ours", path), measure("ray", path)
            print(
                f"| {n:,} | {local['total']:.1f} | {local['peak_mb']:,.0f} | {on_ray['total']:.1f} "
                f"| {on_ray['peak_mb']:,.0f} | {on_ray.get('embed', 0):.1f} | {on_ray.get('themes', 0):.1f} "
                f"| {local['total'] / on_ray['total']:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
