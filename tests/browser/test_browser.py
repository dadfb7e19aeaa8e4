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
    page.wait_for_selector("#chart-sizes .hbar")
    page.wait_for_selector("#chart-heatmap td")
    assert page.locator("#chart-sentiment .hbar").count() >= 1
    assert page.locator("#chart-sizes .hbar").first.bounding_box()["width"] > 20  # bars are drawn wide
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
    assert "no longer exists" in page.inner_text("h1")  # the old link says where its points went
    assert page.locator(f"main a[href='/themes/{b}']").count() >= 1


def _sign_in(page, base: str, next_path: str) -> None:
    page.goto(base + "/login?next=" + next_path)
    page.fill("#name", "ana")
    page.fill("#password", PASSWORD)
    page.click("form.login button")
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def _progress(page) -> tuple[int, int]:
    m = re.search(r"(\d+) of \d+ reviewed; (\d+) since the last refit", page.inner_text("#review-progress"))
    return int(m.group(1)), int(m.group(2))


def test_review_queue_with_keystrokes(page, site):
    base, _ = site
    _sign_in(page, base, "/review")
    reviewed, since = _progress(page)
    first = page.get_attribute("#review-item", "data-point")
    label = page.inner_text("[data-key='2']")
    shot(page, "review")
    page.keyboard.press("2")  # confirm the second-ranked principle
    page.wait_for_selector(".flash.ok")
    assert "Confirmed" in page.inner_text(".flash") and label.split(" · ")[0].split()[-1] in page.inner_text(
        ".flash"
    )
    assert _progress(page) == (reviewed + 1, since + 1)
    second = page.get_attribute("#review-item", "data-point")
    assert second != first
    page.keyboard.press("n")  # skip
    page.wait_for_url(re.compile(r"/review\?offset=1$"))
    third = page.get_attribute("#review-item", "data-point")
    assert third not in (first, second)
    page.keyboard.press("x")  # off-topic: reject every suggestion
    page.wait_for_selector(".flash.ok")
    assert "off-topic" in page.inner_text(".flash")
    assert _progress(page) == (reviewed + 2, since + 2)
    # keys typed into the picker are text, not verdicts
    page.fill("#review-pick", "1")
    page.keyboard.press("1")
    assert page.locator(".flash").count() == 0 or "Confirmed" not in page.inner_text(".flash")
    page.click("#refit")
    page.wait_for_selector(".flash.ok")
    assert "Refitted in" in page.inner_text(".flash")
    assert _progress(page)[1] == 0
    shot(page, "review-after-refit")
    assert not page.errors, page.errors


def test_principle_picker_adds_and_replaces(page, site):
    base, sample = site
    theme = sample.theme_ids["Payment by results and cash flow"]
    _sign_in(page, base, f"/themes/{theme}")
    item = page.locator("ol.points > li").first
    pid = item.get_attribute("id")
    options = page.locator("#principle-options option")
    assert options.count() == 9
    picker = item.locator("input.pick-principle")
    picker.fill("3.2")  # a code is enough; the datalist offers code + short title + text
    picker.press("Enter")
    page.wait_for_selector(".flash.ok")
    assert "confirmed" in page.inner_text(".flash")
    item = page.locator(f"li#{pid}")
    assert item.locator(".chip.confirmed a", has_text="3.2").count() == 1
    # replace 3.2 by 3.3, chosen by its datalist value
    value = page.locator("#principle-options option").nth(8).get_attribute("value")
    assert value.startswith("3.3 ")
    item.locator("input.pick-principle").fill(value)
    item.locator("select[name=replace]").select_option(label="replace 3.2")
    item.locator("form.picker button").click()
    page.wait_for_selector(".flash.ok")
    assert "replaced" in page.inner_text(".flash")
    item = page.locator(f"li#{pid}")
    assert item.locator(".chip.rejected", has_text="3.2").count() == 1
    assert item.locator(".chip.confirmed a", has_text="3.3").count() == 1
    shot(page, "picker")
    # the framework page filter finds a principle by its short title
    page.goto(base + "/framework")
    page.fill("#principle-filter-q", "specialist providers")
    visible = page.locator("tr[data-search]:visible")
    assert visible.count() == 1 and "2.1" in visible.first.inner_text()
    assert not page.errors, page.errors


def test_a_principles_figure_is_the_same_on_three_pages(site, page):
    """Framework page, principle page and report show the same points/respondents for a principle."""
    base, sample = site
    prid = sample.principle_ids["1.1"]
    page.goto(f"{base}/principles/{prid}")
    m = re.search(r"(\d+) points from (\d+) respondents", page.inner_text("main"))
    assert m, "the principle page states its points and respondents"
    points, respondents = m.group(1), m.group(2)
    page.goto(f"{base}/framework")
    row = page.locator(f"a[href='/principles/{prid}']").first.locator("xpath=ancestor::tr[1]")
    assert points in row.inner_text()
    page.goto(f"{base}/report")
    report_row = page.locator(f"table a[href='/principles/{prid}']").first.locator("xpath=ancestor::tr[1]")
    cells = [c.strip() for c in report_row.inner_text().split("\t")]
    assert respondents in cells and points in cells
    page.screenshot(path=str(SHOTS / "report-figures.png"), full_page=False)
