"""UTF-16 files (Excel's "Unicode Text" export, or any file read with --encoding utf-16) ingest.

Their NUL bytes are part of the encoding: the text is decoded before any NUL check, and a
binary file is still refused (FH-E103).
"""

from __future__ import annotations

import codecs

import pytest

from ingest.formats import ReadOptions
from ingest.formats.base import decode_text
from ingest.pipeline import ingest_paths
from store.db import open_db

ROWS = [
    ("Response ID", "Region", "What should change about the Work Programme?"),
    ("101", "North East", "Advisers change too often, so nobody knows my case."),
    ("102", "Wales", "Contracts are too short to invest in staff – and “payment by results” hurts."),
    ("103", "London", "The online forms are hard to use with a screen reader."),
]
ANSWERS = [r[2] for r in ROWS[1:]]


def _tab_text() -> str:
    return "".join("\t".join(r) + "\r\n" for r in ROWS)


def _csv_text() -> str:
    return "".join(",".join(f'"{c}"' for c in r) + "\n" for r in ROWS)


def _ingest(path, **options):
    db = open_db(memory=True)
    (report,) = ingest_paths(db, [path], options=ReadOptions(**options))
    texts = [t for (t,) in db.execute("SELECT text FROM responses ORDER BY id")]
    return report, texts, db


def test_excel_unicode_text_export(tmp_path) -> None:
    # Excel "Unicode Text (*.txt)": UTF-16LE with a BOM, tab-separated, CRLF
    path = tmp_path / "export.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + _tab_text().encode("utf-16-le"))
    report, texts, db = _ingest(path)
    assert report.status == "added", report.error
    assert report.format == "csv" and texts == ANSWERS
    (region,) = db.execute("SELECT meta FROM responses ORDER BY id LIMIT 1").fetchone()
    assert "North East" in region


@pytest.mark.parametrize(
    ("name", "data", "encoding"),
    [
        ("le-bom.csv", codecs.BOM_UTF16_LE + _csv_text().encode("utf-16-le"), "utf-8"),
        ("be-bom.csv", codecs.BOM_UTF16_BE + _csv_text().encode("utf-16-be"), "utf-8"),
        ("declared.csv", _csv_text().encode("utf-16"), "utf-16"),  # BOM written by the codec
        ("declared-le.csv", _csv_text().encode("utf-16-le"), "utf-16-le"),  # no BOM
        ("declared-le.tsv", _tab_text().encode("utf-16-le"), "UTF-16LE"),
        ("declared-be.txt", _tab_text().encode("utf-16-be"), "utf-16-be"),  # detected as a table
        ("utf32.csv", _csv_text().encode("utf-32"), "utf-8"),
    ],
)
def test_utf16_csv_by_bom_or_encoding(tmp_path, name: str, data: bytes, encoding: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    report, texts, _ = _ingest(path, encoding=encoding)
    assert report.status == "added", report.error
    assert texts == ANSWERS


def test_bomless_utf16_without_encoding_says_what_to_pass(tmp_path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(_csv_text().encode("utf-16-le"))
    report, texts, _ = _ingest(path)
    assert report.status == "failed" and texts == []
    assert "FH-E103" in report.error and "--encoding utf-16-le" in report.error


BINARY = [
    b"\x00\x01\x02garbage",
    bytes(range(256)) * 8,
    b"PK\x03\x04" + bytes(200),
    codecs.BOM_UTF16_LE + "id\tcomment\n1\tfine\x00\x01\x00\n".encode("utf-16-le"),  # NUL characters
]


@pytest.mark.parametrize("data", BINARY)
def test_binary_still_refused(tmp_path, data: bytes) -> None:
    path = tmp_path / "blob.txt"
    path.write_bytes(data)
    report, texts, _ = _ingest(path)
    assert report.status == "failed" and texts == []
    assert "FH-E103" in report.error


@pytest.mark.parametrize("data", BINARY)
def test_binary_csv_still_refused_at_its_row(tmp_path, data: bytes) -> None:
    path = tmp_path / "blob.csv"
    path.write_bytes(data)
    report, texts, _ = _ingest(path)
    assert report.status == "failed" and texts == []
    assert "FH-E103" in report.error or "[FH-E110] NUL byte in the file (row 1" in report.error


def test_decode_text_utf16() -> None:
    text = "a,b\n1,été\n"
    assert decode_text(codecs.BOM_UTF16_LE + text.encode("utf-16-le"), "x.csv") == text
    assert decode_text(text.encode("utf-16-be"), "x.csv", "utf-16-be") == text
    assert decode_text(text.encode("utf-8"), "x.csv") == text
