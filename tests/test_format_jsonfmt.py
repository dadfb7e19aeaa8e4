"""The JSON and JSON Lines readers: records, field detection, offsets into the file, bad JSON."""

from __future__ import annotations

import json

import pytest

from fairhearing.errors import IngestError
from ingest.formats.base import ReadOptions
from ingest.formats.jsonfmt import READERS
from ingest.model import ParseResult

JSON, JSONL = READERS

RECORDS = [
    {
        "id": "r1",
        "author": {"name": "Jane Smith"},
        "organisation": "Shaw Trust",
        "comment": "Contracts must run for \"at least\" seven years.\nOtherwise nobody invests.",
        "likes": 4,
    },
    {"id": "r2", "author": {"name": "Bob"}, "organisation": "", "comment": "  Café staff need Sunday cover.  ", "likes": 0},
    {"id": "r3", "author": {"name": "Ann"}, "comment": "", "likes": 1},
    {"id": "r4", "author": {"name": "Raj"}, "comment": "Advisers should have smaller caseloads.\n", "likes": None},
]  # fmt: skip


def _spans_ok(res: ParseResult) -> list[str]:
    out = []
    for r in res.responses:
        body = res.text[r.start : r.end]
        assert 0 <= r.start < r.end <= len(res.text) and body == body.strip()
        out.append(body)
    return out


def test_json_list_with_wrapper_and_escapes() -> None:
    """Escapes are decoded: an escaped text follows the file as a labelled block of its value."""
    data = json.dumps({"consultation": "x", "responses": RECORDS}, indent=2).encode()
    res = JSON.read(data, "export.json", ReadOptions())
    assert res.text.startswith(data.decode() + "\n\n[item 1]\n") and res.format == "json"
    assert res.responses[2].end < len(data)  # a text without escapes is still a span of the file
    assert _spans_ok(res) == [
        'Contracts must run for "at least" seven years.\nOtherwise nobody invests.',
        "Café staff need Sunday cover.",
        "Advisers should have smaller caseloads.",
    ]
    first, second, last = res.responses
    assert (first.author, first.organisation) == ("Jane Smith", "Shaw Trust")
    assert first.meta == {"likes": 4, "row": 1, "respondent_id": "r1"}
    assert second.organisation is None and second.meta["respondent_id"] == "r2"
    assert last.meta["row"] == 4 and "likes" not in last.meta
    assert first.question is None  # a field name is not a question


def test_json_words_match_the_decoded_value() -> None:
    data = json.dumps(RECORDS, ensure_ascii=False).encode()
    res = JSON.read(data, "export.json", ReadOptions(question="What should change?"))
    for r, rec in zip(res.responses, [RECORDS[0], RECORDS[1], RECORDS[3]], strict=True):
        assert res.text[r.start : r.end] == rec["comment"].strip()
        assert r.question == "What should change?"


def test_jsonl_offsets_and_line_numbers() -> None:
    """Without escapes in the texts, offsets point into the file itself."""
    plain = [{**RECORDS[0], "comment": "Contracts must run for seven years."}, *RECORDS[1:]]
    lines = [json.dumps(r, ensure_ascii=False) for r in plain]
    text = lines[0] + "\n\n" + "\n".join(lines[1:]) + "\n"
    res = JSONL.read(text.encode(), "export.jsonl", ReadOptions())
    assert res.text == text
    assert _spans_ok(res)[1] == "Café staff need Sunday cover."
    assert [r.meta["row"] for r in res.responses] == [1, 3, 5]  # JSON Lines: the line number


def test_text_field_by_name_or_longest_string() -> None:
    recs = [
        {"ref": "a1", "answer_text": "Free childcare would let me take more hours.", "region": "Wales"},
        {"ref": "a2", "answer_text": "Transport to the jobcentre costs too much.", "region": "Kent"},
    ]
    res = JSON.read(json.dumps(recs).encode(), "a.json", ReadOptions())
    assert [b[:4] for b in _spans_ok(res)] == ["Free", "Tran"]
    assert res.responses[0].meta["region"] == "Wales"
    recs = [
        {"k": "x", "opinion": "Longer opening hours at the weekend please."},
        {"k": "y", "opinion": "Fine."},
    ]
    res = JSON.read(json.dumps(recs).encode(), "b.json", ReadOptions())
    assert _spans_ok(res) == ["Longer opening hours at the weekend please.", "Fine."]


def test_list_of_strings_and_named_field() -> None:
    res = JSON.read(b'["First comment here.", "Second one."]', "s.json", ReadOptions())
    assert _spans_ok(res) == ["First comment here.", "Second one."]
    data = json.dumps(RECORDS).encode()
    res = JSON.read(data, "x.json", ReadOptions(text_columns=["author.name"], meta_columns={"author": "id"}))
    assert _spans_ok(res) == ["Jane Smith", "Bob", "Ann", "Raj"]
    assert res.responses[0].author == "r1"
    with pytest.raises(IngestError) as e:
        JSON.read(data, "x.json", ReadOptions(text_columns=["body"]))
    assert e.value.code == "FH-E112" and "'comment'" in e.value.message


def test_non_record_items_are_reported() -> None:
    res = JSONL.read(b'{"text": "A real comment about services."}\n42\n', "m.jsonl", ReadOptions())
    assert len(res.responses) == 1
    assert res.problems[0].line == 2 and "int" in res.problems[0].message


def test_json_file_holding_json_lines_is_read_as_lines() -> None:
    res = JSON.read(b'{"text": "One comment."}\n{"text": "Another comment."}\n', "x.json", ReadOptions())
    assert _spans_ok(res) == ["One comment.", "Another comment."]


@pytest.mark.parametrize(
    ("reader", "data", "line"),
    [
        (JSON, b'[\n  {"text": "ok"},\n  {"text" "missing colon"}\n]', 3),
        (JSON, b'[{"text": "unterminated}]', 1),
        (JSON, b"[" * 5000 + b"]" * 5000, None),
        (JSONL, b'{"text": "fine"}\n{"text": "fine"}\n{"text": bad}\n', 3),
        (JSON, b'{"text": ' + b"1" * 5000 + b"}", None),
    ],
)
def test_malformed_json_gives_the_line(reader, data: bytes, line: int | None) -> None:
    with pytest.raises(IngestError) as e:
        reader.read(data, "bad.json", ReadOptions())
    assert e.value.code == "FH-E120" and e.value.file == "bad.json"
    if line is not None:
        assert e.value.line == line and f"line {line}" in e.value.message


def test_no_text_field() -> None:
    with pytest.raises(IngestError) as e:
        JSON.read(b'[{"a": 1, "b": 2}]', "n.json", ReadOptions())
    assert e.value.code == "FH-E111"


def test_sniff() -> None:
    assert JSON.sniff(b"[]", "a.json") >= 0.9 and JSONL.sniff(b"", "a.jsonl") >= 0.9
    assert JSON.sniff(b'\n [{"a": 1}]', "upload") > 0
    assert JSONL.sniff(b'{"a": 1}\n{"a": 2}\n', "upload") > JSON.sniff(b'{"a": 1}\n{"a": 2}\n', "upload")
    assert JSON.sniff(b"Dear Sir", "letter.txt") == 0
