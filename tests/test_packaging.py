"""The package installs on its own: the corpus `demo` ingests is package data, not a checkout path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import fairhearing
from fairhearing.cli import bundled_corpus
from tests.conftest import ROOT, SEEDS

PACKAGES = ("fairhearing", "ingest", "nlp", "web", "store", "reports")


def test_bundled_corpus_is_package_data():
    corpus = bundled_corpus()
    assert corpus.resolve().is_relative_to(Path(fairhearing.__file__).resolve().parent)
    names = sorted(f.name for f in corpus.glob("*.txt"))
    assert len(names) == 5 and names == sorted(f.name for f in SEEDS.glob("*.txt"))
    assert SEEDS.resolve() == corpus.resolve()  # the checkout's corpora/dwp-seeds is a link to it


@pytest.mark.slow
def test_demo_runs_from_an_installed_wheel(tmp_path):
    """Build a wheel from a copy of the sources, install it away from the checkout, run `demo`."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    build = subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = wheels.glob("fairhearing-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for seed in SEEDS.glob("*.txt"):
        assert f"fairhearing/corpus/dwp-seeds/{seed.name}" in names
    site = tmp_path / "site"
    install = subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(site), str(wheel)], capture_output=True, text=True
    )
    assert install.returncode == 0, install.stderr[-2000:]
    work = tmp_path / "elsewhere"  # not the checkout: nothing there to find corpora/ in
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    where = subprocess.run(
        [sys.executable, "-c", "import fairhearing.cli as c; print(c.__file__); print(c.bundled_corpus())"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    module, corpus = where.stdout.split()
    assert Path(module).is_relative_to(site) and Path(corpus).is_relative_to(site), where.stdout
    demo = subprocess.run(
        [
            sys.executable,
            "-m",
            "fairhearing.cli",
            "demo",
            "--db",
            "demo.db",
            "--embedder",
            "hashing",
            "--no-serve",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert demo.stdout.count("added") == 5 and "themes in" in demo.stdout
