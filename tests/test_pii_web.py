"""Personal data in the web app and exports: redacted for everyone, the original shown only to analysts
through the audited "show original" action (web.responses.original, store.audit_views)."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

from nlp.embed import HashingEmbedder
from store.db import open_db
from store.users import create_user
from web import create_app

NAME = "Jane Whitfield"
NI = "AB 12 34 56 C"
PHONE = "0113 496 0321"
PASSWORD = "correct horse battery"
TEXT = f"""We support principle 2.3 on fair payment terms and want Shaw Trust involved.
My National Insurance number is {NI} and you can call me on {PHONE}.
Yours sincerely,
{NAME}

The Work Programme needs fairer payment terms for small providers such as Mencap and Remploy.
"""
AUTHOR = "Bogdan Popescu"
CSV = f"""id,name,organisation,response
1,{AUTHOR},,I drive for a delivery firm and the payment terms in principle 2.3 would help me a lot.
2,Priya Raghavan,Shaw Trust,Shaw Trust supports principle 2.3 because late payment hurts small providers.
"""
PLANTED = (NAME, "Whitfield", NI, "AB123456C", PHONE, AUTHOR, "Popescu")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from ingest.pipeline import ingest_paths

    tmp = tmp_path_factory.mktemp("pii")
    src = tmp / "letters.txt"
    src.write_text(TEXT, encoding="utf-8")
    (tmp / "form.csv").write_text(CSV, encoding="utf-8")
    db = open_db(tmp / "pii.db")
    reports = ingest_paths(db, [src, tmp / "form.csv"], consultation="pii")
    assert [r.status for r in reports] == ["added", "added"], reports
    assert db.execute("SELECT count(*) FROM responses WHERE author = ?", [AUTHOR]).fetchone()[0] == 1
    create_user(db, "ana", PASSWORD)
    create_user(db, "vic", PASSWORD, role="viewer")
    db.close()
    return create_app(
        {
            "DATABASE": str(tmp / "pii.db"),
            "SECRET_KEY": "test-key",
            "EMBEDDER": HashingEmbedder(),
            "INSTANCE_PATH": str(tmp / "instance"),
        }
    )


def token(client, url: str = "/check") -> str:
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, name: str) -> str:
    r = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token(client)})
    assert r.status_code == 302
    return token(client)


def planted_response(app) -> int:
    db = open_db(app.config["DATABASE"])
    try:
        return db.execute("SELECT id FROM responses WHERE text LIKE ?", [f"%{NAME}%"]).fetchone()[0]
    finally:
        db.close()


def author_response(app) -> int:
    db = open_db(app.config["DATABASE"])
    try:
        return db.execute("SELECT id FROM responses WHERE author = ?", [AUTHOR]).fetchone()[0]
    finally:
        db.close()


def audit_rows(app) -> list[tuple]:
    db = open_db(app.config["DATABASE"])
    try:
        return db.execute("SELECT who, response_id, what FROM audit_views ORDER BY id").fetchall()
    finally:
        db.close()


def everything_shown(client, rid: int) -> dict[str, str]:
    """Every page and export a reader can reach for the planted response, as text."""
    out = {}
    for url in (
        f"/responses/{rid}",
        "/search?q=Insurance",
        "/search?q=sincerely",
        "/search?q=payment",
        "/organisations",
        "/organisations/Shaw%20Trust",
        f"/responses/{author_response(client.application)}",
        "/export/points.csv",
    ):
        r = client.get(url)
        out[url] = r.get_data(as_text=True) if r.status_code == 200 else ""
    r = client.get("/export/points.xlsx")
    if r.status_code == 200:
        with zipfile.ZipFile(io.BytesIO(r.data)) as z:
            out["xlsx"] = " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    r = client.get("/export/jsonl.zip")
    if r.status_code == 200:
        with zipfile.ZipFile(io.BytesIO(r.data)) as z:
            out["jsonl"] = " ".join(z.read(n).decode("utf-8") for n in z.namelist())
    return out


def assert_nothing_planted(shown: dict[str, str]) -> None:
    for where, text in shown.items():
        for item in PLANTED:
            assert item not in text, (item, where)


def test_anonymous_and_viewer_never_see_the_planted_data(app):
    rid = planted_response(app)
    anon = app.test_client()
    shown = everything_shown(anon, rid)
    assert "[name]" in shown[f"/responses/{rid}"] and "[ni-number]" in shown[f"/responses/{rid}"]
    assert "Shaw Trust" in shown[f"/responses/{rid}"] and "2.3" in shown[f"/responses/{rid}"]
    assert "[name]" in shown["/export/points.csv"] and "[ni-number]" in shown["jsonl"]
    assert "[ni-number]" in shown["/search?q=Insurance"] and "[name]" in shown["/search?q=sincerely"]
    assert_nothing_planted(shown)
    assert anon.post(f"/responses/{rid}/original", data={"csrf_token": token(anon)}).status_code == 403
    viewer = app.test_client()
    tok = sign_in(viewer, "vic")
    assert_nothing_planted(everything_shown(viewer, rid))
    r = viewer.post(f"/responses/{rid}/original", data={"csrf_token": tok})
    assert r.status_code == 403 and NAME not in r.get_data(as_text=True)
    assert audit_rows(app) == []


def test_analyst_sees_the_original_only_through_the_audited_action(app):
    rid = planted_response(app)
    analyst = app.test_client()
    tok = sign_in(analyst, "ana")
    page = analyst.get(f"/responses/{rid}").get_data(as_text=True)
    assert NAME not in page and NI not in page and "Show original" in page
    shown = everything_shown(analyst, rid)
    assert AUTHOR in shown[f"/responses/{author_response(app)}"]  # the author field: analysts' pages only
    exports = {k: v for k, v in shown.items() if "export" in k or k in ("xlsx", "jsonl")}
    assert_nothing_planted(exports)  # exports are redacted for analysts too
    for where, text in shown.items():
        for item in (NAME, NI, PHONE):
            assert item not in text, (item, where)
    before = len(audit_rows(app))
    for n in (1, 2):
        r = analyst.post(f"/responses/{rid}/original", data={"csrf_token": tok})
        html = r.get_data(as_text=True)
        assert r.status_code == 200 and NAME in html and NI in html and PHONE in html
        assert audit_rows(app)[before:] == [("ana", rid, "original")] * n
    assert analyst.post(f"/responses/{rid}/original", data={}).status_code == 400  # CSRF still checked
    assert len(audit_rows(app)) == before + 2
    assert analyst.post("/responses/999999/original", data={"csrf_token": tok}).status_code == 404
    audit = analyst.get("/audit").get_data(as_text=True)
    assert "Views of original text" in audit and f"/responses/{rid}" in audit


def test_cli_export_is_redacted(app, tmp_path):
    from store.export import export_jsonl

    db = open_db(app.config["DATABASE"])
    try:
        export_jsonl(db, tmp_path)
    finally:
        db.close()
    text = " ".join(p.read_text(encoding="utf-8") for p in tmp_path.glob("*.jsonl"))
    assert_nothing_planted({"export": text})
    rows = [json.loads(line) for line in (tmp_path / "responses.jsonl").read_text().splitlines()]
    assert any("[name]" in r["text"] for r in rows)
