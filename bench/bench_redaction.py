"""Redaction speed: responses per second for ``ingest.clean.redact_spans`` on the seed corpus.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_redaction.py [--repeat 3] [--polis 5000]

The seed files (``corpora/dwp-seeds``) are cut at blank lines into paragraphs, which stand in for
responses. Each row times one pass over all of them: structured identifiers only (``names=False``,
the redaction before names); with names (``ingest.names``: spaCy NER plus rules; its cache is
cleared before each pass) one text at a time as a page view does, and batched with
``names.prefetch`` as ingest does; and names by the rules-only mode. The model's load time is
printed on its own. Best of ``--repeat`` passes. Nothing is asserted.

Second table: short real answers (the first ``--polis`` distinct Polis comments of
``bench_e2e.real_answers``), batched as ingest does, with the model run on every text that has a
capital letter ("before"), only on texts where ``names.could_hold_model_name`` says it could find
a name that is kept, and with that and the tagger run, in batches, only where the filters read tags;
then the same shared with worker processes as ingest does (``names.NameWorkers``, one per usable
core, their start inside the timing); the share of texts the model still reads, and whether every
pass redacted the same spans.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fairhearing.cores import available_cores  # noqa: E402
from ingest import clean, names  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def paragraphs() -> list[str]:
    out = []
    for f in sorted((ROOT / "corpora" / "dwp-seeds").glob("*.txt")):
        out += [p for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    return out


def best_pass(
    texts: list[str], with_names: bool, repeat: int, batched: bool = False, workers: int = 1
) -> float:
    best = float("inf")
    for _ in range(repeat):
        names.clear_cache()
        t = time.perf_counter()
        if batched:
            with names.NameWorkers(workers) as pool:  # a pool's start is part of the pass, as at ingest
                names.prefetch(texts, workers=pool)
        for text in texts:
            clean.redact_spans(text, names=with_names)
        best = min(best, time.perf_counter() - t)
    return best


def spans_of(texts: list[str]) -> list:
    return [clean.redact_spans(t, names=True) for t in texts]


def prefilter_table(n: int, repeat: int, workers: int) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_e2e import real_answers

    texts = real_answers()[:n]
    read = sum(names.could_hold_model_name(t) for t in texts)
    real_check, real_tagging = names.could_hold_model_name, names._TAGGING
    variants = {
        "before: the whole model on every text with a capital": (lambda *_: True, ()),
        "model only where it could find a kept name": (real_check, ()),
        "... and tagging only the texts whose filters read tags, in batches (one process)": (
            real_check,
            real_tagging,
        ),
    }
    timings, spans = {}, {}
    for label, (check, tagging) in variants.items():
        names.could_hold_model_name, names._TAGGING = check, tagging
        try:
            timings[label] = best_pass(texts, True, repeat, batched=True)
            names.clear_cache()
            names.prefetch(texts)
            spans[label] = spans_of(texts)
        finally:
            names.could_hold_model_name, names._TAGGING = real_check, real_tagging
    label = f"... shared with worker processes ({workers} processes in all: ingest's default here)"
    timings[label] = best_pass(texts, True, repeat, batched=True, workers=workers)
    spans[label] = spans_of(texts)
    first = next(iter(spans.values()))
    print(
        f"\n{len(texts):,} real Polis answers; the model reads {read:,} of them ({read / len(texts):.0%}) now\n"
    )
    print("| names, batched | seconds per pass | responses/s | same spans as before |")
    print("|---|---|---|---|")
    for label, s in timings.items():
        print(f"| {label} | {s:.2f} | {len(texts) / s:,.0f} | {'yes' if spans[label] == first else 'no'} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--polis", type=int, default=5000, help="real short answers for the prefilter table (0: skip)"
    )
    args = ap.parse_args()
    texts = paragraphs()
    chars = sum(map(len, texts))
    t = time.perf_counter()
    names._nlp()
    load = time.perf_counter() - t
    print(f"\n{len(texts)} paragraphs, {chars:,} characters; spaCy model load {load:.1f} s\n")
    print("| redaction | seconds per pass | responses/s | characters/s |")
    print("|---|---|---|---|")
    rows = [
        ("structured identifiers only (before names)", False, False),
        ("with names (model + rules), one text at a time", True, False),
        ("with names (model + rules), batched as ingest does", True, True),
    ]
    for label, with_names, batched in rows:
        s = best_pass(texts, with_names, args.repeat, batched)
        print(f"| {label} | {s:.2f} | {len(texts) / s:,.0f} | {chars / s:,.0f} |")
    os.environ["FAIRHEARING_PII_NAMES"] = "rules"
    names._nlp.cache_clear()
    s = best_pass(texts, True, args.repeat)
    print(f"| with names, rules-only mode | {s:.2f} | {len(texts) / s:,.0f} | {chars / s:,.0f} |")
    del os.environ["FAIRHEARING_PII_NAMES"]
    names._nlp.cache_clear()
    if args.polis:
        prefilter_table(args.polis, args.repeat, available_cores())


if __name__ == "__main__":
    main()
