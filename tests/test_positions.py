"""Positions inside a theme: respondents who support, oppose or are neutral/mixed, and the sentence
that reports them (bands from ``reports.wording``), on a small consultation ingested and analysed
for real with the hashing embedder."""

from __future__ import annotations

import json
import re

import pytest

from ingest.pipeline import ingest_paths
from reports.wording import position_sentence
from store import counts
from store.db import open_db
from store.queries import themes as theme_queries

TOPICS = {
    "payment": [
        "Late payment of invoices is terrible and hurts our cash flow badly.",
        "Invoices paid on time would be excellent, we welcome prompt payment terms.",
        "Payment terms of thirty days for invoices are a good idea we support.",
        "Slow invoice payment is awful and damages small suppliers cash flow.",
    ],
    "access": [
        "Wheelchair access to public buildings is poor and ramps are broken.",
        "New lifts and ramps in buildings are great for wheelchair users.",
        "Accessible buildings with working lifts are a welcome improvement.",
        "Broken lifts make buildings inaccessible and that is unacceptable.",
    ],
    "grants": [
        "Grants for small charities keep shrinking which is a disaster.",
        "Fairer grant funding for small charities is very good news.",
        "We strongly support more grant funding for small local charities.",
        "Cutting charity grants is harmful and wrong for communities.",
    ],
}
WRITERS = ["Northfield Works", "Southgate Trust", "Eastley Council", None, None, None]


@pytest.fixture(scope="module")
def consultation(tmp_path_factory):
    from nlp.embed import load_embedder
    from nlp.pipeline import Analyser

    folder = tmp_path_factory.mktemp("positions")
    responses = []
    for i, writer in enumerate(WRITERS):
        for texts in TOPICS.values():
            for j in (i % 4, (i + 1) % 4) if writer else (i % 4,):  # organisations write twice per topic
                item = {"question": "Q1", "text": texts[j]}
                if writer:
                    item["organisation"] = writer
                responses.append(item)
    (folder / "responses.json").write_text(json.dumps({"responses": responses}), encoding="utf-8")
    db = open_db(folder / "c.db")
    reports = ingest_paths(db, [folder / "responses.json"])
    assert all(r.status == "added" for r in reports), [r.error for r in reports]
    run = Analyser(load_embedder("hashing"), models_dir=folder / "models", progress=False).run(db)
    return db, run.run_id, folder


def test_position_sentence_majority():
    s = position_sentence("late payment", {"oppose": 21, "support": 5, "neutral": 8})
    assert s.startswith("Most of the 34 respondents who raised late payment opposed it (21 of 34); ")
    assert "some supported it (5)" in s and "some were neutral or mixed (8)" in s
    assert position_sentence("X", {"support": 3, "oppose": 0, "neutral": 0}) == (
        "All 3 respondents who raised X supported it."
    )
    assert position_sentence("X", {"support": 3, "neutral": 1}).endswith("; one was neutral or mixed.")


def test_position_sentence_split_and_empty():
    assert position_sentence("X", {"oppose": 12, "support": 10, "neutral": 12}) == (
        "Views on X were split: 12 opposed, 12 neutral or mixed, 10 supported."
    )
    # exactly half is not a majority (the "most" band is strictly above half)
    assert position_sentence("X", {"oppose": 2, "support": 2}).startswith("Views on X were split")
    assert position_sentence("X", {}) == "No respondents raised X."
    assert position_sentence("X", {"support": 0, "oppose": 0, "neutral": 0}) == "No respondents raised X."
    assert position_sentence("X", {"oppose": 1}) == "The one respondent who raised X opposed it."


def test_positions_sum_to_theme_respondents(consultation):
    db, run_id, _ = consultation
    reach = counts.theme_reach(db, run_id)
    positions = counts.theme_positions(db, run_id)
    assert reach, "the analysis made no themes"
    assert set(positions) == set(reach)
    for tid, r in reach.items():
        assert set(positions[tid]) == set(counts.POSITIONS)
        assert sum(positions[tid].values()) == r.respondents, tid


def test_majority_of_points_and_ties(consultation):
    db, run_id, _ = consultation
    # a theme with a respondent who made two or more points in it
    tid, who, pids = None, None, []
    for t, w, ids in db.execute(
        f"""SELECT pa.theme_id, {counts.RESPONDENT}, json_group_array(pa.point_id)
            FROM point_analysis pa JOIN points p ON p.id = pa.point_id JOIN responses r ON r.id = p.response_id
            WHERE pa.run_id = ? AND pa.theme_id IS NOT NULL GROUP BY 1, 2 HAVING COUNT(*) >= 2""",
        [run_id],
    ):
        tid, who, pids = t, w, json.loads(ids)
        break
    assert tid is not None
    saved = db.execute("SELECT point_id, sentiment FROM point_analysis WHERE run_id = ?", [run_id]).fetchall()
    try:
        with db.conn:
            db.execute("UPDATE point_analysis SET sentiment = 'negative' WHERE theme_id = ?", [tid])
        n = counts.theme_reach(db, run_id)[tid].respondents
        assert counts.theme_positions(db, run_id)[tid] == {"support": 0, "oppose": n, "neutral": 0}
        with db.conn:  # one point each way, any others neutral: no position leads, so neutral or mixed
            db.execute(
                "UPDATE point_analysis SET sentiment = 'neutral' WHERE point_id IN (SELECT value FROM json_each(?))",
                [json.dumps(pids)],
            )
            db.execute("UPDATE point_analysis SET sentiment = 'negative' WHERE point_id = ?", [pids[0]])
            db.execute("UPDATE point_analysis SET sentiment = 'positive' WHERE point_id = ?", [pids[1]])
        assert counts.theme_positions(db, run_id)[tid] == {"support": 0, "oppose": n - 1, "neutral": 1}
        with db.conn:  # all but one of their points positive (one stays neutral if they made 3+): support
            db.execute(
                "UPDATE point_analysis SET sentiment = 'positive' WHERE point_id IN (SELECT value FROM json_each(?))",
                [json.dumps(pids[:1] + pids[2:])],
            )
        assert counts.theme_positions(db, run_id)[tid] == {"support": 1, "oppose": n - 1, "neutral": 0}
        assert who is not None
    finally:
        with db.conn:
            for pid, sentiment in saved:
                db.execute("UPDATE point_analysis SET sentiment = ? WHERE point_id = ?", [sentiment, pid])


def test_theme_page_shows_positions(consultation):
    from web import create_app

    db, run_id, folder = consultation
    tid, r = max(counts.theme_reach(db, run_id).items(), key=lambda kv: kv[1].respondents)
    label = db.execute("SELECT label FROM themes WHERE id = ?", [tid]).fetchone()[0]
    positions = counts.theme_positions(db, run_id)[tid]
    app = create_app({"DATABASE": str(folder / "c.db"), "SECRET_KEY": "k", "EMBEDDER": "hashing"})
    client = app.test_client()
    html = client.get(f"/themes/{tid}").get_data(as_text=True)
    from markupsafe import escape

    assert "<h2>Positions</h2>" in html
    assert str(escape(position_sentence(label, positions))) in html
    for word, key in (("Support", "support"), ("Oppose", "oppose"), ("Neutral or mixed", "neutral")):
        assert f"{word}</a>: {positions[key]}</li>" in html
    negative = client.get(f"/themes/{tid}?position=oppose&page=1").get_data(as_text=True)
    shown = {int(x) for x in re.findall(r'<li id="p(\d+)">', negative)}
    sentiments = dict(
        db.execute(
            "SELECT point_id, sentiment FROM point_analysis WHERE theme_id IN (SELECT value FROM json_each(?))",
            [json.dumps(theme_queries.theme_ids(db, tid))],  # a group: its sub-themes' points
        ).fetchall()
    )
    assert "show every point" in negative
    assert shown <= {pid for pid, s in sentiments.items() if s == "negative"}
    if any(s == "negative" for s in sentiments.values()):
        assert shown


def test_report_theme_annex_gives_positions(consultation):
    from reports.summary import build

    db, run_id, _ = consultation
    positions = counts.theme_positions(db, run_id)
    report = build(db)
    assert report.theme_table
    for row in report.theme_table:
        assert row.position == position_sentence(row.label, positions[row.theme_id])
