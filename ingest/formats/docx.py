"""Word documents (DOCX): letters and written submissions, one response per document.

The extracted text is the paragraphs joined by newlines, with table rows as cells joined by
" | ". Text inside content controls, smart tags, custom XML, field results, tracked insertions
and text boxes (each box's paragraphs after the paragraph anchoring it) is read; deleted text,
field codes and a text box's legacy copy are not. The document is one letter (see
``ingest.letters``): its body is the response, numbered or bulleted paragraphs its points.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import TYPE_CHECKING

from fairhearing.errors import IngestError
from ingest.formats import archive
from ingest.formats.base import ReadOptions, Tier
from ingest.letters import letter_response, split_lines
from ingest.model import ParseResult

if TYPE_CHECKING:
    from docx.document import Document

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

    def sniff(self, data: bytes, filename: str) -> Tier:
        if filename.lower().endswith(".docx"):
            return Tier.CERTAIN
        return Tier.CONTAINER if data.startswith(b"PK") and b"word/" in data[:65536] else Tier.NONE

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
