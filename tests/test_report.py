"""The summary-of-responses draft (reports/): wording bands, quote filter, seeds, a plain survey, no analysis."""

from __future__ import annotations

import csv
import io
import re

import pytest
from click.testing import CliRunner
from docx import Document
from docx.shared import Mm

from fairhearing.cli import cli
from reports import quotes as qf
from reports.docx_writer import build_docx
from reports.html_writer import render_document
from reports.summary import build
from reports.wording import band, respondents_phrase
from store import counts

GREETING = re.compile(r"^(hi|hello|dear|thanks|thank you|kind regards|hope this)\b", re.I)


def db_path(db) -> str:
    return db.execute("PRAGMA database_list").fetchone()[2]


def run(*args):
    return CliRunner().invoke(cli, list(args))


# ---------------------------------------------------------------- wording and quotes


@pytest.mark.parametrize(
    ("n", "base", "word"),
    [
        (10, 10, "all"),
        (6, 10, "most"),
        (5, 10, "many"),
        (25, 100, "many"),
        (24, 100, "some"),
        (10, 100, "some"),
        (9, 100, "a few"),
        (0, 10, "no"),
    ],
)
def test_bands(n, base, word):
    assert band(n, base) == word


def test_phrase_shows_the_numbers():
    assert respondents_phrase(34, 51) == "most respondents (34 of 51)"
    assert respondents_phrase(1, 20) == "one respondent (1 of 20)"
    assert respondents_phrase(3, 3) == "all 3 respondents"


def test_filter_drops_greetings_introductions_and_contact_lines():
    assert qf.quotable("Hi Louise - the link doesn't seem to work?") is None
    assert qf.quotable("My name is Jo Bloggs and I run a small charity in Leeds.") is None
    assert (
        qf.quotable("At YTKO we deliver self-employment projects in South West and East of England.") is None
    )
    nw = (
        "North West Network is a charity based in the North West of England which helps organisations. "
        "We are particularly active in securing ESF funds. Hope this is helpful. [email]"
    )
    assert qf.quotable(nw) is None
    text = "I am writing on behalf of Acme Trust. Payments should be monthly so that small providers survive. Kind regards"
    assert qf.quotable(text) == "Payments should be monthly so that small providers survive."
    plain = "Contracts need to be provided on time, or suppliers cannot prepare."
    assert qf.quotable(plain) == plain
    assert qf.quotable("DWP can best support social enterprise providers to deliver support by:") is None


def test_withheld_responses_are_not_named():
    assert qf.attribution("Jo", "Acme", "organisation", {"publish": "no"}) == "a respondent"
    assert qf.attribution("Jo", "Acme", "organisation", {"Anonymise": "Yes"}) == "a respondent"
    assert qf.attribution("Jo", "Acme", "organisation", {"publish": "yes"}) == "Acme"
    assert qf.attribution(None, None, "event", {}, "WORKSTEP") == "a participant at WORKSTEP"


# ---------------------------------------------------------------- the seeds


@pytest.fixture(scope="module")
def seeds_report(analysed_db):
    return build(analysed_db)


def test_quotes_are_consultation_responses_without_filler(analysed_db, seeds_report):
    quotes = seeds_report.quotes
    assert len(quotes) >= 10
    for q in quotes:
        role, fmt = analysed_db.execute(
            "SELECT r.role, s.format FROM points p JOIN responses r ON r.id = p.response_id "
            "JOIN sources s ON s.id = r.source_id WHERE p.id = ?",
            [q.point_id],
        ).fetchone()
        assert role == "stakeholder" and fmt != "framework", q
        assert "[email]" not in q.text and "[phone]" not in q.text
        assert not GREETING.search(q.text) and "Hope this is helpful" not in q.text
    assert [n for n, _, _ in seeds_report.references] == [q.number for q in quotes]
    assert len({q.point_id for q in quotes}) == len(quotes)


def test_figures_equal_the_count_model(analysed_db, seeds_report):
    r = seeds_report
    t = counts.totals(analysed_db)
    assert (r.totals.respondents, r.totals.responses, r.totals.points) == (
        t.respondents,
        t.responses,
        t.points,
    )
    reach = counts.principle_reach(analysed_db, r.run_id)
    for row in r.principle_table:
        got = reach.get(row.principle_id, counts.Reach())
        assert (row.points, row.respondents, row.confirmed) == (got.points, got.respondents, got.confirmed)
    assert {p.principle_id for p in r.unaddressed} == {
        row.principle_id for row in r.principle_table if not reach.get(row.principle_id)
    }
    base = counts.question_respondents(analysed_db)
    comp = counts.question_component_reach(analysed_db, r.run_id)
    assert [s.question for s in r.sections] and all(s.respondents == base[s.question] for s in r.sections)
    for s in r.sections:
        for b in s.blocks:
            n = comp[(s.question, b.target_id)].respondents
            assert f"({n} of {s.respondents})" in b.summary or f"all {n} " in b.summary
    assert len(r.organisations) <= t.organisations
    assert "Arts Council" not in r.organisations  # respondents quoted inside the 2008 strategy are not listed


def test_docx_is_an_a4_draft_with_page_numbers_and_headings(seeds_report):
    doc = Document(io.BytesIO(build_docx(seeds_report)))
    section = doc.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    assert "PAGE" in section.footer._element.xml and "fldChar" in section.footer._element.xml
    headings = {p.text: p.style.name for p in doc.paragraphs if p.style.name.startswith("Heading")}
    assert headings["Introduction"] == "Heading 1" and headings["Method"] == "Heading 1"
    for s in seeds_report.sections:
        assert headings[s.heading] == "Heading 1"
        for b in s.blocks:
            assert headings[b.heading] == "Heading 2"
    for name in ("Annex A: responding organisations", "Annex C: references for the quotes"):
        assert name in headings
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Every principle was addressed" not in text
    assert "about 42 in 100" in text  # the measured accuracy, stated with its source
    assert text.count("\u201d \u2014 ") >= len(seeds_report.quotes)


def test_html_is_standalone(seeds_report):
    html = render_document(seeds_report)
    assert html.startswith("<!doctype html>") and "size: A4" in html
    assert '<h2 id="method">Method</h2>' in html


def test_cli_writes_every_point_to_csv_and_xlsx(analysed_db, tmp_path):
    from openpyxl import load_workbook

    n = analysed_db.execute("SELECT COUNT(*) FROM points").fetchone()[0]
    path = db_path(analysed_db)
    out = tmp_path / "points.csv"
    assert run("report", "--db", path, "--out", str(out)).exit_code == 0
    assert len(list(csv.reader(out.open(encoding="utf-8")))) == n + 1
    out = tmp_path / "points.xlsx"
    assert run("report", "--db", path, "--out", str(out)).exit_code == 0
    assert sum(1 for _ in load_workbook(out, read_only=True)["points"].iter_rows()) == n + 1


def test_no_analysis_is_a_coded_error(seeds_db, tmp_path):
    for fmt in ("docx", "html"):
        r = run("report", "--db", db_path(seeds_db), "--out", str(tmp_path / f"r.{fmt}"))
        assert r.exit_code != 0 and "FH-E300" in r.output
        assert not (tmp_path / f"r.{fmt}").exists()


# ---------------------------------------------------------------- a plain survey (no framework)

ORGS = ["Cycle Leeds", "Bus Users UK", "Age Concern", "", "", "Parents Forum", "Chamber of Commerce", ""]
Q1 = "What do you think of the proposed bus timetable changes?"
Q2 = "How could the cycling routes be improved?"
BUS = [
    "The evening buses stop far too early for shift workers to get home safely.",
    "Cutting the Sunday service will isolate older people who rely on the bus to visit family.",
    "Hi there. The new timetable is clearer and the connections at the station are much better.",
    "Fares keep rising while buses run less often, which pushes people back into cars.",
    "Rural routes need at least an hourly bus or villages will be cut off from the town.",
]
CYCLE = [
    "Segregated lanes on the ring road would make children safer on the way to school.",
    "Potholes on the canal towpath make cycling dangerous after dark. Hope this is helpful. [email]",
    "More secure bike parking at the station would let commuters combine cycling and rail.",
    "Junctions need proper signals for cyclists because drivers turn across the lane.",
    "The routes end abruptly and leave cyclists in heavy traffic with no warning.",
]


@pytest.fixture(scope="module")
def survey_report(tmp_path_factory):
    from ingest.pipeline import ingest_paths
    from nlp.embed import load_embedder
    from nlp.pipeline import Analyser
    from store.db import open_db

    tmp = tmp_path_factory.mktemp("survey")
    path = tmp / "survey.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "organisation", "publish", Q1, Q2])
        for i in range(40):
            w.writerow(
                [
                    f"R{i:03d}",
                    ORGS[i % len(ORGS)],
                    "no" if ORGS[i % len(ORGS)] == "Parents Forum" else "yes",
                    f"{BUS[i % len(BUS)]} Route {i % 7} matters to me.",
                    f"{CYCLE[(i * 3) % len(CYCLE)]} Area {i % 7}.",
                ]
            )
    db = open_db(tmp / "survey.db")
    (rep,) = ingest_paths(db, [path])
    assert rep.status == "added", rep.error
    Analyser(load_embedder("hashing"), models_dir=tmp / "models", progress=False).run(db)
    return db, build(db)


def test_survey_without_framework_is_per_question_and_theme(survey_report):
    db, r = survey_report
    assert r.framework is None and not r.principle_table
    assert [s.heading for s in r.sections] == [f"Question: {Q1}", f"Question: {Q2}"]
    base = counts.question_respondents(db)
    for s in r.sections:
        assert s.respondents == base[s.question] == 20  # 5 organisations (one each) + 15 unnamed rows
        assert s.blocks and all(b.kind == "theme" for b in s.blocks)
        assert sum(len(b.quotes) for b in s.blocks) >= 2
    for q in r.quotes:
        assert "[email]" not in q.text and not GREETING.search(q.text)
    assert "Parents Forum" not in r.organisations  # every Parents Forum row says publish: no
    assert "Cycle Leeds" in r.organisations and "asked not to be named" in r.organisations_note
    assert all(q.attribution != "Parents Forum" for q in r.quotes)
    assert r.theme_table and sum(t.points for t in r.theme_table) <= counts.totals(db).points
    doc = Document(io.BytesIO(build_docx(r)))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert f"Question: {Q1}" in headings and "Annex B: respondents and points per theme" in headings
