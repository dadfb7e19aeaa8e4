"""Zip safety checks for the zip-based formats (DOCX, XLSX), run before any library opens them.

A zip's central directory declares each member's uncompressed size, and ``zipfile`` never
inflates a member past its declared size (a member that lies fails its CRC check instead), so
checking the declared sizes bounds how much a reader can ever decompress.
"""

from __future__ import annotations

import io
import zipfile

from fairhearing.errors import IngestError

MAX_MEMBERS = 10_000
MAX_RATIO = 100  # uncompressed / compressed, over the whole archive
# Judge the ratio only above this: the size limit already bounds what smaller archives can expand
# to, and a genuine document with one long repetitive paragraph compresses well over 100x.
RATIO_FLOOR = 16 * 1024 * 1024

_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError)


def open_zip(data: bytes, filename: str, max_bytes: int, kind: str = "archive") -> zipfile.ZipFile:
    """Open ``data`` as a zip after checking it is sound and cannot expand past ``max_bytes``.

    Raises ``IngestError`` FH-E130 for anything that is not a readable zip, and for zip bombs:
    too many members, a total uncompressed size over ``max_bytes``, or an expansion ratio over
    ``MAX_RATIO``.
    """
    if not data.startswith(b"PK"):
        raise IngestError("FH-E130", f"not a {kind} file (not a zip archive)", file=filename)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except _ZIP_ERRORS as e:
        raise IngestError("FH-E130", f"corrupt {kind} file: {e}", file=filename) from None
    try:
        _check_sizes(members, filename, max_bytes)
    except IngestError:
        archive.close()
        raise
    return archive


def _check_sizes(members: list[zipfile.ZipInfo], filename: str, max_bytes: int) -> None:
    """FH-E130 when the declared sizes make this a zip bomb."""
    if len(members) > MAX_MEMBERS:
        raise IngestError("FH-E130", f"zip bomb: {len(members)} members (limit {MAX_MEMBERS})", file=filename)
    total = sum(max(m.file_size, 0) for m in members)
    packed = max(sum(max(m.compress_size, 0) for m in members), 1)
    if total > max_bytes:
        raise IngestError(
            "FH-E130",
            f"zip bomb: would expand to {total} bytes, over the {max_bytes}-byte limit "
            "(raise the size limit if the file is genuine)",
            file=filename,
        )
    if total > RATIO_FLOOR and total > MAX_RATIO * packed:
        raise IngestError(
            "FH-E130",
            f"zip bomb: expands {total // packed}x (limit {MAX_RATIO}x)",
            file=filename,
        )


def check_zip(data: bytes, filename: str, max_bytes: int, kind: str = "archive") -> None:
    """Raise FH-E130 unless ``data`` is a sound zip that stays within the size limits."""
    open_zip(data, filename, max_bytes, kind).close()


def require_member(archive: zipfile.ZipFile, name: str, filename: str, kind: str) -> None:
    """Raise FH-E130 unless the archive holds ``name`` (e.g. ``word/document.xml``)."""
    if name not in archive.namelist():
        raise IngestError("FH-E130", f"not a {kind} file (no {name} inside)", file=filename)
