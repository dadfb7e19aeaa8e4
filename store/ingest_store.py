"""Writing one parsed source into the database: whole, in one transaction, or not at all."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import sqlite_utils

from ingest.model import ParsedFramework, ParseResult
from store.schema import now


@dataclass
class PreparedResponse:
    """A response ready to store: offsets, fields, display text and point spans."""

    idx: int
    start: int
    end: int
    text: str
    clean_text: str
    fields: dict  # role, author, organisation, respondent_type, org_kind, question, section, ...
    reply_to_idx: int | None
    points: list[tuple[int, int, str, str]]  # (start, end, raw text, clean text)


def text_hash(clean_text: str) -> str:
    return hashlib.sha1(clean_text.encode("utf-8")).hexdigest()


def consultation_id(db: sqlite_utils.Database, name: str) -> int:
    row = db.execute("SELECT id FROM consultations WHERE name = ?", [name]).fetchone()
    if row:
        return row[0]
    cur = db.execute("INSERT INTO consultations (name, created_at) VALUES (?, ?)", [name, now()])
    return cur.lastrowid


def existing_source(db: sqlite_utils.Database, consultation: int, name: str) -> tuple[int, str] | None:
    row = db.execute(
        "SELECT id, sha256 FROM sources WHERE consultation_id = ? AND name = ?", [consultation, name]
    ).fetchone()
    return (row[0], row[1]) if row else None


def _next_id(db: sqlite_utils.Database, table: str) -> int:
    return (db.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0]) + 1


def write_source(
    db: sqlite_utils.Database,
    *,
    consultation: int,
    name: str,
    path: str,
    sha256: str,
    size: int,
    parsed: ParseResult,
    responses: list[PreparedResponse],
    replace_id: int | None,
) -> int:
    """Store a source with its responses, points and framework, replacing ``replace_id``.

    The caller wraps this in ``db.atomic()``; any error rolls the whole file back.
    """
    if replace_id is not None:
        db.execute("DELETE FROM frameworks WHERE source_id = ?", [replace_id])
        db.execute("DELETE FROM sources WHERE id = ?", [replace_id])
    cur = db.execute(
        """INSERT INTO sources (consultation_id, name, path, sha256, format, title, question, text, size,
                                problems, ingested_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            consultation,
            name,
            path,
            sha256,
            parsed.format,
            parsed.title,
            parsed.question,
            parsed.text,
            size,
            json.dumps([p.__dict__ for p in parsed.problems]),
            now(),
        ],
    )
    source_id = cur.lastrowid
    first = _next_id(db, "responses")
    ids = {r.idx: first + i for i, r in enumerate(responses)}
    db.conn.executemany(
        """INSERT INTO responses (id, source_id, idx, role, author, organisation, respondent_type, org_kind,
                                  reply_to, question, section, truncated, start, "end", text, clean_text,
                                  boundary_confidence, meta)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            (
                ids[r.idx],
                source_id,
                r.idx,
                r.fields["role"],
                r.fields.get("author"),
                r.fields.get("organisation"),
                r.fields.get("respondent_type"),
                r.fields.get("org_kind"),
                ids.get(r.reply_to_idx) if r.reply_to_idx is not None else None,
                r.fields.get("question"),
                r.fields.get("section"),
                int(bool(r.fields.get("truncated"))),
                r.start,
                r.end,
                r.text,
                r.clean_text,
                r.fields.get("boundary_confidence"),
                json.dumps(r.fields.get("meta") or {}, sort_keys=True, default=str),
            )
            for r in responses
        ],
    )
    db.conn.executemany(
        """INSERT INTO points (response_id, source_id, idx, start, "end", text, clean_text, text_hash)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            (ids[r.idx], source_id, j, s, e, raw, clean, text_hash(clean))
            for r in responses
            for j, (s, e, raw, clean) in enumerate(r.points)
        ],
    )
    if parsed.framework is not None:
        write_framework(db, parsed.framework, consultation=consultation, source_id=source_id)
    return source_id


def write_framework(
    db: sqlite_utils.Database, framework: ParsedFramework, *, consultation: int, source_id: int | None
) -> int:
    cur = db.execute(
        "INSERT INTO frameworks (consultation_id, source_id, name, question) VALUES (?, ?, ?, ?)",
        [consultation, source_id, framework.name, framework.question],
    )
    framework_id = cur.lastrowid
    for ci, comp in enumerate(framework.components):
        cur = db.execute(
            """INSERT INTO components (framework_id, idx, name, headline, context, is_annex)
               VALUES (?, ?, ?, ?, ?, ?)""",
            [framework_id, ci, comp.name, comp.headline, comp.context, int(comp.is_annex)],
        )
        component_id = cur.lastrowid
        db.conn.executemany(
            """INSERT INTO principles (framework_id, component_id, idx, code, kind, text, description,
                                      examples, start, "end")
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                (
                    framework_id,
                    component_id,
                    pi,
                    f"{ci + 1}.{pi + 1}",
                    p.kind,
                    p.text,
                    p.description,
                    json.dumps(p.examples),
                    p.start,
                    p.end,
                )
                for pi, p in enumerate(comp.principles)
            ],
        )
    return framework_id
