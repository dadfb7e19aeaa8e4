"""Text made safe for the files the app writes: XML-based documents and spreadsheets.

``xml_text`` removes the characters XML 1.0 cannot hold (C0 controls other than tab, newline
and carriage return; DEL; U+FFFE, U+FFFF and lone surrogates), which make openpyxl and
python-docx refuse to save: one ESC in a response used to break every XLSX and DOCX output.
``spreadsheet_cell`` does that and also defuses formula injection: a cell that a spreadsheet
would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or CR) gets a leading
apostrophe. Every CSV, XLSX and DOCX writer passes its text through these; the JSONL export
does not need to (JSON escapes control characters) and keeps the text as stored.
"""

from __future__ import annotations

import re

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def xml_text(text: str) -> str:
    """``text`` without the characters an XML document cannot hold (tab, LF and CR are kept)."""
    return _NOT_XML.sub("", text)


def spreadsheet_cell(value):
    """A CSV/XLSX cell value: text made XML-safe and, if it would run as a formula, quoted with '.

    Anything other than a string (numbers, None) is returned unchanged.
    """
    if not isinstance(value, str):
        return value
    value = xml_text(value)
    return "'" + value if value.startswith(FORMULA_START) else value
