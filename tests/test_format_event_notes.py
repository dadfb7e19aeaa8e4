"""The "event-notes" reader on the WORKSTEP to Work Choice notes and on made-up notes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from fairhearing.errors import IngestError
from ingest.formats.base import ReadOptions
from ingest.formats.event_notes import READER
from ingest.model import ParseResult
from tests.reader_checks import assert_spans

SEEDS = Path(__file__).resolve().parents[1] / "corpora" / "dwp-seeds"
NOTES = SEEDS / "002_a782d7f36bd06b08.txt"
SPEED = "Performance > Specific question – speed of filling a vacancy"


def _read(data: bytes) -> ParseResult:
    return READER.read(data, "notes.md", ReadOptions())


def _texts(res: ParseResult, role: str = "stakeholder") -> list[str]:
    return [res.text[r.start : r.end] for r in res.responses if r.role == role]


def _assert_spans(res: ParseResult) -> None:
    assert_spans(res)
    for r in res.responses:
        body = res.text[r.start : r.end]
        assert not body.startswith(("- ", "#")) and not body.endswith(";")


@pytest.fixture(scope="module")
def seed() -> ParseResult:
    return _read(NOTES.read_bytes())


def test_text_untouched_and_spans_valid(seed: ParseResult) -> None:
    assert seed.text == NOTES.read_text(encoding="utf-8")
    assert seed.format == "event-notes" and seed.problems == []
    assert seed.title == "WORKSTEP to Work Choice"
    _assert_spans(seed)


def test_bullets_per_section(seed: ParseResult) -> None:
    counts = Counter(r.section for r in seed.responses if r.role == "stakeholder")
    assert counts == {"Quality": 16, "Performance": 22, SPEED: 10, "Communication": 9, "Other": 16}
    assert all(r.respondent_type is None for r in seed.responses)
    assert all(r.meta["event"] == "WORKSTEP to Work Choice" for r in seed.responses)


def test_framing_paragraphs_are_posts(seed: ParseResult) -> None:
    posts = [r for r in seed.responses if r.role == "post"]
    assert [r.section for r in posts] == [None, SPEED]
    assert seed.responses[0] is posts[0]
    intro = seed.text[posts[0].start : posts[0].end]
    assert intro.startswith("In November 2009 DWP ran a series")
    assert intro.endswith("within Work Choice guidance")
    framing = seed.text[posts[1].start : posts[1].end]
    assert framing == "The following represent the diversity of comments expressed on the above issue:"


def test_split_bullet_is_joined(seed: ParseResult) -> None:
    joined = [t for t in _texts(seed) if t.startswith("Need to consider how existing participants")]
    assert joined == [
        "Need to consider how existing participants are 'graded' (which module)"
        "\n\nand how that impacts progression targets"
    ]
    assert not any(t.startswith("and how") for t in _texts(seed) + _texts(seed, "post"))


def test_first_and_last_bullets_and_trailing_semicolon(seed: ParseResult) -> None:
    texts = _texts(seed)
    assert (
        texts[0]
        == "Prime responsible for Self Assessment Report (SAR) – issues re resources within factories"
    )
    assert texts[-1] == "Payments made monthly."
    assert texts[15].startswith("Would hope that primes will adopt good practice")  # Quality's last
    assert texts[15].endswith("better Ofsted grades.")


def test_specific_question_section(seed: ParseResult) -> None:
    speed = [r for r in seed.responses if r.section == SPEED and r.role == "stakeholder"]
    assert seed.text[speed[0].start : speed[0].end].startswith("Vacancies to be filled within 6 months")
    assert (
        seed.text[speed[-1].start : speed[-1].end] == "Local authority recruitment is a minimum of 3 months."
    )
    assert {r.question for r in speed} == {"speed of filling a vacancy"}
    assert all(r.question is None for r in seed.responses if r.section != SPEED)


def test_bold_markers_stripped_from_headings(seed: ParseResult) -> None:
    sections = {r.section for r in seed.responses}
    assert "Communication" in sections and "Other" in sections
    assert not any("*" in (s or "") for s in sections)


def test_sniff() -> None:
    assert READER.sniff(NOTES.read_bytes(), NOTES.name) >= 0.7
    for other in ("000_8ef29a6578c7ff4a.txt", "003_cd2863db1d467436.txt", "004_e8bb6e121e9bd43b.txt"):
        assert READER.sniff((SEEDS / other).read_bytes(), other) == 0.0


SYNTHETIC = """# Listening day, Newtown

Residents met councillors to talk about the high street.

## Access

- Bus routes are poor;
- Ramps needed at the centre
  - especially at the rear door;
  - and in the library;
- Parking costs at the

Town Hall put off volunteers;
- Pavements are cracked.

### Question: how often should we meet?

- Monthly;
- Quarterly, with minutes
  shared online.

## Other

- More benches
- Better lighting near the

station

Notes taken by the clerk.
"""


def test_synthetic_notes() -> None:
    res = _read(SYNTHETIC.encode())
    _assert_spans(res)
    assert res.title == "Listening day, Newtown"
    assert [(r.role, r.section) for r in res.responses] == [
        ("post", None),
        ("stakeholder", "Access"),
        ("stakeholder", "Access"),
        ("stakeholder", "Access"),
        ("stakeholder", "Access"),
        ("stakeholder", "Access > Question: how often should we meet?"),
        ("stakeholder", "Access > Question: how often should we meet?"),
        ("stakeholder", "Other"),
        ("stakeholder", "Other"),
        ("post", "Other"),
    ]
    texts = [res.text[r.start : r.end] for r in res.responses]
    # in a list whose items end with ";" an unfinished item continues after the blank line
    assert texts[3] == "Parking costs at the\n\nTown Hall put off volunteers"
    assert texts[6] == "Quarterly, with minutes\n  shared online."
    # a lower-case line continues the bullet; an unpunctuated list does not swallow the paragraph below
    assert texts[8] == "Better lighting near the\n\nstation"
    assert texts[9] == "Notes taken by the clerk."
    ramps = res.responses[2]
    assert [p.text(res.text) for p in ramps.points or []] == [
        "Ramps needed at the centre",
        "especially at the rear door",
        "and in the library",
    ]
    assert {r.question for r in res.responses[5:7]} == {"how often should we meet?"}
    assert all(r.meta["event"] == "Listening day, Newtown" for r in res.responses)


def test_empty_notes_are_an_error() -> None:
    with pytest.raises(IngestError) as e:
        _read(b"# Heading only\n\n")
    assert e.value.code == "FH-E140"


def test_windows_line_endings() -> None:
    res = _read(SYNTHETIC.replace("\n", "\r\n").encode())
    _assert_spans(res)
    assert len(res.responses) == 10 and res.responses[1].section == "Access"
