"""Detected languages: written per analysed point, read per response and as counts.

``point_analysis.language`` (migration 009_themes) holds an ISO 639-1 code from
``nlp.language.detect_language``, or NULL when the point was too short or the detector unsure. A
response's language is the most common one among its points.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlite_utils


def write_point_languages(
    db: sqlite_utils.Database, point_ids: Sequence[int], languages: Sequence[str | None]
) -> None:
    """Set the language of each analysed point (rows of ``point_analysis`` must exist)."""
    if len(point_ids) != len(languages):
        raise ValueError(f"{len(point_ids)} points but {len(languages)} languages")
    db.conn.executemany(
        "UPDATE point_analysis SET language = ? WHERE point_id = ?",
        [(lang, int(pid)) for pid, lang in zip(point_ids, languages, strict=True)],
    )


def response_languages(db: sqlite_utils.Database, run: int | None) -> dict[int, str]:
    """Response id -> the most common detected language of its points in ``run`` (ties: by code)."""
    if run is None:
        return {}
    rows = db.execute(
        """SELECT p.response_id, pa.language, COUNT(*) AS n FROM point_analysis pa
           JOIN points p ON p.id = pa.point_id
           WHERE pa.run_id = ? AND pa.language IS NOT NULL GROUP BY 1, 2 ORDER BY 1, n DESC, 2""",
        [run],
    ).fetchall()
    out: dict[int, str] = {}
    for response_id, language, _ in rows:
        out.setdefault(response_id, language)
    return out


def language_counts(db: sqlite_utils.Database, run: int | None) -> dict[str | None, int]:
    """Points per detected language in ``run`` (None: not detected), most first."""
    if run is None:
        return {}
    rows = db.execute(
        "SELECT language, COUNT(*) FROM point_analysis WHERE run_id = ? GROUP BY 1 ORDER BY 2 DESC, 1",
        [run],
    ).fetchall()
    return {language: n for language, n in rows}
