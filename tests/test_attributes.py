"""Source metadata honoured: Polis votes shown, filterable and sortable; extra columns as attributes."""

from __future__ import annotations

import csv
import re

import pytest

from ingest.formats import ReadOptions
from ingest.pipeline import ingest_paths
from nlp.embed import HashingEmbedder
from store import attributes, counts
from store.db import open_db
from web import create_app

# a Polis-style export: votes, a moderation column, a topic and a region; and an e-mail column
ROWS = [
    # comment_id, agrees, disagrees, passes, moderated, region, email, body
    (
        "1",
        "38",
        "18",
        "4",
        "1",
        "North",
        "a@example.com",
        "Businesses should pay a living wage to every worker.",
    ),
    ("2", "5", "40", "2", "1", "South", "b@example.com", "Small firms cannot afford a higher minimum wage."),
    (
        "3",
        "70",
        "1",
        "0",
        "0",
        "North",
        "c@example.com",
        "Public transport fares should be capped for commuters.",
    ),
    ("4", "0", "0", "0", "-1", "South", "d@example.com", "Buy cheap pills at this spam link now."),
    ("5", "12", "3", "1", "1", "East", "e@example.com", "Wage rises must come with support for employers."),
]
HEADERS = ["comment_id", "agrees", "disagrees", "passes", "moderated", "region", "email", "comment_body"]


@pytest.fixture
def polis_db(tmp_path):
    path = tmp_path / "polis.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADERS)
        w.writerows(ROWS)
    db_path = tmp_path / "a.db"
    db = open_db(db_path)
    (report,) = ingest_paths(db, [path], options=ReadOptions(text_columns=["comment_body"]))
    assert report.status == "added", report.error
    assert report.responses == 4  # the moderators' rejection (-1) left out, and said so
    assert any("--include-moderated" in p for p in report.problems)
    return db, db_path


@pytest.fixture
def client(polis_db, tmp_path):
    _, db_path = polis_db
    app = create_app(
        {
            "DATABASE": str(db_path),
            "SECRET_KEY": "k",
            "EMBEDDER": HashingEmbedder(),
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    return app.test_client()


def response_id(db, start: str) -> int:
    return db.execute("SELECT id FROM responses WHERE clean_text LIKE ?", [start + "%"]).fetchone()[0]


def order_of(html: str) -> list[str]:
    bodies = [body for *_, body in ROWS]
    found = [(html.find(b), b[:20]) for b in bodies if b in html]
    return [b for _, b in sorted(found)]


def test_votes_read_from_the_source_columns(polis_db):
    db, _ = polis_db
    assert attributes.response_votes(db, response_id(db, "Businesses")) == {
        "agree": 38,
        "disagree": 18,
        "pass": 4,
    }
    assert attributes.any_votes(db)
    db.execute(
        """UPDATE responses SET meta = json_set(meta, '$.agrees', 'Strongly agree') WHERE id = ?""",
        [response_id(db, "Small firms")],
    )
    assert "agree" not in attributes.response_votes(db, response_id(db, "Small firms"))  # not a count


def test_extra_columns_are_attributes_counted_by_the_count_model(polis_db):
    db, _ = polis_db
    values = counts.attribute_values(db)
    assert values["region"] == [("North", 2), ("East", 1), ("South", 1)]
    assert values["moderated"] == [("1", 3), ("0", 1)]
    assert "email" not in values  # a column of personal data is never offered
    assert not {"agrees", "disagrees", "passes", "row", "respondent_id"} & set(values)  # votes are votes
    attrs = dict(attributes.response_attributes(db, response_id(db, "Businesses")))
    assert attrs["region"] == "North" and "email" not in attrs and "agrees" not in attrs


def test_response_page_shows_votes_and_attributes(client, polis_db):
    db, _ = polis_db
    html = client.get(f"/responses/{response_id(db, 'Businesses')}").get_data(as_text=True)
    assert "38 agree" in html and "18 disagree" in html and "4 pass" in html
    assert "region" in html and "/search?attribute=region%3DNorth" in html
    assert "a@example.com" not in html


def test_search_filters_by_attribute_and_agree_votes(client):
    html = client.get("/search?attribute=region%3DNorth").get_data(as_text=True)
    assert order_of(html) == ["Businesses should pa", "Public transport far"]
    assert "region: North (2)" in html  # the filter's choices, with counts
    hidden = client.get("/search?attribute=email%3Da%40example.com").get_data(as_text=True)
    assert order_of(hidden) == [] and "0 results" in hidden  # a hidden column cannot be probed
    html = client.get("/search?min_agree=12").get_data(as_text=True)
    assert order_of(html) == ["Businesses should pa", "Public transport far", "Wage rises must come"]
    assert re.search(r"3 results", html)


def test_search_sorts_by_most_agreed_and_most_disagreed(client):
    html = client.get("/search?sort=agreed").get_data(as_text=True)
    assert order_of(html) == [
        "Public transport far",
        "Businesses should pa",
        "Wage rises must come",
        "Small firms cannot a",
    ]
    assert "70 agree, 1 disagree" in html
    html = client.get("/search?sort=disagreed&attribute=region%3DSouth").get_data(as_text=True)
    assert order_of(html) == ["Small firms cannot a"]
    html = client.get("/search?q=wage&sort=disagreed").get_data(as_text=True)
    found = order_of(html)
    assert found[0] == "Small firms cannot a" and "Businesses should pa" in found
    assert found.index("Businesses should pa") < found.index("Wage rises must come")  # 18 > 3 disagree


def test_pages_without_votes_offer_no_vote_controls(tmp_path):
    letters = tmp_path / "letters.txt"
    letters.write_text("We need longer contracts.\n\nPayment within 30 days.\n", encoding="utf-8")
    db = open_db(tmp_path / "b.db")
    ingest_paths(db, [letters])
    assert not attributes.any_votes(db) and counts.attribute_values(db) == {}
    app = create_app({"DATABASE": str(tmp_path / "b.db"), "SECRET_KEY": "k", "EMBEDDER": HashingEmbedder()})
    html = app.test_client().get("/search?q=contracts").get_data(as_text=True)
    assert "most agreed" not in html and 'name="attribute"' not in html
