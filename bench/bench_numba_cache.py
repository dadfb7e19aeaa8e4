"""First UMAP fit in a fresh process, without and with the persistent numba cache (nlp/numba_cache.py).

    nice .venv/bin/python bench/bench_numba_cache.py [--small 1000 --large 4500]

Each row is a new Python process that imports UMAP and fits the themes stage's own UMAP settings
(``ThemeModeller._umap``): twice on ``--small`` points (exact kNN; the second fit has nothing left to
compile, so first minus second is the compile cost), then once on ``--large`` points (above 4,096
UMAP switches to pynndescent, whose remaining kernels compile then). The vectors are hashing
embeddings of real Polis comments: compile time does not depend on vector quality.

- "before": numba as installed (kernels without ``cache=True`` compile in every process).
- "after, cold": ``prepare_numba`` with an empty cache folder (compiles and writes the cache).
- "after, warm": a second process with the same folder (what every later analysis pays).

Times are wall seconds and CPU seconds of the child. The machine is shared: compare rows of one run.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, polis_comments, report, run_child

sys.path.insert(0, str(ROOT))  # this checkout's packages, not another editable install


def polis_texts(n: int) -> list[str]:
    """The first ``n`` Polis comments with at least three words (repeated if n is larger)."""
    rows = polis_comments()
    return [rows[i % len(rows)] for i in range(n)]


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def child(mode: str, small: int, large: int) -> dict:
    from nlp.embed import HashingEmbedder

    vectors = HashingEmbedder().encode(polis_texts(large))
    w0, c0 = time.perf_counter(), cpu()
    if mode == "cached":
        from nlp.numba_cache import prepare_numba

        switched = prepare_numba()
    else:
        switched = 0
        import umap  # noqa: F401
    from nlp.themes import ThemeModeller

    w1, c1 = time.perf_counter(), cpu()
    modeller = ThemeModeller(seed=42)
    modeller._umap(small).fit(vectors[:small])
    w2, c2 = time.perf_counter(), cpu()
    modeller._umap(small).fit(vectors[:small])
    w3, c3 = time.perf_counter(), cpu()
    modeller._umap(large).fit(vectors)
    w4, c4 = time.perf_counter(), cpu()
    return {
        "switched": switched,
        "import_wall": w1 - w0,
        "import_cpu": c1 - c0,
        "small_wall": w2 - w1,
        "small_cpu": c2 - c1,
        "again_wall": w3 - w2,
        "again_cpu": c3 - c2,
        "large_wall": w4 - w3,
        "large_cpu": c4 - c3,
    }


def measure(mode: str, env: dict[str, str], small: int, large: int) -> dict:
    return run_child(__file__, ["--child", mode, "--small", str(small), "--large", str(large)], mode, env=env)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--large", type=int, default=4500)
    ap.add_argument("--child")
    args = ap.parse_args()
    if args.child:
        report(child(args.child, args.small, args.large))
        return
    base = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "FAIRHEARING_NUMBA_CACHE")}
    print(f"machine: {os.cpu_count()} cores (shared: compare rows of this run, not absolute times)\n")
    print(
        f"| process | kernels cached on | import+setup s (cpu) | first fit {args.small} s (cpu) "
        f"| same fit again s (cpu) | first fit {args.large} s (cpu) | total s (cpu) |"
    )
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        cached_env = {**base, "FAIRHEARING_NUMBA_CACHE": str(Path(tmp) / "numba")}
        rows = [
            ("before (as installed)", "plain", base),
            ("after, cold cache", "cached", cached_env),
            ("after, warm cache", "cached", cached_env),
        ]
        for label, mode, env in rows:
            r = measure(mode, env, args.small, args.large)
            parts = ("import", "small", "again", "large")
            total_w = sum(r[f"{p}_wall"] for p in parts)
            total_c = sum(r[f"{p}_cpu"] for p in parts)
            print(
                f"| {label} | {r['switched']} | {r['import_wall']:.1f} ({r['import_cpu']:.1f}) "
                f"| {r['small_wall']:.1f} ({r['small_cpu']:.1f}) | {r['again_wall']:.1f} ({r['again_cpu']:.1f}) "
                f"| {r['large_wall']:.1f} ({r['large_cpu']:.1f}) "
                f"| {total_w:.1f} ({total_c:.1f}) |",
                flush=True,
            )


if __name__ == "__main__":
    main()
