"""The web app in headless Chromium (Playwright): charts, search, check-my-point and an analyst merge.

Needs Debian's ``chromium`` (/usr/bin/chromium) and the ``playwright`` Python package; never
``playwright install``. Skipped when either is missing. Screenshots go to tests/screenshots/.
"""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SHOTS = Path(__file__).resolve().parents[1] / "screenshots"
PASSWORD = "correct horse battery"

if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from werkzeug.serving import make_server

    from nlp.embed import HashingEmbedder
    from store.db import open_db
    from store.users import create_user
    from web import create_app
    from web.sample import build_sample

    tmp = tmp_path_factory.mktemp("browser")
    embedder = HashingEmbedder()
    db = open_db(tmp / "b.db")
    sample = build_sample(db, 60, embedder=embedder)
    create_user(db, "ana", PASSWORD)
    db.close()
    app = create_app(
        {
            "DATABASE": str(tmp / "b.db"),
            "SECRET_KEY": "browser-test",
            "EMBEDDER": embedder,
            "INSTANCE_PATH": str(tmp / "instance"),
            "SEARCH_MIN_SIMILARITY": 0.1,
            "MODELS_DIR": str(tmp / "models"),
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", sample
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh page that refuses every request leaving 127.0.0.1 and records console errors."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    pg.offsite = []
    pg.errors = []

    def route(r):
        if urlsplit(r.request.url).hostname == "127.0.0.1":
            r.continue_()
        else:
            pg.offsite.append(r.request.url)
            r.abort()

    pg.route("**/*", route)
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    ctx.close()
    assert not pg.offsite, f"requests left the machine: {pg.offsite}"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_overview_draws_charts_without_errors(page, site):
    base, _ = site
    page.goto(base + "/")
    page.wait_for_selector("#chart-sizes .main-svg")
    page.wait_for_selector("#chart-heatmap .main-svg")
    assert page.locator("#chart-sentiment .main-svg").count() >= 1
    shot(page, "overview")
    assert not page.errors, page.errors  # CSP violations and script errors show up here


def test_search_with_a_filter(page, site):
    base, _ = site
    page.goto(base + "/search")
    page.fill("#q", "payment by results")
    page.press("#q", "Enter")
    page.wait_for_selector("#result-count")
    assert int(re.match(r"(\d+)", page.inner_text("#result-count"))[1]) > 0
    assert "payment by results" in page.inner_text("ol.points").lower()
    page.select_option("select[name=sentiment]", "negative")
    page.click("form.search button[type=submit]")
    page.wait_for_url(re.compile(r"sentiment=negative"))
    tags = page.locator("ol.points .tag.s-negative, ol.points .tag.s-positive, ol.points .tag.s-neutral")
    assert tags.count() > 0
    assert set(tags.all_inner_texts()) == {"negative"}
    shot(page, "search")


def test_check_my_point(page, site):
    base, _ = site
    page.goto(base + "/check")
    page.fill(
        "#text",
        "We would need a bank loan just to survive the first year under payment by results.\n\n"
        "Our office cat prefers the blue cushion to the green one on Tuesdays.",
    )
    page.click("form.check >> text=Check")
    page.wait_for_selector("#check-result")
    items = page.locator("ol.checks > li")
    assert items.count() == 2
    first, second = items.nth(0).get_attribute("data-found"), items.nth(1).get_attribute("data-found")
    assert first in ("very likely", "likely") and second == "not found"
    assert "Found in the analysis" in items.nth(0).inner_text()
    assert "Payment by results and cash flow" in items.nth(0).inner_text()
    assert page.locator("#check-result mark").count() == 2
    shot(page, "check")


def test_analyst_merges_two_themes(page, site):
    base, sample = site
    a = sample.theme_ids["Travel costs for customers"]
    b = sample.theme_ids["Support for disabled customers"]
    page.goto(base + f"/themes/{b}")
    size_b = int(page.locator(".summary strong").first.inner_text())
    page.goto(base + f"/themes/{a}")
    size_a = int(page.locator(".summary strong").first.inner_text())
    assert page.locator("text=Merge this theme into").count() == 0  # viewers see no edit controls
    page.click("text=Analyst sign-in")
    page.fill("#name", "ana")
    page.fill("#password", PASSWORD)
    page.click("form.login button")
    page.wait_for_url(re.compile(rf"/themes/{a}"))
    page.select_option("#merge-target", str(b))
    shot(page, "merge-before")
    page.click("form:has(#merge-target) button")
    page.wait_for_url(re.compile(rf"/themes/{b}$"))
    assert "Themes merged." in page.inner_text(".flash")
    assert int(page.locator(".summary strong").first.inner_text()) == size_a + size_b
    shot(page, "merge-after")
    page.goto(base + "/audit")
    assert f"theme {a} into theme {b}" in page.inner_text("table.audit")
    page.goto(base + f"/themes/{a}")
    assert "404" in page.inner_text("h1")
