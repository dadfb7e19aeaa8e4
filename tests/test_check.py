"""Was my point captured? Real submissions from the seeds, against the analysed seeds.

Fast tests use the hashing embedder (and its own thresholds); ``test_minilm_*`` load the real MiniLM.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fairhearing.errors import AnalysisError
from nlp.check import THRESHOLDS, Match, _position, check_submission, thresholds_for
from nlp.embed import HashingEmbedder
from store.queries import organisations as organisation_queries
from tests.conftest import SEEDS

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ROOT / "evals" / "data" / "check_pairs.jsonl"
WORDS = {"very likely", "likely", "possibly", "not found"}


@pytest.fixture(scope="module")
def tagger(tmp_path_factory):
    from nlp.tags import default_tagger

    emb = HashingEmbedder()
    return default_tagger(emb.name, emb.encode, models_dir=tmp_path_factory.mktemp("check-tagger"))


def _submission() -> str:
    text = (SEEDS / "000_8ef29a6578c7ff4a.txt").read_text(encoding="utf-8")
    start = text.index("Whilst the timeframe is very tight")
    return text[start : text.index("5. Mary Conroy")].strip()


def _mapped(db, point_id: int) -> set[str]:
    return {
        code
        for (code,) in db.execute(
            """SELECT pr.code FROM point_principles pp JOIN principles pr ON pr.id = pp.principle_id
               WHERE pp.point_id = ? AND pp.mapped = 1""",
            [point_id],
        )
    }


def test_own_words_are_found_very_likely(analysed_db, tagger):
    result = check_submission(analysed_db, _submission(), HashingEmbedder(), tagger=tagger)
    assert len(result.points) >= 4
    for p in result.points:
        assert p.found == "very likely" and p.is_found, p.text
        assert p.matches[0].score > 0.99 and p.matches[0].confidence == "very likely"
        assert p.matches[0].organisation == "Tomorrow's People"
        assert p.summary in ("quoted", "represented", "not in the summary")
        assert p.position in ("shared", "unclear")  # its own stored copy takes the same side
        if p.sentiment in ("positive", "negative"):
            assert p.position == "shared"
        # its theme is its matches' theme; a match in the unthemed bucket gives none
        assert (p.theme_id is not None and p.theme_label) or p.theme_id is None
        assert p.explanation[0].startswith("Found (very likely)")


def test_principles_are_the_analysis_decisions(analysed_db, tagger):
    """Never a fresh mapping: the codes shown are exactly the mapped pairs of the close points."""
    result = check_submission(analysed_db, _submission(), HashingEmbedder(), tagger=tagger)
    some = False
    for p in result.points:
        expected = set().union(*(_mapped(analysed_db, m.point_id) for m in p.matches))
        assert {pr.code for pr in p.principles} == expected
        assert all(pr.decision == "suggested" for pr in p.principles)  # nobody has confirmed one yet
        some = some or bool(expected)
    assert some, "the seeds map some of these points to principles"


def test_a_confirmed_pair_shows_as_confirmed(analysed_db, tagger, tmp_path):
    from store.db import open_db
    from store.edits import review_mapping

    db = open_db(tmp_path / "copy.db")
    analysed_db.conn.backup(db.conn)
    point_id, principle_id, text = db.execute(
        """SELECT pp.point_id, pp.principle_id, p.clean_text FROM point_principles pp
           JOIN points p ON p.id = pp.point_id JOIN responses r ON r.id = p.response_id
           WHERE pp.mapped = 1 AND r.role = 'stakeholder' ORDER BY pp.point_id LIMIT 1"""
    ).fetchone()
    review_mapping(db, point_id, principle_id, "confirm", "ana")
    (p,) = check_submission(db, text, HashingEmbedder(), tagger=tagger).points
    decided = {pr.principle_id: pr.decision for pr in p.principles}
    assert decided[principle_id] == "confirmed"


def test_a_point_nobody_made_is_not_found(analysed_db, tagger):
    result = check_submission(
        analysed_db, "Our office cat prefers the blue cushion on Tuesdays.", HashingEmbedder(), tagger=tagger
    )
    (p,) = result.points
    assert p.found == "not found" and not p.is_found and not p.matches
    assert p.summary == "not found" and p.position == "not compared"
    assert p.theme_id is None and not p.principles
    assert p.status == "not captured"


def test_offsets_point_into_the_submission(analysed_db):
    text = _submission()
    for p in check_submission(analysed_db, text, HashingEmbedder()).points:
        assert text[p.start : p.end].split()[:3] == p.text.split()[:3]
        assert p.position == "not compared"  # no tagger given


def test_quoted_when_a_summary_quotes_it(analysed_db):
    quote = analysed_db.execute(
        """SELECT p.clean_text FROM summary_quotes sq JOIN points p ON p.id = sq.point_id
           WHERE sq.kind = 'theme' ORDER BY sq.target_id, sq.rank LIMIT 1"""
    ).fetchone()[0]
    (p, *_) = check_submission(analysed_db, quote, HashingEmbedder()).points
    assert p.summary == "quoted" and p.quote is not None and p.quote.text == quote
    assert p.status == "captured"


def test_represented_only_by_a_set_the_close_points_belong_to(analysed_db):
    """A point that is not quoted is "represented" only through its close points' theme or principles."""
    rows = analysed_db.execute(
        """SELECT p.clean_text FROM points p JOIN point_analysis pa ON pa.point_id = p.id
           JOIN responses r ON r.id = p.response_id
           WHERE r.role = 'stakeholder' AND pa.theme_id IS NOT NULL
             AND p.id NOT IN (SELECT point_id FROM summary_quotes) ORDER BY p.id LIMIT 40"""
    ).fetchall()
    seen = set()
    for (text,) in rows:
        for p in check_submission(analysed_db, text, HashingEmbedder()).points:
            seen.add(p.summary)
            if p.summary != "represented":
                continue
            q = p.quote
            themes = {m.theme_id for m in p.matches}
            codes = {pr.principle_id for pr in p.principles}
            if q.kind == "theme":
                assert q.target_id in themes
            elif q.kind == "principle":
                assert q.target_id in codes
    assert {"represented", "not in the summary"} <= seen


def test_position_words():
    def m(sentiment):
        return Match(1, 1, 0.9, "very likely", "x", None, sentiment, None)

    assert _position("negative", [m("positive"), m("neutral")]) == "opposed"
    assert _position("negative", [m("positive"), m("negative")]) == "shared"
    assert _position("positive", [m("neutral")]) == "unclear"
    assert _position("neutral", [m("negative")]) == "unclear"
    assert _position("negative", []) == "not compared"
    assert _position(None, [m("negative")]) == "not compared"


def test_opposite_position_is_said(analysed_db, tagger, tmp_path):
    """Close points that all take the other side: topic raised, position not, and no quote reflects it."""
    from store.db import open_db

    db = open_db(tmp_path / "copy.db")
    analysed_db.conn.backup(db.conn)
    texts = [
        t
        for (t,) in db.execute(
            """SELECT p.clean_text FROM points p JOIN responses r ON r.id = p.response_id
           WHERE r.role = 'stakeholder' AND length(p.clean_text) > 80 ORDER BY p.id"""
        )
    ]
    emb = HashingEmbedder()
    tags = tagger.predict(texts, emb.encode(texts))
    text, side = next(
        (t, tag.sentiment) for t, tag in zip(texts, tags, strict=True) if tag.sentiment != "neutral"
    )
    other = "positive" if side == "negative" else "negative"
    (before,) = check_submission(db, text, emb, tagger=tagger).points
    assert before.sentiment == side and before.position in ("shared", "unclear")
    db.execute(  # the analysis (as if re-tagged) puts every close point on the other side
        "UPDATE point_analysis SET sentiment = ? WHERE point_id IN (SELECT value FROM json_each(?))",
        [
            other,
            json.dumps(
                [m.point_id for m in before.matches]
                + [pid for (pid,) in db.execute("SELECT point_id FROM summary_quotes")]
            ),
        ],
    )
    db.conn.commit()
    (p,) = check_submission(db, text, emb, tagger=tagger).points
    assert p.found == "very likely" and p.position == "opposed"
    assert p.explanation[-1].startswith("Your topic was raised, your position was not")
    assert p.summary == "not in the summary" and p.quote is None  # quotes on the other side don't count


def test_confidence_in_words_never_numbers(analysed_db, tagger):
    result = check_submission(analysed_db, _submission(), HashingEmbedder(), tagger=tagger)
    for p in result.points:
        assert p.found in WORDS and all(m.confidence in WORDS for m in p.matches)
        for sentence in p.explanation:
            assert not re.search(r"\d\.\d", sentence), sentence


def test_thresholds_per_embedder_family():
    assert thresholds_for("minilm-l6-v2@0.1.0") is THRESHOLDS["minilm"]
    assert thresholds_for("hashing-256@1") is THRESHOLDS["hashing"]
    assert thresholds_for("bge-small-en-v1.5-int8@x") is THRESHOLDS["minilm"]
    t = THRESHOLDS["minilm"]
    assert t.very_likely > t.likely > t.possibly
    assert [t.words(s) for s in (1.0, t.likely, t.possibly, t.possibly - 0.01)] == [
        "very likely",
        "likely",
        "possibly",
        "not found",
    ]


def test_organisation_text_checks_like_the_pasted_text(analysed_db, tagger):
    """Picking an organisation checks its stored text; pasting it (CRLF from a browser) gives the same."""
    org = "Tomorrow's People"
    text = organisation_queries.organisation_text(analysed_db, org, 10_000)
    picked = check_submission(analysed_db, text, HashingEmbedder(), tagger=tagger)
    pasted_text = text.replace("\n", "\r\n")
    from web.check import _newlines

    pasted = check_submission(analysed_db, _newlines(pasted_text), HashingEmbedder(), tagger=tagger)
    key = [(p.text, p.found, p.summary, p.position, [pr.code for pr in p.principles]) for p in picked.points]
    assert key == [
        (p.text, p.found, p.summary, p.position, [pr.code for pr in p.principles]) for p in pasted.points
    ]
    assert picked.points and all(p.is_found for p in picked.points)


def test_needs_an_analysis(seeds_db):
    with pytest.raises(AnalysisError) as e:
        check_submission(seeds_db, "anything", HashingEmbedder())
    assert e.value.code == "FH-E300"


# ---------------------------------------------------------------- the real MiniLM


@pytest.fixture(scope="module")
def minilm():
    from nlp.embed import load_embedder

    return load_embedder("minilm")


@pytest.fixture(scope="module")
def minilm_db(seeds_db, minilm, tmp_path_factory):
    """The seeds with MiniLM vectors and a finished run over every stakeholder point (no BERTopic)."""
    from nlp.embedding_cache import embed_texts
    from store.analysis import write_point_analysis
    from store.db import open_db
    from store.runs import finish_run, start_run
    from store.tx import write_tx

    db = open_db(tmp_path_factory.mktemp("check-minilm") / "seeds.db")
    seeds_db.conn.backup(db.conn)
    points = db.execute(
        """SELECT p.id, p.text_hash, p.clean_text FROM points p JOIN responses r ON r.id = p.response_id
           WHERE r.role = 'stakeholder'"""
    ).fetchall()
    embed_texts(db, minilm, [(h, t) for _, h, t in points])
    run = start_run(db, embedder=minilm.name, seed=42, params={"embedder": "minilm"})
    with write_tx(db):
        write_point_analysis(
            db, [(pid, run, None, None, "neutral", None, None, None, 0) for pid, _, _ in points]
        )
        finish_run(db, run, {})
    return db


def _pairs(kind: str) -> list[dict]:
    rows = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if r["kind"] == kind and r["split"] == "test"]


@pytest.mark.slow
def test_minilm_reworded_seed_comment_is_found(minilm_db, minilm):
    text = "There are fewer jobs around now, so volunteering should count as a step on the route into work."
    (p,) = check_submission(minilm_db, text, minilm).points
    assert p.is_found, p.found
    assert any("Could volunteering be counted as part of the pathway?" in m.text for m in p.matches)


@pytest.mark.slow
def test_minilm_point_nobody_made_is_not_found(minilm_db, minilm):
    (p,) = check_submission(minilm_db, "Our office cat prefers the blue cushion on Tuesdays.", minilm).points
    assert p.found == "not found"


@pytest.mark.slow
def test_minilm_held_out_pairs(minilm_db, minilm):
    """Most held-out paraphrases are found; no held-out off-topic point is."""
    para = _pairs("paraphrase")
    found = sum(check_submission(minilm_db, r["text"], minilm).points[0].is_found for r in para)
    assert found >= 0.7 * len(para)
    for r in _pairs("off-topic"):
        (p,) = check_submission(minilm_db, r["text"], minilm).points
        assert not p.is_found, r["text"]


def test_an_embedder_that_does_not_match_the_vectors_is_refused(analysed_db):
    """Never "not found" because the vectors are of another model: FH-E311."""
    import numpy as np

    from search.vector_index import VectorIndex

    other = VectorIndex(["h"], np.ones((1, 8), dtype=np.float32) / np.sqrt(8))
    with pytest.raises(AnalysisError) as e:
        check_submission(analysed_db, "Payment by results.", HashingEmbedder(), index=other)
    assert e.value.code == "FH-E311"


def test_web_check_finds_the_models_folder_as_the_cli_does(tmp_path, monkeypatch):
    """The app's MODELS_DIR, else FAIRHEARING_MODELS (older name), else FAIRHEARING_MODELS_DIR, else models."""
    from flask import Flask

    from web.check import models_folder

    app = Flask(__name__)
    monkeypatch.delenv("FAIRHEARING_MODELS", raising=False)
    monkeypatch.delenv("FAIRHEARING_MODELS_DIR", raising=False)
    with app.app_context():
        assert models_folder() == Path("models")
        monkeypatch.setenv("FAIRHEARING_MODELS_DIR", str(tmp_path / "one"))
        assert models_folder() == tmp_path / "one"
        monkeypatch.setenv("FAIRHEARING_MODELS", str(tmp_path / "old"))
        assert models_folder() == tmp_path / "old"
        app.config["MODELS_DIR"] = str(tmp_path / "app")
        assert models_folder() == tmp_path / "app"
