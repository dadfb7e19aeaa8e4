"""The analysis stage over the ingested seeds (fast hashing embedder; real models elsewhere)."""

from __future__ import annotations

import json

from nlp.pipeline import select_points
from store.export import export_jsonl
from tests.conftest import SEEDS
from tests.export_contract import contract_problems


def test_every_stakeholder_point_analysed(analysed_db):
    points, _ = select_points(analysed_db)
    analysed = analysed_db.execute("SELECT COUNT(*) FROM point_analysis").fetchone()[0]
    assert analysed == len(points) > 200
    assert analysed_db.report.points == len(points)


def test_tags_from_closed_sets(analysed_db):
    sentiments = {r[0] for r in analysed_db.execute("SELECT DISTINCT sentiment FROM point_analysis")}
    types = {r[0] for r in analysed_db.execute("SELECT DISTINCT type FROM point_analysis")}
    assert sentiments <= {"negative", "neutral", "positive"} and len(sentiments) >= 2
    assert types <= {"concern", "suggestion", "question", "support", "experience", "information"}
    assert len(types) >= 3


def test_themes_two_levels_and_sizes_add_up(analysed_db):
    themes = analysed_db.execute("SELECT id, level, parent_id, size FROM themes").fetchall()
    assert any(level == 0 for _, level, _, _ in themes)
    assert any(level == 1 for _, level, _, _ in themes)
    for tid, level, _, size in themes:
        if level == 0:
            n = analysed_db.execute(
                "SELECT COUNT(*) FROM point_analysis WHERE theme_id = ?", [tid]
            ).fetchone()[0]
            assert n == size


def test_principles_ranked_always_and_decided_separately(analysed_db):
    """Every analysed point has its top-5 ranking; the decision marks which count, or says off-topic."""
    rows = analysed_db.execute(
        "SELECT point_id, score, rank, mapped FROM point_principles WHERE origin = 'model' ORDER BY point_id, rank"
    ).fetchall()
    by_point: dict[int, list[float]] = {}
    mapped_points = set()
    for pid, score, _, mapped in rows:
        by_point.setdefault(pid, []).append(score)
        if mapped:
            mapped_points.add(pid)
    analysed = {r[0] for r in analysed_db.execute("SELECT point_id FROM point_analysis")}
    assert set(by_point) == analysed  # ranked always, whatever the decision
    for scores in by_point.values():
        assert scores == sorted(scores, reverse=True) and 1 <= len(scores) <= 5
    off_topic = {
        r[0] for r in analysed_db.execute("SELECT point_id FROM point_analysis WHERE no_principle = 1")
    }
    assert not off_topic & mapped_points  # off-topic points count for no principle
    assert off_topic | mapped_points == analysed  # every other point has a decision


def test_run_recorded_with_stats(analysed_db):
    status, stats, params = analysed_db.execute(
        "SELECT status, stats, params FROM analysis_runs ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert status == "done"
    assert json.loads(stats)["points"] > 0
    assert json.loads(params)["embedder"] == "hashing"


def test_export_after_analysis_holds_contract(analysed_db, tmp_path):
    counts = export_jsonl(analysed_db, tmp_path)
    assert counts["themes.jsonl"] > 0
    sources = {p.name: p.read_text(encoding="utf-8") for p in SEEDS.iterdir()}
    assert contract_problems(tmp_path, sources, analysed=True) == []


def test_rerun_embeds_nothing_new(analysed_db):
    from nlp.embed import HashingEmbedder
    from nlp.embedding_cache import embed_texts

    calls = []

    class Counting(HashingEmbedder):
        def encode(self, texts, **kw):
            calls.append(len(texts))
            return super().encode(texts, **kw)

    points, _ = select_points(analysed_db)
    embed_texts(analysed_db, Counting(), [(p.text_hash, p.text) for p in points])
    assert sum(calls) == 0
