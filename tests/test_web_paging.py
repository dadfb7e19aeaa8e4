"""Long lists are paged with their totals unchanged: an organisation's points, a theme's points."""

from __future__ import annotations

import re

import pytest

from store import counts
from store.queries import organisations as organisation_queries
from tests.web_helpers import app_over, db_of, sample_base

POINT_ID = re.compile(r'<li id="p(\d+)">')


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return sample_base(tmp_path_factory.mktemp("paging") / "base.db", 80, analyst=False)


@pytest.fixture
def app(base, tmp_path):
    return app_over(base[0], tmp_path, PER_PAGE=3)


def _busiest_organisation(app) -> tuple[str, int]:
    """The organisation with the most points, and that count as the organisations page lists it."""
    db = db_of(app)
    try:
        top = max(organisation_queries.organisations(db), key=lambda o: (o["points"], o["name"]))
        return top["name"], top["points"]
    finally:
        db.close()


def test_organisation_points_are_paged_and_every_point_is_on_one_page(app):
    client = app.test_client()
    name, listed = _busiest_organisation(app)
    assert listed > 3  # more than one page at PER_PAGE=3
    db = db_of(app)
    try:
        assert counts.organisation_points(db, name) == listed
        every = [p["id"] for p in organisation_queries.organisation_points(db, name, limit=10_000)]
    finally:
        db.close()
    pages = -(-listed // 3)
    seen: list[int] = []
    for page in range(1, pages + 1):
        html = client.get(f"/organisations/{name}?page={page}").get_data(as_text=True)
        ids = [int(i) for i in POINT_ID.findall(html)]
        assert 0 < len(ids) <= 3
        assert f"Page {page} of {pages}" in html
        assert f"of {listed})" in html  # the pager's total is the organisations page's figure
        seen += ids
    assert seen == every  # source order, each point once
    beyond = client.get(f"/organisations/{name}?page={pages + 1}").get_data(as_text=True)
    assert not POINT_ID.findall(beyond)


def test_organisation_page_without_page_argument_is_the_first_page(app):
    client = app.test_client()
    name, _ = _busiest_organisation(app)
    first = POINT_ID.findall(client.get(f"/organisations/{name}").get_data(as_text=True))
    assert first == POINT_ID.findall(client.get(f"/organisations/{name}?page=1").get_data(as_text=True))
    assert POINT_ID.findall(client.get(f"/organisations/{name}?page=x").get_data(as_text=True)) == first
