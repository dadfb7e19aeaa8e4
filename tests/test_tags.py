"""Point tagger: cue rules, fit/predict/save/load with a fake embedder, shipped data, one real-MiniLM check."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nlp import tag_rules
from nlp.embed import HashingEmbedder
from nlp.tags import TRAIN_PATH, Tag, Tagger, default_tagger, load_examples, origin_group, vader_sentiment

ROOT = Path(__file__).resolve().parents[1]
DEV_PATH = ROOT / "evals" / "data" / "tags_dev.jsonl"

SMALL = [
    ("How will TUPE be handled for existing staff?", "neutral", "question"),
    ("When will the invitation to tender be published?", "neutral", "question"),
    ("Is there funding for consortia?", "neutral", "question"),
    ("Who will monitor the code of conduct?", "neutral", "question"),
    ("DWP should publish the contract terms early.", "neutral", "suggestion"),
    ("Providers must be paid monthly in arrears.", "neutral", "suggestion"),
    ("We recommend a phased introduction in two areas.", "neutral", "suggestion"),
    ("Ensure that primes know the local labour market.", "neutral", "suggestion"),
    ("We strongly support the black box approach.", "positive", "support"),
    ("We welcome the commitment to longer contracts.", "positive", "support"),
    ("This is an excellent and sensible proposal.", "positive", "support"),
    ("We endorse the code of conduct.", "positive", "support"),
    ("The timetable is unrealistic and a real risk to delivery.", "negative", "concern"),
    ("Our concern is that small charities will be excluded.", "negative", "concern"),
    ("The linear model is not workable for clients.", "negative", "concern"),
    ("We are worried the programme is coming in too quick.", "negative", "concern"),
]


def _small() -> tuple[list[str], list[str], list[str]]:
    texts, sentiments, types = (list(c) for c in zip(*SMALL, strict=True))
    return texts, sentiments, types


# --- rules ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("How will TUPE be handled?", "question"),
        ("Will there be an incentive for prime contractors to invest at this level?", "question"),
        ("Does anyone know when the sanctions data is due to be released?", "question"),
        ("What happens about filling places if Local Authorities have embargoes on recruitment?", "question"),
        ("DWP should lead by example on TUPE.", "suggestion"),
        ("We would encourage DWP to implement a soft start approach.", "suggestion"),
        ("Ensure that primes have a good knowledge about their local businesses", "suggestion"),
        ("We strongly support the Black Box approach.", "support"),
        ("Ixion welcomes a model that works against creaming and parking.", "support"),
        ("In our experience, young people often don't know about the programmes.", "experience"),
        ("I have been on the receiving end of a TUPE transfer that went badly.", "experience"),
        ("North West Network is a charity based in the North West of England.", "information"),
        ("The new programme is coming in too quick.", "concern"),
        ("Linear models are not workable.", "concern"),
        ("5-10% progression target unrealistic for existing stock of clients", "concern"),
    ],
)
def test_rule_type_on_clear_examples(text: str, expected: str) -> None:
    assert tag_rules.rule_type(text) == expected


def test_certain_type_only_for_single_interrogative_sentences() -> None:
    assert tag_rules.certain_type("How will TUPE be handled?") == "question"
    assert tag_rules.certain_type("Is it Wednesday?") == "question"
    # a suggestion phrased as a question, a statement, and a question inside a longer comment
    assert tag_rules.certain_type("As this is new, would DWP consider a rolling programme?") is None
    assert tag_rules.certain_type("Why not pay for accredited qualifications?") is None
    assert tag_rules.certain_type("TUPE should apply.") is None
    assert tag_rules.certain_type("Staff will be lost. How will continuity be handled?") is None
    assert tag_rules.certain_type("Tailored support?") is None  # no interrogative opening


def test_rule_features_shape_and_cues() -> None:
    v = tag_rules.rule_features("How will TUPE be handled?")
    assert v.shape == (len(tag_rules.FEATURE_NAMES),) and v.dtype == np.float32
    named = dict(zip(tag_rules.FEATURE_NAMES, v, strict=True))
    assert named["ends_question_mark"] == 1.0 and named["question:0"] == 1.0
    assert named["suggestion:0"] == 0.0
    assert tag_rules.rule_feature_matrix([]).shape == (0, len(tag_rules.FEATURE_NAMES))


def test_rule_sentiment_and_vader_baseline() -> None:
    assert tag_rules.rule_sentiment("There is a real risk that small providers are excluded.") == "negative"
    assert tag_rules.rule_sentiment("We strongly support the proposal.") == "positive"
    assert tag_rules.rule_sentiment("Payments should be made monthly.") == "neutral"
    assert vader_sentiment("This is a wonderful, excellent programme.") == "positive"
    assert vader_sentiment("This is a terrible, awful programme.") == "negative"
    assert vader_sentiment("The contract starts in April.") == "neutral"


# --- tagger -----------------------------------------------------------------------------------
def test_fit_predict_save_load_round_trip(tmp_path: Path) -> None:
    emb = HashingEmbedder()
    texts, sentiments, types = _small()
    tagger = Tagger().fit(texts, emb.encode(texts), sentiments, types)
    probe = [
        "How will TUPE apply to staff who transfer?",
        "We strongly support longer contracts.",
        "There is a risk that charities are excluded.",
        "DWP should pay providers monthly.",
    ]
    tags = tagger.predict(probe, emb.encode(probe))
    assert all(isinstance(t, Tag) for t in tags) and len(tags) == len(probe)
    assert all(0.0 < t.sentiment_score <= 1.0 and 0.0 < t.type_score <= 1.0 for t in tags)
    assert [t.type for t in tags] == ["question", "support", "concern", "suggestion"]
    assert [t.sentiment for t in tags] == ["neutral", "positive", "negative", "neutral"]

    path = tagger.save(tmp_path / "sub" / "tagger.joblib")
    again = Tagger.load(path).predict(probe, emb.encode(probe))
    assert again == tags
    # refitting from scratch gives the very same predictions (deterministic, seeded)
    refit = Tagger().fit(texts, emb.encode(texts), sentiments, types).predict(probe, emb.encode(probe))
    assert refit == tags
    assert tagger.predict([], np.zeros((0, emb.dim), dtype=np.float32)) == []


def test_rule_override_forces_question(tmp_path: Path) -> None:
    emb = HashingEmbedder()
    texts, sentiments, types = _small()
    # train without any questions: only the override can produce the "question" type
    keep = [i for i, t in enumerate(types) if t != "question"]
    pick = lambda xs: [xs[i] for i in keep]  # noqa: E731
    tagger = Tagger().fit(pick(texts), emb.encode(pick(texts)), pick(sentiments), pick(types))
    probe = ["Who will pay for the transfer of staff?"]
    assert tagger.predict(probe, emb.encode(probe))[0].type == "question"
    assert tagger.predict(probe, emb.encode(probe))[0].type_score == pytest.approx(0.95)
    tagger.overrides = False
    assert tagger.predict(probe, emb.encode(probe))[0].type != "question"


def test_fit_rejects_bad_input() -> None:
    emb = HashingEmbedder()
    texts, sentiments, types = _small()
    with pytest.raises(ValueError, match="unknown type"):
        Tagger().fit(texts, emb.encode(texts), sentiments, ["complaint"] * len(texts))
    with pytest.raises(ValueError, match="shape"):
        Tagger().fit(texts, emb.encode(texts[:3]), sentiments, types)
    tagger = Tagger().fit(texts, emb.encode(texts), sentiments, types)
    with pytest.raises(ValueError, match="columns"):
        tagger.predict(["x"], np.zeros((1, 7), dtype=np.float32))
    with pytest.raises(RuntimeError):
        Tagger().predict(["x"], emb.encode(["x"]))


def test_default_tagger_fits_once_then_loads(tmp_path: Path) -> None:
    emb = HashingEmbedder()
    train = tmp_path / "train.jsonl"
    rows = [
        {"text": t, "sentiment": s, "type": k, "origin": f"synthetic-{i % 4}"}
        for i, (t, s, k) in enumerate(SMALL)
    ]
    train.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    calls: list[int] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        return emb.encode(texts)

    first = default_tagger("hashing-256@1", embed, models_dir=tmp_path / "models", train_path=train)
    assert (tmp_path / "models" / "tagger-hashing-256@1.joblib").exists() and calls == [len(SMALL)]
    second = default_tagger("hashing-256@1", embed, models_dir=tmp_path / "models", train_path=train)
    assert calls == [len(SMALL)]  # loaded, not refitted
    probe = ["Is there funding for consortia in rural areas?"]
    assert first.predict(probe, emb.encode(probe)) == second.predict(probe, emb.encode(probe))
    # an unreadable model file → refit
    (tmp_path / "models" / "tagger-hashing-256@1.joblib").write_bytes(b"not a model")
    default_tagger("hashing-256@1", embed, models_dir=tmp_path / "models", train_path=train)
    assert calls == [len(SMALL), len(SMALL)]
    # changed training data → refit
    train.write_text(
        train.read_text(encoding="utf-8") + json.dumps(rows[0] | {"text": "Will it start?"}) + "\n"
    )
    default_tagger("hashing-256@1", embed, models_dir=tmp_path / "models", train_path=train)
    assert calls == [len(SMALL), len(SMALL), len(SMALL) + 1]


# --- shipped data -----------------------------------------------------------------------------
def test_shipped_training_and_dev_data_are_valid_and_disjoint() -> None:
    train, dev = load_examples(TRAIN_PATH), load_examples(DEV_PATH)
    assert len(train) >= 350 and len(dev) >= 180
    for row in train + dev:
        assert set(row) == {"text", "sentiment", "type", "origin"}
        assert row["sentiment"] in tag_rules.SENTIMENTS and row["type"] in tag_rules.TYPES
        assert row["text"].strip() == row["text"] and row["text"]
    assert not {r["text"] for r in train} & {r["text"] for r in dev}
    assert all(r["origin"] != "synthetic" for r in dev)
    for rows in (train, dev):
        assert {r["type"] for r in rows} == set(tag_rules.TYPES)
        assert {r["sentiment"] for r in rows} == set(tag_rules.SENTIMENTS)
    # seed-derived items quote their source file verbatim
    seeds = ROOT / "corpora" / "dwp-seeds"
    for row in train + dev:
        if row["origin"].startswith("dwp-seeds/"):
            source = " ".join((seeds / row["origin"].split("/", 1)[1]).read_text(encoding="utf-8").split())
            assert " ".join(row["text"].split()) in source, row["text"]


def test_origin_group() -> None:
    assert origin_group("polis:scoop-hivemind.ubi:58") == "scoop-hivemind.ubi"
    assert origin_group("dwp-seeds/001_40ddf6d00e3a02ac.txt") == "dwp-seeds/001_40ddf6d00e3a02ac.txt"
    assert origin_group("synthetic") == "synthetic"


# --- real model -------------------------------------------------------------------------------
@pytest.mark.slow
def test_default_tagger_with_real_minilm(tmp_path: Path) -> None:
    from nlp.embed import load_embedder

    embedder = load_embedder("minilm")
    tagger = default_tagger(embedder.name, lambda t: embedder.encode(list(t)), models_dir=tmp_path)
    assert (tmp_path / f"tagger-{embedder.name}.joblib").exists()
    probe = ["How will TUPE be handled?", "We strongly support the Black Box approach"]
    question, support = tagger.predict(probe, embedder.encode(probe))
    assert question.type == "question"
    assert support.type == "support" and support.sentiment == "positive"


def test_text_features_shared_with_workers_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above ``PARALLEL_MIN`` texts the lexicon and rule features are computed in parts across
    processes; the predictions are those of one pass."""
    import nlp.tags as tags_module

    emb = HashingEmbedder()
    texts, sentiments, types = _small()
    tagger = Tagger().fit(texts, emb.encode(texts), sentiments, types)
    probe = [t for t, _, _ in SMALL] * 3 + ["We are worried about payment delays!", "Why not pilot it first?"]
    vectors = emb.encode(probe)
    one = tagger.predict(probe, vectors)
    monkeypatch.setattr(tags_module, "PARALLEL_MIN", 2)
    assert tagger.predict(probe, vectors) == one
    assert Tagger(use_embeddings=False, use_lexicon=False)._features(probe, None).shape == (
        len(probe),
        len(tag_rules.FEATURE_NAMES),
    )
