"""Structured personal identifiers in free text: UK National Insurance and NHS numbers, bank
details, payment card numbers and dates of birth.

Each recogniser is a pattern plus a validity check, so that the many numbers a consultation
response legitimately holds (principle codes such as "4.10", years, money, charity numbers,
statistics) are left alone:

- National Insurance number: two letters (not the prefixes HMRC never issues), six digits, a
  suffix A-D; spaces allowed ("AB 12 34 56 C").
- NHS number: ten digits (3-3-4 groups allowed) whose modulus-11 check digit is right.
- Card number: 13-19 digits in groups that pass the Luhn check.
- Bank details: a sort code ("12-34-56") and/or an 8-digit account number, only with a cue
  ("sort code", "account") within a few words before it.
- Date of birth: a date only with a cue ("born", "DOB", "date of birth", "birthday") just before.

``identifier_spans(text)`` returns (start, end, label) spans; ``ingest.clean.redact_spans`` merges
them with e-mails, phones and addresses.
"""

from __future__ import annotations

import re

_NINO = re.compile(
    r"\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b", re.I
)
_NOT_AFTER = r"(?!\d|[.,/]\d|%)"  # not a longer number, a decimal or a percentage
_NHS = re.compile(rf"(?<![\d.,/£$€-])\d{{3}}[ -]?\d{{3}}[ -]?\d{{4}}{_NOT_AFTER}")
_CARD = re.compile(rf"(?<![\d.,/£$€-])\d{{4}}(?:[ -]?\d{{4}}){{2}}[ -]?\d{{1,7}}{_NOT_AFTER}")
_BANK_CUE = (
    r"(?:sort[- ]?code|account(?: number| no\.?)?|acc(?:ount)?\.? ?no\.?|a/c(?: no\.?)?|bank details?)"
)
_SORT_CODE = re.compile(rf"(?i:{_BANK_CUE})\W{{0,3}}(?:\w+\W+){{0,3}}?(\d{{2}}[- ]\d{{2}}[- ]\d{{2}})(?!\d)")
_ACCOUNT = re.compile(rf"(?i:{_BANK_CUE})\W{{0,3}}(?:\w+\W+){{0,3}}?(\d{{8}})(?!\d)")
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:19|20)?\d{{2}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{_MONTHS},? (?:19|20)\d{{2}}"
    rf"|{_MONTHS} \d{{1,2}}(?:st|nd|rd|th)?,? (?:19|20)\d{{2}})"
)
_DOB = re.compile(
    rf"(?i:\b(?:born(?: on)?|d\.?o\.?b\.?|date of birth|birth ?date|birthday)\b)\W{{0,3}}(?:is |was |:)?\W{{0,2}}({_DATE})",
    re.I,
)


def _nhs_valid(digits: str) -> bool:
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _luhn(digits: str) -> bool:
    if not 13 <= len(digits) <= 19 or len(set(digits)) == 1:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def identifier_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, label) of every structured identifier in ``text`` (may overlap; caller resolves)."""
    found: list[tuple[int, int, str]] = []
    found += [(m.start(), m.end(), "ni-number") for m in _NINO.finditer(text)]
    for m in _NHS.finditer(text):
        if _nhs_valid(re.sub(r"\D", "", m.group())):
            found.append((m.start(), m.end(), "nhs-number"))
    for m in _CARD.finditer(text):
        if _luhn(re.sub(r"\D", "", m.group())):
            found.append((m.start(), m.end(), "card-number"))
    for pattern in (_SORT_CODE, _ACCOUNT):
        found += [(m.start(1), m.end(1), "bank-details") for m in pattern.finditer(text)]
    found += [(m.start(1), m.end(1), "date-of-birth") for m in _DOB.finditer(text)]
    return found
