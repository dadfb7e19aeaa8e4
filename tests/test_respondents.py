"""Respondent inference: organisation, type and kind, and signature lines (ingest.respondents)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.respondents import (
    CHARITY,
    EDUCATION,
    GOVERNMENT,
    HOUSING,
    LOCAL_AUTHORITY,
    PROVIDER,
    REPRESENTATIVE,
    classify_org,
    infer_respondent,
    is_person_name,
    split_signature,
)

SEEDS = Path(__file__).resolve().parents[1] / "corpora" / "dwp-seeds"


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def comments_000() -> dict[str, str]:
    """Author -> comment body for the numbered comments of seed 000."""
    text = seed("000")
    heads = list(re.finditer(r"^  \d+\. (.*) says:\n", text, re.M))
    ends = [h.start() for h in heads[1:]] + [len(text)]
    return {h.group(1): text[h.end() : e] for h, e in zip(heads, ends, strict=True)}


def line_001(startswith: str) -> str:
    return next(ln for ln in seed("001").splitlines() if ln.startswith(startswith))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Mary Conroy, Inroads Manager, SHAP", ("Mary Conroy", "Inroads Manager", "SHAP")),
        (
            "Jon Woolfson, Senior policy officer, Social Enterprise Coalition",
            ("Jon Woolfson", "Senior policy officer", "Social Enterprise Coalition"),
        ),
        ("Paul Smith, National Housing Federation", ("Paul Smith", None, "National Housing Federation")),
        (
            "Christine Chalmers, Worklessness Development Officer, Supporting People, Norfolk County Council.",
            (
                "Christine Chalmers",
                "Worklessness Development Officer, Supporting People",
                "Norfolk County Council",
            ),
        ),
        (
            "Eleanor Kinnear, physiotherapist and founder of INS.",
            ("Eleanor Kinnear", "physiotherapist and founder of INS", "INS"),
        ),
        ("Steve Swan, Tomorrow's People", ("Steve Swan", None, "Tomorrow's People")),
    ],
)
def test_split_signature(line: str, expected: tuple[str, str | None, str | None]) -> None:
    assert split_signature(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "Hi Vanda, the link has been amended. Thanks",
        "However, we think so, really",
        "London Youth, Something Else",
        "Mary Conroy",
        "Finally, DWP should recognise that niche groups, such as young people, have different needs.",
        "",
    ],
)
def test_not_a_signature(line: str) -> None:
    assert split_signature(line) is None


def test_person_names() -> None:
    for name in ("Mary Conroy", "Chrissy Chalmers", "Kirsty McHugh", "J. Smith", "Anne-Marie O'Brien"):
        assert is_person_name(name), name
    for name in ("London Youth", "Papworth Trust", "Mary", "north west network", "Hi Vanda", "DWP Team"):
        assert not is_person_name(name), name


def test_seed_000_comment_authors() -> None:
    c = comments_000()
    nwn = infer_respondent("northwestnetwork", None, c["northwestnetwork"])
    assert (nwn.organisation, nwn.respondent_type, nwn.org_kind) == (
        "North West Network",
        "organisation",
        CHARITY,
    )

    ly = infer_respondent("London Youth", None, c["London Youth"])
    assert (ly.organisation, ly.respondent_type, ly.author) == ("London Youth", "organisation", None)

    steve = infer_respondent("Steve Swan, Tomorrow's People", None, c["Steve Swan, Tomorrow's People"])
    assert (steve.author, steve.organisation, steve.respondent_type) == (
        "Steve Swan",
        "Tomorrow's People",
        "organisation",
    )

    mary = infer_respondent("Mary Conroy", None, c["Mary Conroy"])  # signed "..., Inroads Manager, SHAP"
    assert (mary.author, mary.organisation, mary.respondent_type) == ("Mary Conroy", "SHAP", "organisation")

    alex = infer_respondent("Alex Whinnom", None, c["Alex Whinnom"])  # "GMCVO hosts / supports ..."
    assert (alex.organisation, alex.respondent_type) == ("GMCVO", "organisation")

    for handle in ("annettesandy", "smurf", "Chrissy Chalmers"):  # "My concern", "I think", "I think"
        r = infer_respondent(handle, None, c[handle])
        assert (r.organisation, r.respondent_type) == (None, "individual"), handle

    notice = infer_respondent("nsiddique", None, c["nsiddique"])  # "DWP would like to thank all users"
    assert (notice.organisation, notice.respondent_type, notice.org_kind) == (
        "DWP",
        "organisation",
        GOVERNMENT,
    )


def test_seed_001_self_introductions() -> None:
    cases = {
        "North West Network is a charity": ("North West Network", CHARITY),
        "At YTKO we deliver": ("YTKO", None),
        "On behalf of the North East Enterprise Agencies Ltd": (
            "North East Enterprise Agencies Ltd",
            PROVIDER,
        ),
        "Ixion welcomes": ("Ixion", None),
        "The Social Enterprise Coalition supports": ("Social Enterprise Coalition", REPRESENTATIVE),
        "Papworth Trust believes": ("Papworth Trust", CHARITY),
        "I work for a charity": ("Integrated Newurological Services", CHARITY),
        "Blackpool Council have been": ("Blackpool Council", LOCAL_AUTHORITY),
        "Christine Chalmers, Worklessness": ("Norfolk County Council", LOCAL_AUTHORITY),
        "Paul Smith, National Housing Federation": ("National Housing Federation", REPRESENTATIVE),
    }
    for start, (org, kind) in cases.items():
        r = infer_respondent(None, None, line_001(start))
        assert (r.organisation, r.org_kind, r.respondent_type) == (org, kind, "organisation"), start


def test_seed_001_no_organisation() -> None:
    for start in ("The 16 hour rule", "There has to be an element of trust", "Through the Employability"):
        r = infer_respondent(None, None, line_001(start))
        assert (r.organisation, r.respondent_type) == (None, None), start
    suffolk = infer_respondent(None, None, line_001("These circumstances you describe Christine"))
    assert (suffolk.organisation, suffolk.respondent_type) == (None, "individual")
    # "we" alone may be a citizen's "we": an organisation needs an organisational cue
    we = infer_respondent(None, None, line_001("We believe differential pricing"))
    assert (we.organisation, we.respondent_type) == (None, None)
    engage = infer_respondent(None, None, line_001("\u2022 We already engage and work in partnership"))
    assert (engage.organisation, engage.respondent_type) == (None, "organisation")


def test_plural_voice() -> None:
    citizen = infer_respondent(None, None, "We need more bike lanes and we should fund buses for all of us.")
    assert citizen.respondent_type is None
    charity = infer_respondent(None, None, "We are a small charity based in Leeds. Our clients need help.")
    assert (charity.organisation, charity.respondent_type, charity.org_kind) == (
        None,
        "organisation",
        CHARITY,
    )


def test_sentence_openers_are_not_organisations() -> None:
    for text in (
        "There is a body of evidence that the programme works.",
        "It is a charity-led model we would support.",
        "The Work Programme has been slow to start.",
        "Many have been helped by the scheme.",
        "PETA is a horrible organization.",
        "Affordable supports for the elderly are needed.",
        "The Republican party welcomes the change.",
        "Society considers freedom from pain a right.",
    ):
        assert infer_respondent(None, None, text).organisation is None, text


def test_given_organisation_wins_and_is_classified() -> None:
    r = infer_respondent("Jo Bloggs", "Sheffield Hallam University", "I think this is right.")
    assert (r.organisation, r.org_kind, r.respondent_type, r.author) == (
        "Sheffield Hallam University",
        EDUCATION,
        "organisation",
        "Jo Bloggs",
    )
    assert infer_respondent(None, None, "").respondent_type is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Department for Work and Pensions", GOVERNMENT),
        ("Jobcentre Plus", GOVERNMENT),
        ("Norfolk County Council", LOCAL_AUTHORITY),
        ("London Borough of Hackney", LOCAL_AUTHORITY),
        ("Riverside Housing Association", HOUSING),
        ("National Housing Federation", REPRESENTATIVE),
        ("Third Sector European Network", REPRESENTATIVE),
        ("Papworth Trust", CHARITY),
        ("A4e Ltd", PROVIDER),
        ("Leeds College of Building", EDUCATION),
        ("London Youth", None),
    ],
)
def test_classify_org(text: str, kind: str | None) -> None:
    assert classify_org(text) == kind


def test_self_description_beats_name() -> None:
    assert classify_org("charity", "North West Network") == CHARITY
    assert classify_org(None, "North West Network") == REPRESENTATIVE
