"""Extractive summaries: central, diverse, one quote per response, stored once per run."""

from __future__ import annotations

import numpy as np

from nlp.summaries import mmr, representative


def _unit(rows):
    m = np.asarray(rows, dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_mmr_prefers_central_then_diverse():
    vectors = _unit([[1, 0.1, 0], [1, 0.12, 0], [1, 0.11, 0.01], [0.6, 0, 0.8], [0, 1, 0]])
    picked = [i for i, _ in mmr(vectors, 3, diversity=0.5)]
    assert picked[0] in (0, 1, 2)
    assert len(set(picked) & {0, 1, 2}) == 1 or 3 in picked  # not three near-copies
    assert len(picked) == 3 and len(set(picked)) == 3


def test_representative_one_quote_per_response_and_long_enough():
    texts = [
        "Payment by results will exclude small charities from the programme entirely.",
        "Payment by results will exclude small charities from the programme entirely.",
        "Small charities cannot wait months for outcome payments to arrive.",
        "Yes.",
        "Outcome payments arriving late will push small providers out.",
    ]
    vectors = _unit([[1, 0.1], [1, 0.1], [1, 0.2], [1, 0.15], [1, 0.25]])
    responses = [1, 2, 1, 3, 4]
    picked = representative(range(5), vectors, texts, responses, k=5)
    chosen = [i for i, _ in picked]
    assert 3 not in chosen  # "Yes." is too short to stand as a quote
    assert len({responses[i] for i in chosen}) == len(chosen)
    assert len({texts[i] for i in chosen}) == len(chosen)


def test_quotes_stored_for_themes_principles_components(analysed_db):
    kinds = dict(
        analysed_db.execute(
            "SELECT kind, COUNT(DISTINCT target_id) FROM summary_quotes GROUP BY kind"
        ).fetchall()
    )
    themes = analysed_db.execute("SELECT COUNT(*) FROM themes").fetchone()[0]
    assert kinds["theme"] == themes
    assert kinds["principle"] > 0 and kinds["component"] > 0
    # every quote is a point of its theme (or of the group's sub-themes)
    bad = analysed_db.execute(
        """SELECT COUNT(*) FROM summary_quotes sq JOIN point_analysis pa ON pa.point_id = sq.point_id
           JOIN themes t ON t.id = pa.theme_id
           WHERE sq.kind = 'theme' AND sq.target_id NOT IN (t.id, t.parent_id)"""
    ).fetchone()[0]
    assert bad == 0
