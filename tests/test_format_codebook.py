"""The codebook readers ("codebook-csv", "codebook-yaml") on small files and malformed input."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairhearing.errors import IngestError
from ingest.formats.base import ReadOptions
from ingest.formats.codebook import READERS
from ingest.model import ParseResult

CSV_READER, YAML_READER = READERS
POLIS = Path(__file__).resolve().parents[1] / "corpora" / "polis-opendata" / "polis_comments_all.csv"

CSV = """group,item,description,examples
Funding,Short-term contracts,Funding ends too soon,"contracts too short; no time to plan"
Funding,Payment by results,,
Access,Travel costs,Cost of getting to provision,
,Rural coverage,Blank group continues the one above,
"""


def _read(reader, tmp_path: Path, name: str, content: str, options: ReadOptions | None = None) -> ParseResult:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return reader.read(path.read_bytes(), name, options or ReadOptions())


def _shape(res: ParseResult) -> list[tuple[str, list[str]]]:
    return [(c.name, [p.text for p in c.principles]) for c in res.framework.components]


def test_csv_codebook(tmp_path: Path) -> None:
    res = _read(CSV_READER, tmp_path, "themes.csv", CSV)
    assert res.format == "codebook-csv" and res.responses == []
    assert res.text == CSV
    assert res.framework.name == "themes" and res.framework.question is None
    assert _shape(res) == [
        ("Funding", ["Short-term contracts", "Payment by results"]),
        ("Access", ["Travel costs", "Rural coverage"]),
    ]
    short = res.framework.components[0].principles[0]
    assert short.kind == "code" and short.description == "Funding ends too soon"
    assert short.examples == ["contracts too short", "no time to plan"]
    assert res.framework.components[0].principles[1].description is None


def test_csv_synonyms_question_and_delimiters(tmp_path: Path) -> None:
    content = "Theme;Code;Definition;Question\nCost;Fees;What it costs;Q2\nCost;Grants;;Q2\n"
    res = _read(CSV_READER, tmp_path, "book.csv", content)
    assert _shape(res) == [("Cost", ["Fees", "Grants"])]
    assert res.framework.question == "Q2" and res.question == "Q2"
    tsv = _read(CSV_READER, tmp_path, "book.tsv", "theme\tlabel\nA\tx, with a comma\n")
    assert _shape(tsv) == [("A", ["x, with a comma"])]
    forced = _read(CSV_READER, tmp_path, "b.csv", "group,item\nA,x\n", ReadOptions(question="Q9"))
    assert forced.framework.question == "Q9"


@pytest.mark.parametrize(
    ("content", "row", "words"),
    [
        ("group,item\nA,x\nB,y,extra\n", 3, "3 cells"),
        ("group,item\nA,x\nB,\n", 3, "no item"),
        (",item\n", 1, "missing column(s): group"),
        ("group,description\nA,x\n", 1, "missing column(s): item"),
        ('group,item\nA,"never closed\n', 2, "malformed CSV"),
    ],
)
def test_csv_errors_name_the_row(tmp_path: Path, content: str, row: int, words: str) -> None:
    with pytest.raises(IngestError) as err:
        _read(CSV_READER, tmp_path, "bad.csv", content)
    assert err.value.code == "FH-E141" and err.value.row == row
    assert words in err.value.message


def test_csv_with_several_questions_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as err:
        _read(CSV_READER, tmp_path, "q.csv", "group,item,question\nA,x,Q1\nA,y,Q2\n")
    assert err.value.code == "FH-E141" and "several questions" in err.value.message


def test_csv_sniff(tmp_path: Path) -> None:
    assert CSV_READER.sniff(CSV.encode(), "themes.csv") == 0.95  # above the generic CSV reader
    assert CSV_READER.sniff(b"id,text\n1,hello\n", "responses.csv") == 0.0
    assert CSV_READER.sniff(CSV.encode(), "themes.yaml") == 0.0
    many = "group,item\n" + "".join(f"G,i{n}\n" for n in range(1000))
    assert CSV_READER.sniff(many.encode(), "big.csv") == 0.3
    if POLIS.exists():
        assert CSV_READER.sniff(POLIS.read_bytes()[:65536], POLIS.name) == 0.0


YAML_MAPPING = """name: Transition codebook
question: How can DWP best support providers?
groups:
  Funding:
    - Short-term contracts
    - code: Payment by results
      description: Paid on outcomes
      examples: [creaming; parking, "hard to help"]
  Access:
    - label: Travel costs
      examples: "bus fares; rural routes"
"""


def test_yaml_mapping(tmp_path: Path) -> None:
    res = _read(YAML_READER, tmp_path, "codes.yaml", YAML_MAPPING)
    assert res.format == "codebook-yaml"
    assert res.framework.name == "Transition codebook"
    assert res.framework.question == "How can DWP best support providers?"
    assert _shape(res) == [
        ("Funding", ["Short-term contracts", "Payment by results"]),
        ("Access", ["Travel costs"]),
    ]
    pbr = res.framework.components[0].principles[1]
    assert pbr.description == "Paid on outcomes" and pbr.examples == ["creaming; parking", "hard to help"]
    assert res.framework.components[1].principles[0].examples == ["bus fares", "rural routes"]
    assert all(p.kind == "code" for c in res.framework.components for p in c.principles)


def test_yaml_lists(tmp_path: Path) -> None:
    groups = "- theme: Funding\n  codes: [Fees, Grants]\n- group: Access\n  items:\n    - item: Travel\n"
    res = _read(YAML_READER, tmp_path, "c.yml", groups)
    assert _shape(res) == [("Funding", ["Fees", "Grants"]), ("Access", ["Travel"])]
    assert res.framework.name == "c"
    rows = "- {group: Funding, item: Fees, description: What it costs}\n- {group: Funding, item: Grants}\n"
    flat = _read(YAML_READER, tmp_path, "rows.yaml", rows)
    assert _shape(flat) == [("Funding", ["Fees", "Grants"])]
    assert flat.framework.components[0].principles[0].description == "What it costs"


@pytest.mark.parametrize(
    ("content", "words", "line"),
    [
        ("Funding:\n  - a\n  - [b\n", "malformed YAML", 4),
        ("Funding: just text\n", "expected a list of items", None),
        ("Funding:\n  - {description: no name}\n", "an item must be text", None),
        ("- items: [a]\n", "has no name", None),
        ("just a string\n", "expected a mapping of groups", None),
    ],
)
def test_yaml_errors(tmp_path: Path, content: str, words: str, line: int | None) -> None:
    with pytest.raises(IngestError) as err:
        _read(YAML_READER, tmp_path, "bad.yaml", content)
    assert err.value.code == "FH-E141" and words in err.value.message
    assert err.value.line == line


def test_yaml_sniff() -> None:
    assert YAML_READER.sniff(YAML_MAPPING.encode(), "codes.yaml") == 0.9
    assert YAML_READER.sniff(YAML_MAPPING.encode(), "codes.txt") == 0.0
    assert YAML_READER.sniff(b"key: value\n", "config.yml") == 0.0
    assert YAML_READER.sniff(b"a: [unclosed\n", "x.yaml") == 0.0
