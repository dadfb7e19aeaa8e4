"""The "numbered-comments" reader on the DWP "Implementation" page and on a made-up page."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairhearing.errors import IngestError
from ingest.formats.base import ReadOptions
from ingest.formats.numbered import READER
from ingest.model import ParseResult
from tests.reader_checks import assert_spans

SEEDS = Path(__file__).resolve().parents[1] / "corpora" / "dwp-seeds"
PAGE = SEEDS / "000_8ef29a6578c7ff4a.txt"


def _read(data: bytes) -> ParseResult:
    return READER.read(data, "page.txt", ReadOptions())


def _assert_spans(res: ParseResult) -> None:
    assert_spans(res)
    for r in res.responses:
        assert "says:" not in res.text[r.start : r.end]


@pytest.fixture(scope="module")
def seed() -> ParseResult:
    return _read(PAGE.read_bytes())


def test_text_is_the_file_untouched(seed: ParseResult) -> None:
    assert seed.text == PAGE.read_text(encoding="utf-8")
    assert seed.format == "numbered-comments"
    assert seed.problems == []


def test_title_question_and_count(seed: ParseResult) -> None:
    assert seed.title == "Implementation"
    assert seed.question == "How can DWP support you to overcome implementation challenges?"
    assert len(seed.responses) == 11
    assert [r.meta["number"] for r in seed.responses] == list(range(1, 12))
    _assert_spans(seed)


def test_authors(seed: ParseResult) -> None:
    authors = [r.author for r in seed.responses]
    assert authors[:4] == ["London Youth", "nsiddique", "northwestnetwork", "Steve Swan"]
    assert authors[-1] == "smurf"
    swan = seed.responses[3]
    assert swan.organisation == "Tomorrow's People"
    assert seed.text[swan.start : swan.end].startswith("Whilst the timeframe is very tight")
    # handles stay without an organisation: another module infers it from the text
    assert seed.responses[2].organisation is None and seed.responses[10].organisation is None


def test_only_the_closing_notice_is_moderator(seed: ParseResult) -> None:
    roles = [r.role for r in seed.responses]
    assert roles.count("moderator") == 1 and roles[1] == "moderator"
    assert set(roles) == {"stakeholder", "moderator"}
    notice = seed.responses[1]
    assert seed.text[notice.start : notice.end].startswith("DWP would like to thank all users")


def test_truncated_comment_with_numbered_points(seed: ParseResult) -> None:
    r = seed.responses[2]
    body = seed.text[r.start : r.end]
    assert r.truncated and [x.truncated for x in seed.responses].count(True) == 1
    assert "truncated" not in body and not body.endswith("…")
    assert body.endswith("not necessarily funding from the government but signposting to")
    assert r.points is not None and len(r.points) == 12  # the preamble and items 1..11
    points = [p.text(seed.text) for p in r.points]
    assert points[0].startswith("North West Network is a charity")
    assert points[0].endswith("Hope this is helpful. john@nwnetwork.org.uk")
    assert points[1].startswith("Whilst this programme is seen as the solution")
    assert points[2] == "Payment by results needs to be defined – what are the ‘results’;"
    assert points[10].startswith("Consortia working should be encouraged")
    assert points[11] == points[11].strip() and points[11].endswith("signposting to")
    assert not any(p[:3].rstrip(".").isdigit() for p in points)  # the "N." markers are left out


def test_other_comments_have_no_explicit_points(seed: ParseResult) -> None:
    assert [i for i, r in enumerate(seed.responses) if r.points is not None] == [2]


def test_signature_sets_author_role_and_organisation(seed: ParseResult) -> None:
    r = seed.responses[4]
    assert (r.author, r.organisation, r.meta["role_title"]) == ("Mary Conroy", "SHAP", "Inroads Manager")
    start, end = r.meta["signature"]
    assert seed.text[start:end] == "Mary Conroy, Inroads Manager, SHAP"
    assert r.start < start and end == r.end
    assert sum("signature" in x.meta for x in seed.responses) == 1


def test_sniff() -> None:
    assert READER.sniff(PAGE.read_bytes(), PAGE.name) >= 0.9
    for other in ("002_a782d7f36bd06b08.txt", "003_cd2863db1d467436.txt", "004_e8bb6e121e9bd43b.txt"):
        assert READER.sniff((SEEDS / other).read_bytes(), other) == 0.0


SYNTHETIC = """Borough Council

Consultations

Library opening hours

We are reviewing when the branch libraries open.
Please tell us what would suit you.

What hours would make the library useful to you?

Comments on this page are now closed.

  1. Jo Bloggs, Northfield Tenants Association says:

    Evenings matter most to working parents.

  2. admin_team says:

    The Council would like to thank everyone who commented on Library hours. This discussion is now closed.

  3. pshah says:

    We have two concerns:
    1. Saturday closing is a problem for families.
    2. The mobile library should keep its route...[truncated by the system]

  4. Lee Ward says:

    Open on Sundays.
    Lee Ward, Volunteer Coordinator, Friends of Eastgate Library
"""


def test_synthetic_page() -> None:
    res = _read(SYNTHETIC.encode())
    _assert_spans(res)
    assert res.title == "Library opening hours"  # no "N comments on" line: found above the intro
    assert res.question == "What hours would make the library useful to you?"
    assert len(res.responses) == 4
    jo, admin, shah, lee = res.responses
    assert (jo.author, jo.organisation) == ("Jo Bloggs", "Northfield Tenants Association")
    assert jo.role == "stakeholder"
    assert admin.role == "moderator" and admin.author == "admin_team"
    assert shah.truncated and res.text[shah.start : shah.end].endswith("keep its route")
    assert [p.text(res.text) for p in shah.points or []] == [
        "We have two concerns:",
        "Saturday closing is a problem for families.",
        "The mobile library should keep its route",
    ]
    assert shah.organisation is None and "signature" not in shah.meta
    assert (lee.author, lee.organisation, lee.meta["role_title"]) == (
        "Lee Ward",
        "Friends of Eastgate Library",
        "Volunteer Coordinator",
    )


def test_signature_under_a_handle_keeps_the_handle() -> None:
    page = (
        "Q?\n\n  1. kb99 says:\n\n    Fund it properly.\n    Kim Brown, Eastside Trust\n\n"
        "  2. x says:\n\n    No.\n"
    )
    res = _read(page.encode())
    kim = res.responses[0]
    assert (kim.author, kim.organisation, kim.meta["posted_as"]) == ("Kim Brown", "Eastside Trust", "kb99")
    assert "role_title" not in kim.meta
    assert "signature" not in res.responses[1].meta


def test_sign_off_is_not_a_signature() -> None:
    page = "Q?\n\n  1. jd says:\n\n    Keep the centre open.\n    Best Wishes, Jane Doe\n\n"
    page += "  2. x says:\n\n    No\n"
    jd = _read(page.encode()).responses[0]
    assert (jd.author, jd.organisation) == ("jd", None) and "signature" not in jd.meta


def test_option_question_and_numbering_problem() -> None:
    page = "Title\n\nWhy?\n\n  1. a says:\n\n    One.\n\n  3. b says:\n\n    Two.\n"
    res = READER.read(page.encode(), "p.txt", ReadOptions(question="Given question"))
    assert res.question == "Given question"
    assert len(res.responses) == 2
    assert [p.line for p in res.problems] == [9]


def test_no_comments_is_an_error() -> None:
    with pytest.raises(IngestError) as e:
        _read(b"Just a paragraph of text.\n")
    assert e.value.code == "FH-E140"


def test_windows_line_endings() -> None:
    res = _read(SYNTHETIC.replace("\n", "\r\n").encode())
    _assert_spans(res)
    assert len(res.responses) == 4 and res.title == "Library opening hours"
    assert res.responses[2].points is not None and len(res.responses[2].points) == 3
