"""Search filters, keyword (FTS5) search, filtered browsing and the filter choices."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from store import attributes
from store import counts as count_model
from store.db import Database
from store.languages import language_counts
from store.queries._sql import all_rows, scalar
from store.queries.organisations import organisation_names
from store.queries.overview import respondents_by_type
from store.queries.points import (
    POINT_COLS,
    POINT_FROM,
    POINT_JOINS,
    POINT_TYPES,
    SENTIMENTS,
    attach_principles,
)
from store.queries.themes import theme_choices

if TYPE_CHECKING:
    from search.filter_rows import FilterRows
    from search.keyword_index import KeywordIndex


@dataclass
class Filters:
    """Search filters; each empty value means "any"."""

    source: int | None = None
    question: str | None = None
    organisation: str | None = None
    respondent_type: str | None = None
    sentiment: str | None = None
    type: str | None = None
    theme: int | None = None
    principle: int | None = None
    attribute: str | None = None  # "COLUMN=VALUE": a source column kept as an attribute (store.attributes)
    min_agree: int | None = None  # at least this many agree votes (Polis and the like)
    language: str | None = None  # ISO 639-1 code of the point's detected language; "unknown": none detected
    consultation: int | None = None  # the page's consultation scope (not a user filter)
    active: list[str] = field(default_factory=list)

    def where(self) -> tuple[str, list]:
        """SQL conditions over the aliases p, r, pa (and a principle EXISTS) with their parameters."""
        conds, params = ["r.role = 'stakeholder'"], []
        if self.consultation is not None:
            conds.append("p.source_id IN (SELECT id FROM sources WHERE consultation_id = ?)")
            params.append(self.consultation)
        simple = (
            ("source", "p.source_id = ?"),
            ("question", "r.question = ?"),
            ("organisation", "r.organisation = ?"),
            ("sentiment", "pa.sentiment = ?"),
            ("type", "pa.type = ?"),
        )
        for name, cond in simple:
            value = getattr(self, name)
            if value not in (None, ""):
                conds.append(cond)
                params.append(value)
        if self.language == "unknown":
            conds.append("pa.language IS NULL")
        elif self.language:
            conds.append("pa.language = ?")
            params.append(self.language)
        if self.respondent_type:
            if self.respondent_type == "unknown":
                conds.append("(r.respondent_type IS NULL OR r.respondent_type = '')")
            else:
                conds.append("r.respondent_type = ?")
                params.append(self.respondent_type)
        if self.theme is not None:
            conds.append("(pa.theme_id = ? OR pa.theme_id IN (SELECT id FROM themes WHERE parent_id = ?))")
            params += [self.theme, self.theme]
        if self.principle is not None:
            conds.append(
                "EXISTS (SELECT 1 FROM point_principles x WHERE x.point_id = p.id AND x.principle_id = ? "
                "AND x.mapped = 1)"
            )
            params.append(self.principle)
        if self.attribute and "=" in self.attribute:
            cond, values = attributes.attribute_condition(*self.attribute.split("=", 1))
            conds.append(cond)
            params += values
        if self.min_agree is not None:
            cond, values = attributes.min_votes_condition("agree", self.min_agree)
            conds.append(cond)
            params += values
        return " AND ".join(conds), params

    @property
    def any(self) -> bool:
        return any(
            getattr(self, n) not in (None, "")
            for n in (
                "source",
                "question",
                "organisation",
                "respondent_type",
                "sentiment",
                "type",
                "theme",
                "principle",
                "attribute",
                "min_agree",
                "language",
            )
        )


_SEARCH_JOINS = (
    """JOIN responses r ON r.id = p.response_id LEFT JOIN point_analysis pa ON pa.point_id = p.id"""
)


_SEARCH_FROM = "points p " + _SEARCH_JOINS


def fts_query(q: str) -> str:
    """A safe FTS5 query: each word quoted as a phrase (so no operator injection), all required."""
    words = [w for w in "".join(ch if ch.isalnum() else " " for ch in q).split() if w]
    return " ".join('"' + w + '"' for w in words[:20])


def keyword_search(
    db: Database,
    q: str,
    filters: Filters,
    limit: int = 200,
    index: KeywordIndex | None = None,
    rows: FilterRows | None = None,
) -> list[str]:
    """Text hashes of points matching the words of ``q`` (best BM25 first), with filters applied.

    The first ``4 limit`` matching points that pass the filters, in BM25 order (ties: lower rowid
    first), one per text. The matches are ranked on the FTS table alone — by ``index``
    (``search.keyword_index``: the same order, computed in numpy) when given and able, else by FTS5
    — and checked against the filters in growing chunks, so only the points near the top are joined
    (not every match of a common word: 14,000 for a two-word query at 50k). ``rows`` (a
    ``search.filter_rows.FilterRows`` of the same filters) checks them in memory instead.
    """
    match = fts_query(q)
    if not match:
        return []
    words = match[1:-1].split('" "')

    def run(any_word: bool) -> list[str]:
        ranked = index.ranked(db, words, any_word) if index is not None else None
        if ranked is None:
            expr = match.replace('" "', '" OR "') if any_word else match
            ranked = [r[0] for r in db.execute(_RANKED, [expr])]
        want = limit * 4  # the first `limit` distinct texts among the first `want` passing points
        if rows is not None:
            return list(dict.fromkeys(rows.first_hashes(ranked, want)))[:limit]
        # checking stops as soon as either is reached (usually after about `limit` points, texts
        # being mostly distinct)
        found, distinct = [], set()
        start, size = 0, limit
        while start < len(ranked) and len(found) < want and len(distinct) < limit:
            chunk = ranked[start : start + size]
            passing = _passing(db, chunk, filters)
            for i in chunk:
                if i in passing and len(found) < want:
                    found.append(passing[i])
                    distinct.add(passing[i])
            start, size = start + size, size * 2
        return list(dict.fromkeys(found))[:limit]  # best BM25 first, one per text

    hashes = run(any_word=False)
    if not hashes and len(words) > 1:  # no point has every word: any word will do
        hashes = run(any_word=True)
    return hashes


_RANKED = "SELECT rowid FROM points_fts WHERE points_fts MATCH ? ORDER BY rank, rowid"


def _passing(db: Database, rowids: list[int], filters: Filters) -> dict[int, str]:
    """rowid -> text hash of the points among ``rowids`` that pass the filters."""
    where, params = filters.where()
    # the rowids as the outer loop, each looked up by its key (see points_for_hashes)
    return dict(
        db.execute(
            f"""SELECT p.rowid, p.text_hash FROM (SELECT value AS id FROM json_each(?)) wanted
                CROSS JOIN points p ON p.rowid = wanted.id {_SEARCH_JOINS} WHERE {where}""",
            [json.dumps(rowids), *params],
        ).fetchall()
    )


def filter_rows(db: Database, filters: Filters) -> list[tuple[int, str]]:
    """(rowid, text hash) of every point that passes the filters, by rowid."""
    where, params = filters.where()
    return db.execute(
        f"SELECT p.rowid, p.text_hash FROM {_SEARCH_FROM} WHERE {where} ORDER BY p.rowid", params
    ).fetchall()


def filtered_hashes(db: Database, filters: Filters) -> set[str]:
    where, params = filters.where()
    return {
        r[0] for r in db.execute(f"SELECT DISTINCT p.text_hash FROM {_SEARCH_FROM} WHERE {where}", params)
    }


def filter_hashes(db: Database, hashes: list[str], filters: Filters) -> list[str]:
    """The hashes (in the given order) that some point matching the filters has."""
    if not hashes:
        return []
    where, params = filters.where()
    keep = {
        r[0]
        for r in db.execute(
            f"""SELECT DISTINCT p.text_hash FROM {_SEARCH_FROM}
                WHERE p.text_hash IN (SELECT value FROM json_each(?)) AND {where}""",
            [json.dumps(hashes), *params],
        )
    }
    return [h for h in hashes if h in keep]


_VOTE_COLS = ", ".join(f"{attributes.vote_sql(k)} AS votes_{k}" for k in attributes.VOTE_COLUMNS)


def points_for_hashes(db: Database, hashes: list[str], filters: Filters) -> list[dict]:
    """One point per hash (the first matching the filters), in the order of ``hashes``, with ``copies``
    and its response's votes (``votes_agree``, ``votes_disagree``, ``votes_pass``; None without)."""
    if not hashes:
        return []
    where, params = filters.where()
    # CROSS JOIN keeps the hashes as the outer loop, so each is looked up by its index: given the
    # consultation's scope, SQLite would otherwise walk every point of its sources (37 ms vs 0.7 ms
    # for 50 hashes among 87k points)
    rows = all_rows(
        db,
        f"""SELECT {POINT_COLS}, r.question, r.role, {_VOTE_COLS}
            FROM (SELECT DISTINCT value AS hash FROM json_each(?)) wanted
            CROSS JOIN points p ON p.text_hash = wanted.hash {POINT_JOINS}
            WHERE {where} ORDER BY p.id""",
        [json.dumps(hashes), *params],
    )
    first: dict[str, dict] = {}
    for r in rows:
        if r["text_hash"] in first:
            first[r["text_hash"]]["copies"] += 1
        else:
            r["copies"] = 1
            first[r["text_hash"]] = r
    out = [first[h] for h in hashes if h in first]
    return attach_principles(db, out)


def browse_points(
    db: Database, filters: Filters, page: int = 1, per_page: int = 50, sort: str | None = None
) -> tuple[list[dict], int]:
    """Points matching the filters alone (no query), in source order or, with ``sort`` ("agreed",
    "disagreed": ``store.attributes.VOTE_ORDERS``), most votes first: (rows, total)."""
    where, params = filters.where()
    total = scalar(db, f"SELECT COUNT(*) FROM {_SEARCH_FROM} WHERE {where}", params)
    order = "p.id"
    if sort in attributes.VOTE_ORDERS:
        order = f"COALESCE(votes_{attributes.VOTE_ORDERS[sort]}, -1) DESC, p.id"
    rows = all_rows(
        db,
        f"""SELECT {POINT_COLS}, r.question, r.role, {_VOTE_COLS} FROM {POINT_FROM} WHERE {where}
            ORDER BY {order} LIMIT ? OFFSET ?""",
        [*params, per_page, (max(page, 1) - 1) * per_page],
    )
    for r in rows:
        r["copies"] = 1
    return attach_principles(db, rows), total


def filter_options(db: Database, run: int | None) -> dict:
    return {
        "sources": all_rows(db, "SELECT id, name FROM sources ORDER BY name"),
        "questions": [
            r[0]
            for r in db.execute(
                "SELECT DISTINCT question FROM responses WHERE role = 'stakeholder' AND question IS NOT NULL "
                "AND question != '' ORDER BY question LIMIT 200"
            )
        ],
        "organisations": organisation_names(db),
        "respondent_types": [r["type"] for r in respondents_by_type(db)],
        "sentiments": list(SENTIMENTS),
        "types": list(POINT_TYPES),
        "themes": theme_choices(db, run),
        "languages": ["unknown" if lang is None else lang for lang in language_counts(db, run)],
        "principles": all_rows(
            db,
            """SELECT pr.id, pr.code, pr.text FROM principles pr JOIN components c ON c.id = pr.component_id
               ORDER BY pr.framework_id, c.idx, pr.idx""",
        ),
        "attributes": count_model.attribute_values(db),
        "votes": attributes.any_votes(db),
    }
