"""Frameworks and codebooks as analysis reads them: rows only, no mapping logic.

``nlp.mapping.load_framework`` turns a ``StoredFramework`` into the mapper's framework and
``nlp.mapping.select_frameworks`` chooses among ``framework_questions``; the SQL lives here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from store.db import Database


@dataclass(frozen=True)
class StoredFramework:
    """One framework's rows, each list in document order."""

    id: int
    name: str
    source_id: int | None
    question: str | None
    components: list[tuple] = field(default_factory=list)  # (id, name, headline, context, is_annex)
    # (id, component id, code, kind, text, description, examples JSON, title or None, synonyms JSON)
    principles: list[tuple] = field(default_factory=list)
    quotes: list[tuple[str, str | None]] = field(
        default_factory=list
    )  # (clean text, meta JSON) of its source
    feedback: list[tuple] = field(default_factory=list)  # (point text, principle id, verdict, point hash)


def load_framework_rows(db: Database, framework_id: int) -> StoredFramework | None:
    """A stored framework's components, principles, its source's responses (pull-quotes) and the
    analyst feedback on its principles; ``None`` when there is no such framework.

    A principle title derived from its own text (``store.titles``) is a display name only: it is
    given as ``None``.
    """
    row = db.execute(
        "SELECT name, source_id, question FROM frameworks WHERE id = ?", [framework_id]
    ).fetchone()
    if row is None:
        return None
    name, source_id, question = row
    components = db.execute(
        "SELECT id, name, headline, context, is_annex FROM components WHERE framework_id = ? ORDER BY idx, id",
        [framework_id],
    ).fetchall()
    principles = db.execute(
        """SELECT p.id, p.component_id, p.code, p.kind, p.text, p.description, p.examples,
                  CASE WHEN p.title_source = 'derived' THEN NULL ELSE p.title END, p.synonyms
           FROM principles p JOIN components c ON c.id = p.component_id
           WHERE p.framework_id = ? ORDER BY c.idx, p.idx, p.id""",
        [framework_id],
    ).fetchall()
    quotes = []
    if source_id is not None:
        quotes = db.execute(
            "SELECT clean_text, meta FROM responses WHERE source_id = ? ORDER BY idx", [source_id]
        ).fetchall()
    feedback = db.execute(
        """SELECT f.point_text, f.principle_id, f.verdict, f.point_hash FROM mapping_feedback f
           JOIN principles p ON p.id = f.principle_id WHERE p.framework_id = ? ORDER BY f.id""",
        [framework_id],
    ).fetchall()
    return StoredFramework(framework_id, name, source_id, question, components, principles, quotes, feedback)


def framework_questions(db: Database, consultation: int | None = None) -> list[tuple[int, str | None]]:
    """(id, question or None) of every framework of ``consultation`` (all, when None), by id."""
    return db.execute(
        "SELECT id, question FROM frameworks WHERE ? IS NULL OR consultation_id = ? ORDER BY id",
        [consultation, consultation],
    ).fetchall()


def principle_ids_by_code(db: Database, source_id: int) -> dict[str, int]:
    """Code ("1.2") -> principle id of the frameworks read from source ``source_id``."""
    return dict(
        db.execute(
            """SELECT p.code, p.id FROM principles p JOIN frameworks f ON f.id = p.framework_id
               WHERE f.source_id = ? ORDER BY p.id""",
            [source_id],
        ).fetchall()
    )
