"""The web app over the real DWP seeds, ingested and analysed by the real pipeline (hashing embedder).

Checks every page on real data, that highlighted points sit where their offsets say, and that
analyst edits made through the web survive a re-analysis (the pipeline calls ``store.edits.replay``).
"""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # BERTopic fits the themes

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "corpora" / "dwp-seeds"
PASSWORD = "correct horse battery"


def _tagger():
    """A quick stand-in for the trained tagger (its training is tested elsewhere): VADER sentiment."""
    from nlp.tags import Tag, vader_sentiment

    class VaderTagger:
        def predict(self, texts, embeddings):
            return [Tag(vader_sentiment(t), 1.0, "concern", 1.0) for t in texts]

    return VaderTagger()


def analyse(db, models: Path):
    from nlp.embed import load_embedder
    from nlp.pipeline import Analyser

    return Analyser(load_embedder("hashing"), tagger_factory=_tagger, models_dir=models, progress=False).run(
        db
    )


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    from ingest.pipeline import ingest_paths
    from store.db import open_db
    from store.users import create_user

    tmp = tmp_path_factory.mktemp("seedsweb")
    db = open_db(tmp / "seeds.db")
    assert all(r.status == "added" for r in ingest_paths(db, [SEEDS]))
    analyse(db, tmp / "models")
    create_user(db, "ana", PASSWORD)
    db.close()
    return tmp


@pytest.fixture
def app(seeds):
    from web import create_app

    return create_app(
        {
            "DATABASE": str(seeds / "seeds.db"),
            "SECRET_KEY": "k",
            "EMBEDDER": "hashing",
            "INSTANCE_PATH": str(seeds / "instance"),
            "SEARCH_MIN_SIMILARITY": 0.1,
        }
    )


def db_of(app):
    from store.db import open_db

    return open_db(app.config["DATABASE"])


def test_every_page_renders_on_the_seeds(app):
    c = app.test_client()
    db = db_of(app)
    urls = [
        "/",
        "/themes",
        "/framework",
        "/organisations",
        "/report",
        "/report.docx",
        "/export/points.csv",
        "/search?q=Work+Programme",
        "/search?q=prime+contractors&sentiment=negative",
        "/audit",
    ]
    urls += [f"/themes/{t}" for (t,) in db.execute("SELECT id FROM themes")]
    urls += [f"/principles/{p}" for (p,) in db.execute("SELECT id FROM principles")]
    urls += [f"/responses/{r}" for (r,) in db.execute("SELECT id FROM responses")]
    urls += [
        f"/organisations/{o}"
        for o in {
            r[0]
            for r in db.execute(
                "SELECT organisation FROM responses WHERE role = 'stakeholder' AND organisation IS NOT NULL"
            )
        }
    ]
    assert len(urls) > 150
    for url in urls:
        assert c.get(url).status_code == 200, url
    assert "Commissioning" in c.get("/framework").get_data(as_text=True)


def test_highlights_match_point_offsets_on_every_response(app):
    c = app.test_client()
    db = db_of(app)
    checked = 0
    for rid, source_id in db.execute("SELECT id, source_id FROM responses").fetchall():
        pts = db.execute(
            'SELECT id, start, "end" FROM points WHERE response_id = ? ORDER BY start', [rid]
        ).fetchall()
        if any(a[2] > b[1] for a, b in zip(pts, pts[1:], strict=False)):
            continue  # overlapping points share text: the earlier keeps it
        text = db.execute("SELECT text FROM sources WHERE id = ?", [source_id]).fetchone()[0]
        page = c.get(f"/responses/{rid}").get_data(as_text=True)
        marks = dict(
            re.findall(r'<mark id="m(\d+)" data-point="\d+"><a href="#p\d+">(.*?)</a></mark>', page, re.S)
        )
        assert set(marks) == {str(p[0]) for p in pts}, rid
        for pid, s, e in pts:
            shown = htmllib.unescape(marks[str(pid)])
            if "[" not in shown:  # nothing redacted: the source span, character for character
                assert shown == text[s:e], (rid, pid)
            checked += 1
    assert checked > 150


def test_check_a_seed_sentence(app):
    c = app.test_client()
    db = db_of(app)
    sentence = db.execute(
        """SELECT p.clean_text FROM points p JOIN point_analysis pa ON pa.point_id = p.id
           WHERE pa.theme_id IS NOT NULL AND length(p.clean_text) > 80 ORDER BY p.id LIMIT 1"""
    ).fetchone()[0]
    tok = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/check").get_data(as_text=True))[1]
    page = c.post(
        "/check",
        data={"text": sentence + "\n\nZebras juggle turquoise pineapples at midnight.", "csrf_token": tok},
    ).get_data(as_text=True)
    statuses = re.findall(r'<li id="c\d+" class="(\w+)"', page)
    assert statuses[0] == "found" and statuses[-1] == "missed"


def test_web_edits_survive_reanalysis(app, seeds):
    c = app.test_client()
    db = db_of(app)
    tok = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").get_data(as_text=True))[1]
    assert c.post("/login", data={"name": "ana", "password": PASSWORD, "csrf_token": tok}).status_code == 302
    tok = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/check").get_data(as_text=True))[1]
    (theme,) = db.execute(
        "SELECT id FROM themes WHERE level = 0 AND run_id = (SELECT MAX(id) FROM analysis_runs) "
        "ORDER BY size DESC LIMIT 1"
    ).fetchone()
    pid, prid = db.execute(
        "SELECT point_id, principle_id FROM point_principles ORDER BY point_id LIMIT 1"
    ).fetchone()
    c.post(f"/themes/{theme}/rename", data={"label": "Analyst label", "csrf_token": tok})
    c.post(f"/themes/{theme}/signoff", data={"signed": "1", "csrf_token": tok})
    c.post(f"/points/{pid}/principles/{prid}", data={"verdict": "reject", "csrf_token": tok})
    assert db.execute("SELECT COUNT(*) FROM edits").fetchone()[0] == 3

    report = analyse(db, seeds / "models")  # a new run: fresh themes, then the pipeline replays the edits
    run = report.run_id
    row = db.execute(
        "SELECT label, signed_off_by FROM themes WHERE run_id = ? AND label = 'Analyst label'", [run]
    ).fetchone()
    assert row == ("Analyst label", "ana")
    assert (
        db.execute(
            "SELECT 1 FROM point_principles WHERE point_id = ? AND principle_id = ?", [pid, prid]
        ).fetchone()
        is None
    )
    assert (
        db.execute("SELECT COUNT(*) FROM edit_replays WHERE run_id = ? AND applied = 1", [run]).fetchone()[0]
        == 3
    )
    audit = c.get("/audit").get_data(as_text=True)
    assert f"run {run}: applied" in audit
