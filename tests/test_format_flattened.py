"""The "flattened-comments" reader: the DWP "Customers" page and a made-up page."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairhearing.errors import IngestError
from ingest.formats.base import ReadOptions
from ingest.formats.flattened import (
    READER,
    WEIGHTS,
    body_paragraphs,
    boundary_features,
    boundary_probability,
    parse_signature,
    self_introduction,
)
from ingest.model import ParseResult
from tests.reader_checks import assert_spans

SEEDS = Path(__file__).resolve().parents[1] / "corpora" / "dwp-seeds"
PAGE = SEEDS / "001_40ddf6d00e3a02ac.txt"

# The segmentation a careful reader sees in the seed: (first words, organisation, role).
# Line numbers are those of the file. Ambiguous boundaries are noted; tests below check that
# the model is less confident there.
EXPECTED = [
    ("The key to successful delivery", None, "stakeholder"),  # 6-9, "More worryingly"/"However"/"Finally"
    ("At YTKO we deliver", "YTKO", "stakeholder"),  # 10-11
    ("DWP would like to thank", None, "moderator"),  # 12-13, the closing notice
    ("Ixion welcomes a model", "Ixion", "stakeholder"),  # 14-19, ends "[truncated by the system]"
    ("North West Network is a charity", "North West Network", "stakeholder"),  # 20-26, list 1-6
    # 27-30: the one-line "Black Box" comment may stand alone, or may open the short list of
    # benefit recommendations that follows (28-30); both readings are plausible (ambiguous).
    ("We strongly support the", None, "stakeholder"),
    ("Strongly endorse this view", None, "stakeholder"),  # 31, replies to 27-30
    ("• The black box approach", None, "stakeholder"),  # 32-33, a bullet run with no lead-in
    ("The Social Enterprise Coalition supports", "Social Enterprise Coalition", "stakeholder"),  # 34-42
    ("There has to be an element of trust", None, "stakeholder"),  # 43-45
    # 46: "As has been commented on previous discussions" reads as a new voice (ambiguous).
    ("As has been commented", None, "stakeholder"),
    ("Papworth Trust believes", "Papworth Trust", "stakeholder"),  # 47-53, bullets, "Finally"
    ("On behalf of the North East", "North East Enterprise Agencies Ltd", "stakeholder"),  # 54-59
    ("There has to be a concern", "National Housing Federation", "stakeholder"),  # 60-61, signed
    ("The Community Allowance approach", None, "stakeholder"),  # 62
    ("Hi Louise", None, "stakeholder"),  # 63, signed "Vanda"
    ("Hi Vanda", None, "stakeholder"),  # 64
    ("Through the Employability Skills", None, "stakeholder"),  # 65
    ("For Professor Malcolm Harrington", "Integrated Newurological Services", "stakeholder"),  # 66-67
    ("Especially with benefits payments", None, "stakeholder"),  # 68
    ("Blackpool Council have been", "Blackpool Council", "stakeholder"),  # 69
    ("There are some key issues", "Norfolk County Council", "stakeholder"),  # 70-71, signed
    ("These circumstances you describe Christine", None, "stakeholder"),  # 72
    ("Following on from Christine", None, "stakeholder"),  # 73
]


def _read(data: bytes, options: ReadOptions | None = None) -> ParseResult:
    return READER.read(data, "page.txt", options or ReadOptions())


def _index(res: ParseResult, first_words: str) -> int:
    hits = [i for i, r in enumerate(res.responses) if res.text[r.start : r.end].startswith(first_words)]
    assert len(hits) == 1, first_words
    return hits[0]


def _assert_spans(res: ParseResult) -> None:
    assert_spans(res)
    for r in res.responses:
        assert 0.0 <= r.boundary_confidence <= 1.0


@pytest.fixture(scope="module")
def seed() -> ParseResult:
    return _read(PAGE.read_bytes())


def test_header(seed: ParseResult) -> None:
    assert seed.text == PAGE.read_text(encoding="utf-8")
    assert seed.format == "flattened-comments" and seed.problems == []
    assert seed.title == "Customers"
    assert seed.question == "How can DWP best support providers to deliver this?"


def test_segmentation_matches_a_careful_reading(seed: ParseResult) -> None:
    got = [(seed.text[r.start : r.end], r.organisation, r.role) for r in seed.responses]
    assert len(got) == len(EXPECTED)
    for (body, org, role), (first, want_org, want_role) in zip(got, EXPECTED, strict=True):
        assert body.startswith(first), (body[:60], first)
        assert (org, role) == (want_org, want_role), first
    _assert_spans(seed)


def test_comment_ends(seed: ParseResult) -> None:
    def body(first: str) -> str:
        r = seed.responses[_index(seed, first)]
        return seed.text[r.start : r.end]

    assert body("The key to successful delivery").endswith(
        "difficulty and expense of providing appropriate assistance."
    )
    assert body("DWP would like to thank").endswith("publish a brief online summary.")
    assert body("We strongly support the").endswith("in the event of a job ending abruptly.")
    assert body("Papworth Trust believes").endswith("something we then have to correct.")
    # signatures and sign-offs are author lines, not the respondent's text
    assert body("The Social Enterprise Coalition").endswith(
        "DWP could usefully support the development of this."
    )
    assert body("There has to be a concern").endswith("will actually recive a service.")
    assert body("Hi Louise") == "Hi Louise – the link doesn’t seem to work?"
    assert body("For Professor").endswith("if they are going to be able to return to work.")
    assert body("There are some key issues").endswith(
        "barriers to housing and employment are being overcome."
    )


def test_truncated_comment(seed: ParseResult) -> None:
    r = seed.responses[_index(seed, "Ixion welcomes")]
    assert r.truncated
    assert seed.text[r.start : r.end].endswith("go into administration, this had a")
    assert sum(x.truncated for x in seed.responses) == 1


def test_authors_from_signatures(seed: ParseResult) -> None:
    by_first = {seed.text[r.start : r.end][:20]: r for r in seed.responses}
    sec = by_first["The Social Enterpris"]
    assert (sec.author, sec.meta["author_role"]) == ("Jon Woolfson", "Senior policy officer")
    assert by_first["There has to be a co"].author == "Paul Smith"
    norfolk = by_first["There are some key i"]
    assert norfolk.author == "Christine Chalmers"
    assert norfolk.meta["author_role"] == "Worklessness Development Officer, Supporting People"
    ins = by_first["For Professor Malcol"]
    assert (ins.author, ins.meta["author_role"]) == ("Eleanor Kinnear", "physiotherapist and founder of INS")
    assert by_first["Hi Louise – the link"].author == "Vanda"
    assert (
        norfolk.respondent_type == "organisation"
        and by_first["Hi Louise – the link"].respondent_type == "individual"
    )


def test_replies(seed: ParseResult) -> None:
    norfolk = _index(seed, "There are some key issues")
    assert seed.responses[_index(seed, "These circumstances")].reply_to == norfolk
    assert seed.responses[_index(seed, "Following on from")].reply_to == norfolk
    louise = _index(seed, "The Community Allowance")
    vanda = _index(seed, "Hi Louise")
    assert seed.responses[vanda].reply_to == louise
    assert seed.responses[_index(seed, "Hi Vanda")].reply_to == vanda
    assert seed.responses[_index(seed, "Strongly endorse")].reply_to == _index(seed, "We strongly support")
    assert sum(r.reply_to is not None for r in seed.responses) == 5


def test_list_items_become_points(seed: ParseResult) -> None:
    nwn = seed.responses[_index(seed, "North West Network")]
    points = [seed.text[p.start : p.end] for p in nwn.points]
    assert len(points) == 7 and points[0].startswith("North West Network is a charity")
    assert points[1].startswith("Skill development is vital") and points[6].startswith("Informal learning")
    sec = seed.responses[_index(seed, "The Social Enterprise Coalition")]
    assert [seed.text[p.start : p.end][:12] for p in sec.points][2:] == [
        "Allowing sma",
        "Creating mec",
        "Issuing cont",
        "Supporting s",
        "Encouraging ",
        "Implementing",
    ]
    assert all("Jon Woolfson" not in seed.text[p.start : p.end] for p in sec.points)
    assert len(seed.responses[_index(seed, "Papworth Trust")].points) == 7
    assert seed.responses[_index(seed, "The key to successful")].points is None


def test_confidence_is_lower_where_boundaries_are_ambiguous(seed: ParseResult) -> None:
    def conf(first: str) -> float:
        return seed.responses[_index(seed, first)].boundary_confidence

    # cue-driven starts: signature above, self-introduction, closing notice, truncation, name
    for first in ("There has to be an", "At YTKO", "DWP would like", "North West Network", "These circumst"):
        assert conf(first) > 0.95, first
    assert conf("As has been commented") < 0.7
    # the join between the "Black Box" line and the benefit recommendations is a close call
    black_box = seed.responses[_index(seed, "We strongly support")]
    assert black_box.meta["join_confidence"] < 0.7
    # while the NEEAL comment ("Firstly", "We feel", "We believe", "Finally") holds together
    assert seed.responses[_index(seed, "On behalf of")].meta["join_confidence"] > 0.7


def test_sniff() -> None:
    assert READER.sniff(PAGE.read_bytes(), PAGE.name) >= 0.8
    assert READER.sniff((SEEDS / "000_8ef29a6578c7ff4a.txt").read_bytes(), "000.txt") == 0.0
    assert READER.sniff((SEEDS / "003_cd2863db1d467436.txt").read_bytes(), "003.txt") == 0.0
    assert READER.sniff(b"just some text\n", "x.txt") == 0.0


def test_signature_and_intro_patterns() -> None:
    assert parse_signature("Ann Lee, Chief Executive, Acme Housing Trust") == (
        "Ann Lee",
        "Chief Executive",
        "Acme Housing Trust",
    )
    assert parse_signature("Ann Lee, Acme Housing Trust.") == ("Ann Lee", None, "Acme Housing Trust")
    assert parse_signature("The scheme, however, is good") is None
    assert parse_signature("Jobcentre Plus, which is run locally, is slow") is None
    assert self_introduction("At Brightside we run clubs") == (True, "Brightside")
    assert self_introduction("The Riverside Foundation welcomes the plan") == (True, "Riverside Foundation")
    assert self_introduction("We believe this is wrong") == (False, None)
    assert self_introduction("Customers have been waiting") == (False, None)
    assert set(WEIGHTS) >= {"prev_closed", "self_intro", "addresses_author", "connective"}


def _p_new(prev: str, cur: str, known: dict[str, int] | None = None) -> float:
    a, b = body_paragraphs(f"{prev}\n{cur}\n", 0)
    return boundary_probability(boundary_features(a, b, known or {}))


def test_boundary_model_on_pairs() -> None:
    linked = "We run courses in town. See www.example.org"
    assert _p_new(linked, "Please fund travel for learners.") > 0.5  # a comment often ends with a link
    assert _p_new(linked, "Finally, please fund travel for learners.") < 0.2  # ... unless it goes on
    assert _p_new("Ann Lee, Director, Acme Trust", "Travel is costly.") > 0.99
    assert _p_new("Travel is costly.", "Ann Lee, Director, Acme Trust") < 0.01
    assert _p_new("Our concerns are these:", "• Travel.") < 0.1
    assert _p_new("Travel is costly.", "• Travel.") > 0.5
    assert _p_new("Travel is costly.", "Hi Ann, thanks for this.") > 0.9
    assert _p_new("Travel is costly.", "As Ann says, travel is costly.", {"Ann": 0}) > 0.9
    assert _p_new("Travel is costly.", "It is also slow.") < 0.5


SYNTHETIC = """Training
How should training be funded?
Comments on this page are now closed.

At Brightside Learning we run courses for young adults. Funding is too short-term.
Finally, please fund travel costs.
Maria Lopez, Director, Brightside Learning
The Riverside Foundation believes that mentors matter. Our view is that:
1. Mentors need training.
2. Mentors need pay.
Hi Maria – do you fund your own mentors? Tom
Thanks Tom, yes we do.
Funding should follow the learner, not the provider. Providers could then compete…[truncated by the system]
DWP would like to thank all users who posted comments on Training. This discussion is now closed.
We will consider your comments and publish a brief online summary.
"""


def test_a_made_up_page_segments_by_the_same_cues() -> None:
    res = _read(SYNTHETIC.encode(), ReadOptions(question="Q1"))
    _assert_spans(res)
    firsts = [res.text[r.start : r.end][:16] for r in res.responses]
    assert firsts == [
        "At Brightside Le",
        "The Riverside Fo",
        "Hi Maria – do yo",
        "Thanks Tom, yes ",
        "Funding should f",
        "DWP would like t",
    ]
    bright, riverside, hi, thanks, funding, notice = res.responses
    assert (bright.organisation, bright.author) == ("Brightside Learning", "Maria Lopez")
    assert res.text[bright.start : bright.end].endswith("please fund travel costs.")
    assert riverside.organisation == "Riverside Foundation" and len(riverside.points) == 3
    assert hi.reply_to == 0 and hi.author == "Tom" and thanks.reply_to == 2
    assert funding.truncated and res.text[funding.start : funding.end].endswith("could then compete")
    assert notice.role == "moderator"
    assert res.question == "Q1" and all(r.question == "Q1" for r in res.responses)


def test_page_without_comments_is_an_error() -> None:
    with pytest.raises(IngestError) as err:
        _read(b"Title\nQuestion?\nComments on this page are now closed.\n\n")
    assert err.value.code == "FH-E140"
