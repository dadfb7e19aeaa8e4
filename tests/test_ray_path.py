"""`analyse --ray`: without Ray a coded error; with it, a local 2-CPU cluster gives the single-machine results."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fairhearing.errors import AnalysisError
from tests.test_themes import synthetic

ROOT = Path(__file__).resolve().parents[1]


def test_without_ray_a_coded_error_with_the_install_command(monkeypatch):
    from nlp import ray_path

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(AnalysisError) as err:
        ray_path.connect("local")
    assert err.value.code == "FH-E301" and "pip install 'ray[data]==2.60.0'" in err.value.message


def test_single_machine_path_never_imports_ray():
    code = (
        "import sys, fairhearing.cli, nlp.pipeline, nlp.themes, nlp.embedding_cache, nlp.ray_path\n"
        "assert 'ray' not in sys.modules, 'ray imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def _ray():
    if os.environ.get("FAIRHEARING_REQUIRE_RAY") == "1":
        import ray  # CI installs the extra: a missing Ray fails here instead of skipping

        return ray
    return pytest.importorskip("ray")


def _analysed(tmp_path: Path, name: str, **analyser) -> dict:
    """A fresh database with the synthetic corpus, analysed; per point text: theme title, tags, principles."""
    from ingest.pipeline import ingest_paths
    from nlp.embed import HashingEmbedder
    from nlp.pipeline import Analyser
    from store.db import open_db

    texts, _ = synthetic(per_topic=70, seed=5)
    src = tmp_path / "answers.csv"
    src.write_text("id,answer\n" + "".join(f'{i},"{t}"\n' for i, t in enumerate(texts)), encoding="utf-8")
    db = open_db(tmp_path / f"{name}.db")
    ingest_paths(db, [src])
    embedder = analyser.pop("embedder", HashingEmbedder())
    report = Analyser(
        embedder, seed=7, theme_sample=100, models_dir=tmp_path / f"models-{name}", progress=False, **analyser
    ).run(db)
    rows = db.execute(
        """SELECT p.text, t.label, pa.sentiment, pa.type,
                  (SELECT group_concat(pp.principle_id || ':' || pp.rank, ',') FROM point_principles pp
                    WHERE pp.point_id = p.id ORDER BY pp.rank)
             FROM points p JOIN point_analysis pa ON pa.point_id = p.id
             LEFT JOIN themes t ON t.id = pa.theme_id"""
    ).fetchall()
    vectors = db.execute("SELECT text_hash, vector FROM embeddings ORDER BY text_hash").fetchall()
    return {
        "rows": sorted(rows, key=lambda r: tuple(str(x) for x in r)),
        "vectors": vectors,
        "report": report,
    }


@pytest.mark.ray
def test_local_ray_cluster_gives_the_single_machine_results(tmp_path):
    ray = _ray()
    from nlp import ray_path
    from nlp.embed import HashingEmbedder

    local = _analysed(tmp_path, "local")
    ray_path.connect("local", num_cpus=2)
    try:
        calls = []

        def on_ray(embeddings, centroids, floor):
            calls.append(len(embeddings))
            return ray_path.assign_on_ray(embeddings, centroids, floor)

        distributed = _analysed(
            tmp_path, "ray", embedder=ray_path.RayEmbedder(HashingEmbedder(), min_ray=1), rest_assigner=on_ray
        )
    finally:
        ray.shutdown()
    assert calls == [len(local["vectors"]) - 100]  # the distinct texts outside the theme sample
    assert distributed["report"].themes == local["report"].themes >= 3
    assert distributed["vectors"] == local["vectors"]  # the same cache rows, byte for byte
    assert distributed["rows"] == local["rows"]  # same theme per point, same tags, same principles
