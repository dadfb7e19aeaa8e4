"""The web app through Flask's test client: every page, search, check, exports, and analyst review."""

from __future__ import annotations

import csv
import html as htmllib
import io
import json
import re
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from ingest.model import ParseResult
from search.hybrid import rrf
from store.analysis import write_point_analysis, write_point_principles
from store.edits import recount
from store.embeddings import save_vectors
from store.ingest_store import PreparedResponse, consultation_id, stored_ids, write_source
from tests.web_helpers import EMBEDDER, PASSWORD, app_over, db_of, sample_base, sign_in, token
from web import create_app
from web.sample import TOPICS, embed_points

ROOT = Path(__file__).resolve().parents[1]
PAYMENT, SMALL, DISABLED, CONTRACTS, BUREAU, LOCAL, TRAVEL = (t[0] for t in TOPICS)
NASTY = (
    "<script>alert(1)</script> and <b>html</b>: payment by results ruins us. Mail me at jo.bloggs@example.com"
)
NASTY_ORG = "<i>Evil</i> & Co"


def add_nasty_response(db, sample) -> tuple[int, int]:
    """A response whose text, author and organisation are HTML, in the payment theme, embedded: stored
    through the ingest, analysis and embedding writers."""
    text = "1. <img src=x onerror=alert(2)> says:\n" + NASTY + "\n"
    start = text.index(NASTY)
    clean = NASTY.replace("jo.bloggs@example.com", "[email]")
    fields = {
        "role": "stakeholder",
        "author": "<img src=x onerror=alert(2)>",
        "organisation": NASTY_ORG,
        "respondent_type": "organisation",
    }
    span = (start, start + len(NASTY), NASTY, clean)
    response = PreparedResponse(0, span[0], span[1], NASTY, clean, fields, None, [span])
    sid = write_source(
        db,
        consultation=consultation_id(db, "sample"),
        name="nasty.txt",
        path=None,
        sha256="x",
        size=len(text),
        parsed=ParseResult(text, "numbered"),
        responses=[response],
        replace_id=None,
    )
    ids, ((pid, _),) = stored_ids(db, sid)
    write_point_analysis(
        db, [(pid, sample.run_id, sample.theme_ids[PAYMENT], 0.99, "negative", None, "concern", None, 0)]
    )
    write_point_principles(db, [(pid, sample.principle_ids["1.1"], 0.7, 0, 1)])
    recount(db, [sample.theme_ids[PAYMENT]])
    embed_points(db, EMBEDDER, {clean})
    return ids[0], pid


def _add_nasty(db, sample) -> tuple[int, int]:
    with db.atomic():
        return add_nasty_response(db, sample)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return sample_base(tmp_path_factory.mktemp("web") / "base.db", 40, setup=_add_nasty)


@pytest.fixture
def app(base, tmp_path):
    return app_over(
        base[0],
        tmp_path,
        **{
            "PER_PAGE": 10,
            "SEARCH_MIN_SIMILARITY": 0.1,
            "MODELS_DIR": str(base[0].parent / "models"),  # the check's tagger, fitted once per module
        },
    )  # hashing vectors are less similar than MiniLM's


# ---------------------------------------------------------------- pages


def test_every_public_page_renders(client, sample, base):
    rid, pid = base[2]
    pages = {
        "/": "Largest themes",
        "/themes": PAYMENT,
        f"/themes/{sample.theme_ids[PAYMENT]}": "Representative quotes",
        f"/themes/{sample.group_id}": "Sub-themes",
        "/framework": "Principles nobody addressed",
        f"/principles/{sample.principle_ids['1.1']}": "Payment models should let providers",
        f"/responses/{sample.response_ids[0]}": "In the source text",
        "/organisations": "Northfield Works",
        "/organisations/Northfield Works": "Themes raised",
        "/search?q=payment": "result",
        "/check": "Was my point captured?",
        "/audit": "Audit log",
        "/report": "summary of responses",
        "/login": "Analyst sign-in",
    }
    for url, expected in pages.items():
        r = client.get(url)
        assert r.status_code == 200, url
        html = r.get_data(as_text=True)
        assert expected in html, url
        assert not re.search(r'(src|href)="(https?:)?//', html), f"{url} loads an external asset"


@pytest.mark.parametrize(
    "url", ["/themes/99999", "/principles/99999", "/responses/99999", "/organisations/Nobody"]
)
def test_missing_things_are_404(client, url):
    r = client.get(url)
    assert r.status_code == 404
    assert "404" in r.get_data(as_text=True)


def test_overview_counts_and_local_charts(client, sample):
    html = client.get("/").get_data(as_text=True)
    assert re.search(r"<strong>42</strong> responses", html)  # 40 comments, 1 strategy pull-quote, 1 nasty
    data = json.loads(
        re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', html, re.S)[1]
    )
    assert len(data["themes"]["labels"]) == len(TOPICS)
    assert data["themes"]["sizes"] == sorted(data["themes"]["sizes"], reverse=True)
    assert len(data["heatmap"]["z"]) == len(data["heatmap"]["principles"]) >= 5
    # charts are drawn on the server: bars and a heat table, no chart library to download
    assert "<script src=" not in html
    assert html.count('class="hrow"') == 2 * len(TOPICS)  # theme sizes + sentiment by theme
    assert re.search(r'<table id="chart-heatmap"', html)
    js = client.get("/vendor/plotly.min.js")  # the URL keeps working for anyone who linked it
    assert js.status_code == 200 and js.mimetype == "text/javascript" and len(js.data) > 1_000_000


def test_theme_page_quotes_principles_and_paging(client, sample):
    tid = sample.theme_ids[PAYMENT]
    html = client.get(f"/themes/{tid}").get_data(as_text=True)
    assert html.count('<figure class="quote">') >= 3
    assert "1.1</a> Payment models should let providers of all sizes take part" in html
    assert "Page 1 of" in html and 'rel="next"' in html
    page2 = client.get(f"/themes/{tid}?page=2").get_data(as_text=True)
    ids1 = set(re.findall(r'<li id="p(\d+)">', html))
    ids2 = set(re.findall(r'<li id="p(\d+)">', page2))
    assert len(ids1) == 10 and ids2 and not ids1 & ids2
    # no edit controls for viewers
    assert "Merge this theme into" not in html and 'name="point"' not in html


def test_theme_page_breaks_down_by_source_and_question(client, app, sample):
    tid = sample.theme_ids[PAYMENT]
    html = client.get(f"/themes/{tid}").get_data(as_text=True)
    db = db_of(app)
    per_source = db.execute(
        """SELECT COALESCE(NULLIF(s.title, ''), s.name), COUNT(*) FROM point_analysis pa
           JOIN points p ON p.id = pa.point_id
           JOIN sources s ON s.id = p.source_id WHERE pa.theme_id = ? GROUP BY 1""",
        [tid],
    ).fetchall()
    assert per_source
    section = html[html.index("<h2>By source</h2>") : html.index("<h2>By question</h2>")]
    for name, n in per_source:
        assert f'{name} <span class="small">({n} points)</span>' in section


def test_response_page_highlights_points_by_offset(client, app, sample):
    db = db_of(app)
    rid = sample.response_ids[5]
    pts = db.execute(
        'SELECT id, start, "end", source_id FROM points WHERE response_id = ? ORDER BY start', [rid]
    ).fetchall()
    source = db.execute("SELECT text FROM sources WHERE id = ?", [pts[0][3]]).fetchone()[0]
    html = client.get(f"/responses/{rid}").get_data(as_text=True)
    marks = re.findall(r'<mark id="m(\d+)" data-point="\d+"><a href="#p\d+">(.*?)</a></mark>', html, re.S)
    assert [int(m[0]) for m in marks] == [p[0] for p in pts]
    for (_, text), (_, s, e, _) in zip(marks, pts, strict=True):
        assert text == source[s:e]


def test_response_thread_and_duplicates(client, app):
    db = db_of(app)
    reply, parent = db.execute(
        "SELECT id, reply_to FROM responses WHERE reply_to IS NOT NULL LIMIT 1"
    ).fetchone()
    html = client.get(f"/responses/{reply}").get_data(as_text=True)
    assert "<h2>Thread</h2>" in html and f'href="/responses/{parent}"' in html
    a, b = db.execute(
        "SELECT MIN(id), MAX(id) FROM responses WHERE duplicate_group IS NOT NULL "
        "GROUP BY duplicate_group LIMIT 1"
    ).fetchone()
    html = client.get(f"/responses/{b}").get_data(as_text=True)
    assert "Duplicate group" in html and f'href="/responses/{a}"' in html


def test_html_in_responses_is_escaped_and_inert(client, base, sample):
    rid, pid = base[2]
    for url in (
        f"/responses/{rid}",
        f"/themes/{sample.theme_ids[PAYMENT]}",
        "/search?q=script+alert",
        "/organisations",
        "/organisations/" + NASTY_ORG,
        "/report",
    ):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in html, url
        assert "<b>html</b>" not in html, url
        assert "<img src=x" not in html, url
        assert "<i>Evil</i>" not in html, url
    html = client.get(f"/responses/{rid}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; and &lt;b&gt;html&lt;/b&gt;" in html
    assert "&lt;i&gt;Evil&lt;/i&gt; &amp; Co" in html
    # personal details are redacted in the highlighted source text too
    assert "jo.bloggs@example.com" not in html and "[email]" in html


# ---------------------------------------------------------------- search


def test_rrf_prefers_items_ranked_by_both():
    assert rrf([["a", "b", "c"], ["c", "d"]])[0] == "c"
    assert rrf([["a", "b"], []]) == ["a", "b"]


def test_keyword_search_finds_words_and_filters(client, sample):
    html = client.get("/search?q=bank+loan").get_data(as_text=True)
    assert "bank loan" in html
    found = client.get("/search?q=payment&sentiment=positive").get_data(as_text=True)
    tags = re.findall(r'<span class="tag s-(\w+)">', found)
    assert tags and set(tags) == {"positive"}
    org = client.get("/search?q=payment&organisation=Northfield+Works").get_data(as_text=True)
    whos = re.findall(r'<span class="who">(.*?)</span>', org)
    assert whos and all("Northfield Works" in w for w in whos)
    theme = client.get(f"/search?q=support&theme={sample.theme_ids[DISABLED]}").get_data(as_text=True)
    assert set(re.findall(r'theme <a href="/themes/(\d+)"', theme)) == {str(sample.theme_ids[DISABLED])}
    pr = client.get(f"/search?principle={sample.principle_ids['3.2']}").get_data(as_text=True)
    assert re.findall(r'title="[^"]*">3.2</a>', pr) and "Monitoring and paperwork" in pr
    indiv = client.get("/search?q=payment&respondent_type=individual").get_data(as_text=True)
    assert "Northfield Works" not in re.sub(r"<select.*?</select>", "", indiv, flags=re.S)


def test_semantic_search_matches_misspelt_query(client):
    """No point contains these words, so only the embedding match (character n-grams here) can find them."""
    html = client.get("/search?q=paymnt+resullts+cashflw").get_data(as_text=True)
    count = re.search(r'id="result-count" role="status">(\d+) result', html)
    assert count and int(count[1]) > 0
    assert "0 by keyword" in html
    assert "payment by results" in html.lower() or "cash flow" in html.lower()


@pytest.mark.parametrize(
    "q", ['"', 'payment" OR "x', "NEAR(a b)", "a AND", "*", "col:val", "'; DROP TABLE points;--"]
)
def test_search_survives_hostile_queries(client, app, q):
    assert client.get("/search", query_string={"q": q}).status_code == 200
    assert db_of(app).execute("SELECT COUNT(*) FROM points").fetchone()[0] > 0


def test_semantic_matrix_is_cached_until_embeddings_change(client, app, monkeypatch):
    import search.hybrid as sem

    calls = []
    real = sem.load_index
    monkeypatch.setattr(sem, "load_index", lambda db, model: calls.append(model) or real(db, model))
    app.extensions.pop("fairhearing_cache", None)
    client.get("/search?q=travel")
    client.get("/search?q=contracts")
    assert len(calls) == 1
    db = db_of(app)
    save_vectors(db, EMBEDDER.name, EMBEDDER.dim, [("new", EMBEDDER.encode(["x"])[0].tobytes())])
    db.conn.commit()
    client.get("/search?q=travel")
    assert len(calls) == 2


# ---------------------------------------------------------------- check my point


def _verdicts(html: str) -> list[tuple[str, str, str]]:
    return re.findall(
        r'<li id="c\d+" class="\w+" data-found="([^"]+)" data-summary="([^"]+)" data-position="([^"]+)">',
        html,
    )


def test_check_pasted_submission(client, app):
    stored = (
        db_of(app)
        .execute("SELECT clean_text FROM points WHERE clean_text LIKE '%bank loan%' LIMIT 1")
        .fetchone()[0]
    )
    text = stored + "\n\nThe colour of the office carpets in Zanzibar is purple and orange."
    r = client.post("/check", data={"text": text, "csrf_token": token(client)})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    verdicts = _verdicts(html)
    assert len(verdicts) == 2
    assert verdicts[0][0] == "very likely" and verdicts[1] == ("not found", "not found", "not compared")
    assert verdicts[0][2] in ("shared", "unclear")  # its own stored copy takes the same side
    assert "Payment by results and cash flow</a>" in html  # the theme it landed in
    assert re.search(r'href="/responses/\d+#p\d+"', html)  # evidence links
    assert "Zanzibar" in html
    assert "similarity" not in html and not re.search(r"\(0\.\d\d\)", html)  # words, never raw scores
    assert "Principles the analysis mapped" in html and re.search(r'href="/principles/\d+"', html)


def test_check_an_organisation(client):
    r = client.get("/check", query_string={"organisation": "Northfield Works"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Result for Northfield Works" in html
    verdicts = _verdicts(html)
    assert verdicts and all(found == "very likely" for found, _, _ in verdicts)


def test_organisation_and_its_pasted_text_give_the_same_verdicts(client, app):
    """The dropdown fills the box with the text it checked; pasting that (CRLF, as browsers send) agrees."""
    org = "Northfield Works"
    picked = client.get("/check", query_string={"organisation": org}).get_data(as_text=True)
    shown = htmllib.unescape(re.search(r'<textarea id="text"[^>]*>(.*?)</textarea>', picked, re.S)[1])
    assert shown.strip()
    pasted = client.post(
        "/check", data={"text": shown.replace("\n", "\r\n"), "csrf_token": token(client)}
    ).get_data(as_text=True)
    assert _verdicts(picked) == _verdicts(pasted) and _verdicts(picked)
    items = re.compile(r'<li id="c\d+".*?</li>', re.S)
    assert items.findall(picked) == items.findall(pasted)  # same evidence, same principles, same words


def test_check_and_search_share_one_vector_index(client, app, monkeypatch):
    import search.hybrid as sem

    calls = []
    real = sem.load_index
    monkeypatch.setattr(sem, "load_index", lambda db, model: calls.append(model) or real(db, model))
    app.extensions.pop("fairhearing_cache", None)
    client.get("/search?q=travel")
    r = client.post(
        "/check", data={"text": "Payment by results ruins small charities.", "csrf_token": token(client)}
    )
    assert r.status_code == 200 and "Found in the analysis" in r.get_data(as_text=True)
    assert len(calls) == 1


def test_check_needs_csrf_and_bounds_size(client, app):
    assert client.post("/check", data={"text": "hello"}).status_code == 400
    app.config["CHECK_MAX_CHARS"] = 100
    r = client.post("/check", data={"text": "x" * 101, "csrf_token": token(client)})
    assert "longer than 100 characters" in r.get_data(as_text=True)


# ---------------------------------------------------------------- permissions and security


EDIT_POSTS = [
    ("/themes/{payment}/rename", {"label": "Hacked"}),
    ("/themes/{small}/merge", {"target": "{payment}"}),
    ("/themes/{payment}/signoff", {"signed": "1"}),
    ("/themes/{payment}/points", {"action": "split", "label": "x", "point": "{point}"}),
    ("/points/{point}/principles/{principle}", {"verdict": "reject"}),
]


def _fill(s: str, ids: dict) -> str:
    return s.format(**ids)


@pytest.fixture
def ids(app, sample):
    db = db_of(app)
    pid, prid = db.execute(
        "SELECT pp.point_id, pp.principle_id FROM point_principles pp JOIN point_analysis pa USING (point_id) "
        "WHERE pa.theme_id = ? LIMIT 1",
        [sample.theme_ids[PAYMENT]],
    ).fetchone()
    return {
        "payment": sample.theme_ids[PAYMENT],
        "small": sample.theme_ids[SMALL],
        "point": pid,
        "principle": prid,
    }


def snapshot(app) -> tuple:
    db = db_of(app)
    return (
        db.execute("SELECT id, label, signed_off_by, size FROM themes ORDER BY id").fetchall(),
        db.execute("SELECT point_id, theme_id FROM point_analysis ORDER BY point_id").fetchall(),
        db.execute("SELECT COUNT(*) FROM mapping_feedback").fetchone(),
        db.execute("SELECT COUNT(*) FROM edits").fetchone(),
    )


@pytest.mark.parametrize("url,form", EDIT_POSTS)
def test_viewer_cannot_edit(client, app, ids, url, form):
    before = snapshot(app)
    data = {k: _fill(v, ids) for k, v in form.items()} | {"csrf_token": token(client)}
    r = client.post(_fill(url, ids), data=data)
    assert r.status_code == 403
    assert "Sign in as an analyst" in r.get_data(as_text=True)
    assert snapshot(app) == before


@pytest.mark.parametrize("url,form", EDIT_POSTS)
def test_analyst_edit_without_csrf_token_is_rejected(client, app, ids, url, form):
    sign_in(client)
    before = snapshot(app)
    data = {k: _fill(v, ids) for k, v in form.items()}
    assert client.post(_fill(url, ids), data=data).status_code == 400
    assert client.post(_fill(url, ids), data=data | {"csrf_token": "forged"}).status_code == 400
    assert snapshot(app) == before


@pytest.mark.parametrize("url,form", EDIT_POSTS)
def test_analyst_edit_is_applied_and_audited(client, app, ids, url, form):
    tok = sign_in(client)
    before = snapshot(app)
    r = client.post(_fill(url, ids), data={k: _fill(v, ids) for k, v in form.items()} | {"csrf_token": tok})
    assert r.status_code == 302
    after = snapshot(app)
    assert after != before and after[3][0] == before[3][0] + 1
    audit = client.get("/audit").get_data(as_text=True)
    assert "<td>ana</td>" in audit


def test_login_logout_and_bad_password(client):
    tok = token(client)
    r = client.post("/login", data={"name": "ana", "password": "wrong", "csrf_token": tok})
    assert r.status_code == 401 and "wrong password" in r.get_data(as_text=True)
    assert client.post("/login", data={"name": "ana", "password": PASSWORD}).status_code == 400  # no token
    tok = sign_in(client)
    assert "Analyst: <strong>ana</strong>" in client.get("/").get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": tok}).status_code == 302
    assert "Analyst sign-in" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"]
)
def test_login_never_redirects_off_site(client, target):
    tok = token(client)
    r = client.post("/login", data={"name": "ana", "password": PASSWORD, "csrf_token": tok, "next": target})
    assert r.status_code == 302 and r.headers["Location"] == "/"


def test_merge_through_the_web(client, app, sample):
    tok = sign_in(client)
    a, b = sample.theme_ids[SMALL], sample.theme_ids[PAYMENT]
    db = db_of(app)
    size_a, size_b = (db.execute("SELECT size FROM themes WHERE id = ?", [t]).fetchone()[0] for t in (a, b))
    html = client.get(f"/themes/{a}").get_data(as_text=True)
    assert "Merge this theme into" in html and 'name="point"' in html
    r = client.post(f"/themes/{a}/merge", data={"target": str(b), "csrf_token": tok})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/themes/{b}")
    page = client.get(f"/themes/{b}").get_data(as_text=True)
    assert "Themes merged." in page and f"<strong>{size_a + size_b}</strong> points" in page
    assert client.get(f"/themes/{a}").status_code == 404
    audit = client.get("/audit").get_data(as_text=True)
    assert "merge" in audit and f"theme {a} into theme {b}" in audit


def test_split_and_move_through_the_web(client, app, sample):
    tok = sign_in(client)
    t = sample.theme_ids[BUREAU]
    db = db_of(app)
    pts = [
        r[0]
        for r in db.execute("SELECT point_id FROM point_analysis WHERE theme_id = ? ORDER BY point_id", [t])
    ]
    r = client.post(
        f"/themes/{t}/points", data={"action": "split", "label": "Forms", "point": pts[:2], "csrf_token": tok}
    )
    new = int(r.headers["Location"].rsplit("/", 1)[1])
    assert "Forms" in client.get(f"/themes/{new}").get_data(as_text=True)
    r = client.post(
        f"/themes/{t}/points",
        data={
            "action": "move",
            "target": str(sample.theme_ids[LOCAL]),
            "point": [str(pts[3])],
            "csrf_token": tok,
        },
    )
    assert r.status_code == 302
    assert (
        db_of(app).execute("SELECT theme_id FROM point_analysis WHERE point_id = ?", [pts[3]]).fetchone()[0]
        == sample.theme_ids[LOCAL]
    )
    r = client.post(
        f"/themes/{t}/points",
        data={"action": "move", "target": "", "point": [str(pts[4])], "csrf_token": tok},
        follow_redirects=True,
    )
    assert "Choose the theme" in r.get_data(as_text=True)


def test_mapping_verdicts_feed_the_mapper(client, app, ids):
    tok = sign_in(client)
    url = f"/points/{ids['point']}/principles/{ids['principle']}"
    client.post(url, data={"verdict": "reject", "csrf_token": tok})
    db = db_of(app)
    assert db.execute("SELECT verdict, who FROM mapping_feedback").fetchall() == [("reject", "ana")]
    client.post(url, data={"verdict": "confirm", "csrf_token": tok})
    assert db_of(app).execute("SELECT verdict FROM mapping_feedback").fetchall() == [("confirm",)]


def test_security_headers_and_request_limit(client, app):
    r = client.get("/")
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY" and r.headers["X-Content-Type-Options"] == "nosniff"
    app.config["MAX_CONTENT_LENGTH"] = 1000
    r = client.post("/check", data={"text": "x" * 5000, "csrf_token": "t"})
    assert r.status_code == 413
    assert app.debug is False


def test_secret_key_file_is_private_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("FAIRHEARING_SECRET_KEY", raising=False)
    cfg = {"DATABASE": str(tmp_path / "x.db"), "INSTANCE_PATH": str(tmp_path / "inst")}
    a = create_app(dict(cfg))
    key = tmp_path / "inst" / "secret_key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert create_app(dict(cfg)).config["SECRET_KEY"] == a.config["SECRET_KEY"] == key.read_text()


def test_startup_loads_no_models(tmp_path):
    code = (
        "import sys; from web import create_app; "
        f"app = create_app({{'DATABASE': {str(tmp_path / 'm.db')!r}, 'SECRET_KEY': 'k'}}); "
        "c = app.test_client(); assert c.get('/').status_code == 200; assert c.get('/themes').status_code == 200; "
        "heavy = [m for m in ('bertopic', 'torch', 'sentence_transformers', 'umap', 'hdbscan', 'spacy') "
        "if m in sys.modules]; print(heavy); assert not heavy, heavy"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr + out.stdout


def test_app_module_reads_db_path_from_env(tmp_path):
    code = "import app; print(app.app.config['DATABASE'])"
    env = {"FAIRHEARING_DB": str(tmp_path / "env.db"), "FAIRHEARING_SECRET_KEY": "k" * 40, "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(tmp_path / "env.db")


# ---------------------------------------------------------------- report and exports


def test_report_html_has_components_contested_and_gaps(client):
    html = client.get("/report").get_data(as_text=True)
    for name in ("Funding and payment", "Specialist and local provision", "Contract management"):
        assert f"<h3>{name}</h3>" in html
    gaps = html.split("<h3>Principles nobody addressed</h3>")[1].split("<h3>Most contested")[0]
    assert "3.3 Provider performance should be published openly" in gaps
    assert "1.1 Payment models" not in gaps
    outside = html.split("<h3>Themes outside the framework</h3>")[1].split('<h2 id="annex-a">')[0]
    assert "Travel costs for customers" in outside  # no principle: outside the framework
    assert "Every principle" not in html


def test_report_docx(client):
    from docx import Document

    r = client.get("/report.docx")
    assert r.status_code == 200 and r.mimetype.endswith("wordprocessingml.document")
    doc = Document(io.BytesIO(r.data))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Funding and payment" in text and "Principles nobody addressed" in text
    assert "3.3 Provider performance should be published openly" in text


def test_points_csv_and_xlsx_have_every_point_and_tag(client, app):
    from openpyxl import load_workbook

    n = db_of(app).execute("SELECT COUNT(*) FROM points").fetchone()[0]
    rows = list(csv.reader(io.StringIO(client.get("/export/points.csv").get_data(as_text=True))))
    header = rows[0]
    assert len(rows) == n + 1
    for col in ("theme", "sentiment", "type", "principles", "organisation", "text_hash"):
        assert col in header
    nasty = next(r for r in rows if "script" in r[header.index("text")])
    assert nasty[header.index("principles")] == "1.1"
    assert nasty[header.index("theme")] == PAYMENT
    wb = load_workbook(io.BytesIO(client.get("/export/points.xlsx").data), read_only=True)
    assert sum(1 for _ in wb["points"].iter_rows()) == n + 1


def test_exports_defuse_spreadsheet_formulas(client, app):
    db = db_of(app)
    db.execute("UPDATE points SET clean_text = '=HYPERLINK(\"http://x\")' WHERE id = 1")
    db.conn.commit()
    rows = list(csv.reader(io.StringIO(client.get("/export/points.csv").get_data(as_text=True))))
    assert rows[1][rows[0].index("text")] == '\'=HYPERLINK("http://x")'


def test_jsonl_zip(client):
    r = client.get("/export/jsonl.zip")
    assert r.status_code == 200
    z = zipfile.ZipFile(io.BytesIO(r.data))
    assert {"responses.jsonl", "points.jsonl", "principles.jsonl", "themes.jsonl"} <= set(z.namelist())
    first = json.loads(z.read("points.jsonl").splitlines()[0])
    assert {"id", "source", "start", "end", "text"} <= set(first)


def test_pages_work_before_analysis(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "empty.db"), "SECRET_KEY": "k", "EMBEDDER": EMBEDDER})
    c = app.test_client()
    for url in (
        "/",
        "/themes",
        "/framework",
        "/organisations",
        "/search?q=x",
        "/audit",
        "/export/points.csv",
    ):
        assert c.get(url).status_code == 200, url
    for url in ("/report", "/report.docx"):  # the report is written from an analysis: a clear 409, no draft
        r = c.get(url)
        assert r.status_code == 409 and "FH-E300" in r.get_data(as_text=True), url
    assert "not been run" in c.get("/").get_data(as_text=True)
    tok = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/check").get_data(as_text=True))[1]
    html = c.post("/check", data={"text": "anything at all", "csrf_token": tok}).get_data(as_text=True)
    assert "not been run" in html


def test_filtered_semantic_ranking_equals_brute_force(app):
    from search.hybrid import semantic_ranking
    from search.vector_index import load_index
    from store.queries import search as search_queries

    db = db_of(app)
    index = load_index(db, EMBEDDER.name)
    query = EMBEDDER.encode(["payment by results squeezes small charities"])[0]
    filters = search_queries.Filters(organisation="Northfield Works")
    brute = index.top(query, 5, search_queries.filtered_hashes(db, filters), -1.0)
    assert len(brute) == 5
    assert semantic_ranking(db, index, query, filters, 5, -1.0) == brute  # found in the nearest chunks
    assert semantic_ranking(db, index, query, filters, 5, -1.0, chunk_rounds=0) == brute  # whole-table path
    assert semantic_ranking(db, index, query, search_queries.Filters(), 5, -1.0) == index.top(query, 5)


def test_bench_script_runs_small(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_web.py"),
            "--responses",
            "150",
            "--requests",
            "1",
            "--clients",
            "2",
            "--keep",
            str(tmp_path / "b.db"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    table = out.stdout.split("| endpoint |")[1]
    for kind in ("theme", "search", "search+filter", "responses", "check"):
        # | kind | n | cold | p50 | p95 | max | errors | 429 rate-limited |
        row = re.search(rf"^\| {re.escape(kind)} \| (\d+) \|.*\| (\d+) \| (\d+) \|$", table, re.M)
        assert row and int(row[1]) + int(row[3]) == 2 and int(row[2]) == 0, kind  # 2 requests, 0 errors


# ---------------------------------------------------------------- writes under load


def test_edit_during_a_long_write_answers_503_and_changes_nothing(client, app, ids):
    url, form = EDIT_POSTS[0]
    tok = sign_in(client)
    app.config["WRITE_WAIT_MS"] = 100
    before = snapshot(app)
    holder = db_of(app)
    holder.execute("BEGIN IMMEDIATE")  # an ingest holding the write lock
    try:
        r = client.post(
            _fill(url, ids), data={k: _fill(v, ids) for k, v in form.items()} | {"csrf_token": tok}
        )
    finally:
        holder.execute("ROLLBACK")
    assert r.status_code == 503
    assert r.headers["Retry-After"]
    assert "try again" in r.get_data(as_text=True)
    assert snapshot(app) == before


def test_edit_waits_for_a_short_write_then_succeeds(client, app, ids):
    url, form = EDIT_POSTS[0]
    tok = sign_in(client)
    app.config["WRITE_WAIT_MS"] = 5000
    holder = db_of(app)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
    release.start()
    t = time.perf_counter()
    r = client.post(_fill(url, ids), data={k: _fill(v, ids) for k, v in form.items()} | {"csrf_token": tok})
    release.join()
    assert r.status_code == 302
    assert time.perf_counter() - t >= 0.2  # it waited for the lock instead of failing


def test_a_merged_themes_link_says_where_its_points_went(client, app, ids):
    tok = sign_in(client)
    r = client.post(f"/themes/{ids['small']}/merge", data={"target": ids["payment"], "csrf_token": tok})
    assert r.status_code == 302
    r = client.get(f"/themes/{ids['small']}")
    assert r.status_code == 404
    html = r.get_data(as_text=True)
    assert "merged into another theme" in html and f'href="/themes/{ids["payment"]}"' in html
    assert client.get("/themes/999999").status_code == 404
