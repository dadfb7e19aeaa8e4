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


def find_consultation(db: sqlite_utils.Database, name: str) -> int | None:
    """The id of the consultation called ``name``, or None (nothing is created)."""
    row = db.execute("SELECT id FROM consultations WHERE name = ?", [name]).fetchone()
    return row[0] if row else None


def consultation_id(db: sqlite_utils.Database, name: str) -> int:
    """The id of consultation ``name``, created if new (call inside the write transaction)."""
    found = find_consultation(db, name)
    if found is not None:
        return found
    cur = db.execute("INSERT INTO consultations (name, created_at) VALUES (?, ?)", [name, now()])
    return cur.lastrowid


def existing_source(db: sqlite_utils.Database, consultation: int, name: str) -> tuple[int, str] | None:
    row = db.execute(
        "SELECT id, sha256 FROM sources WHERE consultation_id = ? AND name = ?", [consultation, name]
    ).fetchone()
    return (row[0], row[1]) if row else None


def bump_generation(db: sqlite_utils.Database, *, duplicates_stale: bool = True) -> int:
    """Record that responses or points changed (inside the writing transaction); return the new generation.

    ``duplicates_stale`` is set in the same transaction, so a crash before duplicate groups are
    recomputed is noticed by the next command (``ingest.dedupe_store.ensure_duplicates``).
    """
    db.execute("UPDATE store_state SET value = value + 1 WHERE key = 'ingest_generation'")
    if duplicates_stale:
        db.execute("UPDATE store_state SET value = 1 WHERE key = 'duplicates_stale'")
    return generation(db)


def generation(db: sqlite_utils.Database) -> int:
    """How many writes of responses or points the store has seen."""
    return db.execute("SELECT value FROM store_state WHERE key = 'ingest_generation'").fetchone()[0]


def _match_by_text(old: list[tuple[int, str]], new: list[str]) -> dict[int, int]:
    """Pair new items (by index) with old ids of the same text, first come first served, in order."""
    pool: dict[str, list[int]] = {}
    for oid, text in old:
        pool.setdefault(text, []).append(oid)
    out = {}
    for i, text in enumerate(new):
        ids = pool.get(text)
        if ids:
            out[i] = ids.pop(0)
    return out


_RESPONSE_COLUMNS = (
    "source_id, idx, role, author, organisation, respondent_type, org_kind, reply_to, question, section, "
    'truncated, start, "end", text, clean_text, boundary_confidence, meta, respondent_key'
)


def _response_values(r: PreparedResponse, source_id: int) -> list:
    return [
        source_id,
        r.idx,
        r.fields["role"],
        r.fields.get("author"),
        r.fields.get("organisation"),
        r.fields.get("respondent_type"),
        r.fields.get("org_kind"),
        None,  # reply_to: set once every response has its id
        r.fields.get("question"),
        r.fields.get("section"),
        int(bool(r.fields.get("truncated"))),
        r.start,
        r.end,
        r.text,
        r.clean_text,
        r.fields.get("boundary_confidence"),
        json.dumps(r.fields.get("meta") or {}, sort_keys=True, default=str),
        r.fields.get("respondent_key"),
    ]


def _source_values(name, path, sha256, size, parsed: ParseResult) -> list:
    return [
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
    ]


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
    """Store a source with its responses, points and framework; replace source ``replace_id`` in place.

    Ids are never reused (the tables are ``AUTOINCREMENT``). On replacement the source keeps its id,
    and a response or point whose text is unchanged keeps its id too (its offsets, index and fields
    are updated); responses and points that are gone are deleted and new ones get new ids, so a
    cited ``/responses/<id>`` either still shows the same text or no longer exists.
    The caller wraps this in ``store.tx.write_tx``; any error rolls the whole file back.
    """
    values = _source_values(name, path, sha256, size, parsed)
    if replace_id is None:
        cur = db.execute(
            """INSERT INTO sources (name, path, sha256, format, title, question, text, size, problems,
                                    ingested_at, consultation_id)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [*values, consultation],
        )
        source_id = cur.lastrowid
        old_responses: list[tuple[int, str]] = []
    else:
        source_id = replace_id
        db.execute("DELETE FROM frameworks WHERE source_id = ?", [source_id])
        db.execute(
            """UPDATE sources SET name = ?, path = ?, sha256 = ?, format = ?, title = ?, question = ?,
                                  text = ?, size = ?, problems = ?, ingested_at = ? WHERE id = ?""",
            [*values, source_id],
        )
        old_responses = db.execute(
            "SELECT id, text FROM responses WHERE source_id = ? ORDER BY idx, id", [source_id]
        ).fetchall()
    kept = _match_by_text(old_responses, [r.text for r in responses])
    gone = sorted(set(oid for oid, _ in old_responses) - set(kept.values()))
    db.conn.executemany("DELETE FROM responses WHERE id = ?", [(g,) for g in gone])
    cols = [c.strip() for c in _RESPONSE_COLUMNS.split(",")]
    db.conn.executemany(
        f"UPDATE responses SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?",
        [(*_response_values(r, source_id), kept[i]) for i, r in enumerate(responses) if i in kept],
    )
    db.conn.executemany(
        f"INSERT INTO responses ({_RESPONSE_COLUMNS}) VALUES ({', '.join('?' * len(cols))})",
        [_response_values(r, source_id) for i, r in enumerate(responses) if i not in kept],
    )
    ids = dict(db.execute("SELECT idx, id FROM responses WHERE source_id = ?", [source_id]).fetchall())
    db.conn.executemany(
        "UPDATE responses SET reply_to = ? WHERE id = ?",
        [(ids.get(r.reply_to_idx), ids[r.idx]) for r in responses if r.reply_to_idx is not None],
    )
    _write_points(db, source_id, ids, responses, kept_responses={responses[i].idx for i in kept})
    if parsed.framework is not None:
        write_framework(db, parsed.framework, consultation=consultation, source_id=source_id)
    bump_generation(db)
    return source_id


def _write_points(
    db: sqlite_utils.Database,
    source_id: int,
    ids: dict[int, int],
    responses: list[PreparedResponse],
    *,
    kept_responses: set[int],
) -> None:
    """Every response's points; on a kept response, points with unchanged text keep their ids."""
    old: dict[int, list[tuple[int, str]]] = {}
    if kept_responses:
        for pid, rid, text in db.execute(
            "SELECT id, response_id, text FROM points WHERE source_id = ? ORDER BY response_id, idx, id",
            [source_id],
        ):
            old.setdefault(rid, []).append((pid, text))
    deletes, updates, inserts = [], [], []
    for r in responses:
        rid = ids[r.idx]
        previous = old.get(rid, []) if r.idx in kept_responses else []
        kept = _match_by_text(previous, [raw for _, _, raw, _ in r.points])
        deletes += [(g,) for g in sorted(set(oid for oid, _ in previous) - set(kept.values()))]
        for j, (s, e, raw, clean) in enumerate(r.points):
            if j in kept:
                updates.append((j, s, e, clean, text_hash(clean), kept[j]))
            else:
                inserts.append((rid, source_id, j, s, e, raw, clean, text_hash(clean)))
    db.conn.executemany("DELETE FROM points WHERE id = ?", deletes)
    db.conn.executemany(
        'UPDATE points SET idx = ?, start = ?, "end" = ?, clean_text = ?, text_hash = ? WHERE id = ?', updates
    )
    db.conn.executemany(
        """INSERT INTO points (response_id, source_id, idx, start, "end", text, clean_text, text_hash)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        inserts,
    )


def stored_ids(db: sqlite_utils.Database, source_id: int) -> tuple[dict[int, int], list[tuple[int, str]]]:
    """What ``write_source`` stored for a source: response index -> response id, and (point id,
    display text) of its points in response and point order."""
    responses = dict(db.execute("SELECT idx, id FROM responses WHERE source_id = ?", [source_id]).fetchall())
    points = db.execute(
        """SELECT p.id, p.clean_text FROM points p JOIN responses r ON r.id = p.response_id
           WHERE p.source_id = ? ORDER BY r.idx, p.idx""",
        [source_id],
    ).fetchall()
    return responses, points


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
