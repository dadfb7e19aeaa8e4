"""Comparing two analysis runs of one consultation: themes that appeared, grew, shrank or vanished,
and principle counts before and after.

Each run's figures come from ``store.run_snapshots.figures`` (the current run's from the stored results,
so they equal what the pages show; an older run's from its snapshot, kept when it finished and
brought up to date with analyst edits when a later run replaced it). Every count
is one of ``store.counts``.

Themes are matched across the two runs by their members: the Jaccard similarity of the two themes'
point texts (``points.text_hash``, as analyst edits match themes), counted over the texts both runs
themed, so that responses added or removed between the runs do not dilute a match. Two themes match
when that similarity is at least ``MATCH_MIN``, or when ``theme_successors`` links the older run's theme
to the newer run's (a re-analysis records where each old theme's points went; a chain through analyst
merges is followed). Matching is one to one, best similarity first. A matched theme *grew*, *shrank*
or is *unchanged* by its point count; a theme of the later run with no match *appeared*; one of the
earlier run with no match *vanished*.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import sqlite_utils

from fairhearing.errors import FairhearingError
from store.run_snapshots import RunFigures, ThemeFigure, figures
from store.runs import get_run

MATCH_MIN = 0.3  # Jaccard similarity (over texts both runs themed) for two themes to be one theme
MAX_CHAIN = 50  # theme_successors links followed at most (no cycles are possible)
CHANGES = ("appeared", "vanished", "grew", "shrank", "unchanged")


class CompareError(FairhearingError):
    """Two runs could not be compared (unknown run, other consultation, nothing kept)."""


@dataclass(frozen=True)
class RunSide:
    """One of the two runs: when it ran and what it analysed."""

    id: int
    started_at: str
    finished_at: str | None
    status: str
    current: bool
    live: bool  # figures read from the stored results (the current run), else from its snapshot
    points: int
    respondents: int
    mapped_points: int
    mapped_respondents: int
    confirmed_points: int


@dataclass(frozen=True)
class ThemeChange:
    change: str  # appeared / vanished / grew / shrank / unchanged
    before_id: int | None
    before_label: str | None
    after_id: int | None
    after_label: str | None
    points_before: int
    points_after: int
    respondents_before: int
    respondents_after: int
    overlap: float  # Jaccard similarity of the matched themes' shared texts (0 when unmatched)
    linked: bool  # theme_successors links the two themes
    nearest: str | None  # unmatched: the other run's theme holding most of its texts, if any

    @property
    def points_change(self) -> int:
        return self.points_after - self.points_before


@dataclass(frozen=True)
class PrincipleChange:
    framework: str
    code: str
    title: str
    mapped_before: int
    mapped_after: int
    confirmed_before: int
    confirmed_after: int
    respondents_before: int
    respondents_after: int
    principle_id: int  # in run B (after) where it has points there, else in run A

    @property
    def change(self) -> int:
        return self.mapped_after - self.mapped_before


@dataclass(frozen=True)
class Comparison:
    consultation_id: int | None
    consultation: str | None
    before: RunSide
    after: RunSide
    themes: list[ThemeChange]
    principles: list[PrincipleChange]

    def tally(self) -> dict[str, int]:
        """How many themes took each change, in ``CHANGES`` order."""
        return {c: sum(1 for t in self.themes if t.change == c) for c in CHANGES}

    def to_dict(self) -> dict:
        """Plain data for JSON, with each change's difference spelt out."""
        out = asdict(self)
        out["tally"] = self.tally()
        for row, t in zip(out["themes"], self.themes, strict=True):
            row["points_change"] = t.points_change
        for row, p in zip(out["principles"], self.principles, strict=True):
            row["change"] = p.change
        return out


def compare(db: sqlite_utils.Database, run_a: int, run_b: int) -> Comparison:
    """Compare run ``run_a`` (before) with run ``run_b`` (after); both of one consultation.

    Raises ``CompareError``: FH-E330 for an unknown run, FH-E331 for runs of two consultations (a run
    naming no consultation, from before runs were scoped, belongs to every one), FH-E332 for a run
    that kept no figures.
    """
    runs = []
    for rid in (run_a, run_b):
        run = get_run(db, rid)
        if run is None:
            raise CompareError("FH-E330", f"no analysis run {rid}")
        runs.append(run)
    a, b = runs
    if (
        a.consultation_id is not None
        and b.consultation_id is not None
        and a.consultation_id != b.consultation_id
    ):
        raise CompareError(
            "FH-E331",
            f"run {a.id} analysed consultation {_name(db, a.consultation_id)!r} and run {b.id} "
            f"{_name(db, b.consultation_id)!r}; compare runs of one consultation",
        )
    figs = []
    for run in (a, b):
        f = figures(db, run.id) if run.status == "done" else None
        if f is None:
            raise CompareError("FH-E332", f"run {run.id} ({run.status}) kept no figures to compare")
        figs.append(f)
    fa, fb = figs
    cid = a.consultation_id if a.consultation_id is not None else b.consultation_id
    return Comparison(
        cid,
        _name(db, cid) if cid is not None else None,
        _side(a, fa),
        _side(b, fb),
        _theme_changes(db, fa, fb, a.id < b.id),
        _principle_changes(fa, fb),
    )


def _name(db: sqlite_utils.Database, consultation_id: int | None) -> str | None:
    row = db.execute("SELECT name FROM consultations WHERE id = ?", [consultation_id]).fetchone()
    return row[0] if row else None


def _side(run, f: RunFigures) -> RunSide:
    return RunSide(
        run.id,
        run.started_at,
        run.finished_at,
        run.status,
        run.current,
        f.live,
        f.points,
        f.respondents,
        f.mapped_points,
        f.mapped_respondents,
        f.confirmed_points,
    )


def _successor_links(
    db: sqlite_utils.Database, older: list[ThemeFigure], newer: list[ThemeFigure]
) -> dict[int, int]:
    """Older theme id -> the newer run's theme its points were folded into (``theme_successors``)."""
    targets = {t.theme_id for t in newer}
    succ = dict(db.execute("SELECT old_id, new_id FROM theme_successors WHERE new_id IS NOT NULL").fetchall())
    links = {}
    for t in older:
        cur = succ.get(t.theme_id)
        for _ in range(MAX_CHAIN):
            if cur is None or cur in targets:
                break
            cur = succ.get(cur)
        if cur in targets:
            links[t.theme_id] = cur
    return links


def _theme_changes(
    db: sqlite_utils.Database, fa: RunFigures, fb: RunFigures, a_is_older: bool
) -> list[ThemeChange]:
    ta, tb = fa.themes, fb.themes
    if a_is_older:
        links = {(i, j) for i, j in _successor_links(db, ta, tb).items()}
    else:
        links = {(i, j) for j, i in _successor_links(db, tb, ta).items()}
    shared = set().union(*(t.members for t in ta)) & set().union(*(t.members for t in tb))
    sa = [t.members & shared for t in ta]
    sb = [t.members & shared for t in tb]
    owner = {h: j for j, members in enumerate(sb) for h in members}
    overlap: dict[tuple[int, int], int] = {}
    for i, members in enumerate(sa):
        for h in members:
            if h in owner:
                overlap[(i, owner[h])] = overlap.get((i, owner[h]), 0) + 1
    index_a = {t.theme_id: i for i, t in enumerate(ta)}
    index_b = {t.theme_id: j for j, t in enumerate(tb)}
    linked = {(index_a[x], index_b[y]) for x, y in links}

    def jaccard(i: int, j: int) -> float:
        n = overlap.get((i, j), 0)
        union = len(sa[i]) + len(sb[j]) - n
        return n / union if union else 0.0

    candidates = sorted(
        (p for p in set(overlap) | linked if jaccard(*p) >= MATCH_MIN or p in linked),
        key=lambda p: (-jaccard(*p), p not in linked, p),
    )
    match_a: dict[int, int] = {}
    match_b: set[int] = set()
    for i, j in candidates:
        if i not in match_a and j not in match_b:
            match_a[i] = j
            match_b.add(j)

    def nearest(pairs: list[tuple[int, int]], side: int) -> int | None:
        """Of ``pairs`` (a, b index), the other side's theme sharing most texts (a link breaks ties)."""
        scored = [(overlap.get(p, 0), p in linked, -p[side]) for p in pairs]
        return -max(scored)[2] if scored else None

    def nearest_label(i: int | None, j: int | None) -> str | None:
        pairs = set(overlap) | linked
        if i is not None:
            k = nearest([p for p in pairs if p[0] == i], 1)
            return tb[k].label if k is not None else None
        k = nearest([p for p in pairs if p[1] == j], 0)
        return ta[k].label if k is not None else None

    out = []
    for i, t in enumerate(ta):
        if i in match_a:
            u = tb[match_a[i]]
            change = "grew" if u.points > t.points else "shrank" if u.points < t.points else "unchanged"
            out.append(
                ThemeChange(
                    change,
                    t.theme_id,
                    t.label,
                    u.theme_id,
                    u.label,
                    t.points,
                    u.points,
                    t.respondents,
                    u.respondents,
                    round(jaccard(i, match_a[i]), 3),
                    (i, match_a[i]) in linked,
                    None,
                )
            )
        else:
            out.append(
                ThemeChange(
                    "vanished",
                    t.theme_id,
                    t.label,
                    None,
                    None,
                    t.points,
                    0,
                    t.respondents,
                    0,
                    0.0,
                    False,
                    nearest_label(i, None),
                )
            )
    for j, u in enumerate(tb):
        if j not in match_b:
            out.append(
                ThemeChange(
                    "appeared",
                    None,
                    None,
                    u.theme_id,
                    u.label,
                    0,
                    u.points,
                    0,
                    u.respondents,
                    0.0,
                    False,
                    nearest_label(None, j),
                )
            )
    order = {c: k for k, c in enumerate(CHANGES)}
    return sorted(
        out,
        key=lambda c: (
            order[c.change],
            -max(c.points_before, c.points_after),
            c.after_label or c.before_label or "",
        ),
    )


def _code_key(code: str) -> tuple:
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"[.\s]+", code))


def _principle_changes(fa: RunFigures, fb: RunFigures) -> list[PrincipleChange]:
    before = {(p.framework, p.code): p for p in fa.principles.values()}
    after = {(p.framework, p.code): p for p in fb.principles.values()}
    out = []
    for key in before.keys() | after.keys():
        p, q = before.get(key), after.get(key)
        named = q or p
        out.append(
            PrincipleChange(
                key[0],
                key[1],
                named.title,
                p.mapped_points if p else 0,
                q.mapped_points if q else 0,
                p.confirmed_points if p else 0,
                q.confirmed_points if q else 0,
                p.respondents if p else 0,
                q.respondents if q else 0,
                named.principle_id,
            )
        )
    return sorted(out, key=lambda c: (c.framework, _code_key(c.code), c.code))
