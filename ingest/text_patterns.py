"""Text patterns every reader shares: invisible characters, blocks, list markers, truncation markers,
organisation and role vocabulary, salutations and sign-off lines.

One place for each grammar, so that readers agree on what a bullet, a truncated comment or an
organisation's name looks like, and import these instead of each other's helpers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ingest.model import Span

# --- invisible text ----------------------------------------------------------------------------

# Characters that show nothing: zero-width space/joiners, word joiner, BOM, soft hyphen, Mongolian
# vowel separator, and the Hangul/Braille fillers that render blank.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u3164\u2800\u115f\u1160\uffa0"
_VISIBLE = re.compile(rf"[^\s{INVISIBLE}]")


def has_text(value: str) -> bool:
    """True when ``value`` shows something: not only whitespace and invisible characters."""
    return _VISIBLE.search(value) is not None


def strip_invisible(value: str) -> str:
    """``value`` trimmed of whitespace and invisible characters at both ends."""
    return value.strip().strip(INVISIBLE).strip()


# --- lines and blocks --------------------------------------------------------------------------

LINE_BREAK = r"(?:\r\n|\r|\n)"  # Windows, old Mac and Unix line endings
# A blank-line-separated block: from its first to its last visible character. Any of the three
# line endings separate blocks, so CRLF and CR files split as LF files do.
BLOCK = re.compile(rf"\S(?:.*?\S)?(?={LINE_BREAK}[ \t]*{LINE_BREAK}|\s*\Z)", re.S)


def blocks(text: str) -> list[tuple[int, int]]:
    """[start, end) of each blank-line-separated block of ``text`` that shows something."""
    return [(m.start(), m.end()) for m in BLOCK.finditer(text) if has_text(m.group())]


def trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    """[start, end) shrunk to exclude surrounding whitespace; None when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def lines(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """(line_start, line_end) offsets of each line in [start, end), newline excluded."""
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl < 0 else nl
        yield pos, stop
        pos = stop + 1


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def word_count(value: str) -> int:
    """Whitespace-separated words, counting each CJK character as a word."""
    return len(value.split()) + len(_CJK.findall(value))


def cjk_count(value: str) -> int:
    """How many CJK characters ``value`` holds."""
    return len(_CJK.findall(value))


# --- list markers ------------------------------------------------------------------------------
# One grammar of list markers. Every item pattern matches at a line start and has the groups
# ``indent`` (the white space before the marker) and ``body`` (an empty group where the item's
# words begin, so ``m.start("body") == m.end()``); numbered ones also ``num``.

BULLET_CHARS = "-*\u2022\u2013\u2014\u00b7\u25aa\u25e6\u2023\u25cf\u25a0"  # - * • – — · ▪ ◦ ‣ ● ■
_BULLET = f"[{BULLET_CHARS}]"
_NUMBER = r"\(?(?P<num>\d{1,3})[.)]"
_LETTER_OR_ROMAN = r"[a-zA-Z]\)|[a-z]\.|[ivx]{1,5}[.)]|\((?:[a-zA-Z]|[ivx]{1,5})\)"
_AFTER = r"[ \t]+(?P<body>)(?=\S)"

BULLET_ITEM = re.compile(rf"(?P<indent>[ \t]*){_BULLET}{_AFTER}")
NUMBERED_ITEM = re.compile(rf"(?P<indent>[ \t]*){_NUMBER}{_AFTER}")
LIST_ITEM = re.compile(rf"(?P<indent>[ \t]*)(?:{_NUMBER}|{_LETTER_OR_ROMAN}|{_BULLET}){_AFTER}")


def item_points(text: str, start: int, end: int, item: re.Pattern[str], numbered: bool) -> list[Span] | None:
    """Explicit list items in [start, end) as points (the text before item 1 is a point too).

    ``item`` is one of the item patterns above (numbered ones must then run 1, 2, 3...). Lines
    that are not items belong to the item above. None when there are fewer than two items.
    """
    found: list[tuple[int, int]] = []  # (line start, body start)
    expected = 1
    for ls, le in lines(text, start, end):
        m = item.match(text, ls, le)
        if not m:
            continue
        if numbered:
            if m.group("num") is None or int(m.group("num")) != expected:
                continue
            expected += 1
        found.append((ls, m.start("body")))
    if len(found) < 2:
        return None
    spans = [trim(text, start, found[0][0])]
    nexts = [ls for ls, _ in found[1:]] + [end]
    spans += [trim(text, body, nxt) for (_, body), nxt in zip(found, nexts, strict=True)]
    return [Span(*s) for s in spans if s]


# --- truncation markers ------------------------------------------------------------------------
# "… [truncated by the system]", "[truncated]": a comment system cut the text here.
TRUNCATION = re.compile(r"(?:…|\.{3})?[ \t]*\[truncated[^\]\n]{0,40}\]", re.I)


def cut_truncation(text: str, start: int, end: int) -> tuple[int, bool]:
    """If [start, end) ends with a truncation marker, the end before it.

    Returns (new_end, truncated). A marker in the middle of the range marks it truncated
    but keeps the end, so no words are dropped.
    """
    m = TRUNCATION.search(text, start, end)
    if not m:
        return end, False
    if text[m.end() : end].strip():
        return end, True
    span = trim(text, start, m.start())
    return (span[1] if span else end), True


# --- organisations, roles, letters -------------------------------------------------------------

# Words that make a name an organisation's rather than a person's.
ORG_WORDS = re.compile(
    r"\b(?:ltd|limited|plc|llp|cic|inc|group|trust|foundation|charity|council|borough|county|department"
    r"|government|office|ministry|authority|jobcentre|university|college|school|academy|hospital|nhs"
    r"|housing|homes|association|federation|coalition|network|forum|confederation|alliance|chamber"
    r"|union|youth|action|community|centre|center|services?|society|partnerships?|project|institute"
    r"|agency|agencies|enterprises?|works|solutions|support|people|club|church|company|advice|citizens"
    r"|care|initiative|employment|skills|training|consortium|board|commission|committee|team|industries"
    r"|international|uk|consulting|consultancy|providers?)\b",
    re.I,
)
# Job titles: a sign-off part naming a role, not an organisation.
ROLE_WORDS = re.compile(
    r"\b(?:chief|executive|director|manager|officer|chair|chairman|chairperson|chairwoman|president"
    r"|secretary|head|lead|co-?ordinator|adviser|advisor|ceo|founder|trustee|councillor|member|analyst"
    r"|consultant|partner|owner|volunteer|deputy|vice|worker|administrator|assistant|specialist"
    r"|physiotherapist)\b",
    re.I,
)
SALUTATION = re.compile(r"^\s*(?:dear\b[^\n]{0,60}|to whom it may concern)[,:.]?\s*$", re.I)
# The closing words of a letter or comment ("Yours sincerely", "Kind regards", "Many thanks").
SIGN_OFF = (
    r"(?:yours\s+(?:sincerely|faithfully|truly|\w+)|(?:with\s+)?(?:kind|best|warm|many)\s+"
    r"(?:regards|wishes|thanks)|regards|sincerely|thank\s+you|many\s+thanks|thanks|cheers)"
)
SIGN_OFF_LINE = re.compile(rf"^\s*{SIGN_OFF}[,.!]?\s*$", re.I)  # a line that is only a sign-off
SIGN_OFF_WORDS = re.compile(SIGN_OFF, re.I)  # for ``fullmatch`` on a part of a signature line
