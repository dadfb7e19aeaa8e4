"""The ingest stage: files in, sources / responses / points / frameworks in the database.

``ingest_paths`` reads each file, detects its format, parses, cleans, splits into points and
stores it in one transaction; re-ingesting an unchanged file does nothing, a changed one replaces
its old version. A file that fails is reported with its error and leaves the database untouched.
Afterwards duplicate and campaign groups are recomputed across the whole database.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fairhearing import crashpoints
from fairhearing.cores import available_cores
from fairhearing.errors import FairhearingError, IngestError
from ingest import clean, names, points, respondents
from ingest.dedupe_store import ensure_duplicates, recompute_duplicates
from ingest.formats import ReadOptions, detect, get_reader
from ingest.model import ParsedResponse, ParseResult
from store import counts
from store.db import Database
from store.ingest_store import (
    PreparedResponse,
    consultation_id,
    existing_source,
    find_consultation,
    write_source,
)
from store.tx import write_tx

SKIP_NAMES = {"README.md", "README.txt", "LICENSE", "PROVENANCE.md"}


@dataclass
class IngestReport:
    """What happened to one file."""

    file: str
    status: str  # added / replaced / unchanged / failed
    format: str | None = None
    responses: int = 0
    points: int = 0
    problems: list[str] = field(default_factory=list)
    error: str | None = None


def display_path(path: str | Path) -> str:
    """A path as text that can be stored: bytes that are not UTF-8 (a file name from another
    system) shown as ``\\xff`` escapes instead of the lone surrogates Python reads them as."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    return text


def iter_files(paths: Iterable[Path]) -> Iterator[tuple[Path, str]]:
    """(file, source name) for files named directly and files under folders.

    A source's name is its path relative to the folder that was ingested (``a/report.pdf`` and
    ``b/report.pdf`` are two sources), or the file name for a file named directly. Sorted; hidden
    files and READMEs skipped.
    """
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                rel = f.relative_to(path)
                if f.is_file() and not any(p.startswith(".") for p in rel.parts) and f.name not in SKIP_NAMES:
                    yield f, display_path(rel.as_posix())
        else:
            yield path, display_path(path.name)


def read_bytes(path: Path, max_bytes: int) -> bytes:
    name = display_path(path.name)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise IngestError("FH-E100", f"cannot read: {e.strerror}", file=display_path(path)) from None
    if size > max_bytes:
        raise IngestError(
            "FH-E102", f"{size} bytes is over the limit of {max_bytes} (raise --max-mb)", file=name
        )
    data = path.read_bytes()
    if not data.strip():
        raise IngestError("FH-E101", "file is empty", file=name)
    return data


def parse_file(data: bytes, name: str, fmt: str | None, options: ReadOptions) -> ParseResult:
    reader = get_reader(fmt) if fmt else detect(data, name)
    parsed = reader.read(data, name, options)
    if not parsed.responses and parsed.framework is None:
        raise IngestError("FH-E140", "no responses found", file=name)
    return parsed


_NAME_BATCH = 2048  # responses whose names are found at once (within ``names``' cache of 4,096 texts)


def prepare(
    parsed: ParseResult, options: ReadOptions, name: str = "", workers: int | None = None
) -> list[PreparedResponse]:
    """Validate offsets, infer respondents, make display text and points for every response.

    ``name`` is the source's name (an event's notes are one respondent: the event). Names are found
    by up to ``workers`` processes (default: the usable cores) when a file has enough text for it.
    """
    with names.NameWorkers(workers or available_cores()) as pool:
        return _prepare(parsed, options, name, pool)


def _prepare(
    parsed: ParseResult, options: ReadOptions, name: str, pool: names.NameWorkers
) -> list[PreparedResponse]:
    text = parsed.text
    out = []
    for idx, r in enumerate(parsed.responses):
        if idx % _NAME_BATCH == 0:  # the name model parses in batches, which is faster
            batch = parsed.responses[idx : idx + _NAME_BATCH]
            names.prefetch([text[x.start : x.end] for x in batch], workers=pool)
        if not (0 <= r.start < r.end <= len(text)):
            raise IngestError("FH-E140", f"reader produced bad offsets {r.start}..{r.end} for response {idx}")
        raw = text[r.start : r.end]
        who = respondents.infer_respondent(r.author, r.organisation, raw)
        spans = points.split_points(text, r.start, r.end, r.points)
        private = clean.redact_spans(raw)  # found once in the whole response, shared with its points
        clean_text = clean.display_text(raw, private)
        out.append(
            PreparedResponse(
                idx=idx,
                start=r.start,
                end=r.end,
                text=raw,
                clean_text=clean_text,
                fields=_fields(r, who, parsed.question or options.question, parsed.format, name),
                reply_to_idx=r.reply_to,
                points=[
                    (
                        s.start,
                        s.end,
                        text[s.start : s.end],
                        clean_text
                        if (s.start, s.end) == (r.start, r.end)
                        else clean.display_text(
                            text[s.start : s.end],
                            clean.spans_within(private, s.start - r.start, s.end - r.start),
                        ),
                    )
                    for s in spans
                ],
            )
        )
    return out


def _fields(
    r: ParsedResponse, who: respondents.Respondent, question: str | None, fmt: str, name: str
) -> dict:
    organisation = r.organisation or who.organisation
    rtype = r.respondent_type or who.respondent_type
    if fmt in counts.EVENT_FORMATS and rtype in (None, "", "unknown"):
        rtype = "event"
    return {
        "role": r.role,
        "author": r.author,
        "organisation": organisation,
        "respondent_type": rtype,
        "respondent_key": (
            counts.respondent_key(fmt, name, r.author, organisation, r.meta)
            if r.role == "stakeholder"
            else None
        ),
        "org_kind": r.org_kind or who.org_kind,
        "question": r.question or question,
        "section": r.section,
        "truncated": r.truncated,
        "boundary_confidence": r.boundary_confidence,
        "meta": r.meta,
    }


def ingest_file(
    db: Database,
    path: Path,
    *,
    consultation: str = "default",
    fmt: str | None = None,
    options: ReadOptions | None = None,
    name: str | None = None,
) -> IngestReport:
    """Ingest one file as source ``name`` (default: the file name); never raises for bad input.

    A failure leaves no trace: not even a new consultation is created.
    """
    options = options or ReadOptions()
    name = name or display_path(path.name)
    try:
        data = read_bytes(path, options.max_bytes)
        sha = hashlib.sha256(data).hexdigest()
        found = find_consultation(db, consultation)
        old = existing_source(db, found, name) if found is not None else None
        if old and old[1] == sha:
            return IngestReport(file=display_path(path), status="unchanged")
        parsed = parse_file(data, name, fmt, options)
        prepared = prepare(parsed, options, name)
        with write_tx(db):
            cid = consultation_id(db, consultation)
            old = existing_source(db, cid, name)  # again, under the write lock
            write_source(
                db,
                consultation=cid,
                name=name,
                path=display_path(path),
                sha256=sha,
                size=len(data),
                parsed=parsed,
                responses=prepared,
                replace_id=old[0] if old else None,
            )
            crashpoints.reached("ingest:before-source-commit")
        crashpoints.reached("ingest:after-source-write")
    except FairhearingError as e:
        if e.file is None:
            e.file = name
        return IngestReport(file=display_path(path), status="failed", error=str(e))
    return IngestReport(
        file=display_path(path),
        status="replaced" if old else "added",
        format=parsed.format,
        responses=len(prepared),
        points=sum(len(p.points) for p in prepared),
        problems=[_problem(p) for p in parsed.problems],
    )


def _problem(p) -> str:
    where = f"line {p.line}: " if p.line else f"row {p.row}: " if p.row else ""
    return where + p.message


def ingest_paths(
    db: Database,
    paths: Iterable[Path],
    *,
    consultation: str = "default",
    fmt: str | None = None,
    options: ReadOptions | None = None,
) -> list[IngestReport]:
    """Ingest files and folders; then recompute duplicate groups if anything changed."""
    if fmt:
        get_reader(fmt)  # an unknown --format is the user's error, before any file is read
    reports = [
        ingest_file(db, f, consultation=consultation, fmt=fmt, options=options, name=name)
        for f, name in iter_files(paths)
    ]
    crashpoints.reached("ingest:before-duplicates")
    if any(r.status in ("added", "replaced") for r in reports):
        recompute_duplicates(db)
    else:
        ensure_duplicates(db)  # an earlier ingest may have died before recomputing them
    crashpoints.reached("ingest:after-duplicates")
    return reports
