"""Structured personal identifiers are redacted; the numbers a response legitimately holds are not."""

from __future__ import annotations

import pytest

from ingest.clean import display_text, redact

PLANTED = [
    ("My NI number is AB 12 34 56 C, thanks.", "AB 12 34 56 C", "[ni-number]"),
    ("NINO: JG103759A", "JG103759A", "[ni-number]"),
    ("NHS number 943 476 5919.", "943 476 5919", "[nhs-number]"),
    ("patient 9434765919 was seen", "9434765919", "[nhs-number]"),
    ("Card 4111 1111 1111 1111 expires soon.", "4111 1111 1111 1111", "[card-number]"),
    ("Sort code 12-34-56 please.", "12-34-56", "[bank-details]"),
    ("my account number is 12345678.", "12345678", "[bank-details]"),
    ("I was born on 3 March 1961.", "3 March 1961", "[date-of-birth]"),
    ("DOB: 03/03/1961", "03/03/1961", "[date-of-birth]"),
]

KEPT = [
    "Principle 4.10 and 2.3 matter; in 2008 we got £1,234,567 for 1,250 people (37.5%).",
    "Our charity number is 1098765 and company number 01234567.",
    "The event on 12 March 2009 had 85 participants.",
    "We had 1234567890 visits and 9434765918 page views.",  # ten digits failing the NHS check
    "Card schemes such as 4111 1111 1111 1112 fail the Luhn check.",
    "Contract CPA 2010/11 ran for 24 months at 98.6% occupancy; 12-34-56 is a reference.",
]


@pytest.mark.parametrize("text,value,label", PLANTED)
def test_identifier_redacted(text, value, label):
    out = redact(text)
    assert value not in out and label in out
    assert value not in display_text(text)


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_numbers_kept(text):
    assert redact(text) == text
