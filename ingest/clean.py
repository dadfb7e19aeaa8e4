"""Text clean-up for display and analysis, with a map back to source offsets; PII redaction.

``normalise`` collapses whitespace (newlines and NBSP included) to single spaces and trims the
ends, turns curly quotes and apostrophes into straight ones, the ellipsis "…" into "...", the
dash family (hyphen variants, en dash "–", em dash "—", minus "−") into ASCII "-", and drops
zero-width characters and soft hyphens. Dashes become "-" rather than being kept because the
seeds use "–" both as a range ("January – March", "£350-950") and as a clause break; the
spaces around a clause dash survive normalisation, so " - " still reads as one.

Every clean character comes from exactly one source character (the three dots of an ellipsis
share one), so ``offsets[i]`` is the source index of ``clean[i]`` and a clean range maps back
with ``to_source``. The source text itself is never changed: the pipeline keeps source offsets
and the clean text side by side.

``redact`` replaces e-mail addresses, telephone numbers, street addresses and UK postcodes with
"[email]", "[phone]" and "[address]", structured identifiers (``ingest.identifiers``) with their kind
and private individuals' names (``ingest.names``) with "[name]". It leaves organisation names, URLs, money, percentages,
years, dates and counts alone: a number is only a phone number when it has the digit count of
one (10-11 digits from a leading 0, or 8-15 after "+"/"00"), so "0845 tel numbers" survives.
"""

from __future__ import annotations

import re

from ingest.identifiers import identifier_spans
from ingest.text_patterns import INVISIBLE

# Source character -> clean replacement (every key is one code point).
_REPLACE: dict[str, str] = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    "\u2026": "...",
}
_ZERO_WIDTH = INVISIBLE
_ZW = re.escape(_ZERO_WIDTH)
# Runs of whitespace and zero-width characters, except a lone " " between two visible characters
# (which stays as it is: most text is words and single spaces, and these need no work), and the
# characters replaced one by one.
_SPECIAL = re.compile(
    rf"(?<![\s{_ZW}])(\A[\s{_ZW}]+|[\s{_ZW}]+\Z|(?! (?![\s{_ZW}]))[\s{_ZW}]+)"
    r"|([" + "".join(_REPLACE) + r"])"
)


def clean_char(ch: str) -> str:
    """What one source character becomes in the clean text ("" when dropped, " " for space)."""
    if ch in _ZERO_WIDTH:
        return ""
    if ch.isspace():
        return " "
    return _REPLACE.get(ch, ch)


def normalise(text: str) -> tuple[str, list[int]]:
    """Clean ``text``; return it with ``offsets`` (len(clean) + 1 source indices).

    ``offsets[i]`` is the index in ``text`` of the character ``clean[i]`` came from (for a
    collapsed space: the first whitespace character of the run); the last entry is the end of
    the last kept source character (``len(text)`` when nothing is kept).
    """
    parts: list[str] = []
    offsets: list[int] = []
    space_at: int | None = None  # first whitespace of a pending run

    def emit(piece: str, src: range | list[int]) -> None:
        nonlocal space_at
        if space_at is not None and parts:
            parts.append(" ")
            offsets.append(space_at)
        space_at = None
        parts.append(piece)
        offsets.extend(src)

    pos = 0
    for m in _SPECIAL.finditer(text):
        if m.start() > pos:
            emit(text[pos : m.start()], range(pos, m.start()))
        run = m.group(1)
        if run is not None:
            first = next((i for i, ch in enumerate(run) if ch.isspace()), None)
            if first is not None and space_at is None:
                space_at = m.start() + first
        else:
            piece = _REPLACE[m.group(2)]
            emit(piece, [m.start()] * len(piece))
        pos = m.end()
    if pos < len(text):
        emit(text[pos:], range(pos, len(text)))
    offsets.append(offsets[-1] + 1 if offsets else len(text))
    return "".join(parts), offsets


def to_source(offsets: list[int], i: int, j: int) -> tuple[int, int]:
    """Map the clean range [i, j) back to a [start, end) range of the source text."""
    if not 0 <= i <= j < len(offsets):
        raise ValueError(f"clean range [{i}, {j}) outside 0..{len(offsets) - 1}")
    if i == j:
        return offsets[i], offsets[i]
    return offsets[i], offsets[j - 1] + 1


# --- redaction -------------------------------------------------------------------------------

# Bounded repeats keep the scan linear on long runs of word characters and dots.
_EMAIL = re.compile(
    r"(?<![\w.%+'-])[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b"
)
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+", re.I)

# A phone candidate: an international or national prefix, then groups of digits separated by a
# single space, dot or hyphen. The digit count is checked afterwards, trailing groups dropped.
_PHONE = re.compile(
    r"(?<![\w+£$€.,/-])"
    r"(?:(?P<intl>(?:\+|00)\d{1,3}(?:[ .-]?\(0\))?)|(?P<nat>\(0\d{1,4}\)|0\d{1,4}))"
    r"(?P<rest>(?:[ .-]?\d{1,5}){1,5})"
    r"(?![\w£$€%])"
)
_DIGIT_GROUP = re.compile(r"[ .-]?\d+")
_EXTENSION = re.compile(r"[ \t]*,?[ \t]*\(?(?:ext(?:ension|n)?\.?|x)[ \t]*\d{1,5}\)?(?![\w.]\w)", re.I)

_POSTCODE = r"(?:GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})"
_NUM = r"\d{1,4}[A-Za-z]?(?: ?[-\u2013] ?\d{1,4}[A-Za-z]?)?"
_CAP = r"[A-Z][A-Za-z'\u2019.-]*"
_PLACE = r"[A-Z][A-Za-z'\u2019-]+(?: [A-Z][A-Za-z'\u2019-]+){0,2}\b"
_SUFFIX = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Way|Drive|Close|Place|Square|Sq|Crescent|Terrace|"
    r"Court|Gardens|Grove|Hill|Row|Park|Walk|Mews|Parade|Wharf|Quay|Embankment|Circus|Green|Rise)"
)
_TAIL = rf"(?:(?:,? {_PLACE}){{0,3}},? {_POSTCODE}\b)"
_ADDRESS = re.compile(
    rf"\bP\.? ?O\.? Box \d+{_TAIL}?"
    rf"|\b(?!(?:19|20)\d\d\b){_NUM} {_CAP}(?: {_CAP}){{0,3}} {_SUFFIX}\b\.?{_TAIL}?"
    rf"|\b{_NUM},? {_CAP}(?: {_CAP}){{0,2}}{_TAIL}"
    rf"|\b{_POSTCODE}\b"
)


def _phone_end(m: re.Match[str]) -> int | None:
    """End of the longest prefix of the candidate with a phone number's digit count, or None."""
    head = m.group("intl") or m.group("nat")
    digits = sum(c.isdigit() for c in head)
    lo, hi = (8, 15) if m.group("intl") else (10, 11)
    best = None
    pos = m.start("rest")
    for g in _DIGIT_GROUP.finditer(m.group("rest")):
        digits += sum(c.isdigit() for c in g.group())
        if digits > hi:
            break
        if digits >= lo:
            best = pos + g.end()
    return best


_SHADOW = {ord(k): v for k, v in _REPLACE.items() if len(v) == 1} | {
    i: " "
    for i in range(0x3001)
    if chr(i).isspace()  # every Unicode space lies below U+3001
}


def _shadow(text: str) -> str:
    """``text`` with whitespace, dashes and quotes made ASCII one character for one (same offsets)."""
    return text.translate(_SHADOW)


def redact_spans(text: str, names: bool = True) -> list[tuple[int, int, str]]:
    """Spans of personal data in ``text``: (start, end, label) for e-mails, phones, addresses, the
    structured identifiers of ``ingest.identifiers`` (NI, NHS, card numbers, bank details, dates of
    birth) and, unless ``names`` is false, private individuals' names (``ingest.names``, label "name").

    Sorted and non-overlapping; e-mails win over the rest, names lose to everything, and nothing
    inside a URL is redacted. Structured patterns see the text with whitespace, dashes and quotes
    made ASCII (offsets unchanged); names see it as written, line breaks included.
    """
    raw = text
    text = _shadow(text)
    urls = [(m.start(), m.end()) for m in _URL.finditer(text)]
    found: list[tuple[int, int, str]] = []
    if "@" in text:
        found += [(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    for m in _PHONE.finditer(text):
        end = _phone_end(m)
        if end is not None:
            ext = _EXTENSION.match(text, end)
            found.append((m.start(), ext.end() if ext else end, "phone"))
    found += [(m.start(), m.end(), "address") for m in _ADDRESS.finditer(text)]
    found += identifier_spans(text)
    if names:
        from ingest.names import name_spans

        found += name_spans(raw)
    priority = {
        "email": 0,
        "ni-number": 1,
        "nhs-number": 1,
        "card-number": 1,
        "bank-details": 1,
        "date-of-birth": 1,
        "phone": 2,
        "address": 3,
        "name": 4,
    }
    found.sort(key=lambda s: (priority[s[2]], s[0], -s[1]))
    kept: list[tuple[int, int, str]] = []
    for s in found:
        clash = any(s[0] < e and b < s[1] for b, e, *_ in kept)
        in_url = s[2] != "email" and any(s[0] < e and b < s[1] for b, e in urls)
        if not clash and not in_url:
            kept.append(s)
    return sorted(kept)


def redact(text: str, spans: list[tuple[int, int, str]] | None = None) -> str:
    """``text`` with personal data (``spans``, by default ``redact_spans(text)``) replaced by its kind:
    "[email]", "[phone]", "[ni-number]", "[name]" etc."""
    out: list[str] = []
    pos = 0
    for start, end, label in redact_spans(text) if spans is None else spans:
        out.append(text[pos:start])
        out.append(f"[{label}]")
        pos = end
    out.append(text[pos:])
    return "".join(out)


def display_text(raw: str, spans: list[tuple[int, int, str]] | None = None) -> str:
    """Redacted, normalised text: what everyone is shown and what exports carry.

    Redaction runs on the text as written (sign-off lines need their line breaks), then the result
    is normalised. ``spans`` (offsets into ``raw``) are used when given, so that a point can reuse
    the spans found in its whole response. A second pass of the structured patterns over the
    normalised result catches what only collapsed whitespace reveals ("12  High Street").
    """
    shown = normalise(redact(raw, spans))[0]
    return redact(shown, redact_spans(shown, names=False))  # what only the collapsed spacing reveals


def spans_within(spans: list[tuple[int, int, str]], start: int, end: int) -> list[tuple[int, int, str]]:
    """``spans`` clipped to [start, end) and shifted to start at 0 (a point's share of its response's spans)."""
    return [(max(s, start) - start, min(e, end) - start, k) for s, e, k in spans if s < end and start < e]
