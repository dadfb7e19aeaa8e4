"""The report as a Word document an officer can edit: A4, page numbers in the footer, built-in styles.

Headings use Word's built-in "Title" and "Heading 1/2/3", quotes "Quote", lists "List Bullet" and
tables "Table Grid", so a department's template can restyle the whole draft. Every piece of text
goes through ``docx_text`` (the one place to sanitise what reaches the document).
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

from fairhearing.safe_output import xml_text
from reports.summary import Report


def docx_text(value: object) -> str:
    """Text as it may be written into the document (characters XML forbids removed)."""
    return xml_text("" if value is None else str(value))


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word fills in when it lays the page out."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for el in (begin, instr, separate, shown, end):
        run._r.append(el)


def _page_setup(doc) -> None:
    for section in doc.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(25)
        section.top_margin = section.bottom_margin = Mm(25)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer.add_run("Page ")
        _field(footer, "PAGE")
        footer.add_run(" of ")
        _field(footer, "NUMPAGES")


def _table(
    doc,
    header: list[str],
    rows: list[list],
    numeric: set[int] | None = None,
    widths_mm: list[int] | None = None,
) -> None:
    numeric = numeric or set()
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.autofit = False
    for i, (cell, text) in enumerate(zip(table.rows[0].cells, header, strict=True)):
        cell.text = docx_text(text)
        cell.paragraphs[0].runs[0].bold = True
        if i in numeric:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for values in rows:
        cells = table.add_row().cells
        for i, (cell, value) in enumerate(zip(cells, values, strict=True)):
            cell.text = docx_text(f"{value:,}" if isinstance(value, int) else value)
            if i in numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if widths_mm:
        for column, w in zip(table.columns, widths_mm, strict=True):
            column.width = Mm(w)  # the grid LibreOffice reads
        for row in table.rows:
            for cell, w in zip(row.cells, widths_mm, strict=True):
                cell.width = Mm(w)
    doc.add_paragraph()


def _bullets(doc, items: list[str]) -> None:
    for item in items:
        doc.add_paragraph(docx_text(item), style="List Bullet")


def build_docx(r: Report) -> bytes:
    """The report as .docx bytes."""
    doc = Document()
    doc.core_properties.title = docx_text(r.title)
    _page_setup(doc)
    doc.add_paragraph(docx_text(r.title), style="Title")
    note = doc.add_paragraph()
    note.add_run(docx_text(f"Draft for editing, prepared from the analysis of {r.run_date}.")).italic = True

    doc.add_heading("Introduction", 1)
    for para in r.introduction:
        doc.add_paragraph(docx_text(para))
    _table(doc, ["Respondent type", "Respondents"], [[t, n] for t, n in r.by_type], {1}, [60, 30])
    _table(
        doc, ["Channel", "Respondents", "Responses"], [list(c) for c in r.by_channel], {1, 2}, [60, 30, 30]
    )

    doc.add_heading("Method", 1)
    for para in r.method:
        doc.add_paragraph(docx_text(para))

    for sec in r.sections:
        doc.add_heading(docx_text(sec.heading), 1)
        doc.add_paragraph(docx_text(sec.intro))
        if not sec.blocks:
            doc.add_paragraph(
                docx_text(
                    "No point under this heading was mapped to the framework."
                    if r.framework
                    else "No point under this heading was given a theme."
                )
            )
        for b in sec.blocks:
            doc.add_heading(docx_text(b.heading), 2)
            doc.add_paragraph(docx_text(b.summary))
            if b.principles:
                doc.add_paragraph(docx_text("Principles raised most:"))
                _bullets(doc, [line.sentence for line in b.principles])
                if b.more:
                    doc.add_paragraph(docx_text(b.more))
            if b.themes:
                doc.add_paragraph(docx_text("Main sub-themes:"))
                _bullets(doc, [line.sentence for line in b.themes])
            for q in b.quotes:
                para = doc.add_paragraph(style="Quote")
                para.add_run(docx_text(f"\u201c{q.text}\u201d"))
                para.add_run(docx_text(f" \u2014 {q.attribution} [{q.number}]")).italic = True
        if sec.omitted:
            doc.add_paragraph(docx_text(sec.omitted))

    if r.framework:
        doc.add_heading("Principles nobody addressed and the most contested", 1)
        doc.add_heading("Principles nobody addressed", 2)
        doc.add_paragraph(docx_text(r.unaddressed_note))
        _bullets(doc, [f"{p.code} {p.name} ({p.component})" for p in r.unaddressed])
        doc.add_heading("Most contested principles", 2)
        if r.contested:
            doc.add_paragraph(
                docx_text("The principles with the most respondents whose points the model read as negative:")
            )
            _bullets(doc, r.contested)
        else:
            doc.add_paragraph(docx_text("No point mapped to a principle was read as negative."))
        if r.outside:
            doc.add_heading("Themes outside the framework", 2)
            doc.add_paragraph(docx_text("Themes most of whose points map to no principle:"))
            _bullets(doc, r.outside)

    doc.add_heading("Annex A: responding organisations", 1)
    doc.add_paragraph(docx_text(r.organisations_note))
    _bullets(doc, r.organisations)
    if r.framework:
        doc.add_heading("Annex B: respondents and points per principle", 1)
        doc.add_paragraph(
            docx_text(
                "Points mapped to each principle: suggested by the model and confirmed by an analyst. "
                "A point mapped to two principles counts under each."
            )
        )
        _table(
            doc,
            ["Code", "Principle", "Respondents", "Points", "Suggested", "Confirmed"],
            [[p.code, p.name, p.respondents, p.points, p.suggested, p.confirmed] for p in r.principle_table],
            {2, 3, 4, 5},
            [14, 78, 20, 16, 18, 18],
        )
    else:
        doc.add_heading("Annex B: respondents and points per theme", 1)
        _table(
            doc,
            ["Theme", "Broader theme", "Respondents", "Points", "Positions"],
            [[t.label, t.group, t.respondents, t.points, t.position] for t in r.theme_table],
            {2, 3},
            [38, 32, 20, 16, 54],
        )
    doc.add_heading("Annex C: references for the quotes", 1)
    for n, line, _rid in r.references:
        doc.add_paragraph(docx_text(f"[{n}] {line}"))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def write_docx(r: Report, out_path: str) -> None:
    with open(out_path, "wb") as f:
        f.write(build_docx(r))
