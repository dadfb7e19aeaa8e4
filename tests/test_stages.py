"""Stages are swappable by name: the registry, the protocols, the Analyser and `analyse --tagger/--mapper`."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from fairhearing.cli import cli
from fairhearing.errors import AnalysisError
from nlp import registry
from nlp.mapping_decision import Mapping
from nlp.stages import Embedder, Mapper, Tagger, ThemeModel
from nlp.tags import Tag
from store.db import open_db

RESPONSES = [
    "Payments arrive months late and small charities cannot wait.",
    "The contracts are far too short for anyone to invest.",
    "Travel to the office costs more than people can afford.",
    "Local councils should shape how the service is delivered.",
    "Monitoring forms take longer than helping customers.",
    "Disabled customers need specialist support, not a generic course.",
]
CODEBOOK = "group,item\nMoney,Late payment\nMoney,Short contracts\nAccess,Travel costs\n"


class LetterEmbedder:
    """A tiny real embedder: letter frequencies, L2-normalised (26 columns)."""

    name = "letters@1"
    loader_name = "test-letters"
    dim = 26

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for ch in text.lower():
                if "a" <= ch <= "z":
                    out[i, ord(ch) - 97] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1)


class QuestionTagger:
    """Every point is neutral; a point ending in "?" is a question, any other one information."""

    def predict(self, texts, embeddings):
        return [
            Tag("neutral", 1.0, "question" if t.rstrip().endswith("?") else "information", 1.0) for t in texts
        ]


class LastPrincipleMapper:
    """Maps every point to the framework's last principle, ranking the others after it."""

    def fit(self, framework, embed, feedback=()):
        self.ids = [p.id for p in framework.principles][::-1]
        return self

    def decide(self, texts, embeddings, placeholder=None):
        ranked = [(pid, 1.0 - n / 10) for n, pid in enumerate(self.ids)]
        return [Mapping(ranked=ranked, mapped=self.ids[:1]) for _ in texts]


@pytest.fixture
def test_stages():
    registry.register("embedder", "test-letters")(lambda backend=None: LetterEmbedder())
    registry.register("tagger", "test-neutral")(lambda **_: QuestionTagger())
    registry.register("mapper", "test-last")(LastPrincipleMapper)
    yield
    registry.unregister("embedder", "test-letters")
    registry.unregister("tagger", "test-neutral")
    registry.unregister("mapper", "test-last")


def test_builtins_are_registered_by_name_and_follow_the_protocols():
    assert registry.names("embedder")[:4] == ["minilm", "bge-small", "mpnet", "hashing"]
    assert registry.names("mapper") == ["principle", "logistic", "cosine"]
    assert registry.names("tagger")[0] == "default" and registry.names("theme_model")[0] == "bertopic"
    assert isinstance(registry.create("embedder", "hashing"), Embedder)
    for name in registry.names("mapper"):
        assert isinstance(registry.create("mapper", name), Mapper)
    assert isinstance(registry.create("theme_model", "bertopic", seed=1), ThemeModel)
    assert isinstance(QuestionTagger(), Tagger) and isinstance(LastPrincipleMapper(), Mapper)
    assert "csv" in registry.names("reader") and registry.get("reader", "csv").name == "csv"


def test_unknown_names_are_refused_with_the_choices():
    with pytest.raises(AnalysisError, match="FH-E303.*unknown mapper 'nope'.*principle, logistic, cosine"):
        registry.get("mapper", "nope")
    from nlp.pipeline import Analyser

    with pytest.raises(AnalysisError, match="unknown tagger"):
        Analyser("hashing", tagger="nope")
    with pytest.raises(ValueError):
        registry.register("reader", "mine")


def test_registered_names_are_cli_choices(test_stages):
    help_text = CliRunner().invoke(cli, ["analyse", "--help"]).output
    assert "test-letters" in help_text and "test-neutral" in help_text and "test-last" in help_text
    refused = CliRunner().invoke(cli, ["analyse", "--mapper", "nope", "--db", "x.db"])
    assert refused.exit_code == 2 and "test-last" in refused.output


def _ingested(folder) -> str:
    (folder / "answers.csv").write_text(
        "response\n" + "\n".join(f'"{r}"' for r in RESPONSES + ["Why are payments so slow?"]) + "\n"
    )
    (folder / "codebook.csv").write_text(CODEBOOK)
    db_path = str(folder / "s.db")
    for name in ("answers.csv", "codebook.csv"):
        r = CliRunner().invoke(cli, ["ingest", str(folder / name), "--db", db_path], catch_exceptions=False)
        assert r.exit_code == 0, r.output
    return db_path


def test_analyse_swaps_embedder_tagger_and_mapper_through_the_cli(tmp_path, test_stages):
    db_path = _ingested(tmp_path)
    r = CliRunner().invoke(
        cli,
        ["analyse", "--db", db_path, "--quiet", "--models-dir", str(tmp_path / "m")]
        + ["--embedder", "test-letters", "--tagger", "test-neutral", "--mapper", "test-last"],
        catch_exceptions=False,
    )
    assert r.exit_code == 0, r.output

    from store.check_data import mapped_principles
    from store.frameworks import framework_questions, load_framework_rows
    from store.queries import points as point_queries
    from store.queries import runs as run_queries
    from store.runs import select_points

    db = open_db(db_path)
    run = run_queries.current_run(db)
    params = json.loads(run["params"])
    assert run["embedder"] == "letters@1" and params["embedder"] == "test-letters"
    assert params["tagger"] == "test-neutral" and params["mapper"] == "test-last"
    points, _ = select_points(db)
    assert len(points) == len(RESPONSES) + 1
    rows = [point_queries.point(db, p.id) for p in points]
    assert {row["sentiment"] for row in rows} == {"neutral"}
    assert {row["type"] for row in rows} == {"information", "question"}
    ((fid, _question),) = framework_questions(db)
    last = load_framework_rows(db, fid).principles[-1][0]
    decisions = mapped_principles(db, [p.id for p in points])
    assert len(decisions) == len(points) and {d["principle_id"] for d in decisions} == {last}

    # "was my point captured?" reads sentiment with the run's tagger, not the default one
    checked = CliRunner().invoke(
        cli,
        ["check", "--db", db_path, "--text-file", "-", "--json", "--models-dir", str(tmp_path / "m")],
        input="This is an awful, unfair and cruel system.\n\nPayments are terrible and far too slow.",
        catch_exceptions=False,
    )
    assert checked.exit_code == 0, checked.output
    assert [row["sentiment"] for row in json.loads(checked.output)] == ["neutral", "neutral"]


def test_the_analyser_takes_each_stage_as_an_argument(tmp_path):
    """Stage objects given to the constructor replace the registered defaults."""
    from nlp.pipeline import Analyser
    from store.runs import select_points

    db = open_db(_ingested(tmp_path))
    seen = []

    class Recording(LastPrincipleMapper):
        def fit(self, framework, embed, feedback=()):
            seen.append(framework.id)
            return super().fit(framework, embed, feedback)

    analyser = Analyser(LetterEmbedder(), tagger_factory=QuestionTagger, mapper_factory=Recording)
    assert (
        analyser.stage_names["mapper"] == "Recording" and analyser.stage_names["tagger"] == "QuestionTagger"
    )
    points, _ = select_points(db)
    texts = [p.text for p in points]
    mapped = analyser.principles(db, points, LetterEmbedder().encode(texts))
    assert len(seen) == 1 and all(m.mapped == [m.ranked[0][0]] for m in mapped.values())
    tags = analyser.tags(texts, LetterEmbedder().encode(texts))
    assert [t.type for t in tags].count("question") == 1
