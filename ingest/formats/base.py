"""The reader interface every format implements, and shared helpers for readers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from fairhearing.errors import IngestError
from ingest.model import ParseResult

DEFAULT_MAX_BYTES = 50 * 1024 * 1024


@dataclass
class ReadOptions:
    """User choices that override what a reader would detect on its own."""

    question: str | None = None
    id_column: str | None = None
    text_columns: list[str] | None = None  # free-text (question) columns of a spreadsheet
    meta_columns: dict[str, str] = field(default_factory=dict)  # field -> column, e.g. organisation
    encoding: str = "utf-8"
    max_bytes: int = DEFAULT_MAX_BYTES


class Reader(Protocol):
    """A format: ``sniff`` scores how likely the bytes are this format (0..1); ``read`` parses."""

    name: str
    binary: bool

    def sniff(self, data: bytes, filename: str) -> float: ...

    def read(self, data: bytes, filename: str, options: ReadOptions) -> ParseResult: ...


def decode_text(data: bytes, filename: str, encoding: str = "utf-8") -> str:
    """Decode text bytes, raising a clear error with the line of the first bad byte."""
    if b"\x00" in data[:8192]:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise IngestError("FH-E103", "file looks binary (NUL byte), not text", file=filename, line=line)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise IngestError(
            "FH-E104",
            f"not valid {encoding} at byte {e.start} ({e.reason}); re-save as UTF-8 or pass --encoding",
            file=filename,
            line=line,
        ) from None


def line_of(text: str, offset: int) -> int:
    """1-based line number of a character offset."""
    return text.count("\n", 0, offset) + 1
