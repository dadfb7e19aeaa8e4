"""Letters (DOCX and PDF submissions): the body between salutation and sign-off, the author and
organisation under the sign-off, and list paragraphs as points.

A letter's response covers its body: after the salutation ("Dear ...") and before the
valediction ("Yours sincerely"); the sign-off below it gives the author and organisation.
Numbered or bulleted paragraphs (list styles, or "1." / "•" prefixes) become explicit points.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.formats.base import ReadOptions
from ingest.model import ParsedResponse, Span
from ingest.text_patterns import LIST_ITEM, ORG_WORDS, ROLE_WORDS, SALUTATION, SIGN_OFF_LINE, has_text, trim

_ON_BEHALF = re.compile(r"^\s*(?:on\s+behalf\s+of|for\s+and\s+on\s+behalf\s+of)\s+(.+?)\s*$", re.I)
_AT_ORG = re.compile(r"^.*\s(at|of)\s+((?:the\s+)?[A-Z].+)$")


@dataclass
class Line:
    start: int
    end: int
    is_item: bool = False  # a numbered or bulleted paragraph


def split_lines(text: str, items: set[int] | None = None) -> list[Line]:
    """Each line of ``text`` (newline excluded); ``items`` holds indices of list paragraphs."""
    out: list[Line] = []
    pos = 0
    for i, line in enumerate(text.split("\n")):
        item = (items is not None and i in items) or bool(LIST_ITEM.match(line))
        out.append(Line(pos, pos + len(line), item))
        pos += len(line) + 1
    return out


def _is_name(line: str) -> bool:
    words = line.replace(".", " ").split()
    return 1 <= len(words) <= 5 and all(
        w[:1].isupper() or w.lower() in {"de", "van", "von", "le"} for w in words
    )


def _organisation_in(part: str) -> str | None:
    """The organisation a sign-off part names ("Shaw Trust", "Head of Policy at Shaw Trust")."""
    behalf = _ON_BEHALF.match(part)
    if behalf:
        return behalf.group(1)
    at_org = _AT_ORG.match(part)
    if at_org and (at_org.group(1) == "at" or ORG_WORDS.search(at_org.group(2))):
        return at_org.group(2)
    if re.search(r"\d|@|www\.|https?:", part):
        return None  # an address, phone number or link
    if ROLE_WORDS.search(part) and not ORG_WORDS.search(part):
        return None
    return part


def parse_signoff(lines: list[str]) -> tuple[str | None, str | None]:
    """(author, organisation) from the lines under a valediction, e.g. "Jane Smith" /
    "Chief Executive, Shaw Trust"."""
    parts: list[str] = []
    for line in lines:
        parts.extend(p.strip() for p in line.split(",") if p.strip())
    author = None
    if parts and _is_name(parts[0]) and not ORG_WORDS.search(parts[0]) and not _ON_BEHALF.match(parts[0]):
        author = parts.pop(0)
    organisation = None
    for part in parts:
        organisation = _organisation_in(part) or organisation
    if organisation and len(organisation) > 100:
        organisation = None
    return author, organisation


def letter_response(text: str, lines: list[Line], options: ReadOptions) -> ParsedResponse | None:
    """One response for a whole document: the body of a letter, with sign-off and points."""
    first, last = 0, len(lines)
    for i, ln in enumerate(lines[: max(12, len(lines) // 3)]):
        if SALUTATION.match(text[ln.start : ln.end]):
            first = i + 1
            break
    signoff: list[str] = []
    for i in range(len(lines) - 1, first - 1, -1):
        if SIGN_OFF_LINE.match(text[lines[i].start : lines[i].end]):
            last = i
            following = (text[ln.start : ln.end].strip() for ln in lines[i + 1 :])
            signoff = [s for s in following if s][:3]
            signoff = [s for s in signoff if len(s) <= 100]
            break
    body = lines[first:last]
    if not body:
        return None
    span = trim(text, body[0].start, body[-1].end)
    if span is None or not has_text(text[span[0] : span[1]]):
        return None
    author, organisation = parse_signoff(signoff) if signoff else (None, None)
    rtype = "organisation" if organisation else ("individual" if author else None)
    return ParsedResponse(
        start=span[0],
        end=span[1],
        author=author,
        organisation=organisation,
        respondent_type=rtype,
        question=options.question,
        points=_points(text, body),
    )


def _points(text: str, body: list[Line]) -> list[Span] | None:
    """With two or more list items: each item (marker left out) and each other paragraph."""
    if sum(1 for ln in body if ln.is_item) < 2:
        return None
    points: list[Span] = []
    for ln in body:
        start = ln.start
        marker = LIST_ITEM.match(text, ln.start, ln.end) if ln.is_item else None
        if marker:
            start = marker.end()
        span = trim(text, start, ln.end)
        if span:
            points.append(Span(*span))
    return points
