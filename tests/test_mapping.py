"""The principle mapper (synthetic framework, hashing embedder), framework loading, coverage SQL."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nlp.embed import HashingEmbedder
from nlp.mapping import (
    CosineBaseline,
    Feedback,
    LogisticMapper,
    MapperComponent,
    MapperFramework,
    MapperPrinciple,
    PrincipleMapper,
    load_framework,
    select_frameworks,
)
from nlp.mapping_decision import DecisionRule, Mapping, decide_rows, is_fallback_item, is_placeholder
from nlp.mapping_features import expand, units
from store.coverage import (
    contested_principles,
    coverage_matrix,
    themes_outside_framework,
    uncovered_principles,
)

SEEDS = Path(__file__).resolve().parents[1] / "corpora" / "dwp-seeds"
STRATEGY = SEEDS / "004_e8bb6e121e9bd43b.txt"


@pytest.fixture(scope="module")
def embedder():
    return HashingEmbedder()


def synthetic() -> MapperFramework:
    comps = [
        MapperComponent("Payments", "How and when suppliers are paid."),
        MapperComponent("Staff", "The people who deliver the service."),
        MapperComponent(
            "Quality", "How the service is checked.", context="Respondents asked for public reports."
        ),
    ]
    texts = [
        (
            0,
            "Suppliers will be paid promptly.\nInvoices are settled within thirty days of receipt.\nLate payment of an invoice earns interest.",
        ),
        (
            0,
            "Payment rates reflect how hard the work is.\nHarder cases attract higher fees.\nFees are reviewed every year.",
        ),
        (
            1,
            "Staff transfer between contractors follows employment law.\nEmployees keep their terms when a contract moves to a new employer.",
        ),
        (
            1,
            "Contractors train their staff every year.\nTraining budgets for staff are published.\nNew staff receive an induction.",
        ),
        (
            2,
            "Services are inspected by an independent inspectorate.\nInspection reports are published in full.",
        ),
        (
            2,
            "Customers can complain and are told the outcome.\nComplaints are answered within ten working days.",
        ),
    ]
    principles = [MapperPrinciple(100 + i, c, t, code=f"{c + 1}.{i + 1}") for i, (c, t) in enumerate(texts)]
    return MapperFramework("Synthetic", comps, principles)


def fit(mapper, embedder, feedback=()):
    return mapper.fit(synthetic(), embedder.encode, list(feedback))


def ranked(mapper, embedder, text: str, top_k: int = 3):
    return mapper.map([text], embedder.encode([text]), top_k=top_k)[0]


def test_units_split_lines_and_sentences():
    assert units("First line has words.\n- Second line is here. Third sentence is here too.\nshort") == [
        "First line has words.",
        "Second line is here.",
        "Third sentence is here too.",
    ]


def test_a_glossary_is_opt_in_and_expands_matching_points():
    glossary = ((r"\btupe\b", "staff transfer"),)
    assert expand("Will TUPE apply?") == "Will TUPE apply?"  # no built-in glossary
    assert "staff transfer" in expand("Will TUPE apply?", glossary)
    assert expand("nothing special here", glossary) == "nothing special here"


def test_logistic_map_is_best_first_with_scores_in_unit_interval(embedder):
    mapper = fit(LogisticMapper(), embedder)
    texts = ["Invoices must be settled within thirty days", "Staff training budgets should be published"]
    scores = mapper.scores(texts, embedder.encode(texts))
    assert scores.shape == (2, 6)
    assert np.all((scores >= 0) & (scores <= 1))
    for row in mapper.map(texts, embedder.encode(texts), top_k=3):
        assert 1 <= len(row) <= 3
        assert [s for _, s in row] == sorted((s for _, s in row), reverse=True)
        assert all(0 <= s <= 1 and s >= mapper.threshold for _, s in row)


def test_relevant_points_rank_their_principle_first(embedder):
    mapper = fit(PrincipleMapper(), embedder)
    assert ranked(mapper, embedder, "Invoices should be settled within thirty days")[0][0] == 100
    assert ranked(mapper, embedder, "Will employees keep their terms when the contract moves?")[0][0] == 102
    assert (
        ranked(mapper, embedder, "Complaints should be answered quickly and customers told the outcome")[0][0]
        == 105
    )


def test_logistic_off_topic_point_maps_to_no_principle(embedder):
    mapper = fit(LogisticMapper(), embedder)
    assert ranked(mapper, embedder, "Rain stopped play at the cricket ground on Saturday afternoon.") == []


def test_confirmation_moves_a_near_duplicate_to_the_confirmed_principle(embedder):
    # feedback_weight=0: the model is not retrained on the verdict, so the neighbour rule alone acts
    point = "Suppliers want their money sooner than the contract allows"
    twin = "Suppliers want their money sooner than the contract allows."
    before = fit(LogisticMapper(), embedder)
    top_before = ranked(before, embedder, twin, top_k=6)
    assert top_before and top_before[0][0] != 101
    after = fit(LogisticMapper(feedback_weight=0.0), embedder, [Feedback(point, 101, "confirm")])
    top_after = ranked(after, embedder, twin, top_k=6)
    assert top_after[0][0] == 101
    assert dict(top_after)[101] > dict(top_before).get(101, 0.0)


def test_rejection_demotes_the_rejected_principle_for_near_duplicates(embedder):
    # feedback_weight=0: the model is not retrained on the verdict, so the neighbour rule alone acts
    point = "Invoices should be settled within thirty days"
    twin = "Invoices should be settled within thirty days!"
    before = fit(LogisticMapper(), embedder)
    assert ranked(before, embedder, twin)[0][0] == 100
    after = fit(LogisticMapper(feedback_weight=0.0), embedder, [Feedback(point, 100, "reject")])
    scores_before = before.scores([twin], embedder.encode([twin]))[0]
    scores_after = after.scores([twin], embedder.encode([twin]))[0]
    assert scores_after[0] < scores_before[0] / 2
    assert all(pid != 100 for pid, _ in ranked(after, embedder, twin))


def test_a_framework_too_small_to_train_on_falls_back_to_cosine(embedder):
    fw = MapperFramework(
        "Tiny",
        [MapperComponent("Values")],
        [MapperPrinciple(1, 0, "act with integrity;"), MapperPrinciple(2, 0, "the the of and;")],
    )
    mapper = LogisticMapper().fit(fw, embedder.encode)
    assert mapper.model is None and mapper.threshold == LogisticMapper.fallback_threshold
    assert ranked(mapper, embedder, "Providers must act with integrity")[0][0] == 1


def decided(mapper, embedder, texts, **kw):
    return mapper.decide(texts, embedder.encode(texts), **kw)


def test_decide_ranks_every_point_and_maps_the_top_one(embedder):
    mapper = fit(PrincipleMapper(), embedder)
    texts = ["Invoices should be settled within thirty days", "Contractors train their staff every year"]
    for m, want in zip(decided(mapper, embedder, texts), (100, 103), strict=True):
        assert len(m.ranked) == 5 and m.ranked[0][0] == want
        assert [s for _, s in m.ranked] == sorted((s for _, s in m.ranked), reverse=True)
        assert m.mapped[0] == want and not m.no_principle and set(m.mapped) <= {p for p, _ in m.ranked}


def test_off_topic_point_is_flagged_but_still_ranked(embedder):
    mapper = fit(PrincipleMapper(), embedder)
    (m,) = decided(mapper, embedder, ["Rain stopped play at the cricket ground on Saturday afternoon."])
    assert m.no_principle and m.mapped == [] and len(m.ranked) == 5
    assert mapper.map(["Rain stopped play"], embedder.encode(["Rain stopped play"])) == [[]]


def test_decision_adds_runners_up_only_within_the_margin():
    scores = np.array([[0.50, 0.49, 0.30, 0.10]])
    rel = np.array([0.6])
    ids = [1, 2, 3, 4]
    assert decide_rows(scores, rel, ids, DecisionRule(margin=0.05))[0].mapped == [1, 2]
    assert decide_rows(scores, rel, ids, DecisionRule(margin=0.0))[0].mapped == [1]
    assert decide_rows(scores, rel, ids, DecisionRule(margin=1.0, max_mapped=3))[0].mapped == [1, 2, 3]
    off = decide_rows(scores, np.array([0.1]), ids, DecisionRule(off_topic=0.2))[0]
    assert off == Mapping([(1, 0.5), (2, 0.49), (3, 0.3), (4, 0.1)], [], True)


def test_fallback_items_are_named_by_their_whole_name():
    assert is_fallback_item("Other") and is_fallback_item("Other (please specify)")
    assert is_fallback_item("Don't know") and is_fallback_item("None of the above")
    assert is_fallback_item("Uninformative answer") and is_fallback_item("anything", kind="fallback")
    assert not is_fallback_item("Other capabilities will be reviewed") and not is_fallback_item(
        "no answer keys"
    )
    assert is_placeholder("n/a") and is_placeholder(" - ") and is_placeholder("I don't know")
    assert not is_placeholder("no, the fees are too low")


def codebook_with_fallbacks() -> MapperFramework:
    fw = synthetic()
    fw.principles += [MapperPrinciple(200, 2, "Other"), MapperPrinciple(201, 2, "Don't know")]
    return fw


def test_fallbacks_are_never_ranked_and_chosen_only_when_nothing_fits(embedder):
    mapper = PrincipleMapper().fit(codebook_with_fallbacks(), embedder.encode)
    assert mapper.fallback_other == [200] and mapper.fallback_empty == [201]
    texts = [
        "Invoices should be settled within thirty days",
        "Rain stopped play at the cricket ground on Saturday afternoon.",
        "n/a",
    ]
    fits, off, blank = decided(mapper, embedder, texts)
    assert all(pid < 200 for m in (fits, off, blank) for pid, _ in m.ranked)
    assert fits.mapped[0] == 100 and not fits.fallback
    assert off.mapped == [200] and off.fallback and not off.no_principle
    assert blank.mapped == [201] and blank.fallback
    # an ingest flag wins over the text: a flagged placeholder goes to the empty-answer item
    (flagged,) = decided(mapper, embedder, texts[:1], placeholder=[True])
    assert flagged.mapped == [201]


def test_a_confirmation_moves_near_duplicates_and_its_component(embedder):
    point = "Suppliers want their money sooner than the contract allows"
    twin = "Suppliers want their money sooner than the contract allows."
    (before,) = decided(fit(PrincipleMapper(), embedder), embedder, [twin])
    assert before.ranked[0][0] != 101
    after = fit(PrincipleMapper(), embedder, [Feedback(point, 101, "confirm")])
    (m,) = decided(after, embedder, [twin])
    assert m.ranked[0][0] == 101 and m.mapped[0] == 101
    far = "Complaints should be answered quickly and customers told the outcome"
    assert decided(after, embedder, [far])[0].ranked[0][0] == 105  # distant points keep the prior


def test_a_rejection_demotes_the_principle_for_near_duplicates(embedder):
    point = "Invoices should be settled within thirty days"
    twin = "Invoices should be settled within thirty days!"
    assert decided(fit(PrincipleMapper(), embedder), embedder, [twin])[0].ranked[0][0] == 100
    after = fit(PrincipleMapper(), embedder, [Feedback(point, 100, "reject")])
    assert decided(after, embedder, [twin])[0].ranked[0][0] != 100


def test_title_and_synonyms_join_the_ranking(embedder):
    fw = synthetic()
    text = ["Payment by results is unfair to charities"]
    assert (
        PrincipleMapper().fit(fw, embedder.encode).decide(text, embedder.encode(text))[0].ranked[0][0] != 101
    )
    fw.principles[1].title = "payment by results"
    fw.principles[1].synonyms = ["outcome based funding", "charities"]
    assert (
        PrincipleMapper().fit(fw, embedder.encode).decide(text, embedder.encode(text))[0].ranked[0][0] == 101
    )


def test_cosine_baseline_decides_too(embedder):
    base = CosineBaseline().fit(synthetic(), embedder.encode)
    (m,) = decided(base, embedder, ["Invoices are settled within thirty days"])
    assert m.ranked[0][0] == 100 and m.mapped[0] == 100 and len(m.ranked) == 5


def test_feedback_on_unknown_principles_is_ignored(embedder):
    mapper = fit(PrincipleMapper(), embedder, [Feedback("anything at all", 999, "confirm")])
    assert mapper.principle_ids == [100, 101, 102, 103, 104, 105]


def test_cosine_baseline_has_the_same_api(embedder):
    base = CosineBaseline(threshold=0.0).fit(synthetic(), embedder.encode)
    text = ["Invoices are settled within thirty days"]
    row = base.map(text, embedder.encode(text), top_k=2)[0]
    assert len(row) == 2 and row[0][0] == 100 and row[0][1] >= row[1][1]
    strict = CosineBaseline(threshold=1.01).fit(synthetic(), embedder.encode)
    assert strict.map(text, embedder.encode(text)) == [[]]


def test_without_examples_drops_context_quotes_and_feedback():
    fw = synthetic()
    fw.components[0].examples.append("a pull-quote")
    fw.feedback.append(Feedback("a point", 100, "confirm"))
    plain = fw.without_examples()
    assert plain.feedback == [] and all(not c.examples and not c.context for c in plain.components)
    assert fw.components[2].context and fw.feedback  # the original is untouched


def test_from_parse_result_on_the_commissioning_strategy():
    from ingest.formats.base import ReadOptions
    from ingest.formats.framework import READER

    parsed = READER.read(STRATEGY.read_bytes(), STRATEGY.name, ReadOptions())
    fw = MapperFramework.from_parse_result(parsed)
    names = [c.name for c in fw.components]
    assert names[:7] == [
        "Market structure",
        "Market development and stewardship",
        "Provider capabilities",
        "Commercial strategy",
        "Performance management",
        "DWP capability",
        "Customer experience",
    ]
    assert "TUPE" in names and len(fw.principles) > 90
    assert len(fw.components[1].examples) == 2  # ERSA and St Mungo's pull-quotes
    assert fw.components[3].context and "cherry picking" in fw.components[3].context
    assert len({p.id for p in fw.principles}) == len(fw.principles)


# --- the database side --------------------------------------------------------------------
def _framework_db(db, *, question=None, name="FW"):
    """A consultation with one framework source holding a pull-quote; returns the framework id."""
    cid = db.execute("INSERT OR IGNORE INTO consultations (name, created_at) VALUES ('c', 'now')").lastrowid
    cid = db.execute("SELECT id FROM consultations WHERE name = 'c'").fetchone()[0] or cid
    sid = db.execute(
        """INSERT INTO sources (consultation_id, name, sha256, format, text, size, ingested_at)
           VALUES (?, ?, 'x', 'framework', 'text', 4, 'now')""",
        [cid, f"{name}.txt"],
    ).lastrowid
    db.execute(
        """INSERT INTO responses (source_id, idx, role, start, "end", text, clean_text, meta, section)
           VALUES (?, 0, 'stakeholder', 0, 4, 'q', 'Pay us faster please', ?, 'Payments')""",
        [sid, json.dumps({"component": "Payments", "kind": "pull-quote"})],
    )
    fid = db.execute(
        "INSERT INTO frameworks (consultation_id, source_id, name, question) VALUES (?, ?, ?, ?)",
        [cid, sid, name, question],
    ).lastrowid
    for ci, (comp, texts) in enumerate(
        [
            ("Payments", ["Suppliers will be paid promptly.", "Rates reflect difficulty."]),
            ("Staff", ["Staff are trained."]),
        ]
    ):
        comp_id = db.execute(
            "INSERT INTO components (framework_id, idx, name, headline, context) VALUES (?, ?, ?, 'h', ?)",
            [fid, ci, comp, "summary" if ci == 0 else None],
        ).lastrowid
        for pi, text in enumerate(texts):
            db.execute(
                """INSERT INTO principles (framework_id, component_id, idx, code, kind, text, examples)
                   VALUES (?, ?, ?, ?, 'principle', ?, ?)""",
                [fid, comp_id, pi, f"{ci + 1}.{pi + 1}", text, json.dumps(["an example"] if pi == 0 else [])],
            )
    return fid


def test_load_framework_reads_components_quotes_examples_and_feedback(mem_db):
    fid = _framework_db(mem_db)
    pid = mem_db.execute("SELECT id FROM principles WHERE code = '1.2'").fetchone()[0]
    mem_db.execute(
        """INSERT INTO mapping_feedback (point_hash, point_text, principle_id, verdict, who, at)
           VALUES ('h1', 'Pay more for hard cases', ?, 'confirm', 'ana', 'now')""",
        [pid],
    )
    fw = load_framework(mem_db, fid)
    assert [c.name for c in fw.components] == ["Payments", "Staff"]
    assert fw.components[0].examples == ["Pay us faster please"] and fw.components[0].context == "summary"
    assert [p.code for p in fw.principles] == ["1.1", "1.2", "2.1"]
    assert fw.principles[0].examples == ["an example"] and fw.principles[2].component == 1
    assert fw.feedback == [Feedback("Pay more for hard cases", pid, "confirm", "h1")]
    with pytest.raises(ValueError):
        load_framework(mem_db, 999)


def test_mapper_fits_a_stored_framework(mem_db, embedder):
    fw = load_framework(mem_db, _framework_db(mem_db))
    mapper = PrincipleMapper().fit(fw, embedder.encode)
    row = ranked(mapper, embedder, "Suppliers should be paid promptly")
    assert row and row[0][0] == fw.principles[0].id


def test_select_frameworks_prefers_the_question_codebook(mem_db):
    general = _framework_db(mem_db, name="general")
    own = _framework_db(mem_db, name="codebook", question="How can DWP support you?")
    assert select_frameworks(mem_db, "how can DWP  support you?") == [own]
    assert select_frameworks(mem_db, "Another question") == [general]
    assert select_frameworks(mem_db, None) == [general]


@pytest.fixture
def analysed_db(mem_db):
    """Two themes, four points; P1.1 has 3 points (2 negative), P1.2 one, P2.1 none; theme B unmapped."""
    db = mem_db
    _framework_db(db)
    p11, p12, p21 = (
        db.execute("SELECT id FROM principles WHERE code = ?", [c]).fetchone()[0]
        for c in ("1.1", "1.2", "2.1")
    )
    sid = db.execute("SELECT id FROM sources").fetchone()[0]
    rid = db.execute(
        """INSERT INTO responses (source_id, idx, role, start, "end", text, clean_text)
           VALUES (?, 1, 'stakeholder', 0, 4, 'r', 'r')""",
        [sid],
    ).lastrowid
    run = db.execute(
        "INSERT INTO analysis_runs (started_at, status, embedder, seed) VALUES ('now', 'done', 'hashing', 0)"
    ).lastrowid
    theme_a = db.execute(
        "INSERT INTO themes (run_id, level, label, auto_label) VALUES (?, 0, 'pay', 'pay')", [run]
    ).lastrowid
    theme_b = db.execute(
        "INSERT INTO themes (run_id, level, label, auto_label) VALUES (?, 0, 'weather', 'weather')", [run]
    ).lastrowid
    rows = [  # theme, sentiment, principles
        (theme_a, "negative", [p11]),
        (theme_a, "negative", [p11, p12]),
        (theme_a, "positive", [p11]),
        (theme_b, "neutral", []),
        (theme_b, "negative", []),
        (theme_b, "neutral", [p12]),
    ]
    for i, (theme, sentiment, principles) in enumerate(rows):
        pt = db.execute(
            """INSERT INTO points (response_id, source_id, idx, start, "end", text, clean_text, text_hash)
               VALUES (?, ?, ?, 0, 1, 't', 't', ?)""",
            [rid, sid, i, f"h{i}"],
        ).lastrowid
        db.execute(
            "INSERT INTO point_analysis (point_id, run_id, theme_id, sentiment, no_principle) VALUES (?, ?, ?, ?, ?)",
            [pt, run, theme, sentiment, int(not principles)],
        )
        for rank, pr in enumerate(principles):
            db.execute(
                "INSERT INTO point_principles (point_id, principle_id, score, rank) VALUES (?, ?, 0.5, ?)",
                [pt, pr, rank],
            )
    return db, run, (p11, p12, p21), (theme_a, theme_b)


def test_coverage_matrix_counts_points_per_principle_and_theme(analysed_db):
    db, run, (p11, p12, p21), (theme_a, theme_b) = analysed_db
    cov = coverage_matrix(db, run)
    assert [p["id"] for p in cov.principles] == [p11, p12, p21]
    assert [t["id"] for t in cov.themes] == [theme_a, theme_b]
    assert cov.counts == [[3, 0], [1, 1], [0, 0]]
    assert {(r["code"], r["theme"], r["points"]) for r in cov.rows()} == {
        ("1.1", "pay", 3),
        ("1.2", "pay", 1),
        ("1.2", "weather", 1),
    }


def test_uncovered_and_contested_principles(analysed_db):
    db, _, (p11, p12, p21), _ = analysed_db
    assert [p["id"] for p in uncovered_principles(db)] == [p21]
    contested = contested_principles(db)
    assert [(c["id"], c["negative"], c["points"]) for c in contested] == [(p11, 2, 3), (p12, 1, 2)]


def test_themes_outside_framework(analysed_db):
    db, run, _, (_, theme_b) = analysed_db
    outside = themes_outside_framework(db, run)
    assert [(t["id"], t["points"], t["unmapped"]) for t in outside] == [(theme_b, 3, 2)]
    assert themes_outside_framework(db) == outside  # the latest run by default
    assert themes_outside_framework(db, run, min_share=0.7) == []


@pytest.mark.slow
def test_minilm_maps_concrete_points_on_the_strategy():
    from ingest.formats.base import ReadOptions
    from ingest.formats.framework import READER
    from nlp.embed import load_embedder

    embedder = load_embedder("minilm")
    fw = MapperFramework.from_parse_result(READER.read(STRATEGY.read_bytes(), STRATEGY.name, ReadOptions()))
    mapper = PrincipleMapper().fit(fw, embedder.encode)
    code = {p.id: (fw.components[p.component].name, p.text) for p in fw.principles}
    texts = [
        "Subcontractors should be paid by the prime within 30 days of invoicing.",
        "Will staff be transferred to the new provider under TUPE?",
        "Great goal in the second half, the home fans went wild.",
    ]
    out = mapper.decide(texts, embedder.encode(texts))
    assert any(code[pid][1].startswith("Contracts between top-tier/delivery") for pid, _ in out[0].ranked)
    assert code[out[1].mapped[0]][0] == "TUPE"
    assert out[2].no_principle and out[2].mapped == [] and len(out[2].ranked) == 5


def test_codebook_fallback_column_reaches_the_mapper(embedder):
    from ingest.formats.base import ReadOptions
    from ingest.formats.codebook import CodebookCsvReader, CodebookYamlReader

    csv_data = (
        b"group,item,fallback\nPay,Paid late,\nPay,Fees too low,no\nPay,Anything else,yes\nPay,Other,\n"
    )
    fw = MapperFramework.from_parse_result(CodebookCsvReader().read(csv_data, "cb.csv", ReadOptions()))
    assert [p.kind for p in fw.principles] == ["code", "code", "fallback", "code"]
    assert [p.is_fallback for p in fw.principles] == [False, False, True, True]  # "Other" by its name
    yaml_data = b"Pay:\n  - Paid late\n  - {item: Anything else, fallback: true}\n"
    parsed = CodebookYamlReader().read(yaml_data, "cb.yaml", ReadOptions())
    assert [p.kind for p in parsed.framework.components[0].principles] == ["code", "fallback"]
    mapper = PrincipleMapper().fit(fw, embedder.encode)
    (m,) = mapper.decide(["Rain stopped play at the cricket ground."], embedder.encode(["Rain stopped play"]))
    assert m.fallback and m.mapped[0] in (fw.principles[2].id, fw.principles[3].id)
    assert {p for p, _ in m.ranked} == {fw.principles[0].id, fw.principles[1].id}


LOOP_CODEBOOK = """group,item,description
Funding,Pay providers on time,payment terms invoices cash flow late payment
Funding,Fund small charities fairly,small charities grants funding levels
Access,Make buildings accessible,ramps lifts wheelchair access buildings
"""


def _top_model_principle(db, text: str) -> str:
    return db.execute(
        """SELECT pr.text FROM point_principles pp JOIN points p ON p.id = pp.point_id
           JOIN principles pr ON pr.id = pp.principle_id
           WHERE p.clean_text = ? AND pp.origin = 'model' ORDER BY pp.rank LIMIT 1""",
        [text],
    ).fetchone()[0]


def test_imported_labels_move_a_neighbour_through_analyse(tmp_path):
    """The real loop: ingest, ``labels import`` a confirmation, ``analyse``: an unlabelled point close
    to the confirmed one moves to the confirmed principle (verdicts reach the mapper through
    ``load_framework``'s feedback and ``PrincipleMapper.fit``)."""
    from ingest.pipeline import ingest_paths
    from nlp.pipeline import Analyser
    from store.db import open_db
    from store.labels import import_labels

    labelled = "The council office pays our invoices months late, every single quarter."
    neighbour = "The council office pays our invoices months late, every quarter."
    others = ["Small charities need fairer funding levels.", "Our buildings need ramps and lifts."]
    responses = [{"question": "Q1", "text": t} for t in [labelled, neighbour, *others]]
    (tmp_path / "codebook.csv").write_text(LOOP_CODEBOOK, encoding="utf-8")
    (tmp_path / "responses.json").write_text(json.dumps({"responses": responses}), encoding="utf-8")
    db = open_db(tmp_path / "loop.db")
    reports = ingest_paths(db, [tmp_path / "codebook.csv", tmp_path / "responses.json"])
    assert all(r.status == "added" for r in reports), [r.error for r in reports]
    analyser = Analyser(HashingEmbedder(), models_dir=tmp_path / "models", progress=False)
    analyser.run(db)
    assert _top_model_principle(db, neighbour) == "Pay providers on time"  # the prior: invoices, late
    report = import_labels(db, [(2, {"text": labelled, "principle": "Make buildings accessible"})], "ana")
    assert len(report.matched) == 1, report
    analyser.run(db)
    assert _top_model_principle(db, neighbour) == "Make buildings accessible"
    assert _top_model_principle(db, others[0]) == "Fund small charities fairly"  # far points keep theirs


def test_anchor_keeps_cosines_top_component_and_reorders_within_it():
    from nlp.mapping import anchor_to_component

    comp = np.array([0, 0, 1, 1])
    rankable = np.array([True, True, True, False])
    cos = np.array([[0.50, 0.45, 0.48, 0.90], [0.30, 0.20, 0.40, 0.0]], np.float32)
    scores = np.array([[0.50, 0.60, 0.70, 0.90], [0.30, 0.20, 0.55, 0.0]], np.float32)
    out = anchor_to_component(scores, cos, comp, rankable)
    # row 0: cosine's component is 0 (the fallback column 3 does not count); its best score (0.60) is lifted
    assert int(np.argmax(np.where(rankable, out[0], -np.inf))) == 1 and out[0, 1] > 0.70
    assert out[0, 2] == scores[0, 2]  # the rest keep their scores and order
    assert np.array_equal(out[1], scores[1])  # already in cosine's component
    single = anchor_to_component(scores, cos, np.zeros(4, np.int64), rankable)
    assert np.array_equal(single, scores)  # a codebook (one component) is unchanged


def _table_embed(table: dict[str, list[float]]):
    """An embedder over a fixed table of unit vectors (texts not in it are an error)."""

    def embed(texts):
        rows = np.array([table[t] for t in texts], np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    return embed


def test_a_codebooks_question_is_taken_out_of_each_answer_before_ranking():
    # "fees" sits close to the question (every answer is near it); "staff" does not. The answer is a
    # little closer to "fees" in raw cosine only because it restates the question.
    table = {
        "Why did you leave?": [1.0, 0.0, 0.0],
        "fees": [0.8, 0.6, 0.0],
        "staff": [0.0, 0.55, 0.83],
        "I left, the staff were rude": [0.75, 0.35, 0.56],
    }
    embed = _table_embed(table)
    items = [MapperPrinciple(1, 0, "fees", kind="code"), MapperPrinciple(2, 0, "staff", kind="code")]
    answer = ["I left, the staff were rude"]
    vec = embed(answer)
    raw = vec @ embed(["fees", "staff"]).T
    assert raw[0, 0] > raw[0, 1]  # plain cosine picks "fees"

    def top(question, **kw):
        fw = MapperFramework("Exit survey", [MapperComponent("Q")], items, question=question)
        mapper = PrincipleMapper(lexical_weight=0.0, **kw).fit(fw, embed)
        return mapper.decide(answer, vec)[0].ranked[0][0]

    assert top("Why did you leave?") == 2  # without the question, "staff" is the closer item
    assert top("Why did you leave?", question_weight=0.0) == 1  # the step switched off
    assert top(None) == 1  # a framework without a question ranks by plain cosine
    mapper = PrincipleMapper().fit(MapperFramework("F", [MapperComponent("Q")], items), embed)
    assert np.array_equal(mapper.without_question(vec), vec)
    # verdicts are compared in the same space: the labelled answers are kept without the question
    fw = MapperFramework("Exit survey", [MapperComponent("Q")], items, question="Why did you leave?")
    labelled = PrincipleMapper().fit(fw, embed, [Feedback(answer[0], 2, "confirm")])
    assert np.allclose(labelled.verdicts.vectors, labelled.without_question(vec))
    assert not np.allclose(labelled.verdicts.vectors, vec)
