"""Format readers, and detection of which one fits a file.

Each module below exposes ``READER``, an object with ``name``, ``binary``, ``sniff`` and
``read`` (see ``base.Reader``). Detection picks the highest ``sniff`` tier (``base.Tier``, whose
docstring gives the order); ``--format`` overrides it. Readers share patterns through
``ingest.text_patterns``, never through each other.
"""

from __future__ import annotations

import importlib

from fairhearing.errors import IngestError
from ingest.formats.base import Reader, ReadOptions, Tier, for_sniffing

_MODULES = (
    "numbered",
    "flattened",
    "event_notes",
    "blogger",
    "framework",
    "codebook",
    "tabular",
    "jsonfmt",
    "html",
    "docx",
    "pdf",
    "plaintext",
)


def readers() -> dict[str, Reader]:
    """All readers by format name, in detection priority order."""
    out: dict[str, Reader] = {}
    for mod in _MODULES:
        module = importlib.import_module(f"ingest.formats.{mod}")
        for reader in getattr(module, "READERS", None) or [module.READER]:
            out[reader.name] = reader
    return out


def get_reader(name: str) -> Reader:
    all_readers = readers()
    if name not in all_readers:
        raise IngestError("FH-E106", f"unknown format {name!r}; known: {', '.join(sorted(all_readers))}")
    return all_readers[name]


def detect(data: bytes, filename: str) -> Reader:
    """The reader whose ``sniff`` scores highest; the first listed wins ties."""
    best: tuple[float, Reader] | None = None
    sample = for_sniffing(data)  # UTF-16/32 text as UTF-8, so that its NULs do not read as binary
    for reader in readers().values():
        score = reader.sniff(sample, filename)
        if score > 0 and (best is None or score > best[0]):
            best = (score, reader)
    if best is None:
        if b"\x00" in sample[:8192]:
            raise IngestError(
                "FH-E103", "file looks binary and matches no known binary format", file=filename
            )
        raise IngestError("FH-E105", "could not detect the format; pass --format", file=filename)
    return best[1]


__all__ = ["Reader", "ReadOptions", "Tier", "detect", "get_reader", "readers"]
