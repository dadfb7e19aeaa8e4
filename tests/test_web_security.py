"""The web app's security surface: /check limits, chart labels, sessions, login backoff, access."""

from __future__ import annotations

import re
import shutil

import pytest
from werkzeug.routing import IntegerConverter

from store.db import open_db
from store.users import create_user
from tests.web_helpers import PASSWORD, app_over, sample_base, sign_in, token
from web.security import RateLimiter


class FakeClock:
    """A clock the tests move by hand (``app.config["CLOCK"]``)."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return sample_base(tmp_path_factory.mktemp("websec") / "base.db", 30)


def make_app(base, tmp_path, **config):
    return app_over(base[0], tmp_path, **({"CLOCK": FakeClock()} | config))


@pytest.fixture
def app(base, tmp_path):
    return make_app(base, tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


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


# ---------------------------------------------------------------- sessions and sign-in


def theme_id(app) -> int:
    return (
        open_db(app.config["DATABASE"]).execute("SELECT id FROM themes WHERE level = 0 LIMIT 1").fetchone()[0]
    )


def label_of(app, tid: int) -> str:
    return (
        open_db(app.config["DATABASE"]).execute("SELECT label FROM themes WHERE id = ?", [tid]).fetchone()[0]
    )


def rename(client, tid: int, tok: str, label: str) -> int:
    return client.post(f"/themes/{tid}/rename", data={"label": label, "csrf_token": tok}).status_code


def copy_session(app, client):
    """A second browser holding the same session cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_cookie_copied_before_logout_is_refused_after(client, app):
    tid = theme_id(app)
    tok = sign_in(client)
    thief = copy_session(app, client)
    assert rename(thief, tid, tok, "Copied cookie works while signed in") == 302
    assert client.post("/logout", data={"csrf_token": tok}).status_code == 302
    assert rename(thief, tid, tok, "After logout") == 403
    assert label_of(app, tid) == "Copied cookie works while signed in"
    assert "Analyst: <strong>" not in thief.get("/").get_data(as_text=True)


@pytest.mark.parametrize("change", ["deactivate", "password"])
def test_deactivation_and_password_change_end_sessions(client, app, change):
    from store.users import set_active, set_password

    tid = theme_id(app)
    tok = sign_in(client)
    assert rename(client, tid, tok, "Before") == 302
    db = open_db(app.config["DATABASE"])
    if change == "deactivate":
        set_active(db, "ana", False)
    else:
        set_password(db, "ana", "a brand new password")
    assert rename(client, tid, tok, "After") == 403
    assert label_of(app, tid) == "Before"
    assert "Analyst: <strong>" not in client.get("/").get_data(as_text=True)


def test_wrong_passwords_back_off_per_user_name(client, app):
    clock = app.config["CLOCK"]

    def attempt(password: str):
        return client.post("/login", data={"name": "ana", "password": password, "csrf_token": token(client)})

    codes = []
    for i in range(10):  # ten wrong passwords, each tried as soon as the site allows
        r = attempt(f"wrong {i}")
        if r.status_code == 429:
            codes.append(429)
            clock.t += int(r.headers["Retry-After"])
            r = attempt(f"wrong {i}")
        codes.append(r.status_code)
    assert codes == [401] * 5 + [429, 401] * 5  # five free tries, then a wait before each
    r = attempt(PASSWORD)
    assert r.status_code == 429 and "Too many failed sign-ins" in r.get_data(as_text=True)
    assert r.headers["Retry-After"] == "32"  # 1, 2, 4, 8, 16, 32: doubled after each failure
    clock.t += 31
    assert attempt(PASSWORD).status_code == 429  # the right password is not checked until the wait is over
    clock.t += 1
    assert attempt(PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": token(client)})
    assert attempt("wrong").status_code == 401  # success cleared the user name: the next mistake is free


def test_backoff_doubles_and_is_capped():
    from web.security import LoginThrottle

    t = LoginThrottle(free=2, free_client=100, base=1, cap=8, memory=3600)
    keys = t.keys("Ana", "1.2.3.4")
    waits = []
    for i in range(7):
        now = i * 100.0
        t.failed(keys, now)
        waits.append(t.wait(keys, now))
    assert waits == [0, 1, 2, 4, 8, 8, 8]
    assert t.wait(t.keys("ana ", "5.6.7.8"), 600.0) == 8  # the name is the key, whatever the case
    assert t.wait(keys, 600.0 + 3600) == 0  # forgotten after an hour without failures


def test_one_client_guessing_many_names_is_slowed(client, app):
    for i in range(20):
        r = client.post("/login", data={"name": f"user{i}", "password": "x", "csrf_token": token(client)})
        assert r.status_code == 401
    r = client.post("/login", data={"name": "ana", "password": PASSWORD, "csrf_token": token(client)})
    assert r.status_code == 429
    other = app.test_client()
    r = other.post(
        "/login",
        data={"name": "ana", "password": PASSWORD, "csrf_token": token(other)},
        environ_base={"REMOTE_ADDR": "10.0.0.7"},
    )
    assert r.status_code == 302  # another address is not held back


def _id_routes(app):
    for rule in app.url_map.iter_rules():
        ints = [a for a, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        if ints:
            yield rule, ints


def test_huge_ids_are_404_on_every_id_route(client, app):
    tok = sign_in(client)
    huge = 10**19
    routes = list(_id_routes(app))
    assert len(routes) >= 8
    for rule, ints in routes:
        url = rule.rule
        for name in ints:
            url = url.replace(f"<int:{name}>", str(huge))
        method = "GET" if "GET" in rule.methods else "POST"
        r = client.open(url, method=method, data={"csrf_token": tok} if method == "POST" else None)
        assert r.status_code == 404, (url, r.status_code)
    assert client.get(f"/responses/{2**63 - 1}").status_code == 404  # the largest id is looked up, not found


def test_huge_ids_in_forms_change_nothing(client, app):
    tok = sign_in(client)
    tid = theme_id(app)
    r = client.post(f"/themes/{tid}/merge", data={"target": str(10**19), "csrf_token": tok})
    assert r.status_code == 302


def test_security_headers_stay(client):
    r = client.get("/login")
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY" and r.headers["X-Content-Type-Options"] == "nosniff"


def test_cli_user_commands(tmp_path):
    from click.testing import CliRunner

    from fairhearing.cli import cli
    from store.db import open_db
    from store.users import get_user

    db = str(tmp_path / "u.db")
    open_db(db).close()  # only ingest and demo create a database
    run = CliRunner().invoke
    assert (
        run(
            cli, ["user", "add", "vic", "--db", db, "--role", "viewer", "--password", "viewer pass 1"]
        ).exit_code
        == 0
    )
    assert run(cli, ["user", "add", "ana", "--db", db, "--password", "analyst pass"]).exit_code == 0
    before = get_user(open_db(db), "vic")["session_version"]
    assert run(cli, ["user", "passwd", "vic", "--db", db, "--password", "viewer pass 2"]).exit_code == 0
    assert get_user(open_db(db), "vic")["session_version"] == before + 1
    assert run(cli, ["user", "deactivate", "ana", "--db", db]).exit_code == 0
    out = run(cli, ["user", "list", "--db", db]).output
    assert out.splitlines() == ["ana\tanalyst\tinactive", "vic\tviewer\tactive"]
    bad = run(cli, ["user", "deactivate", "nobody", "--db", db])
    assert bad.exit_code == 1 and "no user 'nobody'" in bad.output


# ---------------------------------------------------------------- access by address


def test_loopback_addresses():
    from web.security import is_loopback

    assert all(is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.10", "example.org", ""))


@pytest.fixture
def accounts(base):
    db = open_db(base[0])
    if not any(u == "vic" for (u,) in db.execute("SELECT name FROM users")):
        create_user(db, "vic", PASSWORD, role="viewer")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def test_non_loopback_needs_a_login_for_every_page(base, tmp_path, accounts):
    app = make_app(base, tmp_path, BIND_HOST="0.0.0.0")
    c = app.test_client()
    r = c.get("/themes?page=2")
    assert r.status_code == 302 and r.headers["Location"] == "/login?next=/themes?page%3D2"
    for url in ("/", "/check", "/search?q=x", f"/themes/{theme_id(app)}", "/export/points.csv", "/audit"):
        assert c.get(url).status_code == 302, url
    assert c.get("/static/style.css").status_code == 200  # the sign-in page keeps its style
    login_page = c.get("/login")
    assert login_page.status_code == 200 and "needs an account to read" in login_page.get_data(as_text=True)
    assert c.post("/check", data={"text": "x", "csrf_token": token(c, "/login")}).status_code == 401
    sign_in_at = {"csrf_token": token(c, "/login"), "password": PASSWORD}
    assert c.post("/login", data=sign_in_at | {"name": "vic"}).status_code == 302
    page = c.get("/").get_data(as_text=True)
    assert "Viewer: <strong>vic</strong>" in page
    assert c.get("/check").status_code == 200
    assert rename(c, theme_id(app), token(c), "viewer edit") == 403  # viewers read only
    assert c.get("/export/points.csv").status_code == 403  # full text is for analysts
    assert c.get("/report").status_code == 200


def test_non_loopback_analyst_gets_the_full_text_exports(base, tmp_path, accounts):
    app = make_app(base, tmp_path, BIND_HOST="192.168.1.10")
    c = app.test_client()
    c.post("/login", data={"csrf_token": token(c, "/login"), "name": "ana", "password": PASSWORD})
    for url in ("/export/points.csv", "/export/points.xlsx", "/export/jsonl.zip"):
        assert c.get(url).status_code == 200, url


def test_public_non_loopback_reads_without_login(base, tmp_path):
    app = make_app(base, tmp_path, BIND_HOST="0.0.0.0", PUBLIC=True)
    c = app.test_client()
    assert c.get("/").status_code == 200 and c.get("/themes").status_code == 200
    assert "Analyst sign-in" in c.get("/").get_data(as_text=True)
    assert c.get("/export/points.csv").status_code == 403


def test_loopback_reads_and_exports_without_login(client):
    assert client.get("/").status_code == 200
    assert client.get("/export/points.csv").status_code == 200


def test_serve_runs_on_waitress(tmp_path, base):
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    db = tmp_path / "s.db"
    shutil.copy(base[0], db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [
        sys.executable,
        "-m",
        "fairhearing.cli",
        "serve",
        "--db",
        str(db),
        "--port",
        str(port),
        "--threads",
        "2",
    ]
    env = {"FAIRHEARING_INSTANCE": str(tmp_path / "inst"), "FAIRHEARING_EMBEDDER": "hashing", "PATH": ""}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, resp = time.monotonic() + 60, None
        while time.monotonic() < deadline and resp is None:
            try:
                resp = urllib.request.urlopen(f"http://127.0.0.1:{port}/themes", timeout=5)
            except OSError:
                time.sleep(0.3)
        assert resp is not None and resp.status == 200
        assert resp.headers["Server"] == "fairhearing"  # waitress's ident, not werkzeug's
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0]
    assert "this machine only" in out


def test_limiters_keep_memory_bounded(monkeypatch):
    from web.security import LoginThrottle

    monkeypatch.setattr(RateLimiter, "MAX_KEYS", 10)
    lim = RateLimiter(5, 60)
    for i in range(25):
        lim.hit(f"10.0.0.{i}", float(i))
    assert len(lim._events) <= 10 and "10.0.0.24" in lim._events
    t = LoginThrottle(free=5, free_client=20, base=1, cap=900, memory=3600)
    for i in range(25):
        t.failed(t.keys("x" * 100_000 + str(i), f"10.0.0.{i}"), float(i))
    assert len(t._failures) <= 10 and all(len(k) <= 70 for k in t._failures)
