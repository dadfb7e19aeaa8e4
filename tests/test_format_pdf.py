"""The PDF reader, on small PDFs written by hand in the test (no PDF library needed to make them)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter

from fairhearing.errors import IngestError
from ingest.formats.base import ReadOptions
from ingest.formats.pdf import READER, clean_pages
from ingest.model import ParseResult


def _escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal PDF: each string is one line of Helvetica text, top to bottom; "" is a blank line."""
    objs = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    kids = []
    for i, lines in enumerate(pages):
        page_id, content_id = 4 + 2 * i, 5 + 2 * i
        ops = (
            ["BT", "/F1 11 Tf", "14 TL", "72 760 Td"]
            + [f"({_escape(ln or ' ')}) Tj T*" for ln in lines]
            + ["ET"]
        )
        stream = "\n".join(ops).encode("latin-1")
        objs[content_id] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
        objs[page_id] = (
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content_id} 0 R >>"
        ).encode()
        kids.append(f"{page_id} 0 R")
    objs[2] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>".encode()
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for i in sorted(objs):
        offsets[i] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (i, objs[i])
    xref, size = len(out), max(objs) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % offsets[i] for i in range(1, size))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


LETTER = [
    ["Work Programme consultation response", "Dear Sir or Madam,", "We support (most of) the plan.",
     "Providers need longer contracts.", "Page 1 of 2"],
    ["Work Programme consultation response", "Smaller charities need a fair share.", "Yours sincerely,",
     "Jane Smith", "Director, Shaw Trust", "Page 2 of 2"],
]  # fmt: skip


def _read(data: bytes, **opts: object) -> ParseResult:
    res = READER.read(data, "doc.pdf", ReadOptions(**opts))  # type: ignore[arg-type]
    for r in res.responses:
        body = res.text[r.start : r.end]
        assert 0 <= r.start < r.end <= len(res.text) and body == body.strip()
    return res


def test_letter_without_running_headers_and_page_numbers() -> None:
    res = _read(make_pdf(LETTER), question="Q1")
    assert res.format == "pdf"
    assert res.text == (
        "Dear Sir or Madam,\nWe support (most of) the plan.\nProviders need longer contracts.\n\n"
        "Smaller charities need a fair share.\nYours sincerely,\nJane Smith\nDirector, Shaw Trust"
    )
    (r,) = res.responses
    assert res.text[r.start : r.end] == (
        "We support (most of) the plan.\nProviders need longer contracts.\n\nSmaller charities need a fair share."
    )
    assert (r.author, r.organisation, r.respondent_type, r.question) == (
        "Jane Smith",
        "Shaw Trust",
        "organisation",
        "Q1",
    )


def test_list_of_comments_gives_one_response_per_block() -> None:
    pages = [
        ["Comments received", "", "1. Advisers change too often.", "", "2. Forms are too long and",
         "nobody explains them.", "", "3. Travel costs are not refunded."],
        ["Comments received", "", "4. Appointments clash with childcare.", "- 2 -"],
    ]  # fmt: skip
    res = _read(make_pdf(pages))
    bodies = [res.text[r.start : r.end] for r in res.responses]
    assert bodies == [
        "1. Advisers change too often.",
        "2. Forms are too long and\nnobody explains them.",
        "3. Travel costs are not refunded.",
        "4. Appointments clash with childcare.",
    ]
    assert "Comments received" not in res.text and "- 2 -" not in res.text


def test_clean_pages() -> None:
    pages = [
        "ACME Trust response\nFirst page text.\n3",
        "ACME Trust response\nSecond page text.\nPage 4",
        "ACME Trust response\nThird page.\n- 5 -",
        "Last page only.\n2009",
    ]
    assert clean_pages(pages) == ["First page text.", "Second page text.", "Third page.", "Last page only."]
    # one page: nothing repeats, so only the bare page number goes
    assert clean_pages(["Heading\nBody text here.\n1"]) == ["Heading\nBody text here."]


def _encrypt(data: bytes, user: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user, owner_password="owner-secret", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_encrypted_pdf() -> None:
    with pytest.raises(IngestError) as e:
        READER.read(_encrypt(make_pdf(LETTER), "secret"), "locked.pdf", ReadOptions())
    assert e.value.code == "FH-E131" and "encrypted" in e.value.message
    # an empty user password (a "protected" PDF anyone can open) is read
    assert _read(_encrypt(make_pdf(LETTER), "")).responses[0].author == "Jane Smith"


@pytest.mark.parametrize("data", [b"not a pdf", b"%PDF-1.4\nthis is not really a PDF body\n%%EOF", b"%PDF-"])
def test_unreadable(data: bytes) -> None:
    with pytest.raises(IngestError) as e:
        READER.read(data, "bad.pdf", ReadOptions())
    assert e.value.code in ("FH-E131", "FH-E140")


def test_truncated_or_damaged_never_crashes() -> None:
    data = make_pdf(LETTER)
    for damaged in (
        data[: len(data) // 2],
        data[:300] + b"\x00" * 40 + data[340:],
        data.replace(b"obj", b"ojb", 3),
    ):
        try:
            res = READER.read(damaged, "damaged.pdf", ReadOptions())
        except IngestError as e:
            assert e.code in ("FH-E131", "FH-E140")
        else:
            assert all(0 <= r.start < r.end <= len(res.text) for r in res.responses)


def test_pdf_without_text() -> None:
    with pytest.raises(IngestError) as e:
        READER.read(make_pdf([[]]), "scan.pdf", ReadOptions())
    assert e.value.code == "FH-E140" and "OCR" in e.value.message


def test_sniff() -> None:
    assert READER.sniff(make_pdf(LETTER), "upload") >= 0.9
    assert READER.sniff(b"Dear Sir", "letter.txt") == 0
