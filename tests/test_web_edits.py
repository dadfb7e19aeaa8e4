"""Analyst accounts, edits with their audit log, and replay of edits onto a re-analysis."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nlp.themes import Theme, ThemeGroup, ThemeResult
from store import edits
from store.analysis import clear_point_analysis, write_point_analysis, write_point_principles
from store.db import open_db
from store.runs import start_run
from store.themes import write_themes
from store.tx import write_tx
from store.users import UserError, create_user, get_user, list_users, set_active, set_password, verify_user
from web.sample import TOPICS, build_sample

PAYMENT, SMALL, DISABLED, CONTRACTS, BUREAU, LOCAL, TRAVEL = (t[0] for t in TOPICS)


@pytest.fixture
def db(tmp_path):
    d = open_db(tmp_path / "t.db")
    d.sample = build_sample(d, 50)
    yield d
    d.close()


def theme_of(db, point_id: int) -> int | None:
    return db.execute("SELECT theme_id FROM point_analysis WHERE point_id = ?", [point_id]).fetchone()[0]


def points_in(db, theme_id: int) -> list[int]:
    return [
        r[0]
        for r in db.execute(
            "SELECT point_id FROM point_analysis WHERE theme_id = ? ORDER BY point_id", [theme_id]
        )
    ]


def label(db, theme_id: int) -> str | None:
    row = db.execute("SELECT label FROM themes WHERE id = ?", [theme_id]).fetchone()
    return row[0] if row else None


def _fit(themes: list[tuple[int, str, int]], groups: list[tuple[int, str, list[int]]]) -> ThemeResult:
    """A theme fit of (topic, label, group) themes and (group, label, topics) broader groups."""
    return ThemeResult(
        np.zeros(0, dtype=np.int64),
        np.zeros(0),
        [Theme(topic, lab, [], 0, group) for topic, lab, group in themes],
        [ThemeGroup(group, lab, [], topics, 0) for group, lab, topics in groups],
    )


def _new_run(db) -> int:
    """Start a run of the sample's consultation, as the analysis pipeline does."""
    consultation = db.execute(
        "SELECT consultation_id FROM analysis_runs WHERE id = ?", [db.sample.run_id]
    ).fetchone()[0]
    return start_run(db, embedder="x", seed=1, params={}, consultation=consultation)


def reanalyse(db, *, shuffle: dict[str, str] | None = None, drop: float = 0.0) -> tuple[int, dict[str, int]]:
    """A new analysis run written through the pipeline's store writers: fresh themes (automatic labels)
    holding the sample's topic points, and the principle ranking mapped afresh (every pair mapped).

    ``shuffle`` sends the points of one topic to another topic's theme; ``drop`` moves that share of
    each topic's points (by id order) to the travel theme, to change memberships.
    """
    shuffle = shuffle or {}
    run = _new_run(db)
    fit = _fit([(i, f"auto {i}", 0 if i < 2 else -1) for i in range(len(TOPICS))], [(0, "g", [0, 1])])
    # the sample's original topic of each point, from its text
    by_core = {core: lab for lab, *_r, cores in TOPICS for core in cores}
    old = db.execute(
        """SELECT p.id, p.clean_text, pa.theme_score, pa.sentiment, pa.sentiment_score, pa.type, pa.type_score
           FROM points p JOIN point_analysis pa ON pa.point_id = p.id"""
    ).fetchall()
    ranking = db.execute("SELECT point_id, principle_id, score, rank FROM point_principles").fetchall()
    per_topic: dict[str, list[tuple]] = {}
    for row in old:
        lab = next(v for k, v in by_core.items() if k.lower() in row[1].lower())
        per_topic.setdefault(shuffle.get(lab, lab), []).append(row)
    with write_tx(db):
        clear_point_analysis(db, None)
        topic_ids = write_themes(db, run, fit)
        new = {lab: topic_ids[i] for i, (lab, *_rest) in enumerate(TOPICS)}
        mapped = {r[0] for r in ranking}
        rows = []
        for lab, members in per_topic.items():
            members.sort()
            cut = int(len(members) * drop)
            for k, (pid, _text, *scores) in enumerate(members):
                target = new[TRAVEL] if k < cut and lab != TRAVEL else new[lab]
                rows.append((pid, run, target, *scores, int(pid not in mapped)))
        write_point_analysis(db, rows)
        write_point_principles(db, [(*r, 1) for r in ranking])
        edits.recount(db, list(new.values()))
    return run, new


# ---------------------------------------------------------------- users


def test_users_create_verify_and_reject(db):
    uid = create_user(db, "ana", "correct horse")
    assert uid > 0 and get_user(db, "ana")["name"] == "ana"
    stored = db.execute("SELECT password_hash FROM users WHERE name = 'ana'").fetchone()[0]
    assert "correct horse" not in stored and stored.startswith(("scrypt:", "pbkdf2:"))
    assert verify_user(db, "ana", "correct horse")
    assert not verify_user(db, "ana", "wrong password")
    assert not verify_user(db, "nobody", "correct horse")
    with pytest.raises(UserError):
        create_user(db, "ana", "another password")
    with pytest.raises(UserError):
        create_user(db, "bob", "short")
    with pytest.raises(UserError):
        create_user(db, "bad name!", "long enough pw")
    set_password(db, "ana", "new password 1")
    assert verify_user(db, "ana", "new password 1") and not verify_user(db, "ana", "correct horse")
    set_active(db, "ana", False)
    assert not verify_user(db, "ana", "new password 1")
    assert [u["name"] for u in list_users(db)] == ["ana"]


# ---------------------------------------------------------------- edits on the current run


def test_rename_is_applied_and_logged(db):
    tid = db.sample.theme_ids[PAYMENT]
    edits.rename_theme(db, tid, "  Cash flow under   payment by results ", "ana")
    assert label(db, tid) == "Cash flow under payment by results"
    row = db.execute("SELECT who, op, before, after, payload FROM edits").fetchone()
    assert row[0:2] == ("ana", "rename")
    assert json.loads(row[2]) == {"label": PAYMENT}
    assert json.loads(row[3]) == {"label": "Cash flow under payment by results"}
    assert len(json.loads(row[4])["members"]) > 3
    with pytest.raises(edits.EditError):
        edits.rename_theme(db, tid, "   ", "ana")


def test_merge_moves_points_and_deletes_source(db):
    a, b = db.sample.theme_ids[SMALL], db.sample.theme_ids[PAYMENT]
    moved = points_in(db, a)
    before_b = len(points_in(db, b))
    edits.merge_themes(db, a, b, "ana")
    assert label(db, a) is None
    assert all(theme_of(db, p) == b for p in moved)
    assert db.execute("SELECT size FROM themes WHERE id = ?", [b]).fetchone()[0] == before_b + len(moved)
    group = db.sample.group_id
    assert db.execute("SELECT size FROM themes WHERE id = ?", [group]).fetchone()[0] == before_b + len(moved)
    with pytest.raises(edits.EditError):
        edits.merge_themes(db, b, b, "ana")
    with pytest.raises(edits.EditError):
        edits.merge_themes(db, b, group, "ana")  # a group is not a theme


def test_split_and_move(db):
    tid = db.sample.theme_ids[BUREAU]
    pts = points_in(db, tid)
    new = edits.split_theme(db, tid, pts[:2], "Paperwork for small providers", "ana")
    assert label(db, new) == "Paperwork for small providers"
    assert set(points_in(db, new)) >= set(pts[:2])
    assert not set(points_in(db, tid)) & set(points_in(db, new))
    with pytest.raises(edits.EditError):
        edits.split_theme(db, tid, points_in(db, tid), "everything", "ana")  # must leave something
    with pytest.raises(edits.EditError):
        edits.split_theme(db, tid, [pts[0]], "x", "ana")  # that point is no longer in this theme
    target = db.sample.theme_ids[LOCAL]
    edits.move_points(db, [pts[-1]], target, "ana")
    assert theme_of(db, pts[-1]) == target
    ops = [r[0] for r in db.execute("SELECT op FROM edits ORDER BY id")]
    assert ops == ["split", "move"]


def test_signoff_and_withdraw(db):
    tid = db.sample.theme_ids[LOCAL]
    edits.signoff_theme(db, tid, "ana")
    assert db.execute("SELECT signed_off_by FROM themes WHERE id = ?", [tid]).fetchone()[0] == "ana"
    edits.signoff_theme(db, tid, "ana", signed=False)
    assert db.execute("SELECT signed_off_by FROM themes WHERE id = ?", [tid]).fetchone()[0] is None


def test_mapping_reject_and_confirm_write_feedback(db):
    pid, prid = db.execute(
        "SELECT point_id, principle_id FROM point_principles ORDER BY point_id LIMIT 1"
    ).fetchone()
    h = db.execute("SELECT text_hash FROM points WHERE id = ?", [pid]).fetchone()[0]
    same_text = [r[0] for r in db.execute("SELECT id FROM points WHERE text_hash = ?", [h])]
    edits.review_mapping(db, pid, prid, "reject", "ana")
    fb = db.execute("SELECT point_hash, verdict, who FROM mapping_feedback").fetchall()
    assert fb == [(h, "reject", "ana")]
    for p in same_text:
        assert (
            db.execute(
                "SELECT 1 FROM point_principles WHERE point_id = ? AND principle_id = ? AND mapped = 1",
                [p, prid],
            ).fetchone()
            is None  # a rejected pair stays in the model's ranking but no longer counts
        )
    edits.review_mapping(db, pid, prid, "confirm", "bob")
    assert db.execute("SELECT verdict, who FROM mapping_feedback").fetchall() == [("confirm", "bob")]
    assert db.execute(
        "SELECT 1 FROM point_principles WHERE point_id = ? AND principle_id = ? AND mapped = 1", [pid, prid]
    ).fetchone()
    with pytest.raises(edits.EditError):
        edits.review_mapping(db, pid, prid, "maybe", "ana")


# ---------------------------------------------------------------- replay onto a new run


def test_replay_carries_edits_to_a_new_run(db):
    ids = db.sample.theme_ids
    edits.rename_theme(db, ids[PAYMENT], "Cash flow", "ana")
    edits.merge_themes(db, ids[SMALL], ids[CONTRACTS], "ana")
    bureau = points_in(db, ids[BUREAU])
    edits.split_theme(db, ids[BUREAU], bureau[:3], "Forms", "ana")
    travel_point = points_in(db, ids[TRAVEL])[0]
    edits.move_points(db, [travel_point], ids[LOCAL], "ana")
    edits.signoff_theme(db, ids[DISABLED], "ana")
    pid, prid = db.execute(
        "SELECT point_id, principle_id FROM point_principles ORDER BY point_id LIMIT 1"
    ).fetchone()
    edits.review_mapping(db, pid, prid, "reject", "ana")

    # the new run maps principles afresh: the rejected mapping comes back until replay removes it
    run, new = reanalyse(db)
    assert db.execute(
        "SELECT mapped FROM point_principles WHERE point_id = ? AND principle_id = ?", [pid, prid]
    ).fetchone() == (1,)
    results = edits.replay(db, run)
    assert [r.op for r in results] == ["rename", "merge", "split", "move", "signoff", "mapping"]
    assert all(r.applied for r in results), results

    assert label(db, new[PAYMENT]) == "Cash flow"
    assert label(db, new[SMALL]) is None  # merged away again
    assert label(db, new[CONTRACTS]) == "auto 3"
    forms = db.execute("SELECT id FROM themes WHERE run_id = ? AND label = 'Forms'", [run]).fetchone()[0]
    assert sorted(points_in(db, forms)) == sorted(bureau[:3])
    assert theme_of(db, travel_point) == new[LOCAL]
    assert db.execute("SELECT signed_off_by FROM themes WHERE id = ?", [new[DISABLED]]).fetchone()[0] == "ana"
    assert (
        db.execute(
            "SELECT 1 FROM point_principles WHERE point_id = ? AND principle_id = ? AND mapped = 1",
            [pid, prid],
        ).fetchone()
        is None
    )
    recorded = db.execute(
        "SELECT COUNT(*) FROM edit_replays WHERE run_id = ? AND applied = 1", [run]
    ).fetchone()[0]
    assert recorded == 6
    # replaying again changes nothing and repeats nothing
    assert edits.replay(db, run) == []
    assert (
        db.execute("SELECT COUNT(*) FROM themes WHERE run_id = ? AND label = 'Forms'", [run]).fetchone()[0]
        == 1
    )


def test_rename_follows_the_largest_overlap(db):
    ids = db.sample.theme_ids
    edits.rename_theme(db, ids[LOCAL], "Partnerships", "ana")
    # in the new run the local-partnership points sit in the theme the model numbered as "bureaucracy"
    run, new = reanalyse(db, shuffle={LOCAL: BUREAU, BUREAU: LOCAL})
    edits.replay(db, run)
    assert label(db, new[BUREAU]) == "Partnerships"
    assert label(db, new[LOCAL]) == "auto 5"


def test_signoff_dropped_when_membership_changes(db):
    ids = db.sample.theme_ids
    edits.signoff_theme(db, ids[PAYMENT], "ana")
    edits.signoff_theme(db, ids[DISABLED], "ana")
    run, new = reanalyse(db, drop=0.5)  # half of each theme's points go elsewhere
    results = {r.op: r for r in edits.replay(db, run)}
    assert not results["signoff"].applied
    signed = db.execute(
        "SELECT COUNT(*) FROM themes WHERE run_id = ? AND signed_off_by IS NOT NULL", [run]
    ).fetchone()[0]
    assert signed == 0


def test_unmatched_edit_is_reported_not_forced(db):
    ids = db.sample.theme_ids
    edits.rename_theme(db, ids[LOCAL], "Partnerships", "ana")
    run = _new_run(db)
    with write_tx(db):
        write_themes(db, run, _fit([(0, "empty", -1)], []))
    (result,) = edits.replay(db, run)
    assert not result.applied and "no theme" in result.detail
    assert db.execute("SELECT label FROM themes WHERE run_id = ?", [run]).fetchone()[0] == "empty"


def test_replay_joins_the_callers_transaction(db):
    """The analysis pipeline replays inside its own db.atomic(): a failure there must undo the replay."""
    ids = db.sample.theme_ids
    edits.rename_theme(db, ids[PAYMENT], "Cash flow", "ana")
    run, new = reanalyse(db)
    db.conn.commit()
    with pytest.raises(RuntimeError):
        with db.atomic():
            edits.replay(db, run)
            assert label(db, new[PAYMENT]) == "Cash flow"
            raise RuntimeError("analysis failed after replay")
    assert label(db, new[PAYMENT]) == "auto 0"
    assert db.execute("SELECT COUNT(*) FROM edit_replays").fetchone()[0] == 0
