"""Normalisation with source offsets, and redaction of contact details (ingest.clean)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.clean import clean_char, display_text, normalise, redact, redact_spans, to_source

SEEDS = Path(__file__).resolve().parents[1] / "corpora" / "dwp-seeds"


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def test_normalise_collapses_and_maps_characters() -> None:
    raw = "  It\u2019s \u201cfine\u201d\u00a0\n\n  really\u2026 Jan \u2013 Mar\u200b \u2014 ok \t"
    clean, offsets = normalise(raw)
    assert clean == 'It\'s "fine" really... Jan - Mar - ok'
    assert len(offsets) == len(clean) + 1
    assert raw[offsets[0]] == "I"
    dots = clean.index("...")
    assert offsets[dots] == offsets[dots + 1] == offsets[dots + 2] == raw.index("\u2026")
    assert offsets[-1] == raw.index(" ok") + 3  # end of the last kept character


def test_normalise_empty_and_blank() -> None:
    assert normalise("") == ("", [0])
    assert normalise(" \n\u200b\u00a0") == ("", [4])


def test_to_source_maps_clean_ranges_back() -> None:
    raw = "Payment by results\n   needs to be defined \u2013 what are the \u2018results\u2019;"
    clean, offsets = normalise(raw)
    i = clean.index("needs")
    j = clean.index("'results'") + len("'results'")
    start, end = to_source(offsets, i, j)
    assert raw[start:end] == "needs to be defined \u2013 what are the \u2018results\u2019"
    assert normalise(raw[start:end])[0] == clean[i:j]
    assert to_source(offsets, 0, len(clean)) == (0, len(raw))
    assert to_source(offsets, 3, 3) == (offsets[3], offsets[3])


def test_to_source_rejects_bad_ranges() -> None:
    _, offsets = normalise("abc")
    for i, j in ((2, 1), (-1, 2), (0, 5)):
        try:
            to_source(offsets, i, j)
        except ValueError:
            continue
        raise AssertionError(f"accepted [{i}, {j})")


_ALPHABET = st.sampled_from(
    list("ab Z.,'\"-\n\t")
    + ["\u00a0", "\u200b", "\ufeff", "\u2018", "\u2019", "\u201c", "\u201d"]
    + ["\u2026", "\u2013", "\u2014", "\u00ad", "\u3000", "\u2028", "é", "\u00e9"]
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(_ALPHABET, max_size=60), st.text(max_size=60)))
def test_offsets_property(text: str) -> None:
    clean, offsets = normalise(text)
    assert len(offsets) == len(clean) + 1
    assert all(a <= b for a, b in zip(offsets, offsets[1:], strict=False))
    assert all(0 <= o <= len(text) for o in offsets)
    assert clean == clean.strip() and "  " not in clean
    for i, ch in enumerate(clean):
        src = text[offsets[i]]
        if ch == " ":
            assert src.isspace()
        else:
            assert ch in clean_char(src), (ch, src)
    assert normalise(clean)[0] == clean  # idempotent


def test_redacts_seed_email_in_000_and_001() -> None:
    for prefix in ("000", "001"):
        text = seed(prefix)
        para = next(line for line in text.splitlines() if "North West Network is a charity" in line)
        shown = display_text(para)
        assert "john@nwnetwork.org.uk" not in shown
        assert shown.endswith("Hope this is helpful. [email]")
        # the email is the only contact detail anywhere in these comment pages; the rest is commenters' names
        found = [(text[s:e], k) for s, e, k in redact_spans(text)]
        assert [f for f in found if f[1] != "name"] == [("john@nwnetwork.org.uk", "email")]
        assert {"North West Network", "Work Programme", "Jobcentre Plus"}.isdisjoint(n for n, _ in found)
    text = seed("000")
    names = {text[s:e] for s, e, k in redact_spans(text) if k == "name"}
    assert {"Mary Conroy", "Sarah Nicholls", "Chrissy Chalmers"} <= names


def test_redacts_tso_contact_block_in_004() -> None:
    text = seed("004")
    block = text[text.index("Published by TSO") : text.index("The lines are open")]
    shown = redact(block)
    for gone in (
        "0870 600 5522",
        "0845 7023474",
        "028 9023 8451",
        "020 7962 8886",
        "customer.services@tso.co.uk",
        "PO Box 29",
        "NR3 1GN",
        "16 Arthur Street",
        "71 Lothian Road",
        "12 Bridge Street",
        "SW1A 2JX",
        "John Adam Street",
    ):
        assert gone not in shown, gone
    for kept in (
        "The Parliamentary Bookshop [address]",
        "TSO Shops",
        "www.tsoshop.co.uk",
        "TSO@Blackwell and other Accredited Agents",
        "Work, Welfare and Equality Group",
        "Telephone: [phone]",
        "2008/com-strategy/cs-rep-08w.pdf",
    ):
        assert kept in shown, kept
    labels = [k for _, _, k in redact_spans(block)]
    assert labels.count("phone") == 10 and labels.count("address") == 5 and labels.count("email") == 1


def test_keeps_money_counts_and_dates() -> None:
    text = seed("002") + seed("003") + seed("001")
    assert redact_spans(seed("002")) == [] and redact_spans(seed("003"), names=False) == []
    shown = display_text(text)
    for kept in (
        "£4800 pa",
        "30 days net",
        "0845 tel numbers",
        "£350-950 per Month",
        "20 hours a week",
        "6 month LMI programme",
        "Work Programme",
        "5.5 million",
        "http://www.communityallowance.org",
        "March 2011",
    ):
        assert kept in shown, kept


def test_phone_formats() -> None:
    for number in ("0870 600 5522", "+44 20 7946 0958", "(020) 7946 0958", "07700 900123", "+1 212 555 0100"):
        assert redact(f"Call {number} today.") == "Call [phone] today.", number
    for not_phone in ("0845 numbers", "in 2010 and 2011", "£350-950", "ID5763556 02/08", "75%", "0.5"):
        assert redact(not_phone) == not_phone


def test_address_formats() -> None:
    assert redact("Write to 12 Bridge Street, Parliament Square, London SW1A 2JX now") == (
        "Write to [address] now"
    )
    assert redact("Send it to PO Box 29, Norwich, NR3 1GN.") == "Send it to [address]."
    assert redact("at 16 Arthur Street in Belfast") == "at [address] in Belfast"
    assert redact("In 2050, Bowling Green will be lovely") == "In 2050, Bowling Green will be lovely"


def test_shadow_is_the_one_for_one_ascii_mapping() -> None:
    from ingest.clean import _REPLACE, _shadow

    text = "".join(chr(i) for i in range(0x3100)) + "".join(_REPLACE)
    expected = "".join(
        " " if ch.isspace() else (r if len(r := _REPLACE.get(ch, ch)) == 1 else ch) for ch in text
    )
    assert _shadow(text) == expected and len(_shadow(text)) == len(text)
