"""The framework-led report: printable HTML at /report and a Word document at /report.docx."""

from __future__ import annotations

import io

from flask import Blueprint, render_template, send_file

from fairhearing.safe_output import xml_text
from store import read
from web.db import get_db
from web.filters import attribution, pct

bp = Blueprint("report", __name__)


def report_data(db) -> dict:
    """The report's data, every string without the control characters XML cannot hold."""
    return _xml_safe(read.report(db, read.run_id(db)))


def _xml_safe(value):
    """``value`` with ``xml_text`` applied to every string inside it (dicts, lists, tuples)."""
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, dict):
        return {k: _xml_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_xml_safe(v) for v in value)
    return value


@bp.get("/report")
def html():
    return render_template("report.html", r=report_data(get_db()))


@bp.get("/report.docx")
def docx():
    data = build_docx(report_data(get_db()))
    return send_file(
        io.BytesIO(data),
        mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        as_attachment=True,
        download_name="fairhearing-report.docx",
    )


def build_docx(r: dict) -> bytes:
    """The same report as the HTML page, as a .docx (python-docx); any text in ``r`` is made XML-safe."""
    from docx import Document

    r = _xml_safe(r)
    doc = Document()
    doc.add_heading("Summary of responses", 0)
    c = r["counts"]
    doc.add_paragraph(
        f"{c['responses']:,} responses from {c['sources']:,} sources, {c['points']:,} points, "
        f"{c['organisations']:,} organisations."
    )
    if r["run"] is None:
        doc.add_paragraph(
            "The analysis has not been run yet: themes, sentiment and principle maps are missing."
        )
    s = r["sentiment"]
    total = sum(s.values())
    if total:
        doc.add_paragraph(
            "Sentiment of points: " + ", ".join(f"{k} {v:,} ({pct(v, total)})" for k, v in s.items()) + "."
        )
    for fw in r["frameworks"]:
        doc.add_heading(fw["name"], 1)
        doc.add_paragraph(
            f"{fw['addressed']} of {fw['principle_count']} principles were addressed by at least one point "
            f"({pct(fw['addressed'], fw['principle_count'])})."
        )
        for comp in fw["components"]:
            _docx_component(doc, comp)
    doc.add_heading("Contested principles", 1)
    if not r["contested"]:
        doc.add_paragraph("None: no point mapped to a principle is negative.")
    for p in r["contested"]:
        doc.add_paragraph(
            f"{p['code']} {p['text']} ({p['component']}): {p['negative']} negative of {p['points']} points.",
            style="List Bullet",
        )
    doc.add_heading("Gaps", 1)
    doc.add_heading("Principles nobody addressed", 2)
    for p in r["unaddressed"]:
        doc.add_paragraph(f"{p['code']} {p['text']} ({p['component']})", style="List Bullet")
    if not r["unaddressed"]:
        doc.add_paragraph("Every principle was addressed.")
    doc.add_heading("Themes outside the framework", 2)
    for t in r["outside"]:
        doc.add_paragraph(
            f"{t['label']}: {t['points']} points, {t['unmapped']} mapped to no principle", style="List Bullet"
        )
    if not r["outside"]:
        doc.add_paragraph("None.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _docx_component(doc, comp: dict) -> None:
    doc.add_heading(comp["name"] + (" (annex)" if comp["is_annex"] else ""), 2)
    if comp.get("headline"):
        doc.add_paragraph(comp["headline"]).italic = True
    st = comp.get("stats") or {}
    doc.add_paragraph(
        f"{st.get('points', 0):,} points from {st.get('responses', 0):,} responses and "
        f"{st.get('organisations', 0):,} organisations; {comp['addressed']} of {len(comp['principles'])} "
        "principles addressed."
    )
    if comp.get("key_themes"):
        doc.add_paragraph("Key themes:")
        for t in comp["key_themes"]:
            doc.add_paragraph(f"{t['label']} ({t['n']} points)", style="List Bullet")
    for q in comp.get("quotes", []):
        para = doc.add_paragraph(style="Quote")
        para.add_run(f"\u201c{q['clean_text']}\u201d")
        para.add_run(f" \u2014 {attribution(q)} ({q['source']})").italic = True
    table = doc.add_table(rows=1, cols=3)
    table.style = "Light List"
    for cell, text in zip(table.rows[0].cells, ("Principle", "Text", "Points"), strict=True):
        cell.text = text
    for p in comp["principles"]:
        row = table.add_row().cells
        row[0].text, row[1].text, row[2].text = p["code"], p["text"], str(p["n"])


def write_html(db_path: str, out_path: str) -> None:
    """The printable report as a standalone HTML file (for `fairhearing report`)."""
    from web import create_app

    app = create_app({"DATABASE": str(db_path)})
    with app.test_request_context("/report"):
        page = render_template("report.html", r=report_data(get_db()))
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(page)


def write_docx(db_path: str, out_path: str) -> None:
    from web.db import connect

    db = connect(str(db_path), readonly=True)
    try:
        data = build_docx(report_data(db))
    finally:
        db.close()
    with open(out_path, "wb") as f:
        f.write(data)
