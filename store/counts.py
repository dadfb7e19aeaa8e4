"""The count model: what a respondent, a response and a point are, written down once.

Every figure on every page, in the report and in the export comes from the queries here.

- A **respondent** is a person or organisation who wrote. Responses naming the same organisation
  (or, where there is none, the same named author, or the same respondent id in a spreadsheet) are
  one respondent; an anonymous response is its own respondent. A stakeholder **event** is one source
  with many unnamed contributors: it counts as one respondent (of type ``event``), and its notes are
  points of that event.
- A **response** is what one respondent sent to one question (two comments by one organisation on
  one page are one response; its comments on two pages are two).
- A **point** is a unit of a response (a numbered item, a bullet, a group of sentences).
- Only consultation responses count (role ``stakeholder``): moderator notices, the opening blog
  post and quotes printed inside a framework document (role ``quoted_in_framework``) never do.
- A point is **mapped** to a principle when the mapping decision (or an analyst) says so; the
  ranked suggestions beyond that decision are not counted. A mapped pair is **confirmed** when an
  analyst confirmed it, else **suggested**. A point mapped to two principles of one component counts
  once for that component.

``respondent_key`` computes the stored key at ingest; SQL fragments below turn it into counts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import sqlite_utils

STAKEHOLDER = "r.role = 'stakeholder'"
RESPONDENT = "COALESCE(r.respondent_key, 'response:' || r.id)"
RESPONSE = f"({RESPONDENT} || '|' || COALESCE(r.question, ''))"
MAPPED = "pp.mapped = 1"
CONFIRMED = (
    "EXISTS (SELECT 1 FROM mapping_feedback mf JOIN points cp ON cp.text_hash = mf.point_hash "
    "WHERE cp.id = pp.point_id AND mf.principle_id = pp.principle_id AND mf.verdict = 'confirm')"
)

ANONYMOUS = {"", "anonymous", "anon", "guest", "unknown", "none", "n/a", "na", "not given", "withheld"}
EVENT_FORMATS = {"event-notes"}
CHANNELS = {  # source format -> how the response reached the consultation
    "numbered-comments": "online comments",
    "flattened-comments": "online comments",
    "blog-thread": "online comments",
    "html": "online comments",
    "event-notes": "events",
    "docx": "letters",
    "pdf": "letters",
    "text": "letters",
    "csv": "survey",
    "xlsx": "survey",
    "json": "survey",
    "jsonl": "survey",
}
_PUNCT = re.compile(r"[\W_]+")


def _norm(name: str) -> str:
    text = _PUNCT.sub(" ", unicodedata.normalize("NFKC", name).casefold()).strip()
    return re.sub(r"^the ", "", text)


def respondent_key(
    fmt: str, source_name: str, author: str | None, organisation: str | None, meta: dict | None
) -> str | None:
    """Who wrote a response, as a stable key (None: an anonymous response, its own respondent)."""
    if fmt in EVENT_FORMATS:
        return f"event:{source_name}"
    if organisation and _norm(organisation) not in ANONYMOUS:
        return f"org:{_norm(organisation)}"
    rid = (meta or {}).get("respondent_id")
    if rid not in (None, ""):
        return f"id:{source_name}:{rid}"
    if author and _norm(author) not in ANONYMOUS:
        return f"person:{_norm(author)}"
    return None


def channel(fmt: str) -> str:
    return CHANNELS.get(fmt, "other")


@dataclass
class Totals:
    """What a consultation received."""

    respondents: int
    responses: int
    points: int
    organisations: int
    by_type: list[dict] = field(default_factory=list)  # [{type, respondents}]
    by_channel: list[dict] = field(default_factory=list)  # [{channel, respondents, responses}]


def in_scope(db: sqlite_utils.Database, alias: str = "r") -> tuple[str, list]:
    """SQL condition (and its parameters) keeping ``alias``'s rows (responses or points, which have
    ``source_id``) to the connection's consultation (``store.scope``); always true with no scope."""
    from store.scope import scope_of

    cid = scope_of(db)
    return f"({alias}.source_id IN (SELECT id FROM sources WHERE ? IS NULL OR consultation_id = ?))", [
        cid,
        cid,
    ]


def totals(db: sqlite_utils.Database) -> Totals:
    """Respondents, responses, points and organisations, by respondent type and by channel
    (of the connection's consultation, see ``store.scope``)."""
    scope, params = in_scope(db)
    respondents, responses, organisations = db.execute(
        f"""SELECT COUNT(DISTINCT {RESPONDENT}), COUNT(DISTINCT {RESPONSE}),
                   COUNT(DISTINCT CASE WHEN r.respondent_key LIKE 'org:%' THEN r.respondent_key END)
            FROM responses r WHERE {STAKEHOLDER} AND {scope}""",
        params,
    ).fetchone()
    points = db.execute(
        f"SELECT COUNT(*) FROM points p JOIN responses r ON r.id = p.response_id WHERE {STAKEHOLDER} AND {scope}",
        params,
    ).fetchone()[0]
    by_type = [
        {"type": t, "respondents": n}
        for t, n in db.execute(
            f"""SELECT type, COUNT(*) FROM (
                    SELECT {RESPONDENT} AS who,
                           COALESCE(NULLIF(MAX(r.respondent_type), ''), 'unknown') AS type
                    FROM responses r WHERE {STAKEHOLDER} AND {scope} GROUP BY who)
                GROUP BY type ORDER BY COUNT(*) DESC, type""",
            params,
        )
    ]
    per_format = db.execute(
        f"""SELECT s.format, {RESPONDENT}, {RESPONSE} FROM responses r JOIN sources s ON s.id = r.source_id
            WHERE {STAKEHOLDER} AND {scope}""",
        params,
    ).fetchall()
    chan: dict[str, tuple[set, set]] = {}
    for fmt, who, resp in per_format:
        c = chan.setdefault(channel(fmt), (set(), set()))
        c[0].add(who)
        c[1].add(resp)
    by_channel = [
        {"channel": k, "respondents": len(v[0]), "responses": len(v[1])}
        for k, v in sorted(chan.items(), key=lambda kv: (-len(kv[1][0]), kv[0]))
    ]
    return Totals(respondents, responses, points, organisations, by_type, by_channel)


@dataclass
class Reach:
    """How many distinct points and respondents raised something; of the points, how many confirmed."""

    points: int = 0
    respondents: int = 0
    confirmed: int = 0

    @property
    def suggested(self) -> int:
        return self.points - self.confirmed


def principle_reach(db: sqlite_utils.Database, run_id: int | None) -> dict[int, Reach]:
    """Per principle: distinct mapped points, their distinct respondents, confirmed points (one run)."""
    return {key: reach for (key,), reach in _mapped_reach(db, run_id, ["pp.principle_id"]).items()}


def component_reach(db: sqlite_utils.Database, run_id: int | None) -> dict[int, Reach]:
    """Per component: distinct points mapped to any of its principles (a point counts once)."""
    return {key: reach for (key,), reach in _mapped_reach(db, run_id, ["pr.component_id"]).items()}


def language_points(db: sqlite_utils.Database, run_id: int | None) -> dict[str | None, int]:
    """Distinct stakeholder points per detected language in one run (None: not detected), most first."""
    if run_id is None:
        return {}
    rows = db.execute(
        f"""SELECT pa.language, COUNT(DISTINCT pa.point_id) FROM point_analysis pa
            JOIN points p ON p.id = pa.point_id JOIN responses r ON r.id = p.response_id
            WHERE pa.run_id = ? AND {STAKEHOLDER} GROUP BY 1 ORDER BY 2 DESC, 1""",
        [run_id],
    ).fetchall()
    return {language: n for language, n in rows}


def theme_reach(db: sqlite_utils.Database, run_id: int | None) -> dict[int, Reach]:
    """Per theme (level 0, and each broader group): distinct points and respondents."""
    out: dict[int, Reach] = {}
    for tid, points, respondents in db.execute(
        f"""SELECT t.id, COUNT(DISTINCT pa.point_id), COUNT(DISTINCT {RESPONDENT})
            FROM point_analysis pa JOIN themes t ON t.id = pa.theme_id
            JOIN points p ON p.id = pa.point_id JOIN responses r ON r.id = p.response_id
            WHERE pa.run_id = ? AND {STAKEHOLDER} GROUP BY t.id""",
        [run_id],
    ):
        out[tid] = Reach(points, respondents)
    for gid, points, respondents in db.execute(
        f"""SELECT t.parent_id, COUNT(DISTINCT pa.point_id), COUNT(DISTINCT {RESPONDENT})
            FROM point_analysis pa JOIN themes t ON t.id = pa.theme_id
            JOIN points p ON p.id = pa.point_id JOIN responses r ON r.id = p.response_id
            WHERE pa.run_id = ? AND t.parent_id IS NOT NULL AND {STAKEHOLDER} GROUP BY t.parent_id""",
        [run_id],
    ):
        out[gid] = Reach(points, respondents)
    return out


def organisation_points(db: sqlite_utils.Database, name: str) -> int:
    """Stakeholder points of the responses naming organisation ``name`` (the organisation page's total)."""
    return db.execute(
        f"""SELECT COUNT(*) FROM points p JOIN responses r ON r.id = p.response_id
            WHERE r.organisation = ? AND {STAKEHOLDER}""",
        [name],
    ).fetchone()[0]


POSITIONS = ("support", "oppose", "neutral")
_POSITION_OF = {"positive": "support", "negative": "oppose"}  # anything else (neutral, none): neutral


def _majority(tally: dict[str, int]) -> str:
    top = max(tally.values())
    winners = [k for k, v in tally.items() if v == top]
    return winners[0] if len(winners) == 1 else "neutral"


def theme_positions(db: sqlite_utils.Database, run_id: int | None) -> dict[int, dict[str, int]]:
    """Per theme (level 0, and each broader group): distinct respondents per position
    (``support``, ``oppose``, ``neutral`` — the last meaning neutral or mixed).

    A point's position is its stored tagger sentiment: positive = support, negative = oppose,
    neutral (or none) = neutral. A respondent counts once per theme, under the position most of
    their points in that theme take; a tie for the most points counts as neutral. A group counts
    the points of all its sub-themes together, so its positions sum to its respondents in
    ``theme_reach``, as a theme's do.
    """
    tallies: dict[tuple[int, str], dict[str, int]] = {}
    for tid, parent, who, sentiment, n in db.execute(
        f"""SELECT t.id, t.parent_id, {RESPONDENT}, pa.sentiment, COUNT(DISTINCT pa.point_id)
            FROM point_analysis pa JOIN themes t ON t.id = pa.theme_id
            JOIN points p ON p.id = pa.point_id JOIN responses r ON r.id = p.response_id
            WHERE pa.run_id = ? AND {STAKEHOLDER} GROUP BY 1, 2, 3, 4""",
        [run_id],
    ):
        position = _POSITION_OF.get(sentiment, "neutral")
        for key in [tid] + ([parent] if parent is not None else []):
            tally = tallies.setdefault((key, who), dict.fromkeys(POSITIONS, 0))
            tally[position] += n
    out: dict[int, dict[str, int]] = {}
    for (key, _who), tally in tallies.items():
        out.setdefault(key, dict.fromkeys(POSITIONS, 0))[_majority(tally)] += 1
    return out


# ---------------------------------------------------------------- per question (the report's sections)

# The question a response answers: its own, else its source's (a page's question); None when neither.
QUESTION = "COALESCE(NULLIF(r.question, ''), NULLIF(s.question, ''))"


def question_respondents(db: sqlite_utils.Database) -> dict[str | None, int]:
    """Distinct respondents per question (the base of the report's wording bands), in scope."""
    scope, params = in_scope(db)
    return {
        q: n
        for q, n in db.execute(
            f"""SELECT {QUESTION}, COUNT(DISTINCT {RESPONDENT}) FROM responses r
                JOIN sources s ON s.id = r.source_id WHERE {STAKEHOLDER} AND {scope} GROUP BY 1""",
            params,
        )
    }


def _keyed_reach(db: sqlite_utils.Database, sql: str, run_id: int | None) -> dict[tuple, Reach]:
    out: dict[tuple, Reach] = {}
    for *key, points, respondents, confirmed in db.execute(sql, [run_id]):
        out[tuple(key)] = Reach(points, respondents, confirmed)
    return out


_MAPPED_FROM = """point_principles pp JOIN principles pr ON pr.id = pp.principle_id
    JOIN point_analysis pa ON pa.point_id = pp.point_id JOIN points p ON p.id = pp.point_id
    JOIN responses r ON r.id = p.response_id JOIN sources s ON s.id = r.source_id"""


def _mapped_reach(
    db: sqlite_utils.Database, run_id: int | None, keys: list[str], *, where: str = "", confirmed: bool = True
) -> dict[tuple, Reach]:
    """Distinct mapped stakeholder points, respondents and (unless ``confirmed`` is false: 0) confirmed
    points of the run, per value of the ``keys`` columns; ``where`` adds a condition."""
    count_confirmed = f"COUNT(DISTINCT CASE WHEN {CONFIRMED} THEN pp.point_id END)" if confirmed else "0"
    return _keyed_reach(
        db,
        f"""SELECT {", ".join(keys)}, COUNT(DISTINCT pp.point_id), COUNT(DISTINCT {RESPONDENT}), {count_confirmed}
            FROM {_MAPPED_FROM} WHERE {MAPPED} AND pa.run_id = ? AND {STAKEHOLDER} {where}
            GROUP BY {", ".join(str(i + 1) for i in range(len(keys)))}""",
        run_id,
    )


def question_principle_reach(db: sqlite_utils.Database, run_id: int | None) -> dict[tuple, Reach]:
    """(question, principle id) -> distinct mapped points, respondents, confirmed points."""
    return _mapped_reach(db, run_id, [QUESTION, "pp.principle_id"])


def question_component_reach(db: sqlite_utils.Database, run_id: int | None) -> dict[tuple, Reach]:
    """(question, component id) -> distinct points mapped to any of its principles (a point counts once)."""
    return _mapped_reach(db, run_id, [QUESTION, "pr.component_id"])


def question_component_theme_reach(db: sqlite_utils.Database, run_id: int | None) -> dict[tuple, Reach]:
    """(question, component id, theme id) -> distinct points of the theme mapped to the component."""
    return _mapped_reach(
        db,
        run_id,
        [QUESTION, "pr.component_id", "pa.theme_id"],
        where="AND pa.theme_id IS NOT NULL",
        confirmed=False,
    )


def question_theme_reach(db: sqlite_utils.Database, run_id: int | None) -> dict[tuple, Reach]:
    """(question, theme id) -> distinct points and respondents of each level-0 theme."""
    return _keyed_reach(
        db,
        f"""SELECT {QUESTION}, pa.theme_id, COUNT(DISTINCT pa.point_id), COUNT(DISTINCT {RESPONDENT}), 0
            FROM point_analysis pa JOIN points p ON p.id = pa.point_id
            JOIN responses r ON r.id = p.response_id JOIN sources s ON s.id = r.source_id
            WHERE pa.run_id = ? AND pa.theme_id IS NOT NULL AND {STAKEHOLDER} GROUP BY 1, 2""",
        run_id,
    )


def principle_sentiment_reach(db: sqlite_utils.Database, run_id: int | None) -> dict[tuple, Reach]:
    """(principle id, sentiment) -> distinct mapped points and respondents with that tone."""
    return _keyed_reach(
        db,
        f"""SELECT pp.principle_id, pa.sentiment, COUNT(DISTINCT pp.point_id), COUNT(DISTINCT {RESPONDENT}), 0
            FROM {_MAPPED_FROM} WHERE {MAPPED} AND pa.run_id = ? AND pa.sentiment IS NOT NULL AND {STAKEHOLDER}
            GROUP BY 1, 2""",
        run_id,
    )


def contested(
    db: sqlite_utils.Database, run_id: int | None, unit: str = "respondents"
) -> list[tuple[int, int, int]]:
    """THE rule for "contested" principles (the report's list and ``store.coverage`` both use it).

    Principles some of whose mapped stakeholder points the run read as negative, as (principle id,
    negative, total) counted in ``unit`` ("respondents" or "points"; total: all the principle's
    mapped ones) — the most negative first, then the larger negative share, then principle id.
    """
    reach = principle_reach(db, run_id)
    rows = []
    for (prid, sentiment), r in principle_sentiment_reach(db, run_id).items():
        negative = getattr(r, unit)
        if sentiment == "negative" and negative:
            rows.append((prid, negative, getattr(reach.get(prid, Reach()), unit)))
    rows.sort(key=lambda x: (-x[1], -x[1] / max(x[2], 1), x[0]))
    return rows


def mapped_totals(db: sqlite_utils.Database, run_id: int | None) -> Reach:
    """Distinct consultation points mapped to any principle in the run, their respondents, confirmed points."""
    row = db.execute(
        f"""SELECT COUNT(DISTINCT pp.point_id), COUNT(DISTINCT {RESPONDENT}),
                   COUNT(DISTINCT CASE WHEN {CONFIRMED} THEN pp.point_id END)
            FROM {_MAPPED_FROM} WHERE {MAPPED} AND pa.run_id = ? AND {STAKEHOLDER}""",
        [run_id],
    ).fetchone()
    return Reach(*row)


def run_reach(db: sqlite_utils.Database, run_id: int | None) -> Reach:
    """Distinct consultation points the run analysed, and their respondents."""
    row = db.execute(
        f"""SELECT COUNT(DISTINCT pa.point_id), COUNT(DISTINCT {RESPONDENT})
            FROM point_analysis pa JOIN points p ON p.id = pa.point_id JOIN responses r ON r.id = p.response_id
            WHERE pa.run_id = ? AND {STAKEHOLDER}""",
        [run_id],
    ).fetchone()
    return Reach(*row)


def theme_unmapped_reach(db: sqlite_utils.Database, run_id: int | None) -> dict[int, Reach]:
    """Per level-0 theme: distinct consultation points mapped to no principle, and their respondents."""
    out: dict[int, Reach] = {}
    for tid, points, respondents in db.execute(
        f"""SELECT pa.theme_id, COUNT(DISTINCT pa.point_id), COUNT(DISTINCT {RESPONDENT})
            FROM point_analysis pa JOIN points p ON p.id = pa.point_id JOIN responses r ON r.id = p.response_id
            WHERE pa.run_id = ? AND pa.theme_id IS NOT NULL AND {STAKEHOLDER}
              AND NOT EXISTS (SELECT 1 FROM point_principles pp WHERE pp.point_id = pa.point_id AND {MAPPED})
            GROUP BY pa.theme_id""",
        [run_id],
    ):
        out[tid] = Reach(points, respondents)
    return out


# ---------------------------------------------------------------- the analyst loop


@dataclass
class ReviewProgress:
    """How far analysts are through the review queue of a run."""

    reviewed: int  # distinct point texts with at least one verdict
    total: int  # distinct point texts the run ranked principles for
    since_refit: int  # distinct point texts given a verdict after ``since``


def review_progress(db: sqlite_utils.Database, run_id: int | None, since: str | None) -> ReviewProgress:
    """Reviewed of reviewable points (distinct texts of the run with a ranking), and since a time."""
    total, reviewed, recent = db.execute(
        """SELECT COUNT(DISTINCT p.text_hash),
                  COUNT(DISTINCT CASE WHEN mf.point_hash IS NOT NULL THEN p.text_hash END),
                  COUNT(DISTINCT CASE WHEN mf.at > ? THEN p.text_hash END)
           FROM point_analysis pa JOIN points p ON p.id = pa.point_id
           LEFT JOIN mapping_feedback mf ON mf.point_hash = p.text_hash
           WHERE pa.run_id = ? AND EXISTS (SELECT 1 FROM point_principles pp WHERE pp.point_id = pa.point_id)""",
        [since or "", run_id],
    ).fetchone()
    return ReviewProgress(reviewed, total, recent)


def confirmed_per_principle(db: sqlite_utils.Database) -> dict[int, int]:
    """Distinct point texts an analyst confirmed for each principle (all runs: verdicts outlive runs)."""
    return dict(
        db.execute(
            """SELECT principle_id, COUNT(DISTINCT point_hash) FROM mapping_feedback
               WHERE verdict = 'confirm' GROUP BY principle_id"""
        ).fetchall()
    )


def principle_sentiment(db: sqlite_utils.Database, run_id: int | None) -> dict[int, dict[str, int]]:
    """Per principle: distinct mapped stakeholder points by sentiment (one run)."""
    out: dict[int, dict[str, int]] = {}
    for prid, sentiment, n in db.execute(
        f"""SELECT pp.principle_id, pa.sentiment, COUNT(DISTINCT pp.point_id)
            FROM point_principles pp JOIN point_analysis pa ON pa.point_id = pp.point_id
            JOIN points p ON p.id = pp.point_id JOIN responses r ON r.id = p.response_id
            WHERE {MAPPED} AND pa.run_id = ? AND {STAKEHOLDER} AND pa.sentiment IS NOT NULL
            GROUP BY pp.principle_id, pa.sentiment""",
        [run_id],
    ):
        out.setdefault(prid, {})[sentiment] = n
    return out


def attribute_values(db: sqlite_utils.Database) -> dict[str, list[tuple[str, int]]]:
    """Source columns kept as attributes (``store.attributes``): name -> [(value, responses)], most
    responses first, in scope. Only attributes with 2 to ``MAX_CHOICES`` distinct values are listed
    (one value filters nothing; an id or a timestamp column is not a choice)."""
    from store.attributes import MAX_CHOICES, TABULAR_FORMATS, is_attribute

    scope, params = in_scope(db)
    formats = ", ".join(f"'{f}'" for f in TABULAR_FORMATS)
    base = f"""FROM responses r JOIN sources s ON s.id = r.source_id, json_each(r.meta) j
               WHERE {STAKEHOLDER} AND {scope} AND s.format IN ({formats})
                 AND j.type NOT IN ('object', 'array', 'null')"""
    keys = sorted(
        k
        for k, distinct in db.execute(f"SELECT j.key, COUNT(DISTINCT j.value) {base} GROUP BY 1", params)
        if 2 <= distinct <= MAX_CHOICES and is_attribute(k)
    )  # first the keys worth offering (cheap), then how many responses hold each of their values
    if not keys:
        return {}
    found: dict[str, list[tuple[str, int]]] = {k: [] for k in keys}
    for name, value, n in db.execute(
        f"""SELECT j.key, CAST(j.value AS TEXT), COUNT(DISTINCT {RESPONSE}) {base}
              AND j.key IN ({", ".join("?" * len(keys))})
            GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2""",
        [*params, *keys],
    ):
        found[name].append((value, n))
    return {k: v for k, v in found.items() if 2 <= len(v) <= MAX_CHOICES}
