"""Citable references to responses: where a quote came from, in a line a reader can follow.

A reference names the consultation, the source by its title (the page or document title, not the
stored file name), the comment number or spreadsheet row, who wrote it, the date and original URL
when the source gives them (a person's name as "[name]": references go into pages, exports and
reports for everyone; ``ingest.names.public_author``), the permalink (``/responses/<id>``: ids are never reused) and the
character offsets into the source text. ``cite_line`` formats it as one copyable line.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import sqlite_utils

from ingest.names import NAME_LABEL, public_author

URL_KEYS = ("url", "link", "permalink", "source_url")
DATE_KEYS = ("date", "submitted", "timestamp", "created", "posted")


@dataclass
class Reference:
    response_id: int
    consultation: str
    source: str  # the stored source name (file path as ingested)
    source_title: str  # the page or document title, else the source name
    number: str | None  # "comment 4", "row 12", "item 3"
    author: str | None
    organisation: str | None
    date: str | None
    url: str | None
    permalink: str
    start: int
    end: int

    def as_dict(self) -> dict:
        return asdict(self)


def _web_url(value: str | None) -> str | None:
    """Only http(s) addresses are kept (a ``javascript:`` "URL" from a file must never become a link)."""
    if value and value.strip().lower().startswith(("http://", "https://")):
        return value.strip()
    return None


def _first(meta: dict, keys: tuple[str, ...]) -> str | None:
    lowered = {str(k).lower(): v for k, v in meta.items()}
    for k in keys:
        v = lowered.get(k)
        if v not in (None, ""):
            return str(v)
    return None


def _number(meta: dict, fmt: str, idx: int) -> str:
    if meta.get("number") is not None:
        return f"comment {meta['number']}"
    if meta.get("row") is not None:
        sheet = f"sheet {meta['sheet']}, " if meta.get("sheet") else ""
        return f"{sheet}row {meta['row']}"
    return f"item {idx + 1}"


def references(db: sqlite_utils.Database, response_ids: list[int]) -> dict[int, Reference]:
    """References for many responses at once: response id -> ``Reference``."""
    out: dict[int, Reference] = {}
    if not response_ids:
        return out
    for rid, idx, author, org, start, end, meta, name, title, fmt, consultation in db.execute(
        """SELECT r.id, r.idx, r.author, r.organisation, r.start, r."end", r.meta, s.name, s.title, s.format,
                  c.name
           FROM responses r JOIN sources s ON s.id = r.source_id JOIN consultations c ON c.id = s.consultation_id
           WHERE r.id IN (SELECT value FROM json_each(?))""",
        [json.dumps([int(i) for i in response_ids])],
    ):
        try:
            m = json.loads(meta or "{}")
        except json.JSONDecodeError:
            m = {}
        out[rid] = Reference(
            response_id=rid,
            consultation=consultation,
            source=name,
            source_title=title or name,
            number=_number(m, fmt, idx),
            author=public_author(author),
            organisation=org,
            date=_first(m, DATE_KEYS),
            url=_web_url(_first(m, URL_KEYS)),
            permalink=f"/responses/{rid}",
            start=start,
            end=end,
        )
    return out


def reference(db: sqlite_utils.Database, response_id: int) -> Reference | None:
    return references(db, [response_id]).get(response_id)


def cite_line(ref: Reference, base_url: str = "") -> str:
    """One line: who, where (title, number), when, link, offsets."""
    author = None if ref.author == NAME_LABEL else ref.author
    who = ref.organisation or author or ("An individual respondent" if ref.author else "Anonymous respondent")
    if ref.organisation and author and author != ref.organisation:
        who = f"{author} ({ref.organisation})"
    parts = [who, f"“{ref.source_title}”", ref.number]
    if ref.date:
        parts.append(ref.date)
    parts.append(f"{ref.consultation} consultation")
    parts.append(ref.url or f"{base_url.rstrip('/')}{ref.permalink}")
    parts.append(f"characters {ref.start}–{ref.end} of {ref.source}")
    return ", ".join(p for p in parts if p) + "."
