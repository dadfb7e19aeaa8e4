"""Source metadata kept with each response: votes, and extra columns as filterable attributes.

A spreadsheet or JSON reader keeps every column it does not map (id, author, organisation,
respondent type, free text) in ``responses.meta`` under the column's header
(``ingest.formats.tabular.build_responses``). Two kinds are read back here:

- **votes**: a column called ``agrees`` / ``disagrees`` / ``passes`` (Polis) or a synonym
  (``VOTE_COLUMNS``) holds how many people agreed, disagreed or passed on that response; shown on
  the response page, and a search can keep responses with at least N agrees and sort by most agreed
  or most disagreed;
- **attributes**: any other such column (a region, a topic, a conversation); its values are the
  search page's attribute filter choices (counted by ``store.counts.attribute_values``).

Nothing is copied at ingest: the SQL reads ``meta`` with ``json_each``, so databases ingested before
this module keep working.
"""

from __future__ import annotations

import json

import sqlite_utils

VOTE_COLUMNS: dict[str, tuple[str, ...]] = {  # normalised header names (lower case, ``_`` as space)
    "agree": ("agrees", "agree", "agree votes", "agree count", "agreed", "upvotes", "up votes"),
    "disagree": ("disagrees", "disagree", "disagree votes", "disagree count", "disagreed", "downvotes"),
    "pass": ("passes", "pass", "pass votes", "pass count", "passed"),
}
VOTE_ORDERS = {"agreed": "agree", "disagreed": "disagree"}  # ``?sort=`` value -> vote kind
# keys a reader sets itself (not a column of the source), never offered as attributes
READER_KEYS = ("row", "respondent_id", "placeholder", "sheet")
TABULAR_FORMATS = ("csv", "xlsx", "json", "jsonl")
MAX_CHOICES = 30  # an attribute with more distinct values (ids, timestamps) is not a filter choice
# a column whose header says it holds personal data is never shown or offered (its values are not
# free text the redaction sees as such: a bare name, a postcode on its own)
PERSONAL_WORDS = (
    "name", "email", "e-mail", "phone", "mobile", "address", "postcode", "post code", "birth", "dob",
    "national insurance", "nhs", "ip",
)  # fmt: skip

_KEY = "lower(trim(replace(j.key, '_', ' ')))"


def _quoted(names) -> str:
    return ", ".join("'" + n.replace("'", "''") + "'" for n in names)


_COUNT = (
    "(j.type IN ('integer', 'real') OR (j.type = 'text' AND trim(j.value) <> '' "
    "AND trim(j.value) NOT GLOB '*[^0-9]*'))"
)  # a count: a number, or text of digits only (a CSV cell); "Strongly agree" is not one


def vote_sql(kind: str, alias: str = "r") -> str:
    """SQL: the ``kind`` vote count (agree / disagree / pass) of response ``alias``, or NULL."""
    return (
        f"(SELECT MAX(CAST(j.value AS INTEGER)) FROM json_each({alias}.meta) j "
        f"WHERE {_KEY} IN ({_quoted(VOTE_COLUMNS[kind])}) AND {_COUNT})"
    )


def _norm_key(key: str) -> str:
    return " ".join(key.replace("_", " ").lower().split())


_VOTE_NAMES = {n for names in VOTE_COLUMNS.values() for n in names}


def is_attribute(key: str) -> bool:
    """Whether a ``meta`` key is a source column kept as an attribute: not one a reader sets, not a
    vote column, not a column of personal data (short words such as "ip" match whole words only)."""
    norm = _norm_key(key)
    if key in READER_KEYS or norm in _VOTE_NAMES:
        return False
    words = f" {norm} "
    return not any(f" {w} " in words if len(w) <= 3 else w in norm for w in PERSONAL_WORDS)


def attribute_condition(name: str, value: str, alias: str = "r") -> tuple[str, list]:
    """SQL condition (with parameters): response ``alias`` has attribute ``name`` equal to ``value``.

    Only attributes (``is_attribute``) filter: a personal-data column or a reader's own key matches
    nothing, so a URL cannot probe a hidden value."""
    if not is_attribute(name):
        return "0", []
    return (
        f"EXISTS (SELECT 1 FROM json_each({alias}.meta) j WHERE j.key = ? AND CAST(j.value AS TEXT) = ?)",
        [name, value],
    )


def min_votes_condition(kind: str, at_least: int, alias: str = "r") -> tuple[str, list]:
    """SQL condition: response ``alias`` has at least ``at_least`` votes of ``kind``."""
    return f"{vote_sql(kind, alias)} >= ?", [at_least]


def response_votes(db: sqlite_utils.Database, response_id: int) -> dict[str, int]:
    """The vote counts a response carries from its source (kind -> count; empty when none)."""
    row = db.execute(
        f"SELECT {', '.join(vote_sql(k) for k in VOTE_COLUMNS)} FROM responses r WHERE r.id = ?",
        [response_id],
    ).fetchone()
    return {k: v for k, v in zip(VOTE_COLUMNS, row or (), strict=False) if v is not None}


def response_attributes(db: sqlite_utils.Database, response_id: int) -> list[tuple[str, str]]:
    """(column, value) of the source columns a spreadsheet or JSON response keeps, in stored order."""
    return [
        (k, v if isinstance(v, str) else json.dumps(v))
        for k, v in db.execute(
            f"""SELECT j.key, j.value FROM responses r JOIN sources s ON s.id = r.source_id,
                       json_each(r.meta) j
                WHERE r.id = ? AND s.format IN ({_quoted(TABULAR_FORMATS)})
                  AND j.type NOT IN ('object', 'array', 'null')""",
            [response_id],
        )
        if is_attribute(k)
    ]


def order_by_votes(db: sqlite_utils.Database, hashes: list[str], sort: str) -> list[str]:
    """``hashes`` (point texts found by a search) reordered by their most-voted response, most first
    (``sort``: a key of ``VOTE_ORDERS``); ties and unvoted texts keep their search order."""
    if not hashes:
        return []
    rows = db.execute(
        f"""SELECT p.text_hash, MAX({vote_sql(VOTE_ORDERS[sort])}) FROM points p
            JOIN responses r ON r.id = p.response_id
            WHERE p.text_hash IN (SELECT value FROM json_each(?)) GROUP BY p.text_hash""",
        [json.dumps(hashes)],
    ).fetchall()
    votes = {h: v for h, v in rows if v is not None}
    rank = {h: i for i, h in enumerate(hashes)}
    return sorted(hashes, key=lambda h: (-votes.get(h, -1), rank[h]))


def any_votes(db: sqlite_utils.Database) -> bool:
    """Whether any stakeholder response in scope carries agree or disagree votes."""
    from store.counts import in_scope

    scope, params = in_scope(db)
    row = db.execute(
        f"""SELECT 1 FROM responses r WHERE r.role = 'stakeholder' AND {scope}
              AND COALESCE({vote_sql("agree")}, {vote_sql("disagree")}) IS NOT NULL LIMIT 1""",
        params,
    ).fetchone()
    return row is not None
