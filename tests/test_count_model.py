"""The count model pinned on a synthetic consultation built for it, and on the DWP seeds.

Known respondents: an organisation that writes twice to one question (one respondent, one
response) and once to another (a second response), a named individual, two anonymous responses,
an event with four notes (one respondent, four points), and a point mapped to two principles of
one component (one point for the component). Figures must agree between ``store.counts``, the
framework page, the principle page, the report and the export.
"""

from __future__ import annotations

import json
import re

import pytest

from ingest.pipeline import ingest_paths
from store import counts
from store.db import open_db
from store.edits import review_mapping
from store.export import export_jsonl
from store.queries import organisations as organisation_queries
from store.queries import principles as principle_queries

CODEBOOK = """group,item,description
Funding,Pay providers on time,payment terms invoices cash flow late payment
Funding,Fund small charities fairly,small charities grants funding levels
Access,Make buildings accessible,ramps lifts wheelchair access buildings
"""

RESPONSES = [
    {
        "organisation": "Northfield Works",
        "question": "Q1",
        "text": "Late payment of invoices hurts our cash flow.",
    },
    {
        "organisation": "Northfield Works",
        "question": "Q1",
        "text": "Small charities need fairer funding levels.",
    },
    {"organisation": "Northfield Works", "question": "Q2", "text": "Our buildings need ramps and lifts."},
    {"author": "Jo Bloggs", "question": "Q1", "text": "Wheelchair access to the buildings is poor."},
    {"question": "Q1", "text": "Invoices are paid months late."},
    {"question": "Q1", "text": "Grants for small charities keep shrinking."},
]

EVENT = """# Regional event, Leeds

## What participants said

- Payment terms should be 30 days.
- Small charities cannot wait for funding.
- Lifts are often broken.
- The venue was accessible.
"""


@pytest.fixture(scope="module")
def consultation(tmp_path_factory):
    from nlp.embed import load_embedder
    from nlp.pipeline import Analyser

    folder = tmp_path_factory.mktemp("synthetic")
    (folder / "codebook.csv").write_text(CODEBOOK, encoding="utf-8")
    (folder / "responses.json").write_text(json.dumps({"responses": RESPONSES}), encoding="utf-8")
    (folder / "event.md").write_text(EVENT, encoding="utf-8")
    db = open_db(folder / "c.db")
    reports = ingest_paths(db, [folder / "codebook.csv", folder / "responses.json", folder / "event.md"])
    assert all(r.status == "added" for r in reports), [r.error for r in reports]
    run = Analyser(load_embedder("hashing"), models_dir=folder / "models", progress=False).run(db)
    # one point mapped to two principles of one component (an analyst adds the second)
    pid = db.execute("SELECT id FROM points WHERE clean_text LIKE 'Late payment%'").fetchone()[0]
    mapped = {
        r[0]
        for r in db.execute(
            "SELECT principle_id FROM point_principles WHERE point_id = ? AND mapped = 1", [pid]
        )
    }
    funding = [
        r[0]
        for r in db.execute(
            "SELECT pr.id FROM principles pr JOIN components c ON c.id = pr.component_id WHERE c.name = 'Funding'"
        )
    ]
    for prid in funding:
        if prid not in mapped:
            review_mapping(db, pid, prid, "confirm", "ana")
    return db, run, pid, funding, folder


def test_respondents_responses_and_points(consultation):
    db, *_ = consultation
    t = counts.totals(db)
    # Northfield Works, Jo Bloggs, two anonymous responses, the event
    assert t.respondents == 5
    # Northfield Q1, Northfield Q2, Jo Q1, two anonymous Q1, the event (one question: none)
    assert t.responses == 6
    assert t.points == 6 + 4
    assert t.organisations == 1
    by_type = {r["type"]: r["respondents"] for r in t.by_type}
    assert by_type.get("event") == 1
    assert sum(by_type.values()) == 5


def test_a_point_mapped_to_two_principles_counts_once_for_the_component(consultation):
    db, run, pid, funding, _ = consultation
    comp = db.execute("SELECT id FROM components WHERE name = 'Funding'").fetchone()[0]
    reach = counts.component_reach(db, run.run_id)[comp]
    per_principle = counts.principle_reach(db, run.run_id)
    summed = sum(per_principle[p].points for p in funding if p in per_principle)
    distinct = db.execute(
        """SELECT COUNT(DISTINCT pp.point_id) FROM point_principles pp JOIN principles pr ON pr.id = pp.principle_id
           WHERE pr.component_id = ? AND pp.mapped = 1""",
        [comp],
    ).fetchone()[0]
    assert reach.points == distinct < summed  # the pair is counted once for the component
    assert reach.confirmed >= 1 and reach.suggested == reach.points - reach.confirmed


def test_pages_report_and_export_agree(consultation):
    from reports import summary
    from web import create_app

    db, run, pid, funding, folder = consultation
    reach = counts.principle_reach(db, run.run_id)
    app = create_app({"DATABASE": str(folder / "c.db"), "SECRET_KEY": "k", "EMBEDDER": "hashing"})
    client = app.test_client()
    framework = client.get("/framework").get_data(as_text=True)
    fw = principle_queries.frameworks(db)
    for comp in fw[0]["components"]:
        assert f"{comp['points']} points from {comp['respondents']} respondents" in framework
    for prid, r in reach.items():
        page = client.get(f"/principles/{prid}").get_data(as_text=True)
        assert re.search(
            rf"<strong>{r.points}</strong> points from <strong>{r.respondents}</strong> respondents", page
        )
    report = summary.build(db)
    rows = {row.principle_id: row for row in report.principle_table}
    for prid, r in reach.items():
        row = rows[prid]
        assert (row.points, row.respondents, row.confirmed, row.suggested) == (
            r.points,
            r.respondents,
            r.confirmed,
            r.suggested,
        )
    export_jsonl(db, folder / "export")
    points = [json.loads(line) for line in (folder / "export" / "points.jsonl").read_text().splitlines()]
    for prid, r in reach.items():
        assert sum(1 for p in points if prid in p["mapped"]) == r.points
        assert sum(1 for p in points if prid in p["confirmed"]) == r.confirmed


def test_framework_pull_quotes_never_count(analysed_db):
    t = counts.totals(analysed_db)
    quoted = analysed_db.execute(
        "SELECT COUNT(*) FROM responses WHERE role = 'quoted_in_framework'"
    ).fetchone()[0]
    assert quoted >= 9  # the strategy's pull-quotes are kept, as evidence about the framework
    orgs = {r["name"] for r in organisation_queries.organisations(analysed_db)}
    quoted_orgs = {
        r[0]
        for r in analysed_db.execute("SELECT organisation FROM responses WHERE role = 'quoted_in_framework'")
    }
    stakeholder_orgs = {
        r[0] for r in analysed_db.execute("SELECT organisation FROM responses WHERE role = 'stakeholder'")
    }
    assert not (quoted_orgs - stakeholder_orgs) & orgs  # no organisation exists only through a quote
    assert not analysed_db.execute(
        """SELECT 1 FROM point_analysis pa JOIN points p ON p.id = pa.point_id JOIN responses r
           ON r.id = p.response_id WHERE r.role = 'quoted_in_framework'"""
    ).fetchone()
    assert {r["type"]: r["respondents"] for r in t.by_type}["event"] == 1  # 73 notes, one event
