"""Corpora for the theme evals: the DWP seed points and Polis conversations, with MiniLM vectors.

``load("seeds")`` ingests ``corpora/dwp-seeds`` into a temporary database (as ``fairhearing ingest``
does) and returns the points the analysis would theme; ``load("survey")`` returns the answers of a real English survey export (the GWU exam-proctoring survey,
read from a local checkout); ``load("polis:<conversation>")`` returns that
conversation's comments from ``/work/shared/corpora/polis-opendata`` (CC BY 4.0, The Computational
Democracy Project), moderated-out comments left out. Vectors come from the packaged MiniLM and are
cached under ``FAIRHEARING_EVAL_CACHE`` (default ``/tmp/fairhearing-eval``), keyed by the texts.
"""

from __future__ import annotations

import csv
import hashlib
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "corpora" / "dwp-seeds"
POLIS = Path(os.environ.get("FAIRHEARING_POLIS", "/work/shared/corpora/polis-opendata"))
CACHE = Path(os.environ.get("FAIRHEARING_EVAL_CACHE", "/tmp/fairhearing-eval"))


def seed_texts() -> list[str]:
    from click.testing import CliRunner

    from fairhearing.cli import cli
    from nlp.pipeline import select_points
    from store.db import open_db

    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "seeds.db"
        seeds = SEEDS if SEEDS.exists() else Path("/work/main/corpora/dwp-seeds")
        result = CliRunner().invoke(cli, ["ingest", "--db", str(db_path), str(seeds)])
        if result.exit_code != 0:
            raise RuntimeError(result.output)
        db = open_db(db_path)
        points, _ = select_points(db)
        return [p.text for p in points]


def polis_texts(conversation: str) -> list[str]:
    csv.field_size_limit(sys.maxsize)
    with open(POLIS / "polis_comments_all.csv", encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["conversation"] == conversation]
    if not rows:
        raise ValueError(f"no Polis conversation {conversation!r}")
    rows.sort(key=lambda r: int(r["comment_id"]))
    return [r["comment_body"].strip() for r in rows if r["moderated"] != "-1" and r["comment_body"].strip()]


GWUSEC = Path(os.environ.get("FAIRHEARING_GWUSEC", "/tmp/gwusec/scripts/qualitative-analysis/input_data"))


def survey_texts() -> list[str]:
    """Every answer of the GWU exam-proctoring survey export (github.com/gwusec, no licence: read from
    a local checkout at ``FAIRHEARING_GWUSEC``, never committed), questions in file-name order."""
    texts = []
    for path in sorted(GWUSEC.glob("* (primary).csv")):
        with open(path, encoding="utf-8-sig", newline="") as f:
            texts += [r[1].strip() for r in list(csv.reader(f))[1:] if len(r) > 1 and r[1].strip()]
    if not texts:
        raise ValueError(f"no survey answers under {GWUSEC}")
    return texts


def load(name: str) -> tuple[list[str], np.ndarray]:
    """Texts and their MiniLM vectors for ``seeds``, ``survey`` or ``polis:<conversation>``."""
    if name in ("seeds", "survey"):
        texts = seed_texts() if name == "seeds" else survey_texts()
    else:
        texts = polis_texts(name.split(":", 1)[1])
    return texts, minilm_vectors(texts)


def minilm_vectors(texts: list[str], embedder: str = "minilm") -> np.ndarray:
    """The packaged MiniLM's vectors for ``texts`` (or another registered ``embedder``'s, e.g.
    ``minilm-int8``), cached under ``CACHE`` keyed by the embedder and the texts."""
    key = hashlib.sha256("\x1f".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"{embedder}-{key}.npy"
    if path.exists():
        return np.load(path)
    from nlp.embed import load_embedder

    vectors = load_embedder(embedder).encode(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors
