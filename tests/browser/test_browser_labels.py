"""plotly.js shows a theme label or principle holding HTML links as text (no <a> in the charts)."""

from __future__ import annotations

import threading

import pytest

from tests.browser.test_browser import ARGS, CHROMIUM, sync_api  # noqa: F401 (skips without chromium)
from tests.test_web_security import plant_link_labels

pytestmark = pytest.mark.browser


def test_chart_labels_are_text_not_links(tmp_path):
    from werkzeug.serving import make_server

    from nlp.embed import HashingEmbedder
    from store.db import open_db
    from web import create_app
    from web.sample import build_sample

    db = open_db(tmp_path / "b.db")
    build_sample(db, 30, embedder=HashingEmbedder())
    db.close()
    plant_link_labels(str(tmp_path / "b.db"))
    app = create_app(
        {"DATABASE": str(tmp_path / "b.db"), "SECRET_KEY": "k", "INSTANCE_PATH": str(tmp_path / "i")}
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_port}/")
            page.wait_for_selector("#chart-sizes")  # charts are drawn by the server as HTML
            for chart in ("#chart-sizes", "#chart-sentiment", "#chart-heatmap"):
                assert page.locator(f"{chart} a[href^='https://evil.example']").count() == 0, chart
            labels = page.locator("#chart-sizes .hlabel").all_text_contents()
            assert any(t.startswith('<a href="https://evil.example/">Click & win') for t in labels), labels
            browser.close()
    finally:
        server.shutdown()
