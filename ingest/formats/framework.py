"""Policy frameworks: a strategy document of components, each a heading, a headline and principles.

A component is a heading (a short line between blank lines) whose section holds "- " bullets,
usually after a "Principles" line; " - " sub-bullets fold into the principle above them. Text
extracted from a PDF leaves artefacts that are repaired here: page numbers and footnotes inside
lists, sub-bullets pushed out to the top level after a page break, and lines broken mid-sentence.
Sections after an "Annex N" heading are flagged ``is_annex``; a bullet-less section whose heading
names a component (e.g. a summary of responses per component) becomes that component's
``context``. Respondent pull-quotes ("… sentence. Organisation Name") become responses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fairhearing.errors import IngestError
from ingest.formats.base import ReadOptions, Tier, decode_text
from ingest.model import ParsedComponent, ParsedFramework, ParsedPrinciple, ParsedResponse, ParseResult
from ingest.text_patterns import BULLET_ITEM

_SUPERSCRIPTS = "¹²³⁴⁵⁶⁷⁸⁹⁰"
_PAGE_NUMBER = re.compile(r"^\d{1,3}$")
_FOOTNOTE = re.compile(rf"^[{_SUPERSCRIPTS}]+\s")
_TOC = re.compile(r"\t\s*\d+\s*$")
_PRINCIPLES = re.compile(r"^Principles:?$", re.I)
_ANNEX = re.compile(r"^Annex\s+\w+\b", re.I)
_DATE = re.compile(r"^(?:\d{1,2}\s+)?[A-Z][a-z]+\s+\d{4}$")
_CONTINUATION_START = re.compile(r"^(?:This|These|They|It|Such)\s+(?:will|would|includes?|should|may|can)\b")
_QUOTE_TRAILER = re.compile(r"[.?!…]['’\"”]?\s+(?P<org>[A-Za-z][^.?!]{1,99}[\w)'’])$")
_QUOTES = "'\"‘’“”"
_FUNCTION_WORDS = {"of", "and", "for", "the", "&", "–", "-", "in", "on", "to"}
_RESPONDENT_LIST = re.compile(r"\blist of (?:organisations|organizations|respondents)\b", re.I)


@dataclass
class _Line:
    start: int  # offsets of the trimmed content
    end: int
    text: str
    kind: str  # blank / page / footnote / toc / principles / bullet / cont / text
    level: int = 0  # bullets: 0 top-level, 1 indented sub-bullet
    body_start: int = 0  # bullets: where the text after the marker begins


@dataclass
class _Item:
    level: int
    start: int
    end: int
    text: str
    break_before: bool


def _lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    offset = 0
    for full in text.split("\n"):
        line_start, offset = offset, offset + len(full) + 1
        raw = full.rstrip("\r")
        stripped = raw.strip()
        start = line_start + len(raw) - len(raw.lstrip())
        line = _Line(start, start + len(stripped), stripped, "text")
        bullet = BULLET_ITEM.match(raw)
        if not stripped:
            line.kind = "blank"
        elif _PAGE_NUMBER.match(stripped):
            line.kind = "page"
        elif _FOOTNOTE.match(stripped):
            line.kind = "footnote"
        elif _TOC.search(raw):
            line.kind = "toc"
        elif _PRINCIPLES.match(stripped):
            line.kind = "principles"
        elif bullet:
            line.kind, line.level = "bullet", int(bool(bullet.group("indent")))
            line.body_start = line_start + bullet.end()
        elif raw[:1].isspace():
            line.kind = "cont"
        out.append(line)
    return out


def _is_heading(lines: list[_Line], i: int) -> bool:
    line = lines[i]
    long = len(line.text) > 80 or len(line.text.split()) > 10
    if line.kind != "text" or (long and not (_ANNEX.match(line.text) and len(line.text) <= 120)):
        return False
    if line.text[-1] in ".,;" or not (
        line.text[0].isupper() or line.text[0].isdigit() or line.text[0] == "#"
    ):
        return False
    before_ok = i == 0 or lines[i - 1].kind == "blank"
    after_ok = i + 1 == len(lines) or lines[i + 1].kind in ("blank", "bullet")
    return before_ok and after_ok


def _heading_name(text: str) -> str:
    return text.lstrip("#").strip().rstrip(":").strip()


def _clean(text: str) -> str:
    text = re.sub(rf"[{_SUPERSCRIPTS}]+", "", text)
    text = re.sub(r"\*{1,2}([^*\s](?:[^*]*[^*\s])?)\*{1,2}", r"\1", text)  # markdown emphasis
    return re.sub(r"[ \t]+", " ", text).strip()


def _paragraphs(lines: list[_Line]) -> list[list[_Line]]:
    """Runs of consecutive prose lines."""
    paras: list[list[_Line]] = []
    for prev, line in zip([None, *lines], lines, strict=False):
        if line.kind != "text":
            continue
        if prev is not None and prev.kind == "text" and paras:
            paras[-1].append(line)
        else:
            paras.append([line])
    return paras


# --- bullets into principles --------------------------------------------------------------------


def _items(lines: list[_Line]) -> list[_Item]:
    """Bullet items in order; indented non-bullet lines join the item above them."""
    items: list[_Item] = []
    gap = False
    for line in lines:
        if line.kind == "bullet":
            items.append(
                _Item(line.level, line.body_start, line.end, line.text[line.body_start - line.start :], gap)
            )
            gap = False
        elif line.kind == "cont" and items and not gap:
            last = items[-1]
            if last.text.rstrip()[-1:] in ".;:?!":  # a sub-bullet that lost its dash
                items.append(_Item(1, line.start, line.end, line.text, False))
            else:  # a sentence broken across lines
                last.text, last.end = f"{last.text} {line.text}", line.end
        elif items:
            gap = True
    return items


def _repair_page_breaks(items: list[_Item]) -> None:
    """Demote top-level bullets that a page break pushed out of a run of sub-bullets.

    After a break that follows a sub-bullet, top-level bullets without sub-bullets of their own
    are sub-bullets of the principle before the break, up to the first one that has its own;
    a bullet opening lowercase or with "This will"/"They will" after a break continues too.
    """
    demoting = False
    for i, item in enumerate(items):
        if item.level != 0 or i == 0:
            continue
        nxt = items[i + 1] if i + 1 < len(items) else None
        has_subs = nxt is not None and nxt.level == 1 and not nxt.break_before
        if item.break_before:
            demoting = items[i - 1].level == 1 and not has_subs
            continues = item.text[:1].islower() or bool(_CONTINUATION_START.match(item.text))
            demoting = demoting or continues
        elif demoting:
            demoting = not has_subs
        if demoting:
            item.level = 1


def _principles(items: list[_Item], kind: str) -> list[ParsedPrinciple]:
    groups: list[list[_Item]] = []
    for item in items:
        if item.level == 0 or not groups:
            groups.append([item])
        else:
            groups[-1].append(item)
    return [
        ParsedPrinciple(
            text="\n".join(_clean(it.text) for it in group),
            start=group[0].start,
            end=group[-1].end,
            kind=kind,
        )
        for group in groups
    ]


def _kind_for(name: str) -> str:
    if re.search(r"\bvalues?\b", name, re.I):
        return "value"
    if re.search(r"\bundertak", name, re.I):
        return "undertaking"
    return "principle"


# --- sections -----------------------------------------------------------------------------------


@dataclass
class _Section:
    name: str
    lines: list[_Line]
    annex: bool

    @property
    def has_bullets(self) -> bool:
        return any(line.kind == "bullet" for line in self.lines)


def _sections(lines: list[_Line]) -> list[_Section]:
    sections: list[_Section] = []
    annex = False
    for i, line in enumerate(lines):
        if _is_heading(lines, i):
            annex = annex or bool(_ANNEX.match(line.text))
            sections.append(_Section(_heading_name(line.text), [], annex))
        elif sections:
            sections[-1].lines.append(line)
    return sections


def _component(section: _Section) -> ParsedComponent:
    lines = section.lines
    marker = next((i for i, ln in enumerate(lines) if ln.kind == "principles"), None)
    first_bullet = next(i for i, ln in enumerate(lines) if ln.kind == "bullet")
    head_end = marker if marker is not None and marker < first_bullet else first_bullet
    intro = _paragraphs(lines[:head_end])
    headline = _clean(" ".join(ln.text for ln in intro[0])) if intro else None
    items = _items(lines[first_bullet:])
    _repair_page_breaks(items)
    return ParsedComponent(
        name=section.name,
        headline=headline,
        principles=_principles(items, _kind_for(section.name)),
        is_annex=section.annex,
    )


def pull_quote(line_text: str) -> tuple[int, int, str] | None:
    """``(start, end, organisation)`` of a quote ending with the name of who said it."""
    m = _QUOTE_TRAILER.search(line_text)
    if not m or m.start() < 40:
        return None
    org = m.group("org").strip()
    words = [w for w in org.split() if w.lower() not in _FUNCTION_WORDS]
    if not words or len(org.split()) > 12 or sum(w[0].isupper() for w in words) / len(words) < 0.6:
        return None
    start, end = 0, m.start("org")
    body = line_text[:end].rstrip()
    if body[:1] in _QUOTES:
        start = 1
    if body[-1:] in _QUOTES and len(body) - 1 > start:
        body = body[:-1]
    return start, len(body.rstrip()), org


def _responses(sections: list[_Section], components: dict[int, ParsedComponent]) -> list[ParsedResponse]:
    out: list[ParsedResponse] = []
    for si, section in enumerate(sections):
        comp = components.get(si)
        for para in _paragraphs(section.lines):
            if len(para) != 1:
                continue
            line = para[0]
            found = pull_quote(line.text)
            if found is None:
                continue
            start, end, org = found
            out.append(
                ParsedResponse(
                    start=line.start + start,
                    end=line.start + end,
                    organisation=org,
                    respondent_type="organisation",
                    role="quoted_in_framework",  # evidence about the framework, not a response to it
                    section=section.name,
                    meta={"component": comp.name if comp else None, "kind": "pull-quote"},
                )
            )
    return out


def _title(lines: list[_Line]) -> str | None:
    for line in lines[:60]:
        words = line.text.split()
        if line.kind == "text" and 2 <= len(words) <= 12 and not _DATE.match(line.text):
            return _heading_name(line.text)
    return None


def respondent_list(text: str) -> list[str]:
    """Names listed under a "List of organisations who submitted responses" heading."""
    lines = _lines(text)
    for i, line in enumerate(lines):
        if line.kind == "text" and _RESPONDENT_LIST.search(line.text):
            names: list[str] = []
            for nxt in lines[i + 1 :]:
                if nxt.kind == "blank":
                    continue
                if nxt.kind != "text" or len(nxt.text) > 100 or nxt.text.endswith("."):
                    break
                names.append(nxt.text)
            return names
    return []


def parse_framework(text: str, filename: str) -> ParseResult:
    """Components, principles, annex sections, per-component context and pull-quotes."""
    lines = _lines(text)
    sections = _sections(lines)
    components = {i: _component(s) for i, s in enumerate(sections) if s.has_bullets}
    if not components:
        raise IngestError("FH-E141", "no headings with bullet points found", file=filename)
    by_name = {c.name.casefold(): c for c in components.values()}
    for i, section in enumerate(sections):
        target = by_name.get(section.name.casefold())
        if i in components or target is None or target.context:
            continue
        paras = [_clean(" ".join(ln.text for ln in p)) for p in _paragraphs(section.lines)]
        target.context = "\n\n".join(paras) or None
    title = _title(lines)
    framework = ParsedFramework(name=title or filename, components=list(components.values()))
    return ParseResult(
        text=text,
        format="framework",
        responses=_responses(sections, components),
        framework=framework,
        title=title,
    )


class FrameworkReader:
    name = "framework"
    binary = False

    def sniff(self, data: bytes, filename: str) -> Tier:
        if b"\x00" in data[:4096]:
            return Tier.NONE
        text = data[:500_000].decode("utf-8", errors="replace")
        led = re.findall(r"(?m)^Principles:?[ \t]*\r?\n(?:[ \t]*\r?\n)*[ \t]*[-•*–][ \t]", text)
        if len(led) >= 2:
            return Tier.STRONG
        return Tier.PLAUSIBLE if led else Tier.NONE

    def read(self, data: bytes, filename: str, options: ReadOptions) -> ParseResult:
        text = decode_text(data, filename, options.encoding)
        result = parse_framework(text, filename)
        for r in result.responses:
            r.question = options.question
        return result


READER = FrameworkReader()
