"""Every point with every tag, as the CSV/XLSX export writes it."""

from __future__ import annotations

from collections.abc import Iterator

from ingest.names import public_author
from store.db import Database
from store.scope import scope_of

EXPORT_COLUMNS = [
    "point_id",
    "response_id",
    "source",
    "consultation",
    "role",
    "author",
    "organisation",
    "respondent_type",
    "org_kind",
    "question",
    "section",
    "start",
    "end",
    "text",
    "text_hash",
    "duplicate_group",
    "theme_id",
    "theme",
    "theme_group",
    "theme_score",
    "sentiment",
    "sentiment_score",
    "type",
    "type_score",
    "no_principle",
    "principles",
    "principle_scores",
]


def export_points(db: Database) -> Iterator[list]:
    """Every point with every tag, one list per point in ``EXPORT_COLUMNS`` order."""
    cur = db.execute(
        """SELECT p.id, p.response_id, s.name, c.name, r.role, r.author, r.organisation, r.respondent_type,
                  r.org_kind, r.question, r.section, p.start, p."end", p.clean_text, p.text_hash, r.duplicate_group,
                  pa.theme_id, t.label, g.label, pa.theme_score, pa.sentiment, pa.sentiment_score, pa.type,
                  pa.type_score, pa.no_principle,
                  (SELECT group_concat(code, '; ') FROM (SELECT pr.code FROM point_principles pp
                     JOIN principles pr ON pr.id = pp.principle_id WHERE pp.point_id = p.id AND pp.mapped = 1
                     ORDER BY pp.rank)),
                  (SELECT group_concat(sc, '; ') FROM (SELECT printf('%.3f', pp.score) AS sc FROM point_principles pp
                     WHERE pp.point_id = p.id AND pp.mapped = 1 ORDER BY pp.rank))
           FROM points p JOIN responses r ON r.id = p.response_id JOIN sources s ON s.id = p.source_id
           JOIN consultations c ON c.id = s.consultation_id
           LEFT JOIN point_analysis pa ON pa.point_id = p.id LEFT JOIN themes t ON t.id = pa.theme_id
           LEFT JOIN themes g ON g.id = t.parent_id WHERE ? IS NULL OR s.consultation_id = ? ORDER BY p.id""",
        [scope_of(db)] * 2,
    )
    for row in cur:
        row = list(row)
        row[5] = public_author(row[5])  # the author column: a person's name is personal data
        yield row
