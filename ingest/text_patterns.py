"""Text patterns every reader shares: invisible characters, blocks, list markers, truncation markers,
organisation and role vocabulary, salutations and sign-off lines.

One place for each grammar, so that readers agree on what a bullet, a truncated comment or an
organisation's name looks like, and import these instead of each other's helpers.
"""

from __future__ import annotations

import re

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
