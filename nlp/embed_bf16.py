"""bfloat16 matrix products for a sentence-transformers model, on CPUs that have them in hardware.

Intel CPUs with AMX or AVX512-BF16 (and the oneDNN kernels torch ships) run a matrix product in
bfloat16 with float32 accumulation several times faster than in float32. Under ``torch.autocast``
only the linear layers and matrix products drop to bfloat16; layer norms, softmax and the pooling
stay float32, so the sentence vectors stay within cosine 0.9999 of float32's: the same vectors by
the test the ONNX export passes (``embed_onnx.MIN_COSINE``), checked again every time a model is
wrapped (``verify``). On a CPU without these instructions bfloat16 is emulated and slower, so
``native_bf16`` decides whether the ``auto`` backend tries it at all.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from nlp.embed import normalise_rows
from nlp.embed_onnx import CHECK_SENTENCES, MIN_COSINE, agreement

NATIVE_FLAGS = ("amx_bf16", "avx512_bf16")  # /proc/cpuinfo flags of hardware bfloat16 products
CPUINFO = Path("/proc/cpuinfo")


class Bf16Unavailable(RuntimeError):
    """bfloat16 cannot be used here (no hardware support, torch missing, or vectors differ)."""


def native_bf16(cpuinfo: Path = CPUINFO) -> bool:
    """True if this CPU multiplies bfloat16 matrices in hardware (Linux ``/proc/cpuinfo`` flags).

    ``$FAIRHEARING_BF16=0`` turns it off, ``=1`` claims it without looking.
    """
    forced = os.environ.get("FAIRHEARING_BF16", "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    try:
        text = cpuinfo.read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.partition(":")[2].split())
            return any(f in flags for f in NATIVE_FLAGS)
    return False


class Bf16SentenceModel:
    """Runs a loaded ``SentenceTransformer`` with its matrix products in bfloat16 (normalised rows)."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def run(self, batch: list[str], *, bf16: bool = True) -> np.ndarray:
        """Normalised float32 sentence vectors for one batch (``bf16=False``: plain float32)."""
        import torch

        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            vectors = self.model.encode(
                batch,
                batch_size=max(1, len(batch)),
                convert_to_numpy=True,
                normalize_embeddings=False,
                show_progress_bar=False,
            )
        return normalise_rows(vectors)

    def verify(self) -> float:
        """Smallest cosine between bfloat16 and float32 vectors of ``CHECK_SENTENCES``; raises
        ``Bf16Unavailable`` below ``MIN_COSINE``."""
        cosine = agreement(self.run(CHECK_SENTENCES), self.run(CHECK_SENTENCES, bf16=False))
        if cosine < MIN_COSINE:
            raise Bf16Unavailable(
                f"bfloat16 vectors differ from float32 (min cosine {cosine:.6f} < {MIN_COSINE})"
            )
        return cosine
