"""MiniLM on torch vs ONNX Runtime fp32 vs torch-bf16: same vectors? how many texts per second?

    nice .venv/bin/python bench/bench_embed_backends.py [--n 2000]

Texts: the first ``--n`` distinct Polis comments (real, short) plus every paragraph of the DWP seed
consultations (real, longer). First the agreement check: min and mean cosine between the two
backends' vectors over all those texts (the ONNX backend is adopted only at >= 0.9999). Then speed on
the Polis texts: torch (sentence-transformers, all cores), and ONNX with 1 and all threads and three
batch sizes (batches are always length-sorted), and torch with bfloat16 matrix products
(``nlp/embed_bf16.py``: what ``auto`` uses for bulk calls on a CPU with hardware bfloat16; on other
CPUs the row is still measured, emulated, and says so). Model loading is timed apart from encoding.
The machine is shared by several jobs: compare the ratios of one run, not absolute times.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import ROOT, polis_comments

sys.path.insert(0, str(ROOT))  # this checkout's packages, not another editable install
SEEDS = ROOT / "corpora" / "dwp-seeds"


def polis_texts(n: int) -> list[str]:
    rows = [t.strip() for t in polis_comments()]
    return list(dict.fromkeys(rows))[:n]


def seed_paragraphs() -> list[str]:
    paras = []
    for path in sorted(SEEDS.glob("*.txt")):
        for block in path.read_text(encoding="utf-8").split("\n\n"):
            block = " ".join(block.split())
            if len(block.split()) >= 8:
                paras.append(block)
    return list(dict.fromkeys(paras))


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--models-dir", type=Path, default=None, help="where the ONNX export is kept")
    args = ap.parse_args()

    from nlp.embed import MiniLMEmbedder, available_cores, encode_sorted
    from nlp.embed_bf16 import Bf16SentenceModel, native_bf16
    from nlp.embed_onnx import OnnxSentenceModel, max_seq_length

    polis, seeds = polis_texts(args.n), seed_paragraphs()
    words = sum(len(t.split()) for t in polis) / len(polis)
    print(f"machine: {os.cpu_count()} cores, {available_cores()} usable (shared: compare ratios of this run)")
    print(
        f"hardware bfloat16: {'yes' if native_bf16() else 'no (torch-bf16 is emulated here; auto skips it)'}"
    )
    print(f"texts: {len(polis)} Polis comments (mean {words:.0f} words), {len(seeds)} seed paragraphs\n")

    with tempfile.TemporaryDirectory() as tmp:
        models_dir = args.models_dir or Path(tmp)
        torch_emb = MiniLMEmbedder(backend="torch")
        _, t_torch_load = timed(torch_emb.load)
        onnx_emb = MiniLMEmbedder(backend="onnx", models_dir=models_dir)
        _, t_onnx_load = timed(onnx_emb.load)  # exports and verifies once if the folder is new

        every = polis + seeds
        ref, t_torch = timed(torch_emb.encode, polis)
        ref_all = np.vstack([ref, torch_emb.encode(seeds)])
        got_all = onnx_emb.encode(every)
        bf16 = Bf16SentenceModel(torch_emb.model)
        bf16_all = encode_sorted(every, bf16.run, 384, batch_size=64)
        print("| backend | agreement over | texts | min cosine | mean cosine | adopt (min >= 0.9999) |")
        print("|---|---|---|---|---|---|")
        for name, got in (("onnx fp32", got_all), ("torch-bf16", bf16_all)):
            cos = np.sum(ref_all * got, axis=1)
            for label, sl in (
                ("Polis", slice(0, len(polis))),
                ("seeds", slice(len(polis), None)),
                ("all", slice(None)),
            ):
                c = cos[sl]
                adopt = "yes" if c.min() >= 0.9999 else "NO"
                print(f"| {name} | {label} | {len(c)} | {c.min():.7f} | {c.mean():.7f} | {adopt} |")

        print(
            f"\nload: torch {t_torch_load:.1f} s; onnx {t_onnx_load:.1f} s (includes a first export if new)\n"
        )
        print("| backend | threads | batch | encode s | texts/s | speed-up vs torch |")
        print("|---|---|---|---|---|---|")
        print(
            f"| torch | {available_cores()} | 64 | {t_torch:.1f} | {len(polis) / t_torch:.0f} | 1.00 |",
            flush=True,
        )
        model_dir = torch_emb._model_path()
        target = onnx_emb.onnx_folder() / "model.onnx"
        runs = [
            (1, 64),
            (available_cores(), 16),
            (available_cores(), 32),
            (available_cores(), 64),
            (available_cores(), 128),
        ]
        for threads, batch in dict.fromkeys(runs):
            model = OnnxSentenceModel(
                model_dir, target, threads=threads, max_length=max_seq_length(model_dir)
            )
            _, t = timed(lambda m=model, b=batch: encode_sorted(polis, m.run, 384, batch_size=b))
            print(
                f"| onnx fp32 | {threads} | {batch} | {t:.1f} | {len(polis) / t:.0f} | {t_torch / t:.2f} |",
                flush=True,
            )
        for batch in (32, 64, 128) if native_bf16() else (64,):  # emulated: one row shows the cost
            _, t = timed(lambda b=batch: encode_sorted(polis, bf16.run, 384, batch_size=b))
            print(
                f"| torch-bf16 | {available_cores()} | {batch} | {t:.1f} | {len(polis) / t:.0f} | {t_torch / t:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
