"""Migration 006_counts: the columns the count model (``store.counts``) and the mapping decision need.

- ``responses.respondent_key``: who wrote a response (see ``store.counts.respondent_key``), filled
  for existing rows; quotes printed inside a framework document become ``quoted_in_framework``;
  notes from stakeholder events get the respondent type ``event``.
- ``analysis_runs.consultation_id``: a run analyses one consultation (older runs of a database with
  one consultation are given it).
- ``principles.title`` / ``synonyms``: a principle's short title and per-framework vocabulary.
- ``point_principles.mapped`` / ``origin``: the ranked suggestions are all kept; ``mapped`` marks
  the ones the mapping decision (or an analyst, ``origin = 'analyst'``) counts.

Must not import ``store.schema``.
"""

from __future__ import annotations

import json

import sqlite_utils

from store.counts import EVENT_FORMATS, respondent_key


def m006_counts(db: sqlite_utils.Database) -> None:
    db.execute("ALTER TABLE responses ADD COLUMN respondent_key TEXT")
    db.execute("CREATE INDEX idx_responses_respondent ON responses(respondent_key)")
    db.execute("ALTER TABLE point_principles ADD COLUMN mapped INTEGER NOT NULL DEFAULT 1")
    db.execute("ALTER TABLE point_principles ADD COLUMN origin TEXT NOT NULL DEFAULT 'model'")
    db.execute("ALTER TABLE analysis_runs ADD COLUMN consultation_id INTEGER REFERENCES consultations(id)")
    db.execute("CREATE INDEX idx_runs_consultation ON analysis_runs(consultation_id)")
    db.execute(
        """UPDATE analysis_runs SET consultation_id = (SELECT MIN(id) FROM consultations)
           WHERE (SELECT COUNT(*) FROM consultations) = 1"""
    )
    db.execute("ALTER TABLE principles ADD COLUMN title TEXT")  # short title analysts use
    db.execute(
        "ALTER TABLE principles ADD COLUMN synonyms TEXT NOT NULL DEFAULT '[]'"
    )  # per-framework vocabulary
    db.execute(
        """UPDATE responses SET role = 'quoted_in_framework'
           WHERE role = 'stakeholder' AND source_id IN (SELECT id FROM sources WHERE format = 'framework')"""
    )
    rows = db.execute(
        """SELECT r.id, s.format, s.name, r.author, r.organisation, r.meta FROM responses r
           JOIN sources s ON s.id = r.source_id WHERE r.role = 'stakeholder'"""
    ).fetchall()
    updates = []
    for rid, fmt, name, author, organisation, meta in rows:
        try:
            meta = json.loads(meta or "{}")
        except json.JSONDecodeError:
            meta = {}
        updates.append((respondent_key(fmt, name, author, organisation, meta), rid))
    db.conn.executemany("UPDATE responses SET respondent_key = ? WHERE id = ?", updates)
    formats = ",".join(f"'{f}'" for f in sorted(EVENT_FORMATS))
    db.execute(
        f"""UPDATE responses SET respondent_type = 'event'
            WHERE COALESCE(respondent_type, '') IN ('', 'unknown')
              AND source_id IN (SELECT id FROM sources WHERE format IN ({formats}))"""
    )
