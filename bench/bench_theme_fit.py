"""The themes stage alone: ``ThemeModeller.fit`` on real answers with MiniLM vectors, as ``analyse`` runs it.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_theme_fit.py [--sizes 10000 50000] [--root DIR] [--runs 2]

Texts: ``bench_e2e.corpus(n)`` (10,000 real Polis answers; above 10,347, real answers plus variants).
Their vectors are embedded once with this checkout's MiniLM and kept in a temporary file, so each
fit gets the same input. Each fit runs in a fresh process that first does what ``analyse`` has done
before its themes stage (the embedder loaded and run, numba's kernel cache set up), then times
``ThemeModeller(embedder=...).fit`` with its defaults; the process's peak RSS is reported too.
A digest of the result (themes per text, titles, keywords, groups, languages) shows whether two
checkouts give the same themes.

``--root DIR`` imports ``nlp`` from another checkout (for example a worktree of an older commit), so
the same fit can be timed before and after a change; ``--runs`` alternates this checkout and
``--root`` that many times. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, peak_mb, report, run_child

HERE = Path(__file__).resolve().parent


def child(root: Path, vectors: Path, n: int) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(root))
    import numpy as np

    from nlp.embed import load_embedder  # before bench_e2e, which puts this checkout first on the path
    from nlp.numba_cache import prepare_numba
    from nlp.themes import ThemeModeller

    sys.path.insert(1, str(HERE))
    from bench_e2e import corpus

    texts = corpus(n)
    embeddings = np.load(vectors)
    embedder = load_embedder("minilm")
    embedder.encode(texts[:200])  # the embed stage has run: the model is loaded and warm
    prepare_numba()
    t0 = time.perf_counter()
    result = ThemeModeller(embedder=embedder).fit(texts, embeddings)
    seconds = time.perf_counter() - t0
    digest = hashlib.sha1(
        json.dumps(
            [
                result.topics.tolist(),
                [(t.label, t.keywords, t.size, t.description) for t in result.themes],
                [(g.label, g.keywords, g.topics) for g in result.groups],
                result.languages,
            ]
        ).encode()
    ).hexdigest()[:12]
    report(
        {
            "nlp": str(Path(sys.modules["nlp"].__file__).parents[1]),
            "seconds": seconds,
            "themes": len(result.themes),
            "digest": digest,
            "peak_mb": peak_mb(),
        }
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="*", type=int, default=[10000])
    ap.add_argument("--root", type=Path, help="also time the fit with nlp imported from this checkout")
    ap.add_argument("--runs", type=int, default=1, help="alternating runs per checkout")
    ap.add_argument("--child", nargs=3, metavar=("ROOT", "VECTORS", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), int(args.child[2]))
        return
    sys.path.insert(0, str(ROOT))
    from bench_e2e import corpus

    from nlp.embed import load_embedder

    roots = [("this checkout", ROOT)] + ([("--root", args.root.resolve())] if args.root else [])
    print(f"machine: {os.cpu_count()} cores; --root {args.root or '-'}\n")
    print("| texts | code | run | fit s | themes | result digest | peak MiB |")
    print("|---|---|---|---|---|---|---|", flush=True)
    embedder = load_embedder("minilm")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            import numpy as np

            vectors = Path(tmp) / f"vectors_{n}.npy"
            np.save(vectors, embedder.encode(corpus(n)))
            for run in range(1, args.runs + 1):
                for name, root in roots:
                    r = run_child(
                        __file__, ["--child", str(root), str(vectors), str(n)], f"fit of {n} ({name})"
                    )
                    print(
                        f"| {n:,} | {name} | {run} | {r['seconds']:.1f} | {r['themes']} | {r['digest']} "
                        f"| {r['peak_mb']:,.0f} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
