"""JSON and JSON Lines exports: a list of response objects (or ``{"responses": [...]}``), or one
object per line.

The text field is detected by name (text, body, comment, response, answer, content, message)
or, failing that, as the longest string field; the other fields are classified like spreadsheet
columns (see ``ingest.columns``). A text given as a list of strings is one response, its strings joined
by blank lines.

Offsets point at the content of the text field's JSON string literal in the file, between its
quotes. A text whose literal holds an escape (``\\u00e9``, ``\\n``, ``\\"``) or that comes from a
list follows the file's text as a labelled block of the decoded string (``[item 3]`` or
``[line 3]``, as for spreadsheets), and that block is its span: what is stored and shown is what
the JSON says. Lone surrogates (``"\\ud800"``), which cannot be stored, become U+FFFD.
"""

from __future__ import annotations

import dataclasses
import json
import json.scanner
import re
from collections.abc import Iterator
from typing import Any

from fairhearing.errors import IngestError
from ingest import columns
from ingest.formats.base import ReadOptions, TextBlocks, Tier, decode_text, no_surrogates
from ingest.model import ParsedResponse, ParseResult, Problem
from ingest.text_patterns import trim

_TEXT_NAMES = ("text", "body", "comment", "response", "answer", "content", "message")
_LIST_KEYS = ("responses", "comments", "submissions", "answers", "items", "data", "results", "records")
_WS = re.compile(r"[ \t\n\r]*")
_EDGE_LEAD = re.compile(r"(?:\s|\\[nrt])+")
_EDGE_TRAIL = re.compile(r"(?:\s|\\[nrt])+\Z")
MAX_FLATTEN_DEPTH = 4


class _Str(str):
    """A decoded JSON string that remembers where its raw content lies in the source."""

    start: int
    end: int


def _scanstring(s: str, end: int, strict: bool = True) -> tuple[_Str, int]:
    value, stop = json.decoder.scanstring(s, end, strict)
    out = _Str(value)
    out.start, out.end = end, stop - 1
    return out, stop


class _Joined(str):
    """A text given as a list of strings, joined: it has no single span in the file."""


class _SpanDecoder(json.JSONDecoder):
    """A decoder whose string values are ``_Str`` (object keys stay plain ``str``)."""

    def __init__(self) -> None:
        super().__init__()
        self.parse_string = _scanstring
        self.scan_once = json.scanner.py_make_scanner(self)


def _decode(text: str, filename: str, offset: int = 0, line: int | None = None) -> Any:
    """Parse one JSON document; FH-E120 with the line of the error."""
    decoder = _SpanDecoder()
    start = _WS.match(text, 1 if text.startswith("\ufeff") else 0).end()
    try:
        value, end = decoder.raw_decode(text, start)
        rest = _WS.match(text, end).end()
        if rest < len(text):
            raise json.JSONDecodeError("Extra data", text, rest)
    except json.JSONDecodeError as e:
        where = line if line is not None else e.lineno
        col = f", column {e.colno}" if line is None else ""
        raise IngestError(
            "FH-E120", f"malformed JSON: {e.msg} (line {where}{col})", file=filename, line=where
        ) from None
    except RecursionError:
        raise IngestError("FH-E120", "JSON is nested too deeply", file=filename, line=line) from None
    except ValueError as e:  # e.g. an integer literal too long to convert
        raise IngestError("FH-E120", f"malformed JSON: {e}", file=filename, line=line) from None
    if offset:
        _shift(value, offset)
    return value


def _shift(value: Any, offset: int) -> None:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, _Str):
            v.start += offset
            v.end += offset
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


def _jsonl(text: str, filename: str) -> Iterator[tuple[int, Any]]:
    """(line number, value) for each non-blank line."""
    pos = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip() and not (number == 1 and line.strip() == "\ufeff"):
            yield number, _decode(line, filename, offset=pos, line=number)
        pos += len(line) + 1


def _flatten(obj: dict[str, Any], prefix: str = "", depth: int = 0) -> dict[str, Any]:
    """Nested objects as dotted keys (``author.name``); a list of strings as one string (its items
    joined by blank lines); other lists are left out."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and depth < MAX_FLATTEN_DEPTH:
            out.update(_flatten(value, f"{name}.", depth + 1))
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            out[name] = _Joined("\n\n".join(v.strip() for v in value if v.strip()))
        elif not isinstance(value, dict | list):
            out[name] = value
    return out


def _items(value: Any) -> list[Any] | None:
    """The list of records in a parsed JSON document, or None when there is none."""
    if isinstance(value, list):
        return value
    if not isinstance(value, dict):
        return None
    lists = {k: v for k, v in value.items() if isinstance(v, list)}
    for key in _LIST_KEYS:
        if key in lists:
            return lists[key]
    record_lists = [v for v in lists.values() if v and all(isinstance(x, dict | str) for x in v)]
    if len(record_lists) == 1:
        return record_lists[0]
    return [value]


def _text_field(headers: list[str], records: list[dict[str, Any]]) -> str | None:
    """The field holding the response text: by name, else the longest string field."""
    strings = {h: [r[h] for r in records if isinstance(r.get(h), str) and r[h].strip()] for h in headers}
    candidates = [h for h in headers if len(strings[h]) >= max(1, len(records) // 2)]
    for name in _TEXT_NAMES:
        for h in candidates:
            words = columns.norm_name(h.rsplit(".", 1)[-1]).split()
            if words and words[-1] == name:
                return h
    if not candidates:
        return None
    return max(candidates, key=lambda h: sum(map(len, strings[h])) / len(strings[h]))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return no_surrogates(str(value))


def _span(text: str, value: _Str) -> tuple[int, int] | None:
    """The string literal's content, without whitespace (or escaped whitespace) at its ends."""
    start, end = value.start, value.end
    lead = _EDGE_LEAD.match(text, start, end)
    if lead:
        start = lead.end()
    trail = _EDGE_TRAIL.search(text, start, end)
    if trail:
        end = trail.start()
    return trim(text, start, end)


def _responses(
    text: str, entries: list[tuple[int, Any]], filename: str, options: ReadOptions, by_line: bool
) -> tuple[str, list[ParsedResponse], list[Problem]]:
    """The text and responses from (number, item) entries, numbered by line (JSON Lines) or
    position (JSON): the file's text, or decoded blocks when a response's literal holds an escape.

    Items that are neither objects nor strings are reported as problems.
    """
    records: list[tuple[int, dict[str, Any]]] = []
    problems: list[Problem] = []
    for number, item in entries:
        if isinstance(item, dict):
            records.append((number, _flatten(item)))
        elif isinstance(item, str):
            records.append((number, {"text": item}))
        else:
            unit = "line" if by_line else "item"
            message = f"{unit} {number} is a {type(item).__name__}, not an object; skipped"
            problems.append(Problem(message, line=number) if by_line else Problem(message, row=number))
    if not records:
        raise IngestError("FH-E140", "no response objects found", file=filename)
    headers = list(dict.fromkeys(k for _, r in records for k in r))
    dicts = [r for _, r in records]
    if options.text_columns:
        fields = [headers[columns.resolve(c, headers, filename)] for c in options.text_columns]
    else:
        found = _text_field(headers, dicts)
        if found is None:
            raise IngestError("FH-E111", "no text field found in the JSON records", file=filename)
        fields = [found]
    rows = [
        columns.Row(number, [_cell(r.get(h)) for h in headers], [_plain(r.get(h)) for h in headers])
        for number, r in records
    ]
    by_column = [[row.values[i] for row in rows] for i in range(len(headers))]
    layout = columns.plan_columns(
        headers, by_column, dataclasses.replace(options, text_columns=fields), filename
    )
    by_number = dict(records)
    text_cols = [headers.index(f) for f in fields]
    blocks = TextBlocks(text)
    unit = "line" if by_line else "item"

    def locate(row: columns.Row, col: int) -> tuple[int, int] | None:
        value = by_number[row.number].get(headers[col])
        if _escaped(text, value):
            label = f"{unit} {row.number}" + (f", {headers[col]}" if len(text_cols) > 1 else "")
            return blocks.add(label, no_surrogates(value.strip()))
        return _span(text, value) if isinstance(value, _Str) else None

    responses = columns.build_responses(headers, rows, layout, locate, options, header_is_question=False)
    return (blocks.text() if len(blocks.parts) > 1 else text), responses, problems


def _plain(value: Any) -> Any:
    return no_surrogates(str(value)) if isinstance(value, str) else value


def _escaped(text: str, value: Any) -> bool:
    """True when ``value`` has no literal in ``text`` that reads as it says (an escape, or a list)."""
    if not isinstance(value, str) or not value.strip():
        return False
    if not isinstance(value, _Str):
        return True
    span = _span(text, value)  # escaped whitespace at the ends is trimmed off anyway
    return span is not None and "\\" in text[span[0] : span[1]]


class JsonReader:
    name = "json"
    binary = False

    def sniff(self, data: bytes, filename: str) -> Tier:
        if filename.lower().endswith(".json"):
            return Tier.STRONG
        head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
        return Tier.PLAUSIBLE if head[:1] in (b"[", b"{") else Tier.NONE

    def read(self, data: bytes, filename: str, options: ReadOptions) -> ParseResult:
        text = decode_text(data, filename, options.encoding)
        try:
            value = _decode(text, filename)
        except IngestError as e:
            if "Extra data" not in e.message:
                raise
            return JSON_LINES.read(data, filename, options)  # a .json file holding JSON Lines
        items = _items(value)
        if items is None:
            raise IngestError("FH-E140", "JSON holds no list of responses", file=filename)
        text, responses, problems = _responses(
            text, list(enumerate(items, start=1)), filename, options, False
        )
        if not responses:
            raise IngestError("FH-E140", "no non-empty response text found", file=filename)
        return ParseResult(text=text, format=self.name, responses=responses, problems=problems)


class JsonLinesReader:
    name = "jsonl"
    binary = False

    def sniff(self, data: bytes, filename: str) -> Tier:
        if filename.lower().endswith((".jsonl", ".ndjson")):
            return Tier.STRONG
        lines = [ln.strip() for ln in data[:8192].split(b"\n") if ln.strip()][:3]
        if len(lines) >= 2 and all(ln.startswith(b"{") and ln.endswith(b"}") for ln in lines[:2]):
            return Tier.LIKELY
        return Tier.NONE

    def read(self, data: bytes, filename: str, options: ReadOptions) -> ParseResult:
        text = decode_text(data, filename, options.encoding)
        text, responses, problems = _responses(text, list(_jsonl(text, filename)), filename, options, True)
        if not responses:
            raise IngestError("FH-E140", "no non-empty response text found", file=filename)
        return ParseResult(text=text, format=self.name, responses=responses, problems=problems)


JSON_LINES = JsonLinesReader()
READERS = [JsonReader(), JSON_LINES]
