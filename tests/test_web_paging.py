"""Long lists are paged with their totals unchanged: an organisation's points, a theme's points."""

from __future__ import annotations

import re

import pytest

from store import counts
from store.queries import organisations as organisation_queries
from store.queries import runs as run_queries
from store.queries import themes as theme_queries
from tests.web_helpers import app_over, db_of, sample_base, sign_in

POINT_ID = re.compile(r'<li id="p(\d+)">')


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return sample_base(tmp_path_factory.mktemp("paging") / "base.db", 80)


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


def _pager_total(html: str) -> int:
    return int(re.search(r"of (\d+)\)</span>", html).group(1))


def test_theme_points_are_paged_with_a_cached_total_that_follows_edits(app, base):
    client = app.test_client()
    sample = base[1]
    source, target = sample.theme_ids[next(iter(sample.theme_ids))], None
    db = db_of(app)
    try:
        total = theme_queries.theme_points_total(db, source)
        every, _ = theme_queries.theme_points(db, source, 1, 10_000)
        oppose = theme_queries.theme_points_total(db, source, "negative")
        target = next(t for t in sample.theme_ids.values() if t != source)
    finally:
        db.close()
    assert total > 3 and 0 < oppose < total
    pages = -(-total // 3)
    seen: list[int] = []
    for page in range(1, pages + 1):
        html = client.get(f"/themes/{source}?page={page}").get_data(as_text=True)
        assert _pager_total(html) == total
        seen += [int(i) for i in POINT_ID.findall(html)]
    assert seen == [p["id"] for p in every]
    if oppose > 3:
        assert _pager_total(client.get(f"/themes/{source}?position=oppose").get_data(as_text=True)) == oppose
    # an analyst moves two points away: the cached total is rebuilt (the data version moved)
    csrf = sign_in(client)
    moved = seen[:2]
    r = client.post(
        f"/themes/{source}/points",
        data={"csrf_token": csrf, "action": "move", "target": str(target), "point": [str(i) for i in moved]},
    )
    assert r.status_code == 302
    db = db_of(app)
    try:
        after = theme_queries.theme_points_total(db, source)  # identical copies of a moved point move too
    finally:
        db.close()
    assert after <= total - 2
    html = client.get(f"/themes/{source}").get_data(as_text=True)
    assert _pager_total(html) == after
    assert not set(moved) & {int(i) for i in POINT_ID.findall(html)}


@pytest.mark.parametrize("script_root", ["", "/fh"])
def test_id_url_is_url_for(app, script_root):
    from flask import url_for

    from web.filters import id_url

    with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": script_root}):
        for endpoint, name in (
            ("responses.show", "response_id"),
            ("themes.show", "theme_id"),
            ("framework.principle", "principle_id"),
        ):
            for ident in (1, 42, 2**62):
                assert id_url(endpoint, **{name: ident}) == url_for(endpoint, **{name: ident})


def test_a_groups_points_are_paged_in_score_order_across_its_sub_themes(app):
    db = db_of(app)
    try:
        run = run_queries.run_id(db)
        group = next(t for t in theme_queries.themes(db, run) if t["level"] > 0)
        subs = theme_queries.subthemes(db, group["id"])
        members = [p for s in subs for p in theme_queries.theme_points(db, s["id"], 1, 10_000)[0]]
        total = theme_queries.theme_points_total(db, group["id"])
        paged: list[dict] = []
        for page in range(1, -(-total // 7) + 2):  # one page past the end: empty
            paged += theme_queries.theme_points(db, group["id"], page, 7, total=total)[0]
    finally:
        db.close()
    assert len(subs) > 1 and total == len(members) > 7
    expected = sorted(members, key=lambda p: (-p["theme_score"], -p["id"]))
    assert [p["id"] for p in paged] == [p["id"] for p in expected]
    assert [p["principles"] for p in paged] == [p["principles"] for p in expected]


RESPONSE_LINK = re.compile(r'<li><a href="/responses/(\d+)">')


def test_organisation_responses_are_paged_with_the_organisations_page_total(app):
    client = app.test_client()
    db = db_of(app)
    try:
        top = max(organisation_queries.organisations(db), key=lambda o: (o["responses"], o["name"]))
        every = [r["id"] for r in organisation_queries.organisation_responses(db, top["name"], 10_000)]
    finally:
        db.close()
    name, listed = top["name"], top["responses"]
    assert listed > 3 and len(every) == listed  # the organisations page's figure, row for row
    pages = -(-listed // 3)
    seen: list[int] = []
    for page in range(1, pages + 1):
        html = client.get(f"/organisations/{name}?responses_page={page}&page=2").get_data(as_text=True)
        ids = [int(i) for i in RESPONSE_LINK.findall(html)]
        assert 0 < len(ids) <= 3
        assert f'Responses <span class="small">({listed})</span>' in html
        nxt = f"responses_page={page + 1}&amp;page=2"  # the points' page is kept in the responses' links
        assert (nxt in html) == (page < pages)
        assert f"responses_page={page}&amp;page=3" in html  # and the responses' page in the points' links
        seen += ids
    assert seen == every and len(set(seen)) == listed
