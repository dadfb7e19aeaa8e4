"""Splitting a response into points (ingest.points).

Speed, measured once (not asserted): 50,000 synthetic responses of 60-100 words split in about
3 s on one core of the development machine.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.model import Span
from ingest.points import sentences, split_points

SEEDS = Path(__file__).resolve().parents[1] / "corpora" / "dwp-seeds"


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def comment(text: str, author: str) -> tuple[int, int]:
    """The body of a numbered "N. Author says:" comment of seed 000 (up to the next header)."""
    head = re.search(rf"^  \d+\. {re.escape(author)} says:\n", text, re.M)
    assert head is not None
    nxt = re.compile(r"^  \d+\. .* says:\n", re.M).search(text, head.end())
    return head.end(), nxt.start() if nxt else len(text)


def texts(text: str, spans: list[Span]) -> list[str]:
    return [text[s.start : s.end] for s in spans]


def check_spans(text: str, start: int, end: int, spans: list[Span]) -> None:
    prev = start
    for sp in spans:
        assert prev <= sp.start < sp.end <= end
        chunk = text[sp.start : sp.end]
        assert chunk == chunk.strip()
        prev = sp.end


def test_london_youth_firstly_secondly() -> None:
    text = seed("000")
    start, end = comment(text, "London Youth")
    points = texts(text, split_points(text, start, end))
    assert len(points) >= 2
    assert points[0].startswith("Although a short lead in time is far from ideal")
    assert any(p.startswith("Firstly, contracts need to be provided on time.") for p in points)
    assert any(p.startswith("Secondly, DWP needs to ensure") for p in points)
    assert points[-1].endswith("wasted determining whether they are eligible to be helped.")


def test_steve_swan_tupe_paragraph_is_one_point() -> None:
    text = seed("000")
    start, end = comment(text, "Steve Swan, Tomorrow's People")
    points = texts(text, split_points(text, start, end))
    tupe = [p for p in points if "TUPE" in p]
    assert tupe == [
        "DWP should lead by example on TUPE and make it clear whether in their view TUPE applies or not, "
        "as this will ensure Primes adopt a consistent approach to this very important matter. DWP should "
        "facilitate the earliest sharing of relevant TUPE related information and factor this in to their "
        "assessment of the suitability of every organisation who wishes to become an approved framework "
        "provider."
    ]
    assert len(points) == 5  # one per paragraph


def test_numbered_list_with_lead_in() -> None:
    text = seed("000")
    start, end = comment(text, "northwestnetwork")
    points = texts(text, split_points(text, start, end))
    assert len(points) == 12  # the preamble, then items 1-11
    assert points[0].startswith("North West Network is a charity")
    assert points[0].endswith("Hope this is helpful. john@nwnetwork.org.uk")
    assert points[2] == "Payment by results needs to be defined \u2013 what are the \u2018results\u2019;"
    assert points[-1].startswith("Support to obtain financial backing")
    assert not any(re.match(r"\d+\.", p) for p in points)  # markers are left out


def test_bullets_with_lead_in() -> None:
    text = seed("001")
    start = text.index("The Social Enterprise Coalition supports")
    end = text.index("Jon Woolfson, Senior policy officer")
    points = texts(text, split_points(text, start, end))
    lead = "DWP can best support social enterprise providers to deliver support that people need by:"
    assert lead in points
    items = points[points.index(lead) + 1 :]
    assert [p.split()[0] for p in items] == [
        "Allowing",
        "Creating",
        "Issuing",
        "Supporting",
        "Encouraging",
        "Implementing",
    ]
    assert items[0].endswith("mental health issues or disabilities into meaningful employment.")


def test_other_markers() -> None:
    text = "We suggest:\n(i) faster payment\n(ii) fewer forms\na) one thing\nb. another\n* starred\n\u2013 dashed"
    assert texts(text, split_points(text, 0, len(text))) == [
        "We suggest:",
        "faster payment",
        "fewer forms",
        "one thing",
        "another",
        "starred",
        "dashed",
    ]


def test_wrapped_list_item_continues() -> None:
    text = "- Need to consider how participants are graded (which module)\n\nand how that impacts targets;\n- Next"
    assert texts(text, split_points(text, 0, len(text))) == [
        "Need to consider how participants are graded (which module)\n\nand how that impacts targets;",
        "Next",
    ]


def test_inline_lettered_list_is_not_split() -> None:
    text = seed("000")
    start, end = comment(text, "Alex Whinnom")
    points = texts(text, split_points(text, start, end))
    assert any("a) alter the rule to enable contracting with consortia and b) actively" in p for p in points)


def test_single_sentence_is_one_point() -> None:
    for text in (
        "The 16 hour rule should be terminated.",
        "  Benefits need to be much easier to claim, with safety nets in place.  ",
        "Does anyone know when the sanctions data is due to be released by the DWP. Is it Wednesday?",
    ):
        assert texts(text, split_points(text, 0, len(text))) == [text.strip()]


def test_short_paragraph_joins_previous_point() -> None:
    text = "Payment by results must be defined clearly before contracts are let.\n\nThanks, Jo"
    assert texts(text, split_points(text, 0, len(text))) == [text]


def test_discourse_markers_start_points() -> None:
    text = (
        "Contracts should be issued on time so that suppliers can prepare properly. "
        "Delays hurt delivery for everyone involved in the programme. "
        "However, local offices are often not ready for new programmes when they start. "
        "In addition, eligibility rules are applied inconsistently across branches."
    )
    points = texts(text, split_points(text, 0, len(text)))
    assert [p.split()[0] for p in points] == ["Contracts", "However,", "In"]


def test_sentence_cap() -> None:
    text = " ".join(f"The provider must publish report number {n} on time." for n in range(12))
    points = split_points(text, 0, len(text))
    assert [len(sentences(text, p.start, p.end)) for p in points] == [5, 5, 2]


def test_sentences_respect_abbreviations_decimals_urls() -> None:
    text = (
        "Costs rose 5.5 per cent, e.g. in the U.K. and Wales, i.e. everywhere. Dr. Smith agreed etc. "
        "See http://www.osw.org.uk/tsp. One more point... Then the end! Really? "
        "North West.Hope this helps."
    )
    got = [text[s:e] for s, e in sentences(text, 0, len(text))]
    assert got == [
        "Costs rose 5.5 per cent, e.g. in the U.K. and Wales, i.e. everywhere.",
        "Dr. Smith agreed etc.",
        "See http://www.osw.org.uk/tsp.",
        "One more point...",
        "Then the end!",
        "Really?",
        "North West.",
        "Hope this helps.",
    ]


def test_given_points_are_clipped_trimmed_and_made_disjoint() -> None:
    text = "xx  first point  second point  yy"
    given = [Span(14, 30), Span(0, 16), Span(31, 31)]
    got = split_points(text, 2, 31, given)
    assert texts(text, got) == ["first point", "second point"]
    assert split_points(text, 0, len(text), []) == []


def test_span_inside_a_larger_text() -> None:
    text = "HEADER\n\n  Firstly, one thing matters here.  \n\nFOOTER"
    start, end = text.index("  Firstly"), text.index("FOOTER")
    assert texts(text, split_points(text, start, end)) == ["Firstly, one thing matters here."]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.integers(0, 300), st.integers(0, 300))
def test_property_structure(text: str, a: int, b: int) -> None:
    start, end = sorted((min(a, len(text)), min(b, len(text))))
    check_spans(text, start, end, split_points(text, start, end))


_WORDS = st.text("abcdefghABCDEFGH", min_size=2, max_size=8)
_SEPS = st.sampled_from([" ", " ", " ", ", ", ". ", "? ", "! ", "\n", "\n\n", ".\n", "  ", "... "])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_WORDS, _SEPS), min_size=1, max_size=80))
def test_property_prose_letters_all_covered(parts: list[tuple[str, str]]) -> None:
    text = "".join(w + s for w, s in parts)
    spans = split_points(text, 0, len(text))
    check_spans(text, 0, len(text), spans)
    covered = set()
    for sp in spans:
        covered.update(range(sp.start, sp.end))
    assert all(i in covered for i, ch in enumerate(text) if ch.isalpha())
