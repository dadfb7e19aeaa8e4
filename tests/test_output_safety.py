"""Every output writer survives every control character, and spreadsheet cells never run as formulas.

One ESC or SOH in a response used to make the XLSX and DOCX outputs fail (openpyxl's
IllegalCharacterError, lxml's "All strings must be XML compatible").
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook

from fairhearing.cli import cli
from fairhearing.safe_output import spreadsheet_cell, xml_text
from nlp.embed import HashingEmbedder
from store.db import open_db
from store.export import export_jsonl
from web import create_app
from web.sample import build_sample

CONTROLS = "".join(map(chr, range(32))) + "\x7f\ufffe\uffff"  # every C0 character, DEL, XML non-characters
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
FORMULAS = {  # point text -> the cell a spreadsheet must show
    '=HYPERLINK("http://x", "click")': '\'=HYPERLINK("http://x", "click")',
    "+1+2": "'+1+2",
    "-2+3": "'-2+3",
    "@SUM(A1:A2)": "'@SUM(A1:A2)",
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'\r=1+1",
    "\x1b=1+1": "'=1+1",  # ESC removed first: what is left would run
    "safe=1": "safe=1",
}


def test_xml_text_and_spreadsheet_cell() -> None:
    assert xml_text("a" + CONTROLS + "b") == "a\t\n\rb"
    assert xml_text("caf\u00e9 \u2014 \U0001f600") == "caf\u00e9 \u2014 \U0001f600"
    for value, cell in FORMULAS.items():
        assert spreadsheet_cell(value) == cell
    assert spreadsheet_cell(3) == 3 and spreadsheet_cell(None) is None and spreadsheet_cell(-1.5) == -1.5


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("controls") / "controls.db"
    db = open_db(path)
    build_sample(db, 30, embedder=HashingEmbedder())
    with db.atomic():
        bad = f"Payment{CONTROLS}by results"
        db.execute("UPDATE points SET clean_text = clean_text || ?", [bad])
        db.execute(
            "UPDATE responses SET clean_text = clean_text || ?, author = ?, organisation = ?",
            [bad, "Jo" + CONTROLS, "Trust" + CONTROLS],
        )
        db.execute("UPDATE themes SET label = label || ?", [CONTROLS])
        db.execute("UPDATE principles SET text = text || ?", [CONTROLS])
        db.execute("UPDATE components SET name = name || ?, headline = ?", [CONTROLS, "Head" + CONTROLS])
        db.execute("UPDATE frameworks SET name = name || ?", [CONTROLS])
        for pid, text in enumerate(FORMULAS, start=1):
            db.execute("UPDATE points SET clean_text = ? WHERE id = ?", [text, pid])
    db.close()
    return path


def _check_cells(rows: list[list]) -> None:
    header, body = rows[0], rows[1:]
    text = header.index("text")
    assert [r[text] for r in body[: len(FORMULAS)]] == list(FORMULAS.values())
    assert body[len(FORMULAS)][text].endswith("Payment\t\n\rby results")
    for row in body:
        for cell in row:
            if isinstance(cell, str):
                assert not NOT_XML.search(cell)
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def _csv_rows(data: str) -> list[list]:
    return list(csv.reader(io.StringIO(data, newline="")))


def _xlsx_rows(data: bytes) -> list[list]:
    ws = load_workbook(io.BytesIO(data))["points"]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)  # no formula cell
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def _check_docx(data: bytes) -> None:
    text = _docx_text(data)  # python-docx loads it back
    assert "summary of responses" in text.lower() and "by results" in text  # text with controls was written
    assert not NOT_XML.search(text)


def test_web_downloads(db_path) -> None:
    client = create_app(
        {"DATABASE": str(db_path), "SECRET_KEY": "k", "EMBEDDER": HashingEmbedder()}
    ).test_client()
    r = client.get("/export/points.csv")
    assert r.status_code == 200
    _check_cells(_csv_rows(r.get_data(as_text=True)))
    r = client.get("/export/points.xlsx")
    assert r.status_code == 200
    _check_cells(_xlsx_rows(r.data))
    r = client.get("/report.docx")
    assert r.status_code == 200
    _check_docx(r.data)
    r = client.get("/report")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Funding and payment" in html and not NOT_XML.search(html)
    r = client.get("/export/jsonl.zip")
    assert r.status_code == 200
    z = zipfile.ZipFile(io.BytesIO(r.data))
    points = [json.loads(line) for line in z.read("points.jsonl").decode("utf-8").splitlines()]
    assert points[0]["text"] == next(iter(FORMULAS))  # JSON keeps the text as stored


def test_report_command_every_format(db_path, tmp_path) -> None:
    for fmt in ("csv", "xlsx", "docx", "html"):
        out = tmp_path / f"report.{fmt}"
        result = CliRunner().invoke(cli, ["report", "--db", str(db_path), "--out", str(out)])
        assert result.exit_code == 0, result.output + repr(result.exception)
    with (tmp_path / "report.csv").open(encoding="utf-8", newline="") as f:
        _check_cells(_csv_rows(f.read()))
    _check_cells(_xlsx_rows((tmp_path / "report.xlsx").read_bytes()))
    _check_docx((tmp_path / "report.docx").read_bytes())
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "summary of responses" in html.lower() and not NOT_XML.search(html)


def test_jsonl_export_keeps_control_characters_escaped(db_path, tmp_path) -> None:
    db = open_db(db_path)
    export_jsonl(db, tmp_path)
    db.close()
    for name in ("responses.jsonl", "points.jsonl", "principles.jsonl", "themes.jsonl"):
        lines = (tmp_path / name).read_text(encoding="utf-8").splitlines()
        records = [json.loads(line) for line in lines]  # every line is one valid record
        assert records
    points = [json.loads(x) for x in (tmp_path / "points.jsonl").read_text(encoding="utf-8").splitlines()]
    assert points[len(FORMULAS)]["text"].endswith(f"Payment{CONTROLS}by results")
