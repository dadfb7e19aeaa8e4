"""The web app's security surface: /check limits, chart labels, sessions, login backoff, access."""

from __future__ import annotations

import re
import shutil

import pytest

from nlp.embed import HashingEmbedder
from store.db import open_db
from store.users import create_user
from web import create_app
from web.sample import build_sample
from web.security import RateLimiter

EMBEDDER = HashingEmbedder()
PASSWORD = "correct horse battery"


class FakeClock:
    """A clock the tests move by hand (``app.config["CLOCK"]``)."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    path = tmp_path_factory.mktemp("websec") / "base.db"
    db = open_db(path)
    sample = build_sample(db, 30, embedder=EMBEDDER)
    create_user(db, "ana", PASSWORD)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path, sample


def make_app(base, tmp_path, **config):
    path = tmp_path / "t.db"
    if not path.exists():
        shutil.copy(base[0], path)
    return create_app(
        {
            "DATABASE": str(path),
            "SECRET_KEY": "test-key",
            "EMBEDDER": EMBEDDER,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "CLOCK": FakeClock(),
        }
        | config
    )


@pytest.fixture
def app(base, tmp_path):
    return make_app(base, tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


def token(client, url: str = "/check") -> str:
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


# ---------------------------------------------------------------- /check limits


def test_check_refuses_too_many_characters_with_the_page(client, app):
    r = client.post("/check", data={"text": "word " * 2001, "csrf_token": token(client)})
    assert r.status_code == 413
    html = r.get_data(as_text=True)
    assert "longer than 10,000 characters" in html and "<h1>Was my point captured?</h1>" in html


def test_check_refuses_too_many_points(client, app):
    app.config["CHECK_MAX_POINTS"] = 3
    text = "\n\n".join(f"{i}. Point number {i} is about payment by results." for i in range(1, 6))
    r = client.post("/check", data={"text": text, "csrf_token": token(client)})
    assert r.status_code == 413
    assert "has 5 points; the check takes at most 3" in r.get_data(as_text=True)
    ok = "\n\n".join(text.split("\n\n")[:3])
    assert client.post("/check", data={"text": ok, "csrf_token": token(client)}).status_code == 200


def test_check_an_organisation_covers_its_first_points(client, app, base):
    app.config["CHECK_MAX_POINTS"] = 1
    org = (
        open_db(app.config["DATABASE"])
        .execute(
            "SELECT organisation FROM responses WHERE organisation IS NOT NULL GROUP BY 1 "
            "HAVING COUNT(*) > 1 LIMIT 1"
        )
        .fetchone()[0]
    )
    r = client.get("/check", query_string={"organisation": org})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Checked the first 1 of" in html
    assert len(re.findall(r'<li id="c\d+"', html)) == 1


def test_check_is_rate_limited_per_client(client, app):
    app.config.update(CHECK_RATE_LIMIT=3, CHECK_RATE_WINDOW=60)
    tok = token(client)
    for _ in range(3):
        assert client.post("/check", data={"text": "Cash flow hurts.", "csrf_token": tok}).status_code == 200
    r = client.post("/check", data={"text": "Cash flow hurts.", "csrf_token": tok})
    assert r.status_code == 429 and r.headers["Retry-After"] == "60"
    assert "try again in 60 seconds" in r.get_data(as_text=True)
    other = app.test_client()
    r = other.post(
        "/check",
        data={"text": "Cash flow hurts.", "csrf_token": token(other)},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert r.status_code == 200  # another address has its own allowance
    assert client.get("/check").status_code == 200  # the empty form costs nothing and is never limited
    app.config["CLOCK"].t += 61
    assert client.post("/check", data={"text": "Cash flow hurts.", "csrf_token": tok}).status_code == 200


def test_rate_limiter_window_slides():
    lim = RateLimiter(2, 10)
    assert lim.hit("a", 0) == 0 and lim.hit("a", 4) == 0
    assert lim.hit("a", 5) == 5  # the first event leaves the window at t=10
    assert lim.hit("b", 5) == 0
    assert lim.hit("a", 10) == 0 and lim.hit("a", 11) == 3


def test_cli_check_refuses_an_oversized_submission(tmp_path):
    from click.testing import CliRunner

    from fairhearing.cli import cli

    sub = tmp_path / "sub.txt"
    sub.write_text("x" * 101, encoding="utf-8")
    r = CliRunner().invoke(
        cli, ["check", "--db", str(tmp_path / "x.db"), "--text-file", str(sub), "--max-chars", "100"]
    )
    assert r.exit_code == 1 and "FH-E310" in r.output and "101 characters" in r.output


# ---------------------------------------------------------------- chart labels

LINK_LABEL = '<a href="https://evil.example/">Click & win</a> <b>bold</b>'


def plant_link_labels(db_path: str) -> None:
    """The largest theme and a mapped principle hold HTML links."""
    db = open_db(db_path)
    with db.atomic():
        db.execute(
            "UPDATE themes SET label = ? WHERE id = (SELECT id FROM themes WHERE level = 0 ORDER BY size DESC LIMIT 1)",
            [LINK_LABEL],
        )
        db.execute(
            "UPDATE principles SET text = ?, code = ? WHERE id = (SELECT principle_id FROM point_principles LIMIT 1)",
            [LINK_LABEL, '<a href="https://evil.example/">9.9</a>'],
        )
    db.close()


def test_chart_labels_reach_plotly_as_plain_text(client, app):
    import html as htmllib
    import json

    plant_link_labels(app.config["DATABASE"])
    page = client.get("/").get_data(as_text=True)
    raw = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page, re.S)[1]
    data = json.loads(raw)
    flat = json.dumps(data, ensure_ascii=False)
    assert "<a" not in flat and "<b>" not in flat and "&lt;a href" in flat
    assert LINK_LABEL in [htmllib.unescape(x) for x in data["themes"]["labels"]]  # shown as typed
    assert LINK_LABEL in [htmllib.unescape(x) for x in data["heatmap"]["principle_texts"]]
    assert not any("<" in x for x in data["heatmap"]["principles"] + data["heatmap"]["themes"])
    assert "&lt;a href=&#34;https://evil.example/&#34;&gt;Click &amp; win" in page  # the table: escaped once
