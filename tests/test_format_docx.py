"""The DOCX reader (letters and submissions) and the zip safety checks it shares with XLSX."""

from __future__ import annotations

import io
import struct
import zipfile

import docx
import pytest

from fairhearing.errors import IngestError
from ingest.formats import archive
from ingest.formats.base import ReadOptions
from ingest.formats.docx import READER
from ingest.letters import parse_signoff
from ingest.model import ParseResult


def _docx(paragraphs: list[tuple[str, str | None]], table: list[list[str]] | None = None) -> bytes:
    d = docx.Document()
    for text, style in paragraphs:
        d.add_paragraph(text, style=style)
    if table:
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for i, row in enumerate(table):
            for j, cell in enumerate(row):
                t.cell(i, j).text = cell
        if len(table[0]) > 1:  # merge the last row's cells: the merged text must appear once
            last = len(table) - 1
            t.cell(last, 0).merge(t.cell(last, 1))
        d.add_paragraph("After the table, more comments on funding.")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


LETTER = [
    ("Response to the Work Programme consultation", "Title"),
    ("The Secretary of State", None),
    ("1 May 2010", None),
    ("", None),
    ("Dear Sir or Madam,", None),
    ("", None),
    ("We write on behalf of our members in the North East.", None),
    ("Contracts should run for at least seven years.", "List Number"),
    ("Smaller providers need protection from cash-flow risk.", "List Number"),
    ("3. Payment for hard-to-help groups must be higher.", None),
    ("We hope these views help.", None),
    ("Yours faithfully,", None),
    ("", None),
    ("Jane Smith", None),
    ("Chief Executive, North East Employment Partnership", None),
]


def _read(data: bytes) -> ParseResult:
    res = READER.read(data, "letter.docx", ReadOptions())
    for r in res.responses:
        body = res.text[r.start : r.end]
        assert 0 <= r.start < r.end <= len(res.text) and body == body.strip()
        for p in r.points or []:
            assert r.start <= p.start < p.end <= r.end
    return res


def test_letter_body_signoff_and_points() -> None:
    res = _read(_docx(LETTER))
    assert res.format == "docx"
    assert res.text == "\n".join(t for t, _ in LETTER)
    (r,) = res.responses
    body = res.text[r.start : r.end]
    assert body.startswith("We write on behalf of our members")
    assert body.endswith("We hope these views help.")
    assert "Dear Sir" not in body and "Yours faithfully" not in body and "Jane Smith" not in body
    assert (r.author, r.organisation) == ("Jane Smith", "North East Employment Partnership")
    assert r.respondent_type == "organisation"
    assert [res.text[p.start : p.end] for p in r.points or []] == [
        "We write on behalf of our members in the North East.",
        "Contracts should run for at least seven years.",
        "Smaller providers need protection from cash-flow risk.",
        "Payment for hard-to-help groups must be higher.",
        "We hope these views help.",
    ]


def test_submission_without_letter_parts_and_with_a_table() -> None:
    paras = [("Our views on the proposals", "Heading 1"), ("The plan is sound but underfunded.", None)]
    res = _read(_docx(paras, table=[["Area", "Concern"], ["Funding", "Too low"], ["Merged", ""]]))
    assert res.text == (
        "Our views on the proposals\nThe plan is sound but underfunded.\n"
        "Area | Concern\nFunding | Too low\nMerged\nAfter the table, more comments on funding."
    )
    (r,) = res.responses
    assert res.text[r.start : r.end] == res.text  # the whole document
    assert r.author is None and r.organisation is None and r.respondent_type is None and r.points is None


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["Jane Smith", "Chief Executive, Shaw Trust"], ("Jane Smith", "Shaw Trust")),
        (["Jane Smith, Head of Policy at Shaw Trust"], ("Jane Smith", "Shaw Trust")),
        (["Jane Smith", "Mencap"], ("Jane Smith", "Mencap")),
        (["Jane Smith", "Policy Officer"], ("Jane Smith", None)),
        (["On behalf of Leeds City Council"], (None, "Leeds City Council")),
        (["Jane Smith", "12 High Street"], ("Jane Smith", None)),
    ],
)
def test_signoff(lines: list[str], expected: tuple[str | None, str | None]) -> None:
    assert parse_signoff(lines) == expected


def test_individual_letter() -> None:
    res = _read(_docx([("Dear Minister,", None), ("My adviser changed five times.", None),
                       ("Yours sincerely,", None), ("Sam Taylor", None)]))  # fmt: skip
    (r,) = res.responses
    assert res.text[r.start : r.end] == "My adviser changed five times."
    assert (r.author, r.organisation, r.respondent_type) == ("Sam Taylor", None, "individual")


def test_empty_document() -> None:
    with pytest.raises(IngestError) as e:
        READER.read(_docx([("", None)]), "empty.docx", ReadOptions())
    assert e.value.code == "FH-E140"


# --- zip safety ----------------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"plain text, not a zip", "not a DOCX"),
        (b"PK\x03\x04 truncated", "corrupt"),
        (_zip({"xl/workbook.xml": b"<workbook/>"}), "no word/document.xml"),
        (_zip({"word/document.xml": b"<not really a document"}), "corrupt DOCX"),
    ],
)
def test_not_a_docx(data: bytes, words: str) -> None:
    with pytest.raises(IngestError) as e:
        READER.read(data, "bad.docx", ReadOptions())
    assert e.value.code == "FH-E130" and words in e.value.message


def test_truncated_docx() -> None:
    data = _docx(LETTER)
    for cut in (len(data) // 3, len(data) - 30):
        with pytest.raises(IngestError) as e:
            READER.read(data[:cut], "cut.docx", ReadOptions())
        assert e.value.code == "FH-E130"


def test_zip_bomb_by_ratio_and_by_size() -> None:
    bomb = _zip({"word/document.xml": b"\0" * (40 * 1024 * 1024)})
    assert len(bomb) < 100_000
    with pytest.raises(IngestError) as e:
        READER.read(bomb, "bomb.docx", ReadOptions())
    assert e.value.code == "FH-E130" and "zip bomb" in e.value.message and "x (limit" in e.value.message
    with pytest.raises(IngestError) as e:
        archive.check_zip(bomb, "bomb.docx", max_bytes=1024 * 1024)
    assert "over the 1048576-byte limit" in e.value.message


def test_zip_bomb_by_member_count() -> None:
    many = _zip({f"word/m{i}.xml": b"" for i in range(archive.MAX_MEMBERS + 1)})
    with pytest.raises(IngestError) as e:
        archive.check_zip(many, "many.docx", max_bytes=10**9)
    assert "members" in e.value.message


def test_member_that_lies_about_its_size_is_not_inflated_past_it() -> None:
    real = _docx(LETTER)
    with zipfile.ZipFile(io.BytesIO(real)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["word/document.xml"] = members["word/document.xml"] + b" " * (5 * 1024 * 1024)
    data = bytearray(_zip(members))
    # rewrite the declared size of word/document.xml (local and central headers) to 1000 bytes
    name = b"word/document.xml"
    for sig, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = 0
        while (pos := data.find(sig, pos)) >= 0:
            name_at = 30 if sig == b"PK\x03\x04" else 46
            if data[pos + name_at : pos + name_at + len(name)] == name:
                struct.pack_into("<I", data, pos + size_at, 1000)
            pos += 4
    archive.check_zip(bytes(data), "liar.docx", max_bytes=2 * 1024 * 1024)  # the declared sizes pass
    with pytest.raises(IngestError) as e:
        READER.read(bytes(data), "liar.docx", ReadOptions(max_bytes=2 * 1024 * 1024))
    assert e.value.code == "FH-E130"


def test_sniff() -> None:
    data = _docx(LETTER)
    assert READER.sniff(data, "upload") >= 0.8 and READER.sniff(b"", "x.docx") >= 0.9
    assert READER.sniff(_zip({"xl/workbook.xml": b""}), "upload") == 0
