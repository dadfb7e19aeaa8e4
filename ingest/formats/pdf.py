"""PDF documents: submissions and letters, or lists of comments.

The extracted text is each page's text joined with blank lines, after removing running headers
and footers (lines repeated at the top or bottom of most pages) and bare page numbers. A
document is one response (a letter's body, as for DOCX), unless it looks like a list of
comments (most blank-line blocks start "1." / "Comment 3" ...), when each block is one.
"""

from __future__ import annotations

import io
import re
from collections import Counter

from fairhearing.errors import IngestError
from ingest.formats.base import ReadOptions, Tier
from ingest.letters import letter_response, split_lines
from ingest.model import ParsedResponse, ParseResult
from ingest.text_patterns import BLOCK, has_text

_PAGE_NUMBER = re.compile(
    r"^\s*(?:(?:page|p\.)\s*)?[-–(]?\s*\d{1,4}\s*[-–)]?(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.I
)
_ENUMERATED = re.compile(r"^\s*(?:\(?\d{1,4}[.):]|#\d+|(?:comment|response|submission)\s*\d+\b)", re.I)
EDGE_LINES = 2  # how many lines at each end of a page may be a header or footer


def _edge_key(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.lower().split()))


def clean_pages(pages: list[str]) -> list[str]:
    """Pages without repeated headers/footers and bare page numbers at their edges.

    A line repeated at the edge of most pages is a running header or footer, unless it is all the
    text its page has (pages of one line each, alike but for their numbers, are content).
    """
    split = [[ln.rstrip() for ln in page.splitlines()] for page in pages]

    def edges(lines: list[str]) -> list[int]:
        filled = [i for i, ln in enumerate(lines) if ln.strip()]
        return sorted(set(filled[:EDGE_LINES] + filled[-EDGE_LINES:]))

    counts: Counter[str] = Counter()
    for lines in split:
        counts.update({_edge_key(lines[i]) for i in edges(lines)})
    repeated = {k for k, n in counts.items() if len(pages) >= 2 and n >= max(2, (len(pages) + 1) // 2)}
    out: list[str] = []
    for lines in split:
        numbers = {i for i in edges(lines) if _PAGE_NUMBER.match(lines[i])}
        drop = numbers | {i for i in edges(lines) if _edge_key(lines[i]) in repeated}
        if not any(ln.strip() for i, ln in enumerate(lines) if i not in drop):
            drop = numbers  # a page's only text is its content, however alike the pages look
        kept = [ln for i, ln in enumerate(lines) if i not in drop]
        out.append("\n".join(kept).strip("\n"))
    return [page for page in out if page.strip()]


def _extract(data: bytes, filename: str) -> tuple[list[str], str | None]:
    """Page texts and the document title; FH-E131 for anything unreadable or encrypted."""
    from pypdf import PasswordType, PdfReader

    if b"%PDF" not in data[:1024]:
        raise IngestError("FH-E131", "not a PDF file (no %PDF header)", file=filename)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise IngestError("FH-E131", "PDF is encrypted (password protected)", file=filename)
        pages = [page.extract_text() or "" for page in reader.pages]
        meta = reader.metadata
        title = str(meta.title).strip() if meta is not None and meta.title else None
    except IngestError:
        raise
    except Exception as e:  # pypdf raises many types on damaged files
        raise IngestError(
            "FH-E131", f"PDF could not be read: {type(e).__name__}: {e}", file=filename
        ) from None
    return pages, title or None


def _comment_blocks(text: str, options: ReadOptions) -> list[ParsedResponse] | None:
    blocks = [m for m in BLOCK.finditer(text) if has_text(m.group())]
    numbered = sum(1 for m in blocks if _ENUMERATED.match(m.group()))
    if len(blocks) < 3 or numbered < 0.8 * len(blocks):
        return None
    return [ParsedResponse(start=m.start(), end=m.end(), question=options.question) for m in blocks]


class PdfDocumentReader:
    name = "pdf"
    binary = True

    def sniff(self, data: bytes, filename: str) -> Tier:
        if data.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
            return Tier.CERTAIN
        return Tier.PLAUSIBLE if filename.lower().endswith(".pdf") else Tier.NONE

    def read(self, data: bytes, filename: str, options: ReadOptions) -> ParseResult:
        pages, title = _extract(data, filename)
        text = "\n\n".join(clean_pages(pages))
        responses = _comment_blocks(text, options)
        if responses is None:
            single = letter_response(text, split_lines(text), options)
            responses = [single] if single else []
        if not responses:
            raise IngestError(
                "FH-E140", "no text found in the PDF (a scanned image needs OCR first)", file=filename
            )
        return ParseResult(text=text, format=self.name, responses=responses, title=title)


READER = PdfDocumentReader()
