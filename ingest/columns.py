"""Columns of a table (spreadsheet rows, JSON records): which column holds the id, the free
text, and each metadata field, judged from headers and values; and one response per non-empty
free-text cell.

Shared by the CSV/XLSX and JSON readers, so that a column called "Organisation" or a
placeholder answer ("N/A") means the same in every tabular format.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fairhearing.errors import IngestError
from ingest.formats.base import ReadOptions
from ingest.model import ParsedResponse, Problem
from ingest.text_patterns import cjk_count, has_text, strip_invisible, word_count

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
