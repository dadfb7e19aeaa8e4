"""What each analysis run found, kept after a later run replaces its results.

A run's per-point results (``point_analysis``, ``point_principles``, its themes) are replaced by the
next run of its consultation. So that two runs can still be compared, ``store.runs.finish_run`` writes
a snapshot of the finishing run in the same transaction as its results:

- ``run_snapshots``: one row per kept run, with its totals (points analysed and their respondents,
  points mapped to any principle, their respondents, confirmed points);
- ``run_themes``: each level-0 theme with its label, its broader group's label, points, respondents;
- ``run_theme_points``: each themed point of the run (point id and text hash) with its theme;
- ``run_principles``: per principle (with its framework name, code and title), mapped points,
  confirmed points and respondents.

Every figure comes from ``store.counts`` (the one count model), taken after analyst edits were replayed
onto the run; when a later run replaces it, the snapshot takes in the analyst edits made meanwhile
(``refresh_before_replacing``). ``figures(db, run_id)`` reads a run's figures: from the stored results while they are the
run's own (the current run: so its figures are exactly what the pages show, analyst edits made since
included), else from its snapshot.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlite_utils

from store import counts


@dataclass(frozen=True)
class ThemeFigure:
    """A level-0 theme of a run: its label, distinct points and respondents, its points' text hashes."""

    theme_id: int
    label: str
    group: str | None
    points: int
    respondents: int
    members: frozenset[str]


@dataclass(frozen=True)
class PrincipleFigure:
    """A principle's counts in a run, with the framework name and code that identify it across runs
    (re-ingesting a framework gives its principles new ids)."""

    principle_id: int
    framework: str
    code: str
    title: str
    mapped_points: int
    confirmed_points: int
    respondents: int


@dataclass(frozen=True)
class RunFigures:
    """What one run found. ``live``: read from the stored results (they are still this run's)."""

    run_id: int
    live: bool
    points: int
    respondents: int
    mapped_points: int
    mapped_respondents: int
    confirmed_points: int
    themes: list[ThemeFigure]
    principles: dict[int, PrincipleFigure]


def results_live(db: sqlite_utils.Database, run_id: int) -> bool:
    """Whether the stored per-point results are this run's (it is the latest written for its points)."""
    return (
        db.execute("SELECT 1 FROM point_analysis WHERE run_id = ? LIMIT 1", [run_id]).fetchone() is not None
    )


def has_snapshot(db: sqlite_utils.Database, run_id: int) -> bool:
    return db.execute("SELECT 1 FROM run_snapshots WHERE run_id = ?", [run_id]).fetchone() is not None


def compute(db: sqlite_utils.Database, run_id: int) -> RunFigures:
    """A run's figures from the stored results (``store.counts``), memberships from ``point_analysis``."""
    reach = counts.theme_reach(db, run_id)
    members: dict[int, set[str]] = {}
    for tid, _pid, text_hash in _memberships(db, run_id):
        members.setdefault(tid, set()).add(text_hash)
    themes = []
    for tid, label, group in db.execute(
        """SELECT t.id, t.label, g.label FROM themes t LEFT JOIN themes g ON g.id = t.parent_id
           WHERE t.run_id = ? AND t.level = 0 ORDER BY t.id""",
        [run_id],
    ):
        r = reach.get(tid, counts.Reach())
        themes.append(
            ThemeFigure(tid, label, group, r.points, r.respondents, frozenset(members.get(tid, ())))
        )
    reach_of = counts.principle_reach(db, run_id)
    named = {
        prid: (framework, code, title)
        for prid, framework, code, title in db.execute(
            """SELECT pr.id, f.name, pr.code, COALESCE(NULLIF(pr.title, ''), pr.text) FROM principles pr
               JOIN frameworks f ON f.id = pr.framework_id WHERE pr.id IN (SELECT value FROM json_each(?))""",
            [json.dumps(list(reach_of))],
        )
    }
    principles = {
        prid: PrincipleFigure(
            prid, *named.get(prid, ("", str(prid), "")), r.points, r.confirmed, r.respondents
        )
        for prid, r in reach_of.items()
    }
    analysed, mapped = counts.run_reach(db, run_id), counts.mapped_totals(db, run_id)
    return RunFigures(
        run_id,
        True,
        analysed.points,
        analysed.respondents,
        mapped.points,
        mapped.respondents,
        mapped.confirmed,
        themes,
        principles,
    )


def _memberships(db: sqlite_utils.Database, run_id: int) -> list[tuple[int, int, str]]:
    """(theme id, point id, text hash) of every themed consultation point of the run."""
    return db.execute(
        f"""SELECT pa.theme_id, pa.point_id, p.text_hash FROM point_analysis pa
            JOIN points p ON p.id = pa.point_id JOIN responses r ON r.id = p.response_id
            WHERE pa.run_id = ? AND pa.theme_id IS NOT NULL AND {counts.STAKEHOLDER} ORDER BY pa.point_id""",
        [run_id],
    ).fetchall()


def write_snapshot(db: sqlite_utils.Database, run_id: int) -> None:
    """Keep the run's figures (replacing any earlier snapshot of it); call inside the transaction
    that wrote its results, after analyst edits were replayed onto them."""
    from store.schema import now

    f = compute(db, run_id)
    for table in ("run_theme_points", "run_themes", "run_principles", "run_snapshots"):
        db.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])
    db.execute(
        """INSERT INTO run_snapshots (run_id, taken_at, points, respondents, mapped_points,
                                      mapped_respondents, confirmed_points) VALUES (?, ?, ?, ?, ?, ?, ?)""",
        [run_id, now(), f.points, f.respondents, f.mapped_points, f.mapped_respondents, f.confirmed_points],
    )
    db.conn.executemany(
        """INSERT INTO run_themes (run_id, theme_id, label, group_label, points, respondents)
           VALUES (?, ?, ?, ?, ?, ?)""",
        [(run_id, t.theme_id, t.label, t.group, t.points, t.respondents) for t in f.themes],
    )
    db.conn.executemany(
        "INSERT INTO run_theme_points (run_id, theme_id, point_id, text_hash) VALUES (?, ?, ?, ?)",
        [(run_id, tid, pid, h) for tid, pid, h in _memberships(db, run_id)],
    )
    db.conn.executemany(
        """INSERT INTO run_principles (run_id, principle_id, framework, code, title, mapped_points,
                                       confirmed_points, respondents) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            (
                run_id,
                p.principle_id,
                p.framework,
                p.code,
                p.title,
                p.mapped_points,
                p.confirmed_points,
                p.respondents,
            )
            for p in f.principles.values()
        ],
    )


def refresh_before_replacing(db: sqlite_utils.Database, run_id: int) -> bool:
    """Keep what analysts made of a run while it was current; call in the transaction that replaces its
    results, while they are still stored (``store.analysis.clear_point_analysis``).

    When none of the run's points was deleted since it finished (a re-ingest deletes changed and
    dropped points with their analysis), the snapshot is rewritten whole: renames, merges, moves and
    verdicts included. Otherwise only its themes' labels are updated, and the counts it finished with
    stay complete. Returns whether it was rewritten whole.
    """
    row = db.execute("SELECT points FROM run_snapshots WHERE run_id = ?", [run_id]).fetchone()
    if row is None or counts.run_reach(db, run_id).points == row[0]:
        write_snapshot(db, run_id)
        return True
    db.execute(
        """UPDATE run_themes SET label = (SELECT t.label FROM themes t WHERE t.id = run_themes.theme_id)
           WHERE run_id = ? AND theme_id IN (SELECT id FROM themes WHERE run_id = ?)""",
        [run_id, run_id],
    )
    return False


def read_snapshot(db: sqlite_utils.Database, run_id: int) -> RunFigures | None:
    """A run's kept figures, or None when it has no snapshot."""
    row = db.execute(
        """SELECT points, respondents, mapped_points, mapped_respondents, confirmed_points
           FROM run_snapshots WHERE run_id = ?""",
        [run_id],
    ).fetchone()
    if row is None:
        return None
    members: dict[int, set[str]] = {}
    for tid, text_hash in db.execute(
        "SELECT theme_id, text_hash FROM run_theme_points WHERE run_id = ?", [run_id]
    ):
        members.setdefault(tid, set()).add(text_hash)
    themes = [
        ThemeFigure(tid, label, group, points, respondents, frozenset(members.get(tid, ())))
        for tid, label, group, points, respondents in db.execute(
            """SELECT theme_id, label, group_label, points, respondents FROM run_themes
               WHERE run_id = ? ORDER BY theme_id""",
            [run_id],
        )
    ]
    principles = {
        row[0]: PrincipleFigure(*row)
        for row in db.execute(
            """SELECT principle_id, framework, code, title, mapped_points, confirmed_points, respondents
               FROM run_principles WHERE run_id = ?""",
            [run_id],
        )
    }
    return RunFigures(run_id, False, *row, themes, principles)


def figures(db: sqlite_utils.Database, run_id: int) -> RunFigures | None:
    """A run's figures: from the stored results while they are its own, else its snapshot; None when
    neither exists (a failed or running run, or one replaced before snapshots were kept)."""
    if results_live(db, run_id):
        return compute(db, run_id)
    return read_snapshot(db, run_id)


def backfill(db: sqlite_utils.Database) -> list[int]:
    """Snapshot every run whose results are still stored and that has none yet; return their ids
    (migration ``014_run_snapshots`` keeps the runs an upgraded database already holds)."""
    runs = [r[0] for r in db.execute("SELECT DISTINCT run_id FROM point_analysis ORDER BY run_id")]
    todo = [r for r in runs if not has_snapshot(db, r)]
    for run_id in todo:
        write_snapshot(db, run_id)
    return todo
