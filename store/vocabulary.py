"""Per-framework vocabulary: each principle's short title, synonyms/keywords and examples.

A principle's title comes from the framework document when it has one (``title_source =
'document'``); otherwise ``derive_title`` extracts one from the principle text (``'derived'``,
deterministic, at most six words). Analysts edit titles, synonyms and examples in the web app or
import them from a YAML/CSV file (``'analyst'``); every change is an ``edits`` row (op
``vocabulary``) so the audit page shows it and replay keeps it. No domain glossary is built in.

The mapper reads titles and synonyms as the framework's own vocabulary, but not derived titles:
those are only a display name and never change a ranking.
"""

from __future__ import annotations

import json
import re

import sqlite_utils

from store.edits import log_edit
from store.titles import derive_title
from store.tx import write_tx

__all__ = [
    "derive_title",
    "ensure_titles",
    "update",
    "import_entries",
    "principle_options",
    "resolve_principle",
]

MAX_TITLE = 120
MAX_ITEMS = 50


class VocabularyError(ValueError):
    """A vocabulary edit could not be applied (unknown principle, bad value)."""


def ensure_titles(db: sqlite_utils.Database) -> int:
    """Give every principle without a title a derived one; return how many were filled."""
    rows = db.execute("SELECT id, text FROM principles WHERE title IS NULL OR trim(title) = ''").fetchall()
    if not rows:
        return 0
    with write_tx(db):
        db.conn.executemany(
            "UPDATE principles SET title = ?, title_source = 'derived' WHERE id = ?",
            [(derive_title(text), pid) for pid, text in rows],
        )
    return len(rows)


def _items(values, seps: str = r"[\n;|]") -> list[str]:
    """A clean, de-duplicated list from a list or a string split at ``seps`` (newline, ``;``, ``|``)."""
    if values is None:
        return []
    if isinstance(values, str):
        values = re.split(seps, values)
    out: list[str] = []
    for v in values:
        v = " ".join(str(v).split())
        if v and v.casefold() not in {o.casefold() for o in out}:
            out.append(v[:500])
    if len(out) > MAX_ITEMS:
        raise VocabularyError(f"at most {MAX_ITEMS} synonyms or examples per principle")
    return out


def _principle(db: sqlite_utils.Database, principle_id: int) -> dict:
    cur = db.execute(
        """SELECT p.id, p.code, p.text, p.title, p.title_source, p.synonyms, p.examples, f.name
           FROM principles p JOIN frameworks f ON f.id = p.framework_id WHERE p.id = ?""",
        [principle_id],
    )
    row = cur.fetchone()
    if row is None:
        raise VocabularyError(f"no principle {principle_id}")
    d = dict(zip([c[0] for c in cur.description], row, strict=True))
    d["synonyms"] = json.loads(d["synonyms"] or "[]")
    d["examples"] = json.loads(d["examples"] or "[]")
    return d


def update(
    db: sqlite_utils.Database,
    principle_id: int,
    who: str,
    *,
    title: str | None = None,
    synonyms=None,
    examples=None,
) -> int | None:
    """Set a principle's title, synonyms and/or examples (``None`` leaves one as it is); audited.

    An empty title goes back to the derived one. Returns the ``edits`` id, or None when nothing changed.
    """
    with write_tx(db):
        p = _principle(db, principle_id)
        new = {"title": p["title"], "synonyms": p["synonyms"], "examples": p["examples"]}
        source = p["title_source"]
        derived_now = not p["title"] or source == "derived"
        if title is not None and (title.strip() or not derived_now):
            title = " ".join(title.split())
            if len(title) > MAX_TITLE:
                raise VocabularyError(f"a title is at most {MAX_TITLE} characters")
            new["title"], source = (title, "analyst") if title else (derive_title(p["text"]), "derived")
        if synonyms is not None:
            new["synonyms"] = _items(synonyms, r"[\n;|,]")  # keywords: commas separate too
        if examples is not None:
            new["examples"] = _items(examples)
        old = {"title": p["title"], "synonyms": p["synonyms"], "examples": p["examples"]}
        if new == old:
            return None
        db.execute(
            "UPDATE principles SET title = ?, title_source = ?, synonyms = ?, examples = ? WHERE id = ?",
            [new["title"], source, json.dumps(new["synonyms"]), json.dumps(new["examples"]), principle_id],
        )
        payload = {"framework": p["name"], "code": p["code"], "title_source": source, **new}
        return log_edit(db, who, "vocabulary", None, f"principle {p['code']}", payload, old, new)


def apply_payload(db: sqlite_utils.Database, payload: dict) -> tuple[bool, str]:
    """Replay a vocabulary edit: onto the principle with the same framework name and code."""
    row = db.execute(
        """SELECT p.id FROM principles p JOIN frameworks f ON f.id = p.framework_id
           WHERE f.name = ? AND p.code = ? ORDER BY p.id DESC LIMIT 1""",
        [payload.get("framework"), payload.get("code")],
    ).fetchone()
    if row is None:
        return False, f"no principle {payload.get('code')} in framework {payload.get('framework')!r}"
    db.execute(
        "UPDATE principles SET title = ?, title_source = ?, synonyms = ?, examples = ? WHERE id = ?",
        [
            payload["title"],
            payload.get("title_source", "analyst"),
            json.dumps(payload["synonyms"]),
            json.dumps(payload["examples"]),
            row[0],
        ],
    )
    return True, f"vocabulary of {payload.get('code')} kept"


def principle_options(db: sqlite_utils.Database) -> list[dict]:
    """Every principle for a picker: id, code, short title, text, framework, component."""
    cur = db.execute(
        """SELECT p.id, p.code, p.title, p.text, p.synonyms, f.name AS framework, c.name AS component
           FROM principles p JOIN components c ON c.id = p.component_id
           JOIN frameworks f ON f.id = p.framework_id ORDER BY f.id, c.idx, p.idx, p.id"""
    )
    cols = [c[0] for c in cur.description]
    out = []
    for row in cur.fetchall():
        d = dict(zip(cols, row, strict=True))
        d["title"] = d["title"] or derive_title(d["text"])
        d["synonyms"] = json.loads(d["synonyms"] or "[]")
        out.append(d)
    return out


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


_PICKED = re.compile(r"\[#(\d+)\]\s*$")


def resolve_principle(
    db: sqlite_utils.Database, value: str, frameworks: list[int] | None = None
) -> tuple[int | None, str]:
    """A principle id from a code (``4.10``), its exact text, its title, or a picker value
    ending in ``[#id]``. ``frameworks`` narrows ambiguous matches. Returns (id, why not)."""
    value = (value or "").strip()
    if not value:
        return None, "no principle given"
    m = _PICKED.search(value)
    if m:
        pid = int(m.group(1))
        ok = db.execute("SELECT 1 FROM principles WHERE id = ?", [pid]).fetchone()
        return (pid, "") if ok else (None, f"no principle #{pid}")
    key = _norm(value)
    rows = [
        (pid, fid, code, text, title or derive_title(text))
        for pid, fid, code, text, title in db.execute(
            "SELECT id, framework_id, code, text, title FROM principles ORDER BY id"
        )
    ]
    for field in (2, 3, 4):
        hits = [r for r in rows if r[field] and _norm(r[field]) == key]
        if len(hits) > 1 and frameworks:
            hits = [r for r in hits if r[1] in frameworks] or hits
        if len(hits) == 1:
            return hits[0][0], ""
        if len(hits) > 1:
            return None, f"principle {value!r} is ambiguous ({len(hits)} frameworks have it)"
    return None, f"unknown principle {value!r}"


def import_entries(
    db: sqlite_utils.Database, entries: list[tuple[int, dict]], who: str, framework: str | None = None
) -> tuple[int, list[tuple[int, str]]]:
    """Apply vocabulary entries in one transaction: (principles changed, [(entry, why unmatched)])."""
    fws = None
    if framework:
        fws = [r[0] for r in db.execute("SELECT id FROM frameworks WHERE name = ?", [framework])]
        if not fws:
            return 0, [(0, f"no framework named {framework!r}")]
    changed, unmatched = 0, []
    with write_tx(db):
        for n, entry in entries:
            prid, why = resolve_principle(db, str(entry.get("principle", "")), fws)
            if (
                prid is not None
                and fws
                and db.execute("SELECT framework_id FROM principles WHERE id = ?", [prid]).fetchone()[0]
                not in fws
            ):
                prid, why = None, f"principle {entry.get('principle')!r} is not in framework {framework!r}"
            if prid is None:
                unmatched.append((n, why))
                continue
            title = entry.get("title")
            try:
                done = update(
                    db,
                    prid,
                    who,
                    title=None if title is None else str(title),
                    synonyms=entry.get("synonyms"),
                    examples=entry.get("examples"),
                )
            except VocabularyError as e:
                unmatched.append((n, str(e)))
                continue
            changed += done is not None
    return changed, unmatched
