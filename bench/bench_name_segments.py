"""Name detection by segment: time and segment-cache reuse of ``names.prefetch`` as ingest runs it.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_name_segments.py [--root DIR] [--workers N]

The model reads each text one segment (sentence or line, ``ingest.names._segments``) at a time and
parses every distinct segment once, so sentences that recur across responses cost nothing after
their first reading. Three corpora, each timed from an empty cache in batches of 2,048 responses
with worker processes (as ``ingest.pipeline`` does; ``--workers``, default: the usable cores):

- ``10k real``: the first 10,000 distinct real Polis answers of ``bench_e2e.real_answers`` (few
  sentences recur);
- ``50k real + variants``: ``bench_e2e.corpus(50000)``, the end-to-end bench's corpus (each variant
  a real answer with the first sentence of another appended);
- ``form letters``: a campaign, 5,000 responses that each open with one of three real seed
  paragraphs (the DWP consultation comments of ``corpora/dwp-seeds``) as the form text and add a real
  Polis answer on a new line as the respondent's own words.

``--root DIR`` imports ``ingest`` from another checkout (for example a worktree of an older
commit), so the same corpora can be timed before and after a change; its rows then show no segment
counts when that code has no segments. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def form_letters(n: int, real: list[str]) -> list[str]:
    seeds = sorted((HERE.parent / "corpora" / "dwp-seeds").glob("00[01]_*.txt"))
    paras = [p.strip() for f in seeds for p in f.read_text(encoding="utf-8").split("\n\n")]
    forms = sorted((p for p in paras if 300 <= len(p) <= 1200), key=len)[-3:]
    return [f"{forms[i % len(forms)]}\n{real[i % len(real)]}" for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, help="import ingest from this checkout instead of this one")
    ap.add_argument("--workers", type=int, default=0, help="processes for the model (default: usable cores)")
    args = ap.parse_args()
    sys.path.insert(0, str((args.root or HERE.parent).resolve()))
    from fairhearing.cores import available_cores
    from ingest import names  # before bench_e2e, which puts this checkout first on the path

    sys.path.insert(1, str(HERE))
    from bench_e2e import corpus, real_answers

    workers = args.workers or available_cores()
    t = time.perf_counter()
    names._nlp()
    print(f"ingest from {Path(names.__file__).parents[1]}; model loaded in {time.perf_counter() - t:.1f} s\n")
    real = real_answers()
    corpora = {
        "10k real": real[:10_000],
        "50k real + variants": corpus(50_000),
        "form letters (5,000: 3 forms + a real answer each)": form_letters(5_000, real),
    }
    print(
        "| corpus | responses | segments to read | distinct segments | distinct share | seconds | responses/s |"
    )
    print("|---|---|---|---|---|---|---|")
    segmented = hasattr(names, "_segments")
    for label, texts in corpora.items():
        names.clear_cache()
        t = time.perf_counter()
        with names.NameWorkers(workers) as pool:
            for i in range(0, len(texts), 2048):
                batch = texts[i : i + 2048]
                names.prefetch(batch, workers=pool)
                for text in batch:
                    names.name_spans(text)
        dt = time.perf_counter() - t
        if segmented:
            pieces = [
                text[a:b]
                for text in texts
                if names.could_hold_model_name(text)
                for a, b in names._segments(text)
                if names.could_hold_model_name(text, a, b)
            ]
            seg = f"{len(pieces):,} | {len(set(pieces)):,} | {len(set(pieces)) / max(len(pieces), 1):.0%}"
        else:
            seg = "- | - | -"
        print(f"| {label} | {len(texts):,} | {seg} | {dt:.1f} | {len(texts) / dt:,.0f} |")


if __name__ == "__main__":
    main()
