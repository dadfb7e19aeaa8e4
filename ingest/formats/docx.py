"""Word documents (DOCX): letters and written submissions, one response per document.

The extracted text is the paragraphs joined by newlines, with table rows as cells joined by
" | ". Text inside content controls, smart tags, custom XML, field results, tracked insertions
and text boxes (each box's paragraphs after the paragraph anchoring it) is read; deleted text,
field codes and a text box's legacy copy are not. A letter's response covers its body: after the salutation ("Dear ...") and before the
valediction ("Yours sincerely"); the sign-off below it gives the author and organisation.
Numbered or bulleted paragraphs (list styles, or "1." / "•" prefixes) become explicit points.
The letter helpers here are shared with the PDF reader.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fairhearing.errors import IngestError
from ingest.formats import archive
from ingest.formats.base import ReadOptions
from ingest.model import ParsedResponse, ParseResult, Span
from ingest.text_patterns import has_text

if TYPE_CHECKING:
    from docx.document import Document

_SALUTATION = re.compile(r"^\s*(?:dear\b[^\n]{0,60}|to whom it may concern)[,:.]?\s*$", re.I)
_VALEDICTION = re.compile(
    r"^\s*(?:yours\s+(?:sincerely|faithfully|truly)|(?:with\s+)?(?:kind|best|warm|many)\s+(?:regards|wishes|thanks)"
    r"|regards|sincerely|thank\s+you|many\s+thanks)[,.!]?\s*$",
    re.I,
)
_MARKER = re.compile(r"[ \t]*(?:\(?\d{1,3}[.)]|\(?[a-z]\)|[•\-–—*·▪●◦‣])[ \t]+(?=\S)")
_ORG_WORDS = re.compile(
    r"\b(?:ltd|limited|plc|llp|cic|inc|council|trust|association|society|charity|foundation|group"
    r"|partnership|network|alliance|forum|federation|union|institute|agency|board|company|centre"
    r"|center|university|college|services?|department|ministry|authority|commission|coalition"
    r"|consortium|church|club|committee|uk|nhs|hospital|school|housing|action|advice|citizens)\b",
    re.I,
)
_ROLE_WORDS = re.compile(
    r"\b(?:chief|executive|director|manager|officer|chair|chairman|chairperson|chairwoman|president"
    r"|secretary|head|lead|coordinator|co-ordinator|adviser|advisor|ceo|founder|trustee|councillor"
    r"|member|analyst|consultant|partner|owner|volunteer|deputy|vice)\b",
    re.I,
)
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
        item = (items is not None and i in items) or bool(_MARKER.match(line))
        out.append(Line(pos, pos + len(line), item))
        pos += len(line) + 1
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    seg = text[start:end]
    inner = seg.strip()
    if not inner:
        return None
    s = start + len(seg) - len(seg.lstrip())
    return s, s + len(inner)


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
    if at_org and (at_org.group(1) == "at" or _ORG_WORDS.search(at_org.group(2))):
        return at_org.group(2)
    if re.search(r"\d|@|www\.|https?:", part):
        return None  # an address, phone number or link
    if _ROLE_WORDS.search(part) and not _ORG_WORDS.search(part):
        return None
    return part


def parse_signoff(lines: list[str]) -> tuple[str | None, str | None]:
    """(author, organisation) from the lines under a valediction, e.g. "Jane Smith" /
    "Chief Executive, Shaw Trust"."""
    parts: list[str] = []
    for line in lines:
        parts.extend(p.strip() for p in line.split(",") if p.strip())
    author = None
    if parts and _is_name(parts[0]) and not _ORG_WORDS.search(parts[0]) and not _ON_BEHALF.match(parts[0]):
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
        if _SALUTATION.match(text[ln.start : ln.end]):
            first = i + 1
            break
    signoff: list[str] = []
    for i in range(len(lines) - 1, first - 1, -1):
        if _VALEDICTION.match(text[lines[i].start : lines[i].end]):
            last = i
            following = (text[ln.start : ln.end].strip() for ln in lines[i + 1 :])
            signoff = [s for s in following if s][:3]
            signoff = [s for s in signoff if len(s) <= 100]
            break
    body = lines[first:last]
    if not body:
        return None
    span = _trim(text, body[0].start, body[-1].end)
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
        marker = _MARKER.match(text, ln.start, ln.end) if ln.is_item else None
        if marker:
            start = marker.end()
        span = _trim(text, start, ln.end)
        if span:
            points.append(Span(*span))
    return points


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Containers whose children are read as if they stood in their place (content controls, custom
# XML, smart tags, tracked insertions and moves, simple fields, hyperlinks, ...).
_SKIPPED = {
    f"{_W}del",
    f"{_W}moveFrom",
    f"{_W}instrText",
    f"{_W}delText",
    _MC_FALLBACK,
    f"{_W}pPr",
    f"{_W}rPr",
}
_SPACES = {f"{_W}tab", f"{_W}br", f"{_W}cr", f"{_W}ptab"}


def _paragraph_text(p, boxes: list) -> str:
    """A paragraph's visible text: every ``w:t`` under it (inside content controls, smart tags,
    fields' results and tracked insertions too), deleted text and field codes left out.

    Text-box paragraphs found inside are appended to ``boxes`` rather than read into this one;
    a text box's legacy copy (``mc:Fallback``) is skipped.
    """
    out: list[str] = []
    stack = [iter(p)]
    while stack:
        el = next(stack[-1], None)
        if el is None:
            stack.pop()
            continue
        tag = el.tag
        if not isinstance(tag, str) or tag in _SKIPPED:
            continue
        if tag == f"{_W}t":
            out.append(el.text or "")
        elif tag in _SPACES:
            out.append(" ")
        elif tag == f"{_W}noBreakHyphen":
            out.append("-")
        elif tag == f"{_W}txbxContent":
            boxes.extend(el.iter(f"{_W}p"))
        else:
            stack.append(iter(el))
    return "".join(out).replace("\n", " ").replace("\r", " ")


def _is_item(p, document: Document) -> bool:
    """A numbered or bulleted paragraph: numbering properties or a list style."""
    from docx.text.paragraph import Paragraph

    ppr = p.find(f"{_W}pPr")
    if ppr is not None and ppr.find(f"{_W}numPr") is not None:
        return True
    try:
        style = Paragraph(p, document).style
    except (KeyError, ValueError, AttributeError):
        return False
    return bool(style is not None and (style.name or "").lower().startswith("list"))


def _blocks(document: Document) -> Iterator[tuple[str, bool]]:
    """(text, is_list_item) per paragraph and text-box paragraph, and per table row (cells joined
    by " | "), in document order; content controls and custom XML are read through."""

    def walk(parent) -> Iterator[tuple[str, bool]]:
        for el in parent:
            tag = el.tag
            if tag == f"{_W}p":
                boxes: list = []
                yield _paragraph_text(el, boxes), _is_item(el, document)
                for box in boxes:
                    yield _paragraph_text(box, []), _is_item(box, document)
            elif tag == f"{_W}tbl":
                for tr in el.findall(f"{_W}tr"):
                    cells = []
                    for tc in tr.findall(f"{_W}tc"):
                        parts = [" ".join(_paragraph_text(p, []).split()) for p in tc.iter(f"{_W}p")]
                        cells.append(" ".join(t for t in parts if t))
                    yield " | ".join(cells), False
            elif tag in (f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml", f"{_W}ins", f"{_W}moveTo"):
                yield from walk(el)

    yield from walk(document.element.body)


class DocxReader:
    name = "docx"
    binary = True

    def sniff(self, data: bytes, filename: str) -> float:
        if filename.lower().endswith(".docx"):
            return 0.95
        return 0.8 if data.startswith(b"PK") and b"word/" in data[:65536] else 0.0

    def read(self, data: bytes, filename: str, options: ReadOptions) -> ParseResult:
        import docx

        with archive.open_zip(data, filename, options.max_bytes, "DOCX") as zf:
            archive.require_member(zf, "word/document.xml", filename, "DOCX")
        try:
            document = docx.Document(io.BytesIO(data))
            blocks = list(_blocks(document))
            title = (document.core_properties.title or "").strip() or None
        except IngestError:
            raise
        except Exception as e:  # python-docx raises many types on corrupt parts
            raise IngestError(
                "FH-E130", f"corrupt DOCX file: {type(e).__name__}: {e}", file=filename
            ) from None
        text = "\n".join(t for t, _ in blocks)
        items = {i for i, (_, is_item) in enumerate(blocks) if is_item}
        response = letter_response(text, split_lines(text, items), options)
        if response is None:
            raise IngestError("FH-E140", "the document has no text", file=filename)
        return ParseResult(text=text, format=self.name, responses=[response], title=title)


READER = DocxReader()
