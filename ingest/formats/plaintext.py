"""Plain text: one response per blank-line-separated block (letters, pasted submissions).

Blank lines end a block whatever the line endings (LF, CRLF or CR); a block of only whitespace and
invisible characters is no response.
"""

from __future__ import annotations

from fairhearing.errors import IngestError
from ingest.formats.base import ReadOptions, Tier, decode_text
from ingest.model import ParsedResponse, ParseResult, Problem
from ingest.text_patterns import blocks


class PlainTextReader:
    name = "text"
    binary = False

    def sniff(self, data: bytes, filename: str) -> Tier:
        if b"\x00" in data[:4096]:
            return Tier.NONE
        return Tier.TEXT if filename.lower().endswith((".txt", ".text", ".md", "")) else Tier.ANY_TEXT

    def read(self, data: bytes, filename: str, options: ReadOptions) -> ParseResult:
        notes: list[Problem] = []
        text = decode_text(data, filename, options.encoding, notes)
        responses = [
            ParsedResponse(start=start, end=end, question=options.question) for start, end in blocks(text)
        ]
        if not responses:
            raise IngestError("FH-E140", "no text found", file=filename)
        return ParseResult(text=text, format=self.name, responses=responses, problems=notes)


READER = PlainTextReader()
