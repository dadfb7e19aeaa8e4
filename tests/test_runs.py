"""Runs kept and compared: two analyses of one consultation with the corpus changed between them.

Run 1 has three topics (late payment, wheelchair access, car parking); before run 2 the responses
file is re-ingested with the parking answers gone, rural broadband answers added and more late
payment answers. Run 2 must keep run 1's snapshot; the comparison must show parking vanished,
broadband appeared, late payment grew, and principle counts before and after, with the current
run's figures equal to ``store.counts``.
"""

from __future__ import annotations

import json

import pytest

from ingest.pipeline import ingest_paths
from store import counts
from store.db import open_db

CODEBOOK = """group,item,description
Funding,Pay providers on time,late payment invoices settled months overdue
Access,Make buildings accessible,wheelchair ramps lifts doorways
Travel,Provide parking,car parking spaces permits bays
Digital,Connect rural areas,rural broadband internet connection speeds
"""

PAYMENT = [
    "Late payment of invoices months overdue.",
    "Invoices settled months late, payment overdue.",
    "Overdue invoices: late payment again.",
    "Payment of invoices is late and overdue.",
    "Months of late payment on our invoices.",
    "Late invoices payment, overdue by months.",
]
MORE_PAYMENT = [
    "Invoices overdue, late payment for months.",
    "Overdue payment of invoices, months late.",
    "Late payment: invoices overdue for months.",
]
ACCESS = [
    "Wheelchair ramps and lifts are missing.",
    "No wheelchair ramps, lifts broken.",
    "Lifts and wheelchair ramps needed at doorways.",
    "Doorways lack wheelchair ramps and lifts.",
    "Ramps for wheelchair users, working lifts.",
]
PARKING = [
    "Car parking spaces and permits are scarce.",
    "Parking permits for car bays, too few spaces.",
    "Car parking bays: permits and spaces.",
    "Spaces for car parking, permits needed.",
    "Permits for parking bays and car spaces.",
]
BROADBAND = [
    "Rural broadband internet connection speeds are poor.",
    "Internet connection speeds in rural broadband areas.",
    "Broadband speeds: rural internet connection slow.",
    "Rural internet broadband connection speeds vary.",
    "Connection speeds of rural broadband internet.",
]


def _responses(texts: list[str]) -> str:
    return json.dumps(
        {
            "responses": [
                {"organisation": f"Org {i}", "question": "Q1", "text": t} for i, t in enumerate(texts)
            ]
        }
    )


def _analyse(db, folder):
    from nlp.embed import load_embedder
    from nlp.pipeline import Analyser

    return Analyser(load_embedder("hashing"), n_themes=3, models_dir=folder / "models", progress=False).run(
        db, consultation="main"
    )


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """(folder, run 1, run 2): the consultation "main", analysed before and after the corpus changed;
    a second consultation "other" analysed once."""
    folder = tmp_path_factory.mktemp("runs")
    (folder / "codebook.csv").write_text(CODEBOOK, encoding="utf-8")
    responses = folder / "responses.json"
    responses.write_text(_responses(PAYMENT + ACCESS + PARKING), encoding="utf-8")
    db = open_db(folder / "runs.db")
    reports = ingest_paths(db, [folder / "codebook.csv", responses], consultation="main")
    assert all(r.status == "added" for r in reports), [r.error for r in reports]
    first = _analyse(db, folder)
    responses.write_text(_responses(PAYMENT + MORE_PAYMENT + ACCESS + BROADBAND), encoding="utf-8")
    (report,) = ingest_paths(db, [responses], consultation="main")
    assert report.status == "replaced", report.error
    second = _analyse(db, folder)
    other = folder / "other.json"
    other.write_text(_responses(ACCESS), encoding="utf-8")
    assert ingest_paths(db, [folder / "codebook.csv", other], consultation="other")[0].status == "added"
    from nlp.embed import load_embedder
    from nlp.pipeline import Analyser

    third = Analyser(load_embedder("hashing"), models_dir=folder / "models", progress=False).run(
        db, consultation="other"
    )
    db.close()
    return folder, first.run_id, second.run_id, third.run_id


@pytest.fixture
def db(two_runs):
    folder, *_ = two_runs
    d = open_db(folder / "runs.db")
    yield d
    d.close()


def test_snapshots_kept_for_both_runs(two_runs, db):
    _, r1, r2, _ = two_runs
    for rid in (r1, r2):
        assert db.execute("SELECT COUNT(*) FROM run_snapshots WHERE run_id = ?", [rid]).fetchone()[0] == 1
        assert db.execute("SELECT COUNT(*) FROM run_themes WHERE run_id = ?", [rid]).fetchone()[0] >= 3
        assert db.execute("SELECT COUNT(*) FROM run_principles WHERE run_id = ?", [rid]).fetchone()[0] >= 2
    # run 1's themes are gone from the live tables; only its snapshot remembers them
    assert db.execute("SELECT COUNT(*) FROM themes WHERE run_id = ?", [r1]).fetchone()[0] == 0
    from store.ingest_store import text_hash

    kept = {r[0] for r in db.execute("SELECT text_hash FROM run_theme_points WHERE run_id = ?", [r1])}
    assert {text_hash(t) for t in PARKING} <= kept  # run 1's parking points, deleted since, are remembered
    assert not {text_hash(t) for t in BROADBAND} & kept


def test_run_params_record_model_versions(two_runs, db):
    _, _, r2, _ = two_runs
    params = json.loads(db.execute("SELECT params FROM analysis_runs WHERE id = ?", [r2]).fetchone()[0])
    versions = params["versions"]
    assert versions["embedder_model"] == "hashing-256@1"
    assert versions["mapper"] == "nlp.mapping.PrincipleMapper"
    assert versions["tagger"].startswith("nlp.tags.default_tagger (training ")
    assert versions["seed"] == 42 and versions["libraries"]["scikit-learn"]


def test_snapshot_figures_equal_the_count_model(two_runs, db):
    """The current run's snapshot (no edits since) and live figures both equal ``store.counts``."""
    from store.run_snapshots import figures, read_snapshot

    _, _, r2, _ = two_runs
    for f in (figures(db, r2), read_snapshot(db, r2)):
        reach = counts.theme_reach(db, r2)
        assert {t.theme_id: (t.points, t.respondents) for t in f.themes} == {
            t.theme_id: (reach[t.theme_id].points, reach[t.theme_id].respondents) for t in f.themes
        }
        principles = counts.principle_reach(db, r2)
        assert {p: (x.mapped_points, x.confirmed_points, x.respondents) for p, x in f.principles.items()} == {
            p: (r.points, r.confirmed, r.respondents) for p, r in principles.items()
        }
        assert (f.mapped_points, f.points) == (
            counts.mapped_totals(db, r2).points,
            counts.run_reach(db, r2).points,
        )
    assert figures(db, r2).live and not read_snapshot(db, r2).live


def _by_change(comparison):
    out: dict[str, list] = {}
    for t in comparison.themes:
        out.setdefault(t.change, []).append(t)
    return out


def test_compare_themes_appeared_vanished_grew(two_runs, db):
    from store.run_compare import compare

    _, r1, r2, _ = two_runs
    c = compare(db, r1, r2)
    changes = _by_change(c)
    assert c.consultation == "main" and c.after.current and c.after.live and not c.before.live
    (vanished,) = changes["vanished"]
    (appeared,) = changes["appeared"]
    assert vanished.points_before == len(PARKING) and vanished.points_after == 0
    assert appeared.points_after == len(BROADBAND) and appeared.points_before == 0
    (grew,) = changes["grew"]
    assert (grew.points_before, grew.points_after) == (len(PAYMENT), len(PAYMENT + MORE_PAYMENT))
    assert grew.linked and grew.overlap == 1.0  # theme_successors and membership agree
    assert [t.change for t in changes.get("unchanged", [])] == ["unchanged"]  # access
    assert c.tally() == {"appeared": 1, "vanished": 1, "grew": 1, "shrank": 0, "unchanged": 1}


def test_compare_principle_counts_before_and_after(two_runs, db):
    from store.run_compare import compare

    _, r1, r2, _ = two_runs
    c = compare(db, r1, r2)
    before = counts.principle_reach(db, r2)
    for p in c.principles:
        r = before.get(p.principle_id)
        assert p.mapped_after == (r.points if r else 0)  # the current run's figures are the count model's
        assert p.change == p.mapped_after - p.mapped_before
    by_title = {p.title: p for p in c.principles}
    assert by_title["Provide parking"].mapped_after == 0 < by_title["Provide parking"].mapped_before
    assert by_title["Connect rural areas"].mapped_before == 0 < by_title["Connect rural areas"].mapped_after
    assert sum(p.mapped_before for p in c.principles) > 0


def test_compare_reversed_swaps_appeared_and_vanished(two_runs, db):
    from store.run_compare import compare

    _, r1, r2, _ = two_runs
    forward, backward = _by_change(compare(db, r1, r2)), _by_change(compare(db, r2, r1))
    assert backward["appeared"][0].after_label == forward["vanished"][0].before_label
    assert backward["vanished"][0].before_label == forward["appeared"][0].after_label
    assert backward["shrank"][0].points_after == len(PAYMENT)


def test_compare_refuses_other_consultation_unknown_and_failed_runs(two_runs, db):
    from store.run_compare import CompareError, compare
    from store.runs import start_run

    _, r1, r2, other = two_runs
    with pytest.raises(CompareError) as e:
        compare(db, r2, other)
    assert e.value.code == "FH-E331"
    with pytest.raises(CompareError) as e:
        compare(db, r2, 10**6)
    assert e.value.code == "FH-E330"
    running = start_run(db, embedder="x", seed=1, params={}, consultation=1)
    try:
        with pytest.raises(CompareError) as e:
            compare(db, r1, running)
        assert e.value.code == "FH-E332"
    finally:
        db.execute("DELETE FROM analysis_runs WHERE id = ?", [running])


def test_list_runs_marks_the_current_run(two_runs, db):
    from store.runs import current_run, list_runs, previous_run
    from store.scope import find

    _, r1, r2, other = two_runs
    runs = list_runs(db, find(db, "main"))
    assert [r.id for r in runs] == [r2, r1]
    assert [r.current for r in runs] == [True, False] and all(r.kept for r in runs)
    assert current_run(db, find(db, "main"))["id"] == r2
    assert previous_run(db, find(db, "main")).id == r1
    assert [r.id for r in list_runs(db, find(db, "other"))] == [other]


def test_migration_keeps_the_runs_an_old_database_holds(two_runs, tmp_path):
    """A database from before 014_run_snapshots: upgrading it snapshots the run whose results it holds."""
    from store.run_snapshots import read_snapshot
    from store.schema import applied, migrate

    folder, _, r2, other = two_runs
    old = open_db(folder / "runs.db")
    copy = open_db(tmp_path / "old.db")
    old.conn.backup(copy.conn)
    old.close()
    for table in ("run_theme_points", "run_themes", "run_principles", "run_snapshots"):
        copy.execute(f"DROP TABLE {table}")  # as the schema was before the migration
    copy.execute("DELETE FROM migrations WHERE name = '014_run_snapshots'")
    assert migrate(copy) == ["014_run_snapshots"] and applied(copy)[-1] == "014_run_snapshots"
    kept = {r[0] for r in copy.execute("SELECT run_id FROM run_snapshots")}
    assert kept == {r2, other}  # run 1's results were already replaced: nothing to keep
    f = read_snapshot(copy, r2)
    assert {p: x.mapped_points for p, x in f.principles.items()} == {
        p: r.points for p, r in counts.principle_reach(copy, r2).items()
    }
    copy.close()


@pytest.fixture
def client(two_runs):
    from web import create_app

    folder, *_ = two_runs
    app = create_app(
        {
            "DATABASE": str(folder / "runs.db"),
            "SECRET_KEY": "k",
            "EMBEDDER": "hashing",
            "INSTANCE_PATH": str(folder / "instance"),
        }
    )
    return app.test_client()


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else f"\u2212{-n}" if n < 0 else "0"


def _row(html: str, label: str) -> list[str]:
    """The cells of the table row naming ``label``, as text."""
    import re

    row = next(r for r in re.findall(r"<tr[^>]*>.*?</tr>", html, re.S) if label in r)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]


def test_runs_page_lists_runs_with_versions_and_the_current_one(two_runs, client):
    _, r1, r2, other = two_runs
    html = client.get("/runs?consultation=main").get_data(as_text=True)
    assert f'id="run-{r1}"' in html and f'id="run-{r2}"' in html and f'id="run-{other}"' not in html
    assert (
        _row(html, f'id="run-{r2}"')[0] == f"{r2} current"
        and "current" not in _row(html, f'id="run-{r1}"')[0]
    )
    assert "hashing-256@1" in html and "nlp.mapping.PrincipleMapper" in html
    assert f"/runs/compare?a={r1}&amp;b={r2}" in html
    assert 'href="/runs"' in client.get("/?consultation=main").get_data(as_text=True)  # in the nav


def test_compare_page_shows_theme_and_principle_changes(two_runs, client, db):
    from store.run_compare import compare

    _, r1, r2, _ = two_runs
    # no a/b: the previous run against the current one
    html = client.get("/runs/compare?consultation=main").get_data(as_text=True)
    assert f"Run {r1} → run {r2}" in html
    c = compare(db, r1, r2)
    vanished = next(t for t in c.themes if t.change == "vanished")
    appeared = next(t for t in c.themes if t.change == "appeared")
    assert _row(html, vanished.before_label)[:6] == ["vanished", vanished.before_label, "", "5", "0", "−5"]
    assert _row(html, appeared.after_label)[:6][0] == "appeared"
    assert _row(html, appeared.after_label)[3:6] == ["0", "5", "+5"]
    reach = counts.principle_reach(db, r2)  # the current run's figures are the count model's
    for p in c.principles:
        cells = _row(html, f">{p.code}</a> {p.title}")
        after = reach[p.principle_id].points if p.principle_id in reach else 0
        assert cells[1:4] == [str(p.mapped_before), str(after), _signed(p.change)]
    assert _row(html, "Provide parking")[1:4] == ["5", "0", "−5"]
    explicit = client.get(f"/runs/compare?consultation=main&a={r2}&b={r1}").get_data(as_text=True)
    assert f"Run {r2} → run {r1}" in explicit


def test_compare_page_refuses_runs_of_another_consultation_and_bad_ids(two_runs, client):
    _, r1, r2, other = two_runs
    for query in (
        f"a={other}&b={r2}",
        f"a={r1}&b={other}",
        "a=99999999999999999999",
        "a=abc",
        "b=0",
        "a=12345",
    ):
        assert client.get(f"/runs/compare?consultation=main&{query}").status_code == 404, query
    # "other" has one run: nothing to compare with yet
    page = client.get("/runs/compare?consultation=other")
    assert page.status_code == 200 and "Two finished runs" in page.get_data(as_text=True)


def test_cli_lists_and_compares_runs(two_runs):
    from click.testing import CliRunner

    from fairhearing.cli import cli

    folder, r1, r2, other = two_runs
    path = str(folder / "runs.db")
    runner = CliRunner()
    listed = runner.invoke(cli, ["runs", "--db", path, "--consultation", "main"])
    assert listed.exit_code == 0, listed.output
    assert f"run {r2} [main] done current" in listed.output and f"run {r1} [main] done:" in listed.output
    assert f"run {other}" not in listed.output
    rows = json.loads(runner.invoke(cli, ["runs", "--db", path, "--json"]).output)
    assert {r["id"]: r["current"] for r in rows} == {other: True, r2: True, r1: False}
    text = runner.invoke(cli, ["runs", "compare", str(r1), str(r2), "--db", path])
    assert text.exit_code == 0, text.output
    assert "themes: 1 appeared, 1 vanished, 1 grew, 0 shrank, 1 unchanged" in text.output
    assert "Provide parking: 5 -> 0 (-5)" in text.output
    data = json.loads(
        runner.invoke(cli, ["runs", "--db", path, "compare", str(r1), str(r2), "--json"]).output
    )
    assert data["tally"]["appeared"] == 1 and data["after"]["current"]
    assert {p["title"]: p["change"] for p in data["principles"]}["Connect rural areas"] == 5
    refused = runner.invoke(cli, ["runs", "compare", str(r1), str(other), "--db", path])
    assert refused.exit_code == 1 and "FH-E331" in refused.output
    missing = runner.invoke(cli, ["runs", "--db", str(folder / "typo.db")])
    assert missing.exit_code == 1 and "FH-E305" in missing.output
    unknown = runner.invoke(cli, ["runs", "compare", str(r1), "999", "--db", path])
    assert unknown.exit_code == 1 and "FH-E330" in unknown.output


def test_edits_replay_onto_a_new_run_and_the_current_run_reads_live(two_runs, tmp_path):
    """An analyst's rename and confirmation on the current run show in its comparison at once (live
    figures), are replayed onto the next run, and the next comparison matches the renamed theme."""
    from store.edits import rename_theme, review_mapping
    from store.run_compare import compare
    from store.run_snapshots import read_snapshot
    from store.scope import find, set_scope

    folder, r1, r2, _ = two_runs
    source = open_db(folder / "runs.db")
    db = open_db(tmp_path / "edited.db")
    source.conn.backup(db.conn)
    source.close()
    set_scope(db, find(db, "main"))
    grew = next(t for t in compare(db, r1, r2).themes if t.change == "grew")
    rename_theme(db, grew.after_id, "Paying suppliers late", "ana")
    point, principle = db.execute(
        """SELECT pp.point_id, pp.principle_id FROM point_principles pp JOIN point_analysis pa
           ON pa.point_id = pp.point_id WHERE pa.theme_id = ? AND pp.mapped = 1 LIMIT 1""",
        [grew.after_id],
    ).fetchone()
    review_mapping(db, point, principle, "confirm", "ana")
    live = compare(db, r1, r2)
    assert next(t for t in live.themes if t.change == "grew").after_label == "Paying suppliers late"
    assert live.after.confirmed_points == counts.mapped_totals(db, r2).confirmed == 1
    assert read_snapshot(db, r2).confirmed_points == 0  # the snapshot is what the run found when it finished

    r4 = _analyse(db, tmp_path).run_id
    after = compare(db, r2, r4)
    (same,) = [t for t in after.themes if t.before_label == "Paying suppliers late"]
    assert (same.change, same.after_label, same.overlap) == ("unchanged", "Paying suppliers late", 1.0)
    assert after.tally()["appeared"] == after.tally()["vanished"] == 0
    assert after.after.confirmed_points == 1  # the confirmation was replayed too
    assert not after.before.live  # run 2 now reads from its snapshot, brought up to date when replaced
    assert read_snapshot(db, r2).confirmed_points == 1
    db.close()
