"""Nasty files for every reader, each with what ingest must make of it.

A ``Case`` is a file (name and bytes) plus the outcome ingest owes it: either the exact
responses (their display text, in order) or a rejection with a given error code. The cases
cover every class of failure issue 10's attack found (crashes, hangs, silent losses, valid files
rejected); ``build_*`` helpers write the formats (CSV, TSV, XLSX, JSON, JSONL, text, HTML, DOCX,
PDF) from plain lists of answers so that hypothesis can generate random variants too.
"""

from __future__ import annotations

import codecs
import html
import io
import json
import random
import zipfile
from dataclasses import dataclass

from lxml import etree

ANSWERS = [
    "Childcare costs stop me taking extra hours at work.",
    "The jobcentre is two buses away and the fares are not refunded.",
    "Work coaches change too often to know my situation.",
]


@dataclass
class Case:
    """One file and the outcome ingest owes it: ``expect`` (display texts) or ``code``."""

    name: str
    data: bytes
    expect: list[str] | None = None
    code: str | None = None
    fmt: str | None = None  # --format, when detection is not what is under test
    where: str | None = None  # text the error must contain besides the file name ("row 3", ":4")
    notice: str | None = None  # text one of the report's problems must contain


# --- writers ---------------------------------------------------------------------------------


def csv_bytes(rows: list[list[str]], delim: str = ",", newline: str = "\n", encoding: str = "utf-8") -> bytes:
    """Rows as CSV, every cell quoted (doubled quotes inside)."""

    def cell(v: str) -> str:
        return '"' + v.replace('"', '""') + '"'

    return newline.join(delim.join(cell(v) for v in row) for row in rows).encode(encoding) + newline.encode()


def survey_rows(answers: list[str], question: str = "What should change?") -> list[list[str]]:
    """A survey export: id, respondent type and one free-text column."""
    kinds = ["Individual", "Organisation"]
    return [["id", "Respondent type", question]] + [
        [str(i + 1), kinds[i % 2], a] for i, a in enumerate(answers)
    ]


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS = (
    f'xmlns:w="{W}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"'
)


def docx_bytes(paragraphs: list[str], body_xml: str = "") -> bytes:
    """A DOCX of plain paragraphs, then ``body_xml`` (raw WordprocessingML) appended to the body."""
    import docx

    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    buf = io.BytesIO()
    document.save(buf)
    if not body_xml:
        return buf.getvalue()
    return _patch_docx(buf.getvalue(), body_xml)


def _patch_docx(data: bytes, body_xml: str) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "word/document.xml":
                root = etree.fromstring(content)
                body = root.find(f"{{{W}}}body")
                extra = etree.fromstring(f"<w:body {_NS}>{body_xml}</w:body>")
                sect = body.find(f"{{{W}}}sectPr")
                for el in list(extra):
                    if sect is not None:
                        sect.addprevious(el)
                    else:
                        body.append(el)
                content = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            dst.writestr(item, content)
    return out.getvalue()


def _run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def pdf_bytes(pages: list[list[str]]) -> bytes:
    """A minimal PDF: each page a list of lines in Helvetica (ASCII text)."""
    objects: list[bytes] = []
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, lines in enumerate(pages):
        ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"]
        for line in lines:
            esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({esc}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def json_escaped(value: str) -> str:
    """A JSON string literal with every non-ASCII character escaped (as ``json.dumps`` does)."""
    return json.dumps(value, ensure_ascii=True)


# --- the attack ------------------------------------------------------------------------------


def _docx_cases() -> list[Case]:
    hidden = {
        "docx-content-control": (
            "<w:sdt><w:sdtPr/><w:sdtContent><w:p>" + _run("Sanctions should be a last resort.") + "</w:p>"
            "</w:sdtContent></w:sdt>",
            "Sanctions should be a last resort.",
        ),
        "docx-inline-content-control": (
            "<w:p>"
            + _run("Advisers need ")
            + "<w:sdt><w:sdtContent>"
            + _run("smaller caseloads.")
            + "</w:sdtContent></w:sdt></w:p>",
            "Advisers need smaller caseloads.",
        ),
        "docx-smart-tag": (
            "<w:p>"
            + _run("Offices in ")
            + '<w:smartTag w:uri="urn:x" w:element="place">'
            + _run("Leeds")
            + "</w:smartTag>"
            + _run(" close too early.")
            + "</w:p>",
            "Offices in Leeds close too early.",
        ),
        "docx-simple-field": (
            "<w:p>"
            + _run("Call the helpline on ")
            + '<w:fldSimple w:instr=" DOCPROPERTY Helpline ">'
            + _run("the freephone number")
            + "</w:fldSimple>"
            + _run(" please.")
            + "</w:p>",
            "Call the helpline on the freephone number please.",
        ),
        "docx-complex-field": (
            "<w:p>" + _run("See ") + '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            '<w:r><w:instrText xml:space="preserve"> HYPERLINK "http://x" </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            + _run("the guidance page")
            + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
            + _run(" for details.")
            + "</w:p>",
            "See the guidance page for details.",
        ),
        "docx-tracked-changes": (
            "<w:p>"
            + _run("Payments should arrive ")
            + '<w:ins w:id="1" w:author="A" w:date="2024-01-01T00:00:00Z">'
            + _run("weekly")
            + "</w:ins>"
            + '<w:del w:id="2" w:author="A" w:date="2024-01-01T00:00:00Z"><w:r><w:delText>monthly</w:delText>'
            "</w:r></w:del>" + _run(".") + "</w:p>",
            "Payments should arrive weekly.",
        ),
        "docx-text-box": (
            "<w:p>" + _run("Main point here.") + '<w:r><mc:AlternateContent><mc:Choice Requires="wps">'
            "<w:drawing><wps:txbx><w:txbxContent><w:p>"
            + _run("Boxed: rent rises outpace support.")
            + "</w:p></w:txbxContent></wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><v:textbox>"
            "<w:txbxContent><w:p>" + _run("Boxed: rent rises outpace support.") + "</w:p></w:txbxContent>"
            "</v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>",
            "Main point here. Boxed: rent rises outpace support.",
        ),
    }
    cases = [Case(f"{name}.docx", docx_bytes([], xml), expect=[text]) for name, (xml, text) in hidden.items()]
    long_paragraph = ("Waits are too long. " * 180_000).strip()  # 3.6 MB; compresses over 100x
    cases.append(Case("docx-long-paragraph.docx", docx_bytes([long_paragraph]), expect=[long_paragraph]))
    cases.append(Case("docx-empty.docx", docx_bytes(["", "   ", "\u200b"]), code="FH-E140"))
    return cases


def _xlsx_cases() -> list[Case]:
    header = ["id", "What should change?"]
    wide_header = [f"field {i}" for i in range(1, 1201)]
    wide_rows: list[list[object]] = [wide_header]
    for i, a in enumerate(ANSWERS):
        row: list[object] = [None] * 1200
        row[0] = f"r{i}"
        row[1150] = a
        wide_rows.append(row)
    return [
        Case(
            "xlsx-formula.xlsx",
            xlsx_bytes(
                {
                    "Responses": [
                        header,
                        ["1", ANSWERS[0]],
                        ["2", '="Transport is " & "too expensive here"'],
                        ["3", ANSWERS[2]],
                    ]
                }
            ),
            expect=[ANSWERS[0], "Transport is too expensive here", ANSWERS[2]],
        ),
        Case(
            "xlsx-formula-uncomputed.xlsx",
            xlsx_bytes(
                {"Responses": [header, ["1", ANSWERS[0]], ["2", "=CONCAT(A2, A3)"], ["3", ANSWERS[2]]]}
            ),
            expect=[ANSWERS[0], ANSWERS[2]],
            notice="formula",
        ),
        Case("xlsx-wide.xlsx", xlsx_bytes({"Wide": wide_rows}), expect=ANSWERS),
        Case(
            "xlsx-title-rows.xlsx",
            xlsx_bytes(
                {
                    "Sheet1": [
                        ["Consultation on employment support: responses received"],
                        [],
                        ["Exported 3 March"],
                        header,
                    ]
                    + [[str(i), a] for i, a in enumerate(ANSWERS)]
                }
            ),
            expect=ANSWERS,
        ),
        Case(
            "xlsx-blank-answers.xlsx",
            xlsx_bytes(
                {
                    "S": [
                        header,
                        ["1", ANSWERS[0]],
                        ["2", "\u200b\u200b"],
                        ["3", "\u00ad"],
                        ["4", " \t "],
                        ["5", ANSWERS[1]],
                        ["6", ANSWERS[2]],
                    ]
                }
            ),
            expect=ANSWERS,
        ),
        Case("xlsx-not-a-zip.xlsx", b"PK\x03\x04" + bytes(range(256)) * 4, code="FH-E130"),
    ]


def _json_cases() -> list[Case]:
    records = [
        {"id": "1", "author": "\ud800", "organisation": "Shaw \udfff Trust", "text": ANSWERS[0]},
        {"id": "2", "author": "Ann", "text": ANSWERS[1]},
    ]
    escaped = [
        ("caf\u00e9", "The caf\u00e9 by the jobcentre is the only warm place."),
        ("pound", "Fares cost \u00a312 a week which I cannot afford."),
        ("quote", 'My adviser said "just apply online" but I have no computer.'),
        ("newline", "First, the forms are long.\nSecond, nobody explains them."),
        ("emoji", "The new app is great \U0001f600 but crashes on older phones."),
    ]
    cases = [
        Case("json-surrogates.json", json.dumps(records).encode(), expect=ANSWERS[:2]),
        Case(
            "jsonl-surrogates.jsonl",
            "\n".join(json.dumps(r) for r in records).encode(),
            expect=ANSWERS[:2],
        ),
    ]
    for label, text in escaped:
        doc = (
            '[{"id": "1", "comment": '
            + json_escaped(text)
            + '}, {"id": "2", "comment": '
            + json_escaped(ANSWERS[1])
            + "}]"
        )
        cases.append(
            Case(f"json-escape-{label}.json", doc.encode(), expect=[" ".join(text.split()), ANSWERS[1]])
        )
    cases.append(
        Case(
            "json-text-list.json",
            json.dumps(
                [
                    {"id": "1", "text": ["Two parts:", "first the wait,", "then the cost."]},
                    {"id": "2", "text": ANSWERS[1]},
                ]
            ).encode(),
            expect=["Two parts: first the wait, then the cost.", ANSWERS[1]],
        )
    )
    cases.append(
        Case(
            "jsonl-escapes.jsonl",
            "\n".join(
                f'{{"id": {i}, "text": {json_escaped(t)}}}' for i, (_, t) in enumerate(escaped)
            ).encode(),
            expect=[" ".join(t.split()) for _, t in escaped],
        )
    )
    cases.append(
        Case("json-broken.json", b'[{"text": "fine"},\n{"text": "no end}]', code="FH-E120", where=":2")
    )
    return cases


def _text_cases() -> list[Case]:
    body = "\n\n".join(ANSWERS)
    return [
        Case("text-crlf.txt", body.replace("\n", "\r\n").encode(), expect=ANSWERS),
        Case("text-cr.txt", body.replace("\n", "\r").encode(), expect=ANSWERS),
        Case(
            "text-blank-blocks.txt", ("\n\n\u200b\u200b\n\n\u00ad\n\n".join(ANSWERS)).encode(), expect=ANSWERS
        ),
        Case("text-only-invisible.txt", "\u200b\n\n\u00ad\u00ad\n\n\u2060".encode(), code="FH-E140"),
        Case("text-garbage.txt", bytes(random.Random(7).randrange(256) for _ in range(3000)), code="FH-E104"),
    ]


def _csv_cases() -> list[Case]:
    rng = random.Random(3)
    words = "claim coach childcare rent carer payment advice hours council letter form phone wait".split()
    many = [
        " ".join(rng.choice(words) for _ in range(rng.randint(5, 12))).capitalize() + "." for _ in range(3000)
    ]
    return [
        Case("csv-crlf.csv", csv_bytes(survey_rows(ANSWERS), newline="\r\n"), expect=ANSWERS),
        Case("tsv-basic.tsv", csv_bytes(survey_rows(ANSWERS), delim="\t"), expect=ANSWERS),
        Case(
            "csv-doubled-quotes.csv",
            csv_bytes(survey_rows(['My adviser said "apply online" but I have no computer.', *ANSWERS[1:]])),
            expect=['My adviser said "apply online" but I have no computer.', *ANSWERS[1:]],
        ),
        Case(
            "csv-blank-answers.csv",
            csv_bytes(survey_rows([ANSWERS[0], "   ", "\u200b\u200d", "\u00ad", ANSWERS[1], ANSWERS[2]])),
            expect=ANSWERS,
        ),
        Case("csv-many-rows.csv", csv_bytes(survey_rows(many)), expect=many),
        Case(
            "csv-one-wide-line.csv", (",".join(["x"] * 40_000) + "\n").encode(), code="FH-E113", where="row 1"
        ),
        Case(
            "csv-huge-field.csv",
            csv_bytes([["id", "Answer"], ["1", ANSWERS[0]], ["2", "word " * 600_000]]),
            code="FH-E114",
            where="row 3",
        ),
        Case(
            "csv-cp1252.csv",
            csv_bytes(
                survey_rows(
                    [
                        "Caf\u00e9 hours \u2013 and the \u00a310 fare \u2013 are the problem.",
                        ANSWERS[1],
                        ANSWERS[2],
                    ]
                ),
                encoding="cp1252",
            ),
            expect=["Caf\u00e9 hours - and the \u00a310 fare - are the problem.", ANSWERS[1], ANSWERS[2]],
            notice="cp1252",
        ),
        Case(
            "csv-utf16.csv",
            codecs.BOM_UTF16_LE + csv_bytes(survey_rows(ANSWERS)).decode().encode("utf-16-le"),
            expect=ANSWERS,
        ),
        Case("csv-unterminated.csv", b'id,text\n1,"fine answer here\n', code="FH-E110", where="row 2"),
        Case("csv-garbage.csv", bytes(random.Random(5).randrange(256) for _ in range(4000)), code="FH-E104"),
    ]


def _pdf_cases() -> list[Case]:
    return [
        Case(
            "pdf-one-line-pages.pdf",
            pdf_bytes([[a] for a in ANSWERS]),
            expect=["\n\n".join(ANSWERS)],
        ),
        Case(
            "pdf-last-page.pdf",
            pdf_bytes(
                [
                    ["Dear Sir or Madam,", ANSWERS[0]],
                    [ANSWERS[1]],
                    [ANSWERS[2], "Yours faithfully,", "Ann Lee"],
                ]
            ),
            expect=["\n\n".join(ANSWERS)],
        ),
        Case(
            "pdf-alike-pages.pdf",
            pdf_bytes([[f"Our members rated the service {n} out of 5 this year."] for n in (2, 3, 1)]),
            expect=[" ".join(f"Our members rated the service {n} out of 5 this year." for n in (2, 3, 1))],
        ),
        Case(
            "pdf-footer-last-page.pdf",
            pdf_bytes(
                [
                    ["Response to the consultation", ANSWERS[0], "Page 1 of 3"],
                    ["Response to the consultation", ANSWERS[1], "Page 2 of 3"],
                    ["Response to the consultation", ANSWERS[2], "Page 3 of 3"],
                ]
            ),
            expect=[" ".join(ANSWERS)],
        ),
        Case("pdf-truncated.pdf", pdf_bytes([[ANSWERS[0]]])[:60], code="FH-E131"),
    ]


def _html_cases() -> list[Case]:
    page = (
        "<html><body><main>" + "".join(f"<p>{a}</p>" for a in ANSWERS) + "<p>\u200b</p></main></body></html>"
    )
    return [
        Case("html-paragraphs.html", page.encode(), expect=ANSWERS),
        Case("html-crlf.html", page.replace("<p>", "\r\n<p>").encode(), expect=ANSWERS),
    ]


def attack_cases() -> list[Case]:
    """Every class of issue 10's findings, in every format it applies to."""
    return (
        _csv_cases()
        + _xlsx_cases()
        + _json_cases()
        + _text_cases()
        + _docx_cases()
        + _pdf_cases()
        + _html_cases()
    )


# --- random variants (for hypothesis) --------------------------------------------------------


def write_answers(fmt: str, answers: list[str]) -> tuple[str, bytes]:
    """(file name, bytes) holding ``answers`` in format ``fmt`` (one response each)."""
    if fmt == "csv":
        return "answers.csv", csv_bytes(survey_rows(answers))
    if fmt == "tsv":
        return "answers.tsv", csv_bytes(survey_rows(answers), delim="\t")
    if fmt == "xlsx":
        return "answers.xlsx", xlsx_bytes({"Answers": survey_rows(answers)})
    if fmt == "json":
        return "answers.json", json.dumps([{"id": i, "comment": a} for i, a in enumerate(answers)]).encode()
    if fmt == "jsonl":
        return "answers.jsonl", "\n".join(
            json.dumps({"id": i, "comment": a}) for i, a in enumerate(answers)
        ).encode()
    if fmt == "text":
        return "answers.txt", "\n\n".join(answers).encode()
    if fmt == "html":
        paras = "".join(f"<p>{html.escape(a)}</p>\n" for a in answers)
        return "answers.html", f"<html><body><main>\n{paras}</main></body></html>".encode()
    if fmt == "docx":
        return "answers.docx", docx_bytes(answers)
    raise ValueError(fmt)
