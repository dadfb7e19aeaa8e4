"""Codebooks: groups of codes (themes) given as CSV or YAML, read into a ``ParsedFramework``.

CSV: a header row with a group column and an item column (synonyms below), optional
``description``, ``examples`` (";"-separated), ``question`` and ``fallback`` columns; one row per
code. ``fallback`` true ("true", "yes", "1", "x") marks an item chosen only when nothing else fits
(like "Other"): it is read as kind ``fallback`` (other items are kind ``code``). A
blank group cell continues the group above (spreadsheets often leave merged cells blank).
YAML: a mapping ``group -> [items]``, a list of ``{group, items}`` mappings, or either of those
under ``groups:`` beside optional ``name:`` and ``question:``; an item is a string or a mapping
with ``item``/``code``/``label``, ``description``, ``examples`` and ``fallback``.
"""

from __future__ import annotations

import csv
import io
from pathlib import PurePath
from typing import Any

import yaml

from fairhearing.errors import IngestError
from ingest.formats.base import ReadOptions, Tier, decode_text
from ingest.model import ParsedComponent, ParsedFramework, ParsedPrinciple, ParseResult

GROUP_KEYS = ("group", "theme", "category", "component")
ITEM_KEYS = ("item", "code", "label", "subtheme", "principle")
DESCRIPTION_KEYS = ("description", "definition", "desc")
ITEMS_KEYS = ("items", "codes", "labels", "principles")
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "x"})
MAX_SNIFF_ROWS = 500  # a codebook is short; a longer table with such columns is more likely data


def _error(message: str, filename: str, row: int | None = None, line: int | None = None) -> IngestError:
    return IngestError("FH-E141", message, file=filename, row=row, line=line)


def _pick(names: list[str], keys: tuple[str, ...]) -> str | None:
    folded = {n.strip().casefold(): n for n in names}
    return next((folded[k] for k in keys if k in folded), None)


def _truthy(value: Any) -> bool:
    return value is True or str(value).strip().casefold() in TRUE_WORDS


def _examples(value: Any) -> list[str]:
    if value is None:
        return []
    parts = value if isinstance(value, list) else str(value).split(";")
    return [str(p).strip() for p in parts if str(p).strip()]


class _Builder:
    """Collects groups in first-seen order."""

    def __init__(self) -> None:
        self.groups: dict[str, ParsedComponent] = {}

    def add(
        self, group: str, item: str, description: str | None, examples: list[str], fallback: bool = False
    ) -> None:
        comp = self.groups.setdefault(group, ParsedComponent(name=group))
        kind = "fallback" if fallback else "code"
        comp.principles.append(
            ParsedPrinciple(text=item, kind=kind, description=description or None, examples=examples)
        )

    def result(self, text: str, fmt: str, name: str, question: str | None) -> ParseResult:
        if not self.groups:
            raise IngestError("FH-E141", "codebook has no codes", file=name)
        framework = ParsedFramework(name=name, components=list(self.groups.values()), question=question)
        return ParseResult(text=text, format=fmt, framework=framework, title=name, question=question)


def _name(filename: str) -> str:
    return PurePath(filename).stem or "codebook"


# --- CSV ----------------------------------------------------------------------------------------


def _delimiter(text: str, filename: str) -> str:
    """The delimiter under which the header names a group and an item column."""
    first = _first_line(text)
    order = ("\t", ",", ";") if filename.lower().endswith(".tsv") else (",", "\t", ";")
    for delim in order:
        if all(_header_columns(_split_header(first, delim))):
            return delim
    return order[0]


def _first_line(text: str) -> str:
    lines = text.lstrip("\ufeff").splitlines()
    return lines[0] if lines else ""


def _split_header(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []


def _csv_rows(text: str, filename: str) -> list[list[str]]:
    reader = csv.reader(
        io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=_delimiter(text, filename), strict=True
    )
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as e:
        raise _error(f"malformed CSV ({e})", filename, row=len(rows) + 1) from None
    return rows


def _header_columns(header: list[str]) -> tuple[str | None, str | None]:
    return _pick(header, GROUP_KEYS), _pick(header, ITEM_KEYS)


class CodebookCsvReader:
    name = "codebook-csv"
    binary = False

    def sniff(self, data: bytes, filename: str) -> Tier:
        if b"\x00" in data[:4096] or not filename.lower().endswith((".csv", ".tsv", ".txt")):
            return Tier.NONE
        text = data[:65536].decode("utf-8", errors="replace").lstrip("\ufeff")
        header = _split_header(_first_line(text), _delimiter(text, filename))
        if not all(_header_columns(header)):
            return Tier.NONE
        return Tier.CERTAIN if data.count(b"\n") <= MAX_SNIFF_ROWS else Tier.HINT

    def read(self, data: bytes, filename: str, options: ReadOptions) -> ParseResult:
        text = decode_text(data, filename, options.encoding)
        rows = _csv_rows(text, filename)
        if not rows:
            raise IngestError("FH-E101", "file is empty", file=filename)
        header = [h.strip() for h in rows[0]]
        group_col, item_col = _header_columns(header)
        missing = [want for want, col in (("group", group_col), ("item", item_col)) if col is None]
        if missing:
            raise _error(
                f"missing column(s): {', '.join(missing)} (header: {', '.join(header)})", filename, row=1
            )
        col = {name: header.index(name) for name in header if name}
        desc_col, ex_col = _pick(header, DESCRIPTION_KEYS), _pick(header, ("examples", "example"))
        q_col = _pick(header, ("question",))
        fb_col = _pick(header, ("fallback",))
        builder, questions, group = _Builder(), set(), ""
        for number, row in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise _error(f"row has {len(row)} cells, the header has {len(header)}", filename, row=number)

            def cell(name: str | None, row: list[str] = row) -> str:
                return row[col[name]].strip() if name else ""

            group = cell(group_col) or group
            item = cell(item_col)
            if not group or not item:
                raise _error(f"row has no {'group' if not group else 'item'}", filename, row=number)
            if cell(q_col):
                questions.add(cell(q_col))
            builder.add(group, item, cell(desc_col), _examples(cell(ex_col)), _truthy(cell(fb_col)))
        if len(questions) > 1:
            raise _error(f"codebook names several questions ({', '.join(sorted(questions))})", filename)
        question = options.question or (questions.pop() if questions else None)
        return builder.result(text, self.name, _name(filename), question)


# --- YAML ---------------------------------------------------------------------------------------


def _yaml_groups(doc: Any) -> tuple[list[tuple[Any, Any]], dict[str, Any]]:
    """``[(group name, items)]`` and the top-level settings, or ``([], {})`` if not a codebook."""
    settings: dict[str, Any] = {}
    if isinstance(doc, dict):
        body = next((doc[k] for k in ("groups", "codebook", "themes") if k in doc), None)
        if body is not None:
            settings = {k: v for k, v in doc.items() if k in ("name", "question")}
            doc = body
    if isinstance(doc, dict):
        return list(doc.items()), settings
    if not (isinstance(doc, list) and doc and all(isinstance(g, dict) for g in doc)):
        return [], {}
    if not any(k in g for g in doc for k in ITEMS_KEYS):  # flat rows: {group, item, description}
        rows: dict[Any, list[Any]] = {}
        for g in doc:
            rows.setdefault(next((g[k] for k in GROUP_KEYS if k in g), None), []).append(g)
        return list(rows.items()), settings
    groups = []
    for g in doc:
        name = next((g[k] for k in GROUP_KEYS + ("name",) if k in g), None)
        groups.append((name, next((g[k] for k in ITEMS_KEYS if k in g), None)))
    return groups, settings


def _yaml_item(raw: Any, where: str, filename: str) -> tuple[str, str | None, list[str], bool]:
    if isinstance(raw, str | int | float) and str(raw).strip():
        return str(raw).strip(), None, [], False
    if isinstance(raw, dict):
        key = next((k for k in ITEM_KEYS + ("name",) if k in raw), None)
        if key and str(raw[key]).strip():
            desc = next((str(raw[k]) for k in DESCRIPTION_KEYS if raw.get(k)), None)
            return str(raw[key]).strip(), desc, _examples(raw.get("examples")), _truthy(raw.get("fallback"))
    raise _error(f"{where}: an item must be text or a mapping with 'item' (or 'code'/'label')", filename)


class CodebookYamlReader:
    name = "codebook-yaml"
    binary = False

    def sniff(self, data: bytes, filename: str) -> Tier:
        if not filename.lower().endswith((".yml", ".yaml")):
            return Tier.NONE
        try:
            groups, _ = _yaml_groups(yaml.safe_load(data.decode("utf-8", errors="replace")))
        except yaml.YAMLError:
            return Tier.NONE
        return Tier.STRONG if groups and all(isinstance(items, list) for _, items in groups) else Tier.NONE

    def read(self, data: bytes, filename: str, options: ReadOptions) -> ParseResult:
        text = decode_text(data, filename, options.encoding)
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            raise _error(f"malformed YAML: {getattr(e, 'problem', None) or e}", filename, line=line) from None
        groups, settings = _yaml_groups(doc)
        if not groups:
            raise _error("expected a mapping of groups to items, or a list of {group, items}", filename)
        builder = _Builder()
        for number, (group, items) in enumerate(groups, start=1):
            where = f"group {number}"
            if not group or not str(group).strip():
                raise _error(f"{where} has no name (use 'group:')", filename)
            if not isinstance(items, list) or not items:
                raise _error(f"{where} ({group}): expected a list of items", filename)
            for raw in items:
                builder.add(str(group).strip(), *_yaml_item(raw, f"{where} ({group})", filename))
        name = str(settings.get("name") or _name(filename))
        question = options.question or (str(settings["question"]) if settings.get("question") else None)
        return builder.result(text, self.name, name, question)


READERS = [CodebookCsvReader(), CodebookYamlReader()]
# ``formats.readers()`` evaluates ``module.READER`` as the getattr default even when READERS exists
READER = READERS[0]
