"""Spreadsheets (CSV/TSV and XLSX): survey-tool exports, one row per respondent.

Columns are classified from their headers and values: an id column, metadata columns (author,
organisation, respondent type, location, question/topic, timestamp, ...) and free-text columns.
Each non-empty (row, free-text column) cell becomes one response whose question is the column
header (or, for a single free-text column, a question/topic column or ``options.question``).
The JSON reader reuses the column planning below for its record fields.

A CSV's text is the file itself (responses are spans of it), followed, for each free-text cell
holding a doubled quote ("", which is one quote), by a labelled block of the cell's value
("[row 7, Comment]", as XLSX text is made), which is that response's span. Rows wider than ``MAX_COLUMNS`` and cells longer than
``MAX_FIELD_CHARS`` are refused as the parser reaches them (FH-E113, FH-E114).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fairhearing.errors import IngestError
from ingest.formats import archive
from ingest.formats.base import ReadOptions, TextBlocks, Tier, bomless_utf16, decode_text, wide_encoding
from ingest.model import ParsedResponse, ParseResult, Problem
from ingest.text_patterns import cjk_count, has_text, strip_invisible, trim, word_count

FIELDS = ("author", "organisation", "respondent_type", "location", "question")

_ID_NAMES = {
    "id", "response id", "respondent id", "respondent", "comment id", "submission id", "record id",
    "entry id", "row id", "unique id", "reference", "ref", "uuid", "response number", "responseid",
    "respondentid", "commentid", "submissionid",
}  # fmt: skip
_GROUP_NAMES = {"conversation", "consultation", "topic", "question", "survey", "form", "sheet", "theme"}
_QUESTION_NAMES = {"question", "topic", "consultation", "theme", "subject", "question text"}
_TYPE_PHRASES = (
    "respondent type", "type of respondent", "responding as", "respond as", "individual or",
    "respondent category", "on behalf", "capacity", "responder type",
)  # fmt: skip
_ORG_WORDS = {"organisation", "organization", "org", "company", "employer", "business", "organisation name"}
_AUTHOR_NAMES = {
    "name", "author", "author id", "author name", "full name", "your name", "respondent name",
    "submitted by", "user", "username", "user name", "user id", "participant", "participant id",
    "contributor", "commenter", "first name", "last name", "surname", "given name",
}  # fmt: skip
_KIND_WORDS = {"type", "kind", "sector", "category", "size"}  # "Organisation type" is not a name
_NOT_PERSON = {"file", "event", "conversation", "consultation", "project", "survey", "sheet", "company"}
_LOCATION_WORDS = {
    "location", "region", "postcode", "post code", "zip", "zip code", "country", "city", "town",
    "county", "local authority", "ward", "constituency",
}  # fmt: skip
_LOCATION_NAMES = {"area", "address", "postal address", "home address", "where do you live"}
_BLANK_VALUES = {"n/a", "na", "none", "nil", "null", "-", "--", "."}  # no value in a metadata column
_PLACEHOLDERS = _BLANK_VALUES | {
    "n.a.", "n.a", "---", "..", "...", "?", "nothing", "no", "nope", "not applicable", "no comment",
    "no comments", "nothing to add", "nothing else", "don't know", "dont know", "do not know",
    "not sure", "no answer",
}  # fmt: skip  # an answer that says nothing: kept, flagged
MAX_COLUMNS = 16_384  # Excel's own limit (column XFD); a wider row is refused (FH-E113)
MAX_FIELD_CHARS = 1_000_000  # a longer CSV cell is refused (FH-E114): no answer is a book
MAX_XLSX_ROWS = 1_048_576  # Excel's own limit; stops hostile sheets that claim more


def norm_name(name: str) -> str:
    """A header in lower case, words only (``Response_ID`` -> ``response id``)."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", name.lower().replace("_", " ")).split())


def _has_phrase(norm: str, phrases: Sequence[str] | set[str]) -> bool:
    padded = f" {norm} "
    return any(f" {p} " in padded for p in phrases)


def is_empty(value: str) -> bool:
    """Nothing but whitespace and invisible characters (zero-width, soft hyphens): no answer at all."""
    return not has_text(value)


def is_placeholder(value: str) -> bool:
    """A non-empty answer that says nothing ("N/A", "-", "none", "nothing", "no")."""
    return strip_invisible(value).casefold() in _PLACEHOLDERS


def is_blank(value: str) -> bool:
    """Empty, or "N/A", "-", "none"...: no value for a metadata column, no evidence of free text.

    Free-text cells are skipped only when empty; a placeholder there is kept as a response
    flagged ``meta["placeholder"]`` (the mapper and counts use the flag).
    """
    return is_empty(value) or strip_invisible(value).casefold() in _BLANK_VALUES


def respondent_type(value: str) -> str | None:
    """Map a respondent-type answer to "individual" / "organisation"; None when unclear."""
    low = value.lower()
    if "organi" in low:
        return "organisation"
    if any(w in low for w in ("individual", "member of the public", "myself", "personal capacity")):
        return "individual"
    return "organisation" if "on behalf" in low else None


@dataclass
class Profile:
    """What a column's values look like."""

    nonempty: int
    distinct: int
    long_share: float  # share of distinct values with four or more words
    mean_len: float
    type_share: float  # share of non-empty values that name a respondent type

    @property
    def free_text(self) -> bool:
        if self.nonempty == 0 or self.mean_len < 12 or self.long_share < 0.5:
            return False
        return self.nonempty < 20 or self.distinct >= 0.2 * self.nonempty


def profile(values: Sequence[str]) -> Profile:
    filled = [v.strip() for v in values if not is_blank(v)]
    if not filled:
        return Profile(0, 0, 0.0, 0.0, 0.0)
    distinct = set(filled)
    long = sum(1 for v in distinct if word_count(v) >= 4)
    typed = sum(1 for v in filled if len(v) < 60 and respondent_type(v))
    return Profile(
        nonempty=len(filled),
        distinct=len(distinct),
        long_share=long / len(distinct),
        mean_len=sum(len(v) + 2 * cjk_count(v) for v in filled) / len(filled),
        type_share=typed / len(filled),
    )


def _role_by_name(norm: str, prof: Profile) -> str | None:
    """The metadata role a header names, or None. Long question-like headers never count."""
    short = len(norm.split()) <= 5
    if _has_phrase(norm, _TYPE_PHRASES) and (prof.type_share >= 0.5 or short):
        return "respondent_type"
    if norm == "type" and prof.type_share >= 0.5:
        return "respondent_type"
    if not short:
        return None
    if norm in _ID_NAMES:
        return "id"
    if _has_phrase(norm, _ORG_WORDS):
        return None if _has_phrase(norm, _KIND_WORDS) else "organisation"
    if norm in _AUTHOR_NAMES or (_has_phrase(norm, {"name"}) and len(norm.split()) <= 3):
        return None if _has_phrase(norm, _NOT_PERSON) else "author"
    if norm in _LOCATION_NAMES or _has_phrase(norm, _LOCATION_WORDS):
        return "location"
    if norm in _QUESTION_NAMES:
        return "question"
    if _has_phrase(norm, {"timestamp", "date", "time", "submitted", "created", "updated", "modified"}):
        return "timestamp"
    return None


@dataclass
class Layout:
    """Which column plays which part; columns are indices into the header list."""

    text: list[int]
    fields: dict[str, int] = field(default_factory=dict)  # FIELDS -> column
    id_col: int | None = None
    group_col: int | None = None  # makes the id unique when the id alone is not
    question_col: int | None = None  # applies to the single free-text column


def resolve(name: str, headers: Sequence[str], filename: str) -> int:
    """Index of a user-named column (exact, then case/spacing-insensitive); FH-E112 otherwise."""
    if name in headers:
        return list(headers).index(name)
    wanted = norm_name(name)
    for i, h in enumerate(headers):
        if norm_name(h) == wanted:
            return i
    listed = ", ".join(repr(h) for h in headers)
    raise IngestError("FH-E112", f"no column named {name!r}; the columns are: {listed}", file=filename)


def _unique(values: Sequence[str]) -> bool:
    filled = [v.strip() for v in values]
    return all(filled) and len(set(filled)) == len(filled)


def plan_columns(
    headers: Sequence[str], columns: Sequence[Sequence[str]], options: ReadOptions, filename: str
) -> Layout:
    """Classify columns, honouring the user's ``id_column``, ``text_columns`` and ``meta_columns``."""
    profiles = [profile(col) for col in columns]
    roles = [_role_by_name(norm_name(h), p) for h, p in zip(headers, profiles, strict=True)]
    for i, p in enumerate(profiles):
        if roles[i] is None and not p.free_text and p.nonempty and p.type_share >= 0.9 and p.distinct <= 6:
            roles[i] = "respondent_type"

    unknown = set(options.meta_columns) - set(FIELDS)
    if unknown:
        raise IngestError(
            "FH-E112",
            f"unknown metadata field(s) {', '.join(sorted(unknown))}; known: {', '.join(FIELDS)}",
            file=filename,
        )
    named = {f: resolve(c, headers, filename) for f, c in options.meta_columns.items()}
    if options.text_columns:
        text = [resolve(c, headers, filename) for c in options.text_columns]
    else:
        taken = set(named.values())
        text = [i for i, p in enumerate(profiles) if p.free_text and roles[i] is None and i not in taken]
    if not text:
        described = ", ".join(repr(h) for h in headers)
        raise IngestError(
            "FH-E111",
            f"no free-text column found among: {described}; name the free-text column(s) explicitly",
            file=filename,
        )

    layout = Layout(text=text)
    for f in FIELDS:
        if f in named:
            layout.fields[f] = named[f]
        elif f != "question":
            found = [i for i, r in enumerate(roles) if r == f and i not in text]
            if found:
                layout.fields[f] = found[0]
    if "question" in named:
        layout.question_col = named["question"]
    elif len(text) == 1:
        for i, r in enumerate(roles):
            p = profiles[i]
            low_cardinality = p.distinct <= max(1, p.nonempty // 2) and p.mean_len <= 300
            if r == "question" and i not in text and low_cardinality:
                layout.question_col = i
                break

    if options.id_column:
        layout.id_col = resolve(options.id_column, headers, filename)
        return layout
    for i, r in enumerate(roles):
        if r != "id" or i in text:
            continue
        if _unique(columns[i]):
            layout.id_col = i
            return layout
        for g, h in enumerate(headers):
            pairs = [f"{a}\x1f{b}" for a, b in zip(columns[g], columns[i], strict=True)]
            if g != i and norm_name(h) in _GROUP_NAMES and _unique(pairs):
                layout.id_col, layout.group_col = i, g
                return layout
    return layout


@dataclass
class Row:
    """One data row: its 1-based number in the file/sheet, cell strings, and original values."""

    number: int
    values: list[str]
    raw: list[Any] | None = None

    def cell(self, i: int | None) -> str | None:
        """The trimmed value of column ``i``; None when blank or absent."""
        if i is None or i >= len(self.values) or is_blank(self.values[i]):
            return None
        return self.values[i].strip()


Locate = Callable[[Row, int], "tuple[int, int] | None"]


MODERATION_COLUMNS = {"moderated", "moderation", "moderation status", "moderation_status"}
REJECTED = {"-1", "rejected", "removed", "hidden"}  # Polis marks a moderator's rejection as -1


def drop_moderated(
    headers: Sequence[str], rows: Sequence[Row], options: ReadOptions
) -> tuple[list[Row], list[Problem]]:
    """Rows the source's moderators rejected are left out (and counted) unless
    ``options.include_moderated``; a row is rejected when a moderation column says so."""
    col = next((i for i, h in enumerate(headers) if h.strip().lower() in MODERATION_COLUMNS), None)
    if col is None or options.include_moderated:
        return list(rows), []
    kept = [r for r in rows if (r.cell(col) or "").strip().lower() not in REJECTED]
    dropped = len(rows) - len(kept)
    if not dropped:
        return kept, []
    return kept, [
        Problem(
            f"{dropped} rows rejected by the source's moderators (column '{headers[col]}') were left out; "
            "pass --include-moderated to keep them"
        )
    ]


def build_responses(
    headers: Sequence[str],
    rows: Sequence[Row],
    layout: Layout,
    locate: Locate,
    options: ReadOptions,
    id_prefix: str = "",
    header_is_question: bool = True,
) -> list[ParsedResponse]:
    """One response per non-empty free-text cell; ``locate`` gives the cell's span in the text.

    A placeholder answer ("N/A", "none", "-") is kept, with ``meta["placeholder"] = True``.

    The question is a user-named question column, else (one free-text column) ``options.question``
    or a detected question/topic column, else the column header when ``header_is_question``.
    """
    used = {layout.id_col, *layout.text} | {
        c for f, c in layout.fields.items() if f in ("author", "organisation", "respondent_type")
    }
    meta_cols = [i for i in range(len(headers)) if i not in used]
    out: list[ParsedResponse] = []
    for row in rows:
        cell = row.cell
        meta: dict[str, Any] = {}
        for i in meta_cols:
            value = cell(i)
            if value is not None:
                meta[headers[i]] = row.raw[i] if row.raw is not None else value
        rtype_raw = cell(layout.fields.get("respondent_type"))
        rtype = respondent_type(rtype_raw) if rtype_raw else None
        if rtype_raw and rtype is None:
            meta[headers[layout.fields["respondent_type"]]] = rtype_raw
        rid = cell(layout.id_col)
        if rid is not None and layout.group_col is not None:
            rid = f"{cell(layout.group_col) or ''}:{rid}"
        meta["row"] = row.number
        meta["respondent_id"] = rid if rid is not None else f"{id_prefix}row {row.number}"
        question_value = cell(layout.question_col)
        for col in layout.text:
            if col >= len(row.values) or is_empty(row.values[col]):
                continue
            span = locate(row, col)
            if span is None:
                continue
            placeholder = is_placeholder(row.values[col])
            if "question" in options.meta_columns:
                question = question_value
            elif len(layout.text) == 1:
                question = options.question or question_value
            else:
                question = None
            if question is None and header_is_question:
                question = headers[col]
            out.append(
                ParsedResponse(
                    start=span[0],
                    end=span[1],
                    author=cell(layout.fields.get("author")),
                    organisation=cell(layout.fields.get("organisation")),
                    respondent_type=rtype,
                    question=question,
                    meta={**meta, "placeholder": True} if placeholder else dict(meta),
                )
            )
    return out


def clean_headers(raw: Sequence[str]) -> list[str]:
    """Trimmed, unique, non-empty header names ("column 3" for a blank one)."""
    out: list[str] = []
    used: set[str] = set()
    next_n: dict[str, int] = {}  # per base name: every "base (k)" below it is already taken
    for i, h in enumerate(raw):
        name = " ".join(h.replace("\ufeff", "").split()) or f"column {i + 1}"
        base, n = name, next_n.get(name, 2)
        while name in used:
            name, n = f"{base} ({n})", n + 1
        next_n[base] = n
        used.add(name)
        out.append(name)
    return out


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
                raise IngestError(
                    "FH-E113",
                    f"row {row} has more than {MAX_COLUMNS} columns (line {text.count(chr(10), 0, pos) + 1})",
                    file=filename,
                    row=row,
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
                        raise IngestError(
                            "FH-E113",
                            f"sheet {title!r} row {number} has {len(found)} columns (limit {MAX_COLUMNS})",
                            file=filename,
                            row=number,
                        )
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
