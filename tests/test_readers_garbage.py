"""Every reader, fed garbage, either returns sane offsets or raises IngestError: never anything else.

Inputs: random bytes, random text, text built from the tokens the readers look for (so the
parsers get past their first checks), and damaged copies of valid XLSX/DOCX/PDF files.
"""

from __future__ import annotations

import io
import zipfile

import docx
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairhearing.errors import IngestError
from ingest.formats import readers
from ingest.formats.base import ReadOptions
from ingest.model import ParseResult
from tests.test_format_pdf import make_pdf

READERS = readers()
SETTINGS = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
NAMES = st.sampled_from(["upload", "page.txt", "data.csv", "data.tsv", "x.json", "x.jsonl", "p.html", "f.xlsx",
                         "f.docx", "f.pdf", "codes.yaml"])  # fmt: skip
TOKENS = [
    "\n", "\n\n", "\r\n", "\r", " ", ",", ";", "\t", '"', '""', "{", "}", "[", "]", ":", "\\", "<", ">",
    "1. ", "12. ", "Jane Smith says:", "Reply", "ReplyDelete", "Delete", "Anonymous said...", "# ", "## ",
    "- ", "* ", "• ", "Dear Sir,", "Yours sincerely,", "Principles", "Annex 1", "[truncated by the system]",
    '<div class="comment">', '<p class="comment-content">', "</div>", "</p>", "<li>", "<script>",
    '{"text": "', '"id": 1', "id,comment,organisation", "respondent", "Q1", "%PDF-1.4", "PK\x03\x04",
    "\x00", "\ufeff", "é", "中文", "\u2028", "code,label,description", "theme:", "  ",
]  # fmt: skip
TOKEN_TEXT = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=12)), max_size=120).map("".join)


def _valid_samples() -> list[bytes]:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["id", "comment", "organisation"], [1, "Contracts should be much longer than now.", "Mind"]):
        ws.append(row)
    xlsx = io.BytesIO()
    wb.save(xlsx)
    d = docx.Document()
    for text in ("Dear Sir,", "Advisers change too often here.", "Yours sincerely,", "Jane Smith"):
        d.add_paragraph(text)
    docx_buf = io.BytesIO()
    d.save(docx_buf)
    pdf = make_pdf([["Dear Sir,", "Advisers change too often.", "Yours sincerely,", "Jane Smith"]])
    return [xlsx.getvalue(), docx_buf.getvalue(), pdf]


SAMPLES = _valid_samples()


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """A valid XLSX/DOCX/PDF with some bytes overwritten, and perhaps truncated."""
    data = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 8))):
        pos = draw(st.integers(0, len(data) - 1))
        chunk = draw(st.binary(min_size=1, max_size=16))
        data[pos : pos + len(chunk)] = chunk
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


def _check(name: str, data: bytes, filename: str) -> None:
    reader = READERS[name]
    try:
        res = reader.read(data, filename, ReadOptions())
    except IngestError:
        return
    assert isinstance(res, ParseResult)
    n = len(res.text)
    for r in res.responses:
        assert 0 <= r.start < r.end <= n, (name, r.start, r.end, n)
        for p in r.points or []:
            assert 0 <= p.start < p.end <= n, (name, "point", p.start, p.end, n)
        assert r.reply_to is None or 0 <= r.reply_to < len(res.responses)


@pytest.mark.parametrize("name", list(READERS))
@SETTINGS
@given(data=st.binary(max_size=3000), filename=NAMES)
def test_random_bytes(name: str, data: bytes, filename: str) -> None:
    _check(name, data, filename)


@pytest.mark.parametrize("name", list(READERS))
@SETTINGS
@given(text=st.text(max_size=2000), filename=NAMES)
def test_random_text(name: str, text: str, filename: str) -> None:
    _check(name, text.encode("utf-8", "surrogatepass"), filename)


@pytest.mark.parametrize("name", list(READERS))
@SETTINGS
@given(text=TOKEN_TEXT, filename=NAMES)
def test_format_shaped_text(name: str, text: str, filename: str) -> None:
    _check(name, text.encode("utf-8", "surrogatepass"), filename)


@st.composite
def damaged_member(draw: st.DrawFn) -> bytes:
    """A valid XLSX/DOCX re-zipped with one member's XML damaged (so the XML parsers see it)."""
    source = zipfile.ZipFile(io.BytesIO(draw(st.sampled_from(SAMPLES[:2]))))
    names = source.namelist()
    target = draw(st.sampled_from(names))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in names:
            body = bytearray(source.read(name))
            if name == target and body:
                pos = draw(st.integers(0, len(body) - 1))
                body[pos:] = draw(st.one_of(st.binary(max_size=40), TOKEN_TEXT.map(str.encode))) + (
                    body[pos:] if draw(st.booleans()) else b""
                )
            zf.writestr(name, bytes(body))
    return out.getvalue()


@pytest.mark.parametrize("name", [n for n, r in READERS.items() if r.binary])
@SETTINGS
@given(data=st.one_of(damaged(), damaged_member()), filename=NAMES)
def test_damaged_binary_files(name: str, data: bytes, filename: str) -> None:
    _check(name, data, filename)


def test_every_format_module_is_covered() -> None:
    assert {"csv", "xlsx", "json", "jsonl", "html", "docx", "pdf", "text"} <= set(READERS)
