"""Analyst edits: applied to the current analysis run, logged for audit, replayed onto later runs.

Every edit is one row of ``edits``: who, when, a readable target, ``before`` / ``after`` JSON for the
audit page, and a ``payload`` of stable keys so it survives re-analysis. Points are keyed by
``points.text_hash``; themes by the set of their members' hashes (and their label as a fallback).
``replay(db, run_id)`` re-applies every edit, oldest first, to a freshly written run:

- rename: the theme of the new run holding the largest share of the renamed theme's points gets
  the label (at least ``MATCH_MIN`` of them must be there);
- merge: the matches of the two merged themes are merged again;
- split: the points moved out are moved into a new theme with the chosen label;
- move: the points (by hash) are re-assigned to the match of the target theme;
- signoff: kept only where the match's membership is nearly the same (Jaccard >= ``SIGNOFF_MIN``);
- mapping: a rejected principle is removed from those points, a confirmed one is ensured;
- vocabulary: a principle's title, synonyms and examples (``store.vocabulary``), kept by code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlite_utils

from store import theme_successors
from store.schema import now
from store.tx import write_tx

MATCH_MIN = 0.3  # share of an edited theme's points that must sit in the new run's theme to match it
SIGNOFF_MIN = 0.8  # Jaccard similarity of memberships for a sign-off to carry over
OPS = ("rename", "merge", "split", "move", "signoff", "mapping", "vocabulary")


class EditError(ValueError):
    """An edit could not be applied (unknown theme or point, bad argument)."""


@dataclass
class ReplayResult:
    edit_id: int
    op: str
    applied: bool
    detail: str


# ---------------------------------------------------------------- helpers


def _theme(db: sqlite_utils.Database, theme_id: int) -> dict:
    cur = db.execute(
        "SELECT id, run_id, parent_id, level, label, auto_label, size, signed_off_by, signed_off_at "
        "FROM themes WHERE id = ?",
        [theme_id],
    )
    row = cur.fetchone()
    if row is None:
        raise EditError(f"no theme {theme_id}")
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def members(db: sqlite_utils.Database, theme_id: int, level: int = 0) -> list[str]:
    """Sorted distinct text hashes of the points in a theme (a level-1 group: of its children)."""
    if level == 0:
        sql = """SELECT DISTINCT p.text_hash FROM point_analysis pa JOIN points p ON p.id = pa.point_id
                 WHERE pa.theme_id = ? ORDER BY p.text_hash"""
    else:
        sql = """SELECT DISTINCT p.text_hash FROM point_analysis pa JOIN points p ON p.id = pa.point_id
                 JOIN themes t ON t.id = pa.theme_id WHERE t.parent_id = ? ORDER BY p.text_hash"""
    return [r[0] for r in db.execute(sql, [theme_id])]


def best_match(
    db: sqlite_utils.Database, run_id: int, hashes: list[str], level: int = 0
) -> tuple[int | None, float, float]:
    """The run's theme holding most of ``hashes``: (theme id, share of hashes found there, Jaccard)."""
    if not hashes:
        return None, 0.0, 0.0
    key = "pa.theme_id" if level == 0 else "t.parent_id"
    join = "" if level == 0 else "JOIN themes t ON t.id = pa.theme_id"
    overlap = db.execute(
        f"""SELECT {key}, COUNT(DISTINCT p.text_hash) AS n FROM point_analysis pa
            JOIN points p ON p.id = pa.point_id {join}
            WHERE pa.run_id = ? AND {key} IS NOT NULL AND p.text_hash IN (SELECT value FROM json_each(?))
            GROUP BY {key} ORDER BY n DESC, {key} LIMIT 1""",
        [run_id, json.dumps(hashes)],
    ).fetchone()
    if overlap is None:
        return None, 0.0, 0.0
    theme_id, n = overlap
    size = len(members(db, theme_id, level))
    share = n / len(set(hashes))
    jaccard = n / (len(set(hashes)) + size - n)
    return theme_id, share, jaccard


def _match(db: sqlite_utils.Database, run_id: int, hashes: list[str], label: str | None, level: int = 0):
    """Best membership match above MATCH_MIN, else a theme of the run with the same label, else None."""
    tid, share, _ = best_match(db, run_id, hashes, level)
    if tid is not None and share >= MATCH_MIN:
        return tid
    if label:
        row = db.execute(
            "SELECT id FROM themes WHERE run_id = ? AND level = ? AND label = ? ORDER BY size DESC LIMIT 1",
            [run_id, level, label],
        ).fetchone()
        if row:
            return row[0]
    return None


def recount(db: sqlite_utils.Database, theme_ids: list[int]) -> None:
    """Recompute ``size`` for these themes (points assigned) and for their parent groups."""
    parents = set()
    for tid in {t for t in theme_ids if t is not None}:
        db.execute(
            "UPDATE themes SET size = (SELECT COUNT(*) FROM point_analysis WHERE theme_id = ?) WHERE id = ?",
            [tid, tid],
        )
        row = db.execute("SELECT parent_id FROM themes WHERE id = ?", [tid]).fetchone()
        if row and row[0] is not None:
            parents.add(row[0])
    for pid in parents:
        db.execute(
            "UPDATE themes SET size = (SELECT COALESCE(SUM(size), 0) FROM themes WHERE parent_id = ?) WHERE id = ?",
            [pid, pid],
        )


def _log(
    db: sqlite_utils.Database,
    who: str,
    op: str,
    run_id: int | None,
    target: str,
    payload: dict,
    before: dict,
    after: dict,
) -> int:
    cur = db.execute(
        """INSERT INTO edits (at, who, op, run_id, target, payload, before, after)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        [now(), who, op, run_id, target, json.dumps(payload), json.dumps(before), json.dumps(after)],
    )
    return cur.lastrowid


log_edit = _log  # public name for other store modules that write audited edits


def _summary(t: dict) -> dict:
    return {"id": t["id"], "label": t["label"], "size": t["size"]}


def _move_hashes(db: sqlite_utils.Database, run_id: int, hashes: list[str], theme_id: int) -> list[int]:
    """Assign every point of the run with one of ``hashes`` to ``theme_id``; return the themes left."""
    params = [run_id, json.dumps(hashes)]
    where = """run_id = ? AND point_id IN (SELECT id FROM points WHERE text_hash IN
               (SELECT value FROM json_each(?)))"""
    old = [r[0] for r in db.execute(f"SELECT DISTINCT theme_id FROM point_analysis WHERE {where}", params)]
    db.execute(f"UPDATE point_analysis SET theme_id = ? WHERE {where}", [theme_id, *params])
    return old


def _hashes_of_points(db: sqlite_utils.Database, point_ids: list[int]) -> list[str]:
    rows = db.execute(
        "SELECT DISTINCT text_hash FROM points WHERE id IN (SELECT value FROM json_each(?)) ORDER BY text_hash",
        [json.dumps([int(p) for p in point_ids])],
    ).fetchall()
    return [r[0] for r in rows]


def _new_theme(db: sqlite_utils.Database, like: dict, label: str) -> int:
    cur = db.execute(
        """INSERT INTO themes (run_id, parent_id, level, topic, label, auto_label, keywords, size)
           VALUES (?, ?, 0, NULL, ?, ?, '[]', 0)""",
        [like["run_id"], like["parent_id"], label, label],
    )
    return cur.lastrowid


def _clean_label(label: str) -> str:
    label = " ".join((label or "").split())
    if not label:
        raise EditError("label must not be empty")
    if len(label) > 200:
        raise EditError("label is longer than 200 characters")
    return label


# ---------------------------------------------------------------- the edits


def _theme_payload(db: sqlite_utils.Database, theme_id: int, theme: dict, **fields) -> dict:
    """An edit's payload on one theme: its members and level (how replay finds it again), and ``fields``."""
    return {"members": members(db, theme_id, theme["level"]), "level": theme["level"], **fields}


def rename_theme(db: sqlite_utils.Database, theme_id: int, label: str, who: str) -> int:
    label = _clean_label(label)
    with write_tx(db):
        t = _theme(db, theme_id)
        db.execute("UPDATE themes SET label = ? WHERE id = ?", [label, theme_id])
        payload = _theme_payload(db, theme_id, t, old_label=t["label"], label=label)
        return _log(
            db,
            who,
            "rename",
            t["run_id"],
            f"theme {theme_id}",
            payload,
            {"label": t["label"]},
            {"label": label},
        )


def merge_themes(db: sqlite_utils.Database, source_id: int, target_id: int, who: str) -> int:
    """Move every point of ``source_id`` into ``target_id`` and delete the source theme."""
    if source_id == target_id:
        raise EditError("cannot merge a theme into itself")
    with write_tx(db):
        src, tgt = _theme(db, source_id), _theme(db, target_id)
        if src["level"] != 0 or tgt["level"] != 0 or src["run_id"] != tgt["run_id"]:
            raise EditError("only themes (not groups) of the same run can be merged")
        payload = {
            "source": members(db, source_id),
            "target": members(db, target_id),
            "source_label": src["label"],
            "target_label": tgt["label"],
        }
        db.execute("UPDATE point_analysis SET theme_id = ? WHERE theme_id = ?", [target_id, source_id])
        db.execute("UPDATE themes SET parent_id = ? WHERE parent_id = ?", [target_id, source_id])
        db.execute("DELETE FROM themes WHERE id = ?", [source_id])
        theme_successors.record(db, source_id, src["label"], target_id, "merged")
        recount(db, [target_id])
        if src["parent_id"] is not None:
            recount_group(db, src["parent_id"])
        after = _summary(_theme(db, target_id))
        return _log(
            db,
            who,
            "merge",
            src["run_id"],
            f"theme {source_id} into theme {target_id}",
            payload,
            {"source": _summary(src), "target": _summary(tgt)},
            {"target": after},
        )


def recount_group(db: sqlite_utils.Database, group_id: int) -> None:
    db.execute(
        "UPDATE themes SET size = (SELECT COALESCE(SUM(size), 0) FROM themes WHERE parent_id = ?) WHERE id = ?",
        [group_id, group_id],
    )


def split_theme(db: sqlite_utils.Database, theme_id: int, point_ids: list[int], label: str, who: str) -> int:
    """Move the chosen points of a theme into a new theme labelled ``label``; return the new theme id."""
    label = _clean_label(label)
    with write_tx(db):
        t = _theme(db, theme_id)
        if t["level"] != 0:
            raise EditError("only themes (not groups) can be split")
        inside = {
            r[0]
            for r in db.execute(
                "SELECT point_id FROM point_analysis WHERE theme_id = ? AND point_id IN (SELECT value FROM json_each(?))",
                [theme_id, json.dumps([int(p) for p in point_ids])],
            )
        }
        if not inside:
            raise EditError("choose at least one point of this theme to split off")
        hashes = _hashes_of_points(db, sorted(inside))
        old_members = members(db, theme_id)
        if set(hashes) == set(old_members):
            raise EditError("a split must leave at least one point in the theme")
        new_id = _new_theme(db, t, label)
        _move_within(db, theme_id, hashes, new_id)
        recount(db, [theme_id, new_id])
        payload = {"members": old_members, "moved": hashes, "label": label, "old_label": t["label"]}
        _log(
            db,
            who,
            "split",
            t["run_id"],
            f"theme {theme_id}",
            payload,
            {"theme": _summary(t)},
            {"theme": _summary(_theme(db, theme_id)), "new": _summary(_theme(db, new_id))},
        )
        return new_id


def _move_within(db: sqlite_utils.Database, theme_id: int, hashes: list[str], new_id: int) -> None:
    db.execute(
        """UPDATE point_analysis SET theme_id = ? WHERE theme_id = ? AND point_id IN
           (SELECT id FROM points WHERE text_hash IN (SELECT value FROM json_each(?)))""",
        [new_id, theme_id, json.dumps(hashes)],
    )


def move_points(db: sqlite_utils.Database, point_ids: list[int], theme_id: int, who: str) -> int:
    """Re-assign points (and every other point with the same text) to ``theme_id``."""
    with write_tx(db):
        tgt = _theme(db, theme_id)
        if tgt["level"] != 0:
            raise EditError("points can only be moved to a theme, not a group")
        hashes = _hashes_of_points(db, point_ids)
        if not hashes:
            raise EditError("no such points")
        payload = {"hashes": hashes, "target": members(db, theme_id), "target_label": tgt["label"]}
        old = _move_hashes(db, tgt["run_id"], hashes, theme_id)
        recount(db, [*old, theme_id])
        before = {"themes": [_summary(_theme(db, o)) for o in old if o is not None and o != theme_id]}
        return _log(
            db,
            who,
            "move",
            tgt["run_id"],
            f"{len(hashes)} point(s) to theme {theme_id}",
            payload,
            before,
            {"theme": _summary(_theme(db, theme_id))},
        )


def signoff_theme(db: sqlite_utils.Database, theme_id: int, who: str, signed: bool = True) -> int:
    with write_tx(db):
        t = _theme(db, theme_id)
        at = now() if signed else None
        db.execute(
            "UPDATE themes SET signed_off_by = ?, signed_off_at = ? WHERE id = ?",
            [who if signed else None, at, theme_id],
        )
        payload = _theme_payload(db, theme_id, t, label=t["label"], signed=signed)
        return _log(
            db,
            who,
            "signoff",
            t["run_id"],
            f"theme {theme_id}",
            payload,
            {"signed_off_by": t["signed_off_by"], "signed_off_at": t["signed_off_at"]},
            {"signed_off_by": who if signed else None, "signed_off_at": at},
        )


def review_mapping(
    db: sqlite_utils.Database, point_id: int, principle_id: int, verdict: str, who: str
) -> int:
    """Confirm or reject a point's principle mapping: writes ``mapping_feedback`` and applies it."""
    if verdict not in ("confirm", "reject"):
        raise EditError("verdict must be confirm or reject")
    with write_tx(db):
        row = db.execute("SELECT text_hash, clean_text FROM points WHERE id = ?", [point_id]).fetchone()
        pr = db.execute("SELECT code, text FROM principles WHERE id = ?", [principle_id]).fetchone()
        if row is None or pr is None:
            raise EditError("no such point or principle")
        old = db.execute(
            "SELECT verdict FROM mapping_feedback WHERE point_hash = ? AND principle_id = ?",
            [row[0], principle_id],
        ).fetchone()
        db.execute(
            """INSERT INTO mapping_feedback (point_hash, point_text, principle_id, verdict, who, at)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (point_hash, principle_id) DO UPDATE SET verdict = excluded.verdict,
               who = excluded.who, at = excluded.at""",
            [row[0], row[1], principle_id, verdict, who, now()],
        )
        payload = {"hash": row[0], "principle_id": principle_id, "code": pr[0], "verdict": verdict}
        mapped_before = _apply_mapping(db, payload)
        return _log(
            db,
            who,
            "mapping",
            _current_run(db),
            f"point {point_id} / principle {pr[0]}",
            payload,
            {"verdict": old[0] if old else None, "mapped": mapped_before},
            {"verdict": verdict},
        )


def review_many(db: sqlite_utils.Database, verdicts: list[tuple[int, int, str]], who: str) -> list[int]:
    """Apply ``(point_id, principle_id, verdict)`` triples with ``review_mapping`` in one transaction:
    all of them or none. Returns the ``edits`` ids."""
    with write_tx(db):
        return [review_mapping(db, pid, prid, verdict, who) for pid, prid, verdict in verdicts]


def _current_run(db: sqlite_utils.Database) -> int | None:
    """The run an edit is logged against: the current run of the connection's consultation."""
    from store.runs import current_run
    from store.scope import scope_of

    run = current_run(db, scope_of(db))
    return run["id"] if run else None


def _apply_mapping(db: sqlite_utils.Database, payload: dict) -> bool:
    """Apply a verdict to every point with the hash; return whether it was mapped before."""
    pids = [r[0] for r in db.execute("SELECT id FROM points WHERE text_hash = ?", [payload["hash"]])]
    prid = payload["principle_id"]
    if db.execute("SELECT 1 FROM principles WHERE id = ?", [prid]).fetchone() is None:
        return False
    mapped = False
    for pid in pids:
        row = db.execute(
            "SELECT mapped FROM point_principles WHERE point_id = ? AND principle_id = ?", [pid, prid]
        ).fetchone()
        mapped = mapped or bool(row and row[0])
        if payload["verdict"] == "reject" and row:
            # the model's ranking stays as it was; the pair just stops counting
            db.execute(
                "UPDATE point_principles SET mapped = 0 WHERE point_id = ? AND principle_id = ?", [pid, prid]
            )
            left = db.execute(
                "SELECT COUNT(*) FROM point_principles WHERE point_id = ? AND mapped = 1", [pid]
            ).fetchone()[0]
            if left == 0:
                db.execute("UPDATE point_analysis SET no_principle = 1 WHERE point_id = ?", [pid])
        elif payload["verdict"] == "confirm":
            if row:
                db.execute(
                    "UPDATE point_principles SET mapped = 1 WHERE point_id = ? AND principle_id = ?",
                    [pid, prid],
                )
            else:  # an analyst added a principle the model did not rank
                rank = db.execute(
                    "SELECT COALESCE(MAX(rank), -1) + 1 FROM point_principles WHERE point_id = ?", [pid]
                ).fetchone()[0]
                db.execute(
                    """INSERT INTO point_principles (point_id, principle_id, score, rank, mapped, origin)
                       VALUES (?, ?, 1.0, ?, 1, 'analyst')""",
                    [pid, prid, rank],
                )
            db.execute("UPDATE point_analysis SET no_principle = 0 WHERE point_id = ?", [pid])
    return mapped


apply_verdict = _apply_mapping  # public name: re-apply a stored verdict (used after a refit)


# ---------------------------------------------------------------- replay


def _replay_one(db: sqlite_utils.Database, run_id: int, op: str, p: dict) -> tuple[bool, str]:
    if op == "rename":
        level = p.get("level", 0)
        tid = _match(db, run_id, p["members"], p.get("old_label"), level)
        if tid is None:
            return False, "no theme in this run matches the renamed one"
        db.execute("UPDATE themes SET label = ? WHERE id = ?", [p["label"], tid])
        return True, f"theme {tid} labelled {p['label']!r}"
    if op == "merge":
        src = _match(db, run_id, p["source"], p.get("source_label"))
        tgt = _match(db, run_id, p["target"], p.get("target_label"))
        if src is None or tgt is None or src == tgt:
            return False, "already together or no match" if src == tgt and src else "no match for both themes"
        parent = _theme(db, src)["parent_id"]
        db.execute("UPDATE point_analysis SET theme_id = ? WHERE theme_id = ?", [tgt, src])
        db.execute("UPDATE themes SET parent_id = ? WHERE parent_id = ?", [tgt, src])
        db.execute("DELETE FROM themes WHERE id = ?", [src])
        recount(db, [tgt])
        if parent is not None:
            recount_group(db, parent)
        return True, f"theme {src} merged into theme {tgt}"
    if op == "split":
        tid = _match(db, run_id, p["members"], p.get("old_label"))
        if tid is None:
            return False, "no theme in this run matches the split one"
        new_id = _new_theme(db, _theme(db, tid), p["label"])
        old = _move_hashes(db, run_id, p["moved"], new_id)
        recount(db, [*old, new_id])
        return True, f"new theme {new_id} {p['label']!r} split from theme {tid}"
    if op == "move":
        tid = _match(
            db,
            run_id,
            [h for h in p["target"] if h not in set(p["hashes"])] or p["target"],
            p.get("target_label"),
        )
        if tid is None:
            return False, "no theme in this run matches the target theme"
        old = _move_hashes(db, run_id, p["hashes"], tid)
        recount(db, [*old, tid])
        return True, f"{len(p['hashes'])} point(s) moved to theme {tid}"
    if op == "signoff":
        tid, _, jaccard = best_match(db, run_id, p["members"], p.get("level", 0))
        if tid is None or jaccard < SIGNOFF_MIN:
            return False, f"membership changed (overlap {jaccard:.2f}); sign-off not carried over"
        who = p.get("who")
        signed = p.get("signed", True)
        db.execute(
            "UPDATE themes SET signed_off_by = ?, signed_off_at = ? WHERE id = ?",
            [who if signed else None, p.get("at") if signed else None, tid],
        )
        return True, f"theme {tid} sign-off {'kept' if signed else 'withdrawn'}"
    if op == "mapping":
        _apply_mapping(db, p)
        return True, f"{p['verdict']} {p['code']}"
    if op == "vocabulary":
        from store.vocabulary import apply_payload

        return apply_payload(db, p)
    return False, f"unknown operation {op!r}"


def replay(db: sqlite_utils.Database, run_id: int) -> list[ReplayResult]:
    """Re-apply every analyst edit (oldest first) to run ``run_id``; call after writing its themes.

    Edits made on this run itself, and edits already replayed onto it, are skipped, so calling it
    twice is harmless. Each outcome is recorded in ``edit_replays`` and returned.
    """
    results = []
    with write_tx(db):
        done = {r[0] for r in db.execute("SELECT edit_id FROM edit_replays WHERE run_id = ?", [run_id])}
        rows = db.execute(
            "SELECT id, op, run_id, who, at, payload FROM edits WHERE run_id IS NULL OR run_id != ? ORDER BY id",
            [run_id],
        ).fetchall()
        for eid, op, _erun, who, at, payload in rows:
            if eid in done:
                continue
            p = json.loads(payload)
            p.setdefault("who", who)
            p.setdefault("at", at)
            applied, detail = _replay_one(db, run_id, op, p)
            db.execute(
                "INSERT INTO edit_replays (edit_id, run_id, applied, detail, at) VALUES (?, ?, ?, ?, ?)",
                [eid, run_id, int(applied), detail, now()],
            )
            results.append(ReplayResult(eid, op, applied, detail))
    return results


def old_memberships(db: sqlite_utils.Database, run_id: int) -> dict[int, tuple[str, list[str]]]:
    """Themes (level 0) of the same consultation's runs other than ``run_id``: id -> (label, hashes)."""
    return {
        tid: (label, members(db, tid))
        for tid, label in db.execute(
            """SELECT t.id, t.label FROM themes t JOIN analysis_runs r ON r.id = t.run_id
               WHERE t.run_id <> ? AND t.level = 0 AND (r.consultation_id IS NULL OR r.consultation_id IS (
                   SELECT consultation_id FROM analysis_runs WHERE id = ?))""",
            [run_id, run_id],
        ).fetchall()
    }


def record_successors(db: sqlite_utils.Database, run_id: int, old: dict[int, tuple[str, list[str]]]) -> None:
    """Before old runs' themes go: point each at the theme of ``run_id`` holding most of its points."""
    for tid, (label, hashes) in old.items():
        new_id, share, _ = best_match(db, run_id, hashes)
        theme_successors.record(db, tid, label, new_id if share > 0 else None, "re-analysed")
