"""Was my point captured? A real submission from the seeds, against the analysed seeds."""

from __future__ import annotations

import pytest

from fairhearing.errors import AnalysisError
from nlp.check import check_submission
from nlp.embed import HashingEmbedder
from tests.conftest import SEEDS


def _submission() -> str:
    text = (SEEDS / "000_8ef29a6578c7ff4a.txt").read_text(encoding="utf-8")
    start = text.index("Whilst the timeframe is very tight")
    return text[start : text.index("5. Mary Conroy")].strip()


def test_each_point_of_a_real_submission_found(analysed_db):
    result = check_submission(analysed_db, _submission(), HashingEmbedder())
    assert len(result.points) >= 4
    for p in result.points:
        assert p.status in ("captured", "partly")
        assert p.matches and p.matches[0].score > 0.99  # the stored copy of the same words
        assert p.matches[0].organisation == "Tomorrow's People"
        # its theme is its matches' theme; matches that fit no theme (the unthemed bucket) give none
        assert (p.theme_id is not None and p.theme_label) or (
            p.theme_id is None and "none is in a theme" in p.evidence
        )
        scores = [s for *_, s in p.principles]
        assert scores == sorted(scores, reverse=True)
    tupe = next(p for p in result.points if "TUPE" in p.text)
    assert tupe.principles, "the TUPE point maps to principles through its match"


def test_unrelated_point_not_captured(analysed_db):
    result = check_submission(
        analysed_db, "Our office cat prefers the blue cushion on Tuesdays.", HashingEmbedder()
    )
    (p,) = result.points
    assert p.status == "not captured" and not p.matches and p.theme_id is None


def test_offsets_point_into_the_submission(analysed_db):
    text = _submission()
    for p in check_submission(analysed_db, text, HashingEmbedder()).points:
        assert text[p.start : p.end].split()[:3] == p.text.split()[:3]


def test_captured_when_summary_quotes_it(analysed_db):
    quote = analysed_db.execute(
        """SELECT p.clean_text FROM summary_quotes sq JOIN points p ON p.id = sq.point_id
           WHERE sq.kind = 'theme' ORDER BY sq.target_id, sq.rank LIMIT 1"""
    ).fetchone()[0]
    (p, *_) = check_submission(analysed_db, quote, HashingEmbedder()).points
    assert p.status == "captured"


def test_needs_an_analysis(seeds_db):
    with pytest.raises(AnalysisError) as e:
        check_submission(seeds_db, "anything", HashingEmbedder())
    assert e.value.code == "FH-E300"
