"""The "framework" reader: the DWP Commissioning Strategy 2008 and small made-up strategies."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairhearing.errors import IngestError
from ingest.formats.base import ReadOptions
from ingest.formats.framework import READER, pull_quote, respondent_list
from ingest.model import ParsedComponent, ParseResult

SEEDS = Path(__file__).resolve().parents[1] / "corpora" / "dwp-seeds"
STRATEGY = SEEDS / "004_e8bb6e121e9bd43b.txt"

# (name, headline opening, number of principles after page-break repairs)
COMPONENTS = [
    ("Market structure", "We want a stronger, more consistent base of top-tier providers", 6),
    ("Market development and stewardship", "We will play an active and transparent role", 8),
    ("Provider capabilities", "We will spell out the specific capabilities", 7),
    ("Commercial strategy", "We will build a competitive market with larger and longer contracts", 15),
    ("Performance management", "We will move to a single, integrated, shared and transparent approach", 10),
    ("DWP capability", "We will build our own skill base", 5),
    ("Customer experience", "Customer experience will play an important part", 8),
]
ANNEX = [
    ("Values", "value", 7),
    ("Pre-awarding of contract", "principle", 8),
    ("Post-awarding of contract", "principle", 11),
    ("Equality and diversity", "principle", 2),
    ("DWP will undertake to", "undertaking", 7),
    ("TUPE", "principle", 4),
]
# (organisation, section) of each respondent pull-quote, in document order
QUOTES = [
    ("A4e", "Turning strategy into reality"),
    ("acevo – Association of Chief Executives of Voluntary Organisations", "Market structure"),
    ("ERSA", "Market development and stewardship"),
    ("St Mungo's", "Market development and stewardship"),
    ("Greater Manchester City Strategy Consortium", "Provider capabilities"),
    ("Association of Learning Providers", "Commercial strategy"),
    ("Mencap", "Commercial strategy"),
    ("Remploy", "Performance management"),
    ("Association of Chief Executives of Voluntary Organisations", "DWP capability"),
    ("Papworth Trust", "Customer experience"),
]


def _read(data: bytes) -> ParseResult:
    return READER.read(data, "strategy.txt", ReadOptions())


@pytest.fixture(scope="module")
def seed() -> ParseResult:
    return _read(STRATEGY.read_bytes())


def _component(res: ParseResult, name: str) -> ParsedComponent:
    return next(c for c in res.framework.components if c.name == name)


def test_name_and_components(seed: ParseResult) -> None:
    assert seed.text == STRATEGY.read_text(encoding="utf-8")
    assert seed.format == "framework" and seed.title == "DWP Commissioning Strategy"
    fw = seed.framework
    assert fw.name == "DWP Commissioning Strategy"
    main = [c for c in fw.components if not c.is_annex]
    assert [(c.name, len(c.principles)) for c in main] == [(n, k) for n, _, k in COMPONENTS]
    for comp, (_, headline, _) in zip(main, COMPONENTS, strict=True):
        assert comp.headline.startswith(headline)
        assert all(p.kind == "principle" for p in comp.principles)


def test_principle_spans_and_clean_text(seed: ParseResult) -> None:
    for comp in seed.framework.components:
        for p in comp.principles:
            block = seed.text[p.start : p.end]
            assert p.start < p.end and block == block.strip()
            assert block.startswith(p.text.split("\n")[0][:20])
            lines = p.text.split("\n")
            assert not any(line.strip().isdigit() for line in lines), p.text
            assert "Principles" not in lines and "**" not in p.text
            assert not any(ch in p.text for ch in "¹²³⁴⁵⁶"), p.text
            assert not any(line.startswith("- ") for line in lines)


def test_page_break_repairs(seed: ParseResult) -> None:
    structure = _component(seed, "Market structure").principles
    link = structure[2]
    assert link.text.startswith("Contracts will increasingly link with the appropriate local delivery")
    assert "This will include Local and Multi Area Agreements" in link.text
    assert link.text.split("\n")[-1].startswith("Providers will ensure that local activities funded")
    assert structure[3].text.startswith("We will aim to do most of our business (around 80 per cent)")
    capabilities = _component(seed, "Provider capabilities").principles[-1]
    assert capabilities.text.startswith("We expect providers to invest in")
    assert "In Scotland, we will work to similar ends" in capabilities.text
    choice = _component(seed, "Customer experience").principles[4]
    assert choice.text.startswith("We will expect prime contractors to offer customers informed choices")
    assert "In all contracts, we expect providers to discuss" in choice.text
    # an indented line that lost its dash joins the principle above it
    voice = _component(seed, "Market development and stewardship").principles[6]
    assert (
        voice.text.startswith("We are interested to understand")
        and "We will establish mechanisms" in voice.text
    )
    assert (
        "Our capabilities framework will be key"
        in _component(seed, "Market development and stewardship").principles[1].text
    )


def test_sub_bullets_fold_into_principles(seed: ParseResult) -> None:
    model = _component(seed, "Performance management").principles[1]
    assert model.text.split("\n") == [
        "Our performance model will be based on four key areas:",
        "outcomes;",
        "value for money;",
        "quality;",
        "customer experience;",
    ]


def test_annex_components(seed: ParseResult) -> None:
    annex = [c for c in seed.framework.components if c.is_annex]
    assert [(c.name, c.principles[0].kind, len(c.principles)) for c in annex] == ANNEX
    assert _component(seed, "Values").principles[0].text == "act with integrity;"
    tupe = _component(seed, "TUPE").principles[2].text
    # lines broken mid-sentence are joined back into one sentence
    assert "contracting with a provider who is offering non-TUPE terms." in tupe
    assert "\n" not in tupe and tupe.endswith("between the new supplier and the old.")
    assert "Cabinet Office Statement of Practice will apply." in _component(seed, "TUPE").principles[3].text


def test_annex_2_summaries_become_context(seed: ParseResult) -> None:
    commercial = _component(seed, "Commercial strategy")
    assert commercial.context.startswith("The majority of respondents felt that the overall approach")
    assert "Suggestions on how to avoid 'cherry picking'" in commercial.context
    assert commercial.context.endswith("making outcome targets harder to achieve.")
    assert all(c.context for c in seed.framework.components if not c.is_annex)
    assert "Annex 3" not in _component(seed, "Customer experience").context


def test_pull_quotes(seed: ParseResult) -> None:
    got = [(r.organisation, r.section) for r in seed.responses]
    assert got == QUOTES
    for r in seed.responses:
        body = seed.text[r.start : r.end]
        assert body == body.strip() and not body.endswith(r.organisation)
        assert r.role == "quoted_in_framework" and r.respondent_type == "organisation"
        assert r.meta["component"] == (None if r.section == "Turning strategy into reality" else r.section)
    alp = seed.responses[5]
    assert seed.text[alp.start : alp.end].startswith("We also continue to favour")
    assert seed.text[alp.start : alp.end].endswith("amongst prime contractors.")


def test_respondent_list(seed: ParseResult) -> None:
    names = respondent_list(seed.text)
    assert len(names) == 53
    assert names[:2] == ["Action for Blind People", "A4e"]
    assert names[-1] == "Yorkshire and Humberside Regional Forum"


def test_sniff() -> None:
    assert READER.sniff(STRATEGY.read_bytes(), STRATEGY.name) == 0.9
    for other in ("000_8ef29a6578c7ff4a.txt", "001_40ddf6d00e3a02ac.txt", "002_a782d7f36bd06b08.txt"):
        assert READER.sniff((SEEDS / other).read_bytes(), other) == 0.0


def test_pull_quote_pattern() -> None:
    assert pull_quote("We think this is a very good idea for everyone. Acme Trust") == (
        0,
        47,
        "Acme Trust",
    )
    assert pull_quote("We think this is a very good idea for everyone involved here.") is None
    assert pull_quote("Short. Acme") is None


SMALL = """Skills Strategy 2030

Contents

Access\t3
Quality\t5

Access

Everyone should be able to reach training near home.

Principles

- Courses will be offered locally.
 - Colleges will share buildings.

4

- Travel costs will be met where needed.
- Evening classes will run in every town.
- Online options will exist for those who cannot travel.
 - Recorded lectures will be free.

Quality

Training must lead to work.

Principles

- Providers will be inspected every year by an independent body that
 reports to the minister.
- Employers will co-design courses.¹

¹ With sector councils.

Training has to be judged by the jobs it leads to, nothing else. Northfield Employers Forum

Annex 1 – What people told us

Access

Respondents wanted provision close to home.
"""


def test_small_strategy() -> None:
    res = _read(SMALL.encode())
    fw = res.framework
    assert fw.name == "Skills Strategy 2030"
    assert [(c.name, c.headline, len(c.principles)) for c in fw.components] == [
        ("Access", "Everyone should be able to reach training near home.", 2),
        ("Quality", "Training must lead to work.", 2),
    ]
    local, online = fw.components[0].principles
    assert local.text.split("\n") == [
        "Courses will be offered locally.",
        "Colleges will share buildings.",
        "Travel costs will be met where needed.",
        "Evening classes will run in every town.",
    ]
    assert (
        online.text
        == "Online options will exist for those who cannot travel.\nRecorded lectures will be free."
    )
    inspected, employers = fw.components[1].principles
    assert inspected.text.endswith("independent body that reports to the minister.")
    assert employers.text == "Employers will co-design courses."
    assert fw.components[0].context == "Respondents wanted provision close to home."
    [quote] = res.responses
    assert quote.organisation == "Northfield Employers Forum" and quote.meta["component"] == "Quality"
    assert res.text[quote.start : quote.end].endswith("nothing else.")


def test_headings_and_bullets_without_principles_keyword() -> None:
    doc = (
        "Our Plan\n\nHousing\n\nHomes for all.\n\n- Build more.\n- Repair old stock.\n\nTransport\n- Buses.\n"
    )
    res = _read(doc.encode())
    assert [(c.name, c.headline, [p.text for p in c.principles]) for c in res.framework.components] == [
        ("Housing", "Homes for all.", ["Build more.", "Repair old stock."]),
        ("Transport", None, ["Buses."]),
    ]
    assert READER.sniff(doc.encode(), "plan.txt") == 0.0


def test_document_without_bullets_is_an_error() -> None:
    with pytest.raises(IngestError) as err:
        _read(b"Title\n\nJust prose here.\n")
    assert err.value.code == "FH-E141"
