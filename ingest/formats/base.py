"""The reader interface every format implements, and shared helpers for readers."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from fairhearing.errors import IngestError
from ingest.model import ParseResult, Problem

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
    include_moderated: bool = False  # keep rows the source's moderators rejected (Polis moderated = -1)


class Tier(float, Enum):
    """How sure a reader's ``sniff`` is that bytes are its format, strongest first.

    Detection picks the highest tier; among equal tiers the reader listed first in
    ``ingest.formats._MODULES`` wins. The order, and what earns each tier:

    1. ``CERTAIN``: magic bytes or a binary format's own extension; a codebook's own header.
    2. ``STRONG``: the format's own extension, or structure only this format has (numbered
       "N. Name says:" headers, a framework's lettered components).
    3. ``MARKUP``: an HTML doctype or ``<html>`` at the start, without the extension.
    4. ``CONTAINER``: a zip holding the format's parts; a comment page's closing notice.
    5. ``OUTLINE``: two or more headings over five or more bullets (event notes).
    6. ``LIKELY``: most of the structure (two JSON objects a line, a comment-count line).
    7. ``PLAUSIBLE``: some of it (a JSON bracket, two numbered headers, a lead-in line).
    8. ``SOME``: a heading over three bullets.
    9. ``TABLE``: consistent delimited columns without a CSV extension.
    10. ``HINT``: a few tags, or a codebook header over too many rows.
    11. ``TEXT``: a text file's extension.
    12. ``ANY_TEXT``: anything without NUL bytes (plain text is the last resort).
    13. ``NONE``: not this format.
    """

    CERTAIN = 0.95
    STRONG = 0.9
    MARKUP = 0.85
    CONTAINER = 0.8
    OUTLINE = 0.75
    LIKELY = 0.6
    PLAUSIBLE = 0.5
    SOME = 0.45
    TABLE = 0.35
    HINT = 0.3
    TEXT = 0.2
    ANY_TEXT = 0.05
    NONE = 0.0


class Reader(Protocol):
    """A format: ``sniff`` says how sure it is the bytes are this format (a ``Tier``); ``read`` parses."""

    name: str
    binary: bool

    def sniff(self, data: bytes, filename: str) -> Tier: ...

    def read(self, data: bytes, filename: str, options: ReadOptions) -> ParseResult: ...


_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def wide_encoding(data: bytes, encoding: str = "utf-8") -> str | None:
    """The UTF-16/32 codec for ``data``: its byte-order mark's, else ``encoding`` when that is one.

    None for byte-oriented text (UTF-8, Latin-1, ...), where a NUL byte means binary. Excel's
    "Unicode Text" export is UTF-16LE with a BOM; a BOM wins over the declared encoding.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    name = codecs.lookup(encoding).name if _known(encoding) else encoding.lower()
    return name if name.startswith(("utf-16", "utf-32")) else None


def _known(encoding: str) -> bool:
    try:
        codecs.lookup(encoding)
    except LookupError:
        return False
    return True


def bomless_utf16(data: bytes) -> str | None:
    """ "utf-16-le"/"utf-16-be" when ``data`` looks like UTF-16 text without a BOM, else None.

    Mostly-ASCII UTF-16 has a NUL in nearly every other byte, and almost none in the others.
    """
    head = data[:4096]
    half = len(head) // 2
    if half < 4:
        return None
    even = head[0 : 2 * half : 2].count(0) / half
    odd = head[1 : 2 * half : 2].count(0) / half
    if odd > 0.4 and even < 0.05:
        return "utf-16-le"
    if even > 0.4 and odd < 0.05:
        return "utf-16-be"
    return None


def for_sniffing(data: bytes) -> bytes:
    """``data`` as UTF-8 when it is UTF-16/32 text (by BOM or by its NUL pattern), else as is.

    Readers sniff UTF-8-ish bytes and treat a NUL as binary; this lets them recognise wide text.
    """
    codec = wide_encoding(data) or bomless_utf16(data)
    return data.decode(codec, "replace").encode("utf-8") if codec else data


def decode_text(
    data: bytes, filename: str, encoding: str = "utf-8", notes: list[Problem] | None = None
) -> str:
    """Decode text bytes, raising a clear error with the line of the first bad byte.

    UTF-16/32 (by BOM or by ``encoding``) is decoded before looking for NULs, which in
    byte-oriented text mean a binary file. With ``notes`` given, text that is not the UTF-8 asked
    for is decoded as cp1252/Latin-1 when ``detect_single_byte`` is confident, saying so in
    ``notes``; anything else is still refused.
    """
    wide = wide_encoding(data, encoding)
    if wide is not None:
        try:
            text = data.decode(wide)
        except UnicodeDecodeError as e:
            raise IngestError(
                "FH-E104", f"not valid {wide} at byte {e.start} ({e.reason})", file=filename
            ) from None
        if "\x00" in text[:8192]:
            line = text[: text.index("\x00")].count("\n") + 1
            raise IngestError(
                "FH-E103", "file looks binary (NUL character), not text", file=filename, line=line
            )
        return text
    if b"\x00" in data[:8192]:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        hint = ""
        guess = bomless_utf16(data)
        if guess:
            hint = f"; it looks like {guess.upper()} without a byte-order mark: pass --encoding {guess}"
        raise IngestError(
            "FH-E103", f"file looks binary (NUL byte), not text{hint}", file=filename, line=line
        )
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        guess = detect_single_byte(data) if notes is not None and _is_utf8(encoding) else None
        if guess is not None:
            notes.append(
                Problem(
                    f"not valid UTF-8 (byte {e.start}); decoded as {guess} (detected), as spreadsheet programs "
                    "save it; pass --encoding to choose another"
                )
            )
            return data.decode(guess)
        line = data[: e.start].count(b"\n") + 1
        raise IngestError(
            "FH-E104",
            f"not valid {encoding} at byte {e.start} ({e.reason}); re-save as UTF-8 or pass --encoding",
            file=filename,
            line=line,
        ) from None


class TextBlocks:
    """Extracted text built of labelled blocks, one per response (spreadsheet cells, decoded JSON
    strings): ``add`` appends ``[label]`` and the body, and returns the body's span. With a
    ``prefix`` (a file's own text) the blocks follow it, after a blank line."""

    def __init__(self, prefix: str = "") -> None:
        self.parts: list[str] = [prefix + "\n\n"] if prefix else []
        self.length = len(self.parts[0]) if prefix else 0

    def add(self, label: str, body: str) -> tuple[int, int]:
        head = f"[{' '.join(label.split())}]\n"
        self.parts.append(f"{head}{body}\n\n")
        start = self.length + len(head)
        self.length += len(self.parts[-1])
        return start, start + len(body)

    def text(self) -> str:
        return "".join(self.parts)


_SURROGATE = re.compile("[\ud800-\udfff]")


def no_surrogates(value: str) -> str:
    """``value`` with lone surrogates (JSON's ``"\\ud800"``) as U+FFFD: they cannot be stored as UTF-8."""
    return _SURROGATE.sub("\ufffd", value)


SINGLE_BYTE = ("cp1252", "latin_1", "iso8859_15")  # what spreadsheet programs save "CSV" as
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _is_utf8(encoding: str) -> bool:
    return _known(encoding) and codecs.lookup(encoding).name == "utf-8"


def detect_single_byte(data: bytes) -> str | None:
    """The Western single-byte encoding of ``data`` when charset-normalizer names one with little
    chaos and the decoded text reads as text (no control characters, at most a fifth non-ASCII);
    None otherwise, so that garbage stays refused."""
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(SINGLE_BYTE)).best()
    if best is None or best.chaos > 0.2:
        return None
    codec = codecs.lookup(best.encoding).name
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    if not text or _CONTROL.search(text):
        return None
    if sum(1 for ch in text if ord(ch) > 127) > 0.2 * len(text):
        return None
    return "cp1252" if codec == "cp1252" else codec


def line_of(text: str, offset: int) -> int:
    """1-based line number of a character offset."""
    return text.count("\n", 0, offset) + 1
