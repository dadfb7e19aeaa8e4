"""Spreadsheets (CSV/TSV and XLSX): survey-tool exports, one row per respondent.

Columns are classified from their headers and values: an id column, metadata columns (author,
organisation, respondent type, location, question/topic, timestamp, ...) and free-text columns.
Each non-empty (row, free-text column) cell becomes one response whose question is the column
header (or, for a single free-text column, a question/topic column or ``options.question``).
Column planning (``ingest.columns``) is shared with the JSON reader.

A CSV's text is the file itself (responses are spans of it), followed, for each free-text cell
holding a doubled quote ("", which is one quote), by a labelled block of the cell's value
("[row 7, Comment]", as XLSX text is made), which is that response's span. Rows wider than
``MAX_COLUMNS`` and cells longer than ``MAX_FIELD_CHARS`` are refused as the parser reaches them
(FH-E113, FH-E114).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from typing import Any

from fairhearing.errors import IngestError
from ingest.columns import (
    Row,
    build_responses,
    clean_headers,
    drop_moderated,
    plan_columns,
)
from ingest.formats import archive
from ingest.formats.base import ReadOptions, TextBlocks, Tier, bomless_utf16, decode_text, wide_encoding
from ingest.model import ParsedResponse, ParseResult, Problem
from ingest.text_patterns import trim

MAX_XLSX_ROWS = 1_048_576  # Excel's own limit; stops hostile sheets that claim more
MAX_FIELD_CHARS = 1_000_000  # a longer CSV cell is refused (FH-E114): no answer is a book
MAX_COLUMNS = 16_384  # Excel's own limit (column XFD); a wider row is refused (FH-E113)


def too_wide(filename: str, row: int, count: str, where: str) -> IngestError:
    """FH-E113 for a row with ``count`` columns, over ``MAX_COLUMNS``."""
    return IngestError(
        "FH-E113", f"row {row} has {count} columns (limit {MAX_COLUMNS}; {where})", file=filename, row=row
    )


# --- CSV -----------------------------------------------------------------------------------

_DELIMS = (",", "\t", ";", "|")
_QUOTED = re.compile(r'"([^"]*(?:""[^"]*)*)"')

Cell = tuple[str, int, int]  # value, raw content start, raw content end


def _count_outside_quotes(line: str, delim: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delim and not quoted:
            count += 1
    return count


def _sample_lines(text: str) -> list[str]:
    sample = text[:16384]
    if len(text) > len(sample):
        sample = sample[: sample.rfind("\n") + 1]
    return [ln for ln in sample.splitlines() if ln.strip()][:20]


def detect_delimiter(text: str, filename: str) -> str:
    """Tab for .tsv/.tab; else the delimiter the header line uses most (comma on a tie)."""
    if filename.lower().endswith((".tsv", ".tab")):
        return "\t"
    lines = _sample_lines(text)
    if not lines:
        return ","
    counts = [_count_outside_quotes(lines[0], d) for d in _DELIMS]
    best = max(range(len(_DELIMS)), key=lambda i: (counts[i], -i))
    return _DELIMS[best] if counts[best] else ","


def _error(message: str, text: str, pos: int, row: int, filename: str) -> IngestError:
    line = text.count("\n", 0, pos) + 1
    return IngestError("FH-E110", f"{message} (row {row}, line {line})", file=filename, row=row)


def parse_csv(text: str, delim: str, filename: str) -> list[tuple[int, list[Cell]]]:
    """Records as (row number, cells), each cell with its raw content span in ``text``.

    Quoted cells span the content between the quotes (doubled quotes left as they are in the
    file); the value has them unescaped (and the reader then builds its text from the values). Raises FH-E110 on an unterminated quote, text after a
    closing quote, or a NUL byte; FH-E113 on a record with more than ``MAX_COLUMNS`` cells and
    FH-E114 on a cell longer than ``MAX_FIELD_CHARS``, as soon as the parser reaches them.
    """
    unquoted = re.compile(f"[^{re.escape(delim)}\r\n]*")
    has_nul = "\x00" in text
    records: list[tuple[int, list[Cell]]] = []
    n, pos, row = len(text), 0, 0
    while pos < n:
        row += 1
        record_start = pos
        cells: list[Cell] = []
        while True:
            if pos < n and text[pos] == '"':
                m = _QUOTED.match(text, pos)
                if m is None:
                    raise _error("unterminated quoted cell", text, pos, row, filename)
                cells.append((m.group(1).replace('""', '"'), m.start(1), m.end(1)))
                pos = m.end()
                while pos < n and text[pos] in " \t" and text[pos] != delim:
                    pos += 1
            else:
                m = unquoted.match(text, pos)
                assert m is not None  # the pattern matches the empty string
                cells.append((m.group(), m.start(), m.end()))
                pos = m.end()
            if cells[-1][2] - cells[-1][1] > MAX_FIELD_CHARS:
                raise IngestError(
                    "FH-E114",
                    f"row {row} column {len(cells)} holds {cells[-1][2] - cells[-1][1]} characters "
                    f"(limit {MAX_FIELD_CHARS}, line {text.count(chr(10), 0, cells[-1][1]) + 1})",
                    file=filename,
                    row=row,
                )
            if len(cells) > MAX_COLUMNS:
                raise too_wide(
                    filename, row, f"more than {MAX_COLUMNS}", f"line {text.count(chr(10), 0, pos) + 1}"
                )
            if pos >= n:
                break
            ch = text[pos]
            if ch == delim:
                pos += 1
                continue
            if ch in "\r\n":
                pos += 2 if text.startswith("\r\n", pos) else 1
                break
            raise _error("unexpected text after a closing quote", text, pos, row, filename)
        if has_nul and "\x00" in text[record_start:pos]:
            raise _error("NUL byte in the file", text, text.index("\x00", record_start), row, filename)
        records.append((row, cells))
    return records


def _csv_table(text: str, filename: str) -> tuple[list[str], list[Row], dict[tuple[int, int], Cell]]:
    records = [(r, cells) for r, cells in parse_csv(text, detect_delimiter(text, filename), filename)]
    records = [(r, c) for r, c in records if not (len(c) == 1 and not c[0][0].strip())]
    if not records:
        raise IngestError("FH-E140", "no rows found", file=filename)
    (_, header_cells), body = records[0], records[1:]
    headers = clean_headers([c[0] for c in header_cells])
    rows: list[Row] = []
    spans: dict[tuple[int, int], Cell] = {}
    for number, cells in body:
        if len(cells) > len(headers):
            if any(c[0].strip() for c in cells[len(headers) :]):
                raise IngestError(
                    "FH-E110",
                    f"row {number} has {len(cells)} fields but the header has {len(headers)}",
                    file=filename,
                    row=number,
                )
            cells = cells[: len(headers)]
        values = [c[0] for c in cells] + [""] * (len(headers) - len(cells))
        for i, c in enumerate(cells):
            spans[(number, i)] = c
        rows.append(Row(number, values))
    return headers, rows, spans


class CsvReader:
    name = "csv"
    binary = False

    def sniff(self, data: bytes, filename: str) -> Tier:
        if filename.lower().endswith((".csv", ".tsv", ".tab")):
            return Tier.STRONG
        if b"\x00" in data[:4096]:
            return Tier.NONE
        sample = data[:16384].decode("utf-8", "replace")
        if len(data) > 16384:
            sample = sample[: sample.rfind("\n") + 1]
        delim = detect_delimiter(sample, filename)
        try:
            records = [c for _, c in parse_csv(sample, delim, filename) if len(c) > 1 or c[0][0].strip()][:50]
        except IngestError:  # the sample may cut a quoted cell; judge by lines instead
            records = [[(c, 0, 0) for c in ln.split(delim)] for ln in _sample_lines(sample)]
        if len(records) < 3 or len(records[0]) < 2 or any(len(c[0]) > 200 for c in records[0]):
            return Tier.NONE
        same = sum(1 for cells in records if len(cells) == len(records[0]))
        return Tier.TABLE if same >= Tier.CONTAINER * len(records) else Tier.NONE

    def read(self, data: bytes, filename: str, options: ReadOptions) -> ParseResult:
        if b"\x00" in data and wide_encoding(data, options.encoding) is None and not bomless_utf16(data):
            # byte-oriented text with a NUL: name its row (wide text is decoded by decode_text)
            text = data.decode(options.encoding, "replace")
            parse_csv(text, detect_delimiter(text, filename), filename)  # raises at the NUL's row
        notes: list[Problem] = []
        text = decode_text(data, filename, options.encoding, notes)
        headers, rows, spans = _csv_table(text, filename)
        if not rows:
            raise IngestError("FH-E140", "the file has a header row but no data rows", file=filename)
        columns = [[r.values[i] for r in rows] for i in range(len(headers))]
        layout = plan_columns(headers, columns, options, filename)

        # A doubled quote ("") inside a free-text cell is one quote: such a cell's value follows
        # the file's text as a labelled block, so that what is stored is what the cell says.
        blocks = TextBlocks(text)

        def locate(row: Row, col: int) -> tuple[int, int] | None:
            cell = spans.get((row.number, col))
            if cell is None:
                return None
            if '""' in text[cell[1] : cell[2]]:
                return blocks.add(f"row {row.number}, {headers[col]}", row.values[col].strip())
            return trim(text, cell[1], cell[2])

        kept, problems = drop_moderated(headers, rows, options)
        responses = build_responses(headers, kept, layout, locate, options)
        if not responses:
            raise IngestError("FH-E140", "no non-empty free-text cells", file=filename)
        text = blocks.text() if len(blocks.parts) > 1 else text
        return ParseResult(text=text, format=self.name, responses=responses, problems=notes + problems)


# --- XLSX ----------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A spreadsheet value as text: dates in ISO form, whole floats without ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _meta_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        return cell_text(value) if not isinstance(value, dt.timedelta) else str(value)
    if isinstance(value, str):
        return value.strip()
    return value


_LITERAL = r'"(?:[^"]|"")*"'
_LITERAL_FORMULA = re.compile(rf"=\s*({_LITERAL}(?:\s*&\s*{_LITERAL})*)\s*")


def formula_value(formula: str) -> str | None:
    """The value of a formula made only of text literals (``="a" & "b"``); None for any other."""
    m = _LITERAL_FORMULA.fullmatch(formula)
    if m is None:
        return None
    return "".join(part[1:-1].replace('""', '"') for part in re.findall(_LITERAL, m.group(1)))


def _formulas(data: bytes, filename: str, max_bytes: int) -> dict[str, dict[tuple[int, int], str]]:
    """Per sheet title, the formulas by (row, column) (1-based); empty when the book has none."""
    import openpyxl

    with archive.open_zip(data, filename, max_bytes, "XLSX") as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        if not any(re.search(rb"<(?:\w+:)?f[ >]", zf.read(n)) for n in sheets):
            return {}
    out: dict[str, dict[tuple[int, int], str]] = {}
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        for ws in wb.worksheets:
            ws.reset_dimensions()
            found = out.setdefault(str(ws.title), {})
            for row in ws.iter_rows():
                for c in row:
                    if getattr(c, "data_type", None) == "f" and isinstance(c.value, str):
                        found[(c.row, c.column)] = c.value
    finally:
        wb.close()
    return out


def _xlsx_sheets(
    data: bytes, filename: str, options: ReadOptions
) -> tuple[list[tuple[str, list[Row]]], list[Problem]]:
    """(sheet title, non-empty rows) for each worksheet, and problems; FH-E130 for anything
    unreadable, FH-E113 for a row wider than Excel allows.

    A formula is read as its cached value; one saved without (written by a program, never opened
    in Excel) is computed when it only joins text literals, and otherwise reported.
    """
    import openpyxl

    with archive.open_zip(data, filename, options.max_bytes, "XLSX") as zf:
        archive.require_member(zf, "xl/workbook.xml", filename, "XLSX")
    sheets: list[tuple[str, list[Row]]] = []
    problems: list[Problem] = []
    try:
        formulas = _formulas(data, filename, options.max_bytes)
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            for ws in wb.worksheets:
                title = str(ws.title)
                ws.reset_dimensions()  # a sheet's stated dimensions may be wrong: read every cell
                rows: list[Row] = []
                for number, found in enumerate(ws.iter_rows(values_only=True), start=1):
                    if number > MAX_XLSX_ROWS:
                        break
                    if len(found) > MAX_COLUMNS:
                        raise too_wide(filename, number, str(len(found)), f"sheet {title!r}")
                    values = list(found)
                    for col, v in enumerate(values, start=1):
                        formula = formulas.get(title, {}).get((number, col)) if v is None else None
                        if formula is None:
                            continue
                        values[col - 1] = formula_value(formula)
                        if values[col - 1] is None:
                            problems.append(
                                Problem(
                                    f"sheet {title!r} column {col}: formula {formula[:60]!r} has no saved "
                                    "value and was left out (open and save the file in Excel to compute it)",
                                    row=number,
                                )
                            )
                    if any(v is not None and cell_text(v).strip() for v in values):
                        rows.append(Row(number, [cell_text(v) for v in values], values))
                sheets.append((title, rows))
        finally:
            wb.close()
    except IngestError:
        raise
    except Exception as e:  # openpyxl raises many types on corrupt parts
        raise IngestError("FH-E130", f"corrupt XLSX file: {type(e).__name__}: {e}", file=filename) from None
    return sheets, problems


def _header_index(rows: Sequence[Row]) -> int:
    """The header row among the first five: the first that is all text, about as wide as the
    widest, and (unless every row has one cell) more than one cell wide, so that title lines
    above the header ("Consultation responses", "Exported 3 March") are skipped."""
    filled = [sum(1 for v in r.values if v.strip()) for r in rows[:5]]
    for i, row in enumerate(rows[:5]):
        texts = all(isinstance(v, str) for v in (row.raw or []) if v is not None)
        if texts and filled[i] >= max(filled) / 2 and (filled[i] > 1 or max(filled) == 1):
            return i
    return filled.index(max(filled))


class XlsxReader:
    name = "xlsx"
    binary = True

    def sniff(self, data: bytes, filename: str) -> Tier:
        if filename.lower().endswith((".xlsx", ".xlsm")):
            return Tier.CERTAIN
        return Tier.CONTAINER if data.startswith(b"PK") and b"xl/" in data[:65536] else Tier.NONE

    def read(self, data: bytes, filename: str, options: ReadOptions) -> ParseResult:
        blocks = TextBlocks()
        responses: list[ParsedResponse] = []
        last_error: IngestError | None = None
        found, problems = _xlsx_sheets(data, filename, options)
        sheets = [(title, rows) for title, rows in found if len(rows) > 1]
        for title, rows in sheets:
            h = _header_index(rows)
            header_row, body = rows[h], rows[h + 1 :]
            if not body:
                continue
            width = max(len(r.values) for r in rows[h:])
            headers = clean_headers(header_row.values + [""] * (width - len(header_row.values)))
            for r in body:
                pad = width - len(r.values)
                r.values += [""] * pad
                r.raw = [_meta_value(v) for v in (r.raw or [])] + [None] * pad
            columns = [[r.values[i] for r in body] for i in range(width)]
            try:
                layout = plan_columns(headers, columns, options, f"{filename} [{title}]")
            except IngestError as e:
                last_error = e
                continue

            def locate(
                row: Row, col: int, title: str = title, headers: list[str] = headers
            ) -> tuple[int, int]:
                return blocks.add(f"{title} row {row.number}, {headers[col]}", row.values[col].strip())

            prefix = f"{title} " if len(sheets) > 1 else ""
            body, dropped = drop_moderated(headers, body, options)
            problems.extend(dropped)
            found = build_responses(headers, body, layout, locate, options, id_prefix=prefix)
            for resp in found:
                resp.meta["sheet"] = title
            responses.extend(found)
        if not responses:
            if last_error is not None:
                raise last_error
            raise IngestError("FH-E140", "no rows with free text found in any sheet", file=filename)
        return ParseResult(text=blocks.text(), format=self.name, responses=responses, problems=problems)


READERS = [CsvReader(), XlsxReader()]
