"""The standard wording bands of the report, defined once.

A share is the number of respondents who raised something out of the respondents who answered
that question (or, with no questions, out of all respondents):

=========  ==============================
band       share of respondents
=========  ==============================
all        every one of them
most       more than half (> 50%)
many       a quarter to a half (25-50%)
some       a tenth to a quarter (10-25%)
a few      under a tenth (< 10%)
=========  ==============================

Exactly 50% is "many", exactly 25% "some", exactly 10% "some". One respondent is always "one
respondent", never a band. The numbers are always shown beside the word: "most respondents (34 of 51)".
"""

from __future__ import annotations

BANDS: list[tuple[float, str]] = [  # (lowest share, word), checked top down; "all" is exact
    (0.5, "most"),  # strictly above 0.5
    (0.25, "many"),
    (0.10, "some"),
    (0.0, "a few"),
]


def band(n: int, base: int) -> str:
    """The band word for ``n`` of ``base`` respondents ("all", "most", "many", "some", "a few", "no")."""
    if n <= 0 or base <= 0:
        return "no"
    if n >= base:
        return "all"
    share = n / base
    if share > 0.5:
        return "most"
    if share >= 0.25:
        return "many"
    if share >= 0.10:
        return "some"
    return "a few"


def respondents_phrase(n: int, base: int, noun: str = "respondents") -> str:
    """ "most respondents (34 of 51)", "one respondent (1 of 20)", "all 3 respondents", "no respondents"."""
    singular = noun[:-1] if noun.endswith("s") else noun
    if n <= 0:
        return f"no {noun}"
    if n == 1:
        return f"one {singular} (1 of {base})" if base > 1 else f"the only {singular}"
    word = band(n, base)
    if word == "all":
        return f"all {n} {noun}"
    return f"{word} {noun} ({n} of {base})"


def sentence_case(text: str) -> str:
    """The first letter upper-cased (for a phrase that opens a sentence)."""
    return text[:1].upper() + text[1:]


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """ "1 point", "3 points" (thousands separated)."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


_POSITION_WORDS = {  # position -> (verb after one respondent, verb after several, split-list word)
    "oppose": ("opposed it", "opposed it", "opposed"),
    "support": ("supported it", "supported it", "supported"),
    "neutral": ("was neutral or mixed", "were neutral or mixed", "neutral or mixed"),
}


def position_sentence(title: str, positions: dict[str, int]) -> str:
    """Where the respondents who raised a theme stand, banded with the numbers beside the words.

    ``positions`` maps ``support`` / ``oppose`` / ``neutral`` to distinct respondents (see
    ``store.counts.theme_positions``). One position held by more than half: "Most of the 34
    respondents who raised X opposed it (21 of 34); some supported it (5)." None: "Views on X were
    split: 12 opposed, 10 supported, 12 neutral or mixed."
    """
    counts = {k: int(positions.get(k, 0)) for k in _POSITION_WORDS}
    total = sum(counts.values())
    if total == 0:
        return f"No respondents raised {title}."
    if total == 1:
        lead = max(counts, key=counts.__getitem__)
        return f"The one respondent who raised {title} {_POSITION_WORDS[lead][0]}."
    order = sorted(_POSITION_WORDS, key=lambda k: -counts[k])  # stable: oppose, support, neutral on ties
    lead, n = order[0], counts[order[0]]
    if band(n, total) not in ("most", "all"):
        parts = ", ".join(f"{counts[k]} {_POSITION_WORDS[k][2]}" for k in order if counts[k])
        return f"Views on {title} were split: {parts}."
    if n == total:
        return f"All {total} respondents who raised {title} {_POSITION_WORDS[lead][1]}."
    rest = [
        f"one {_POSITION_WORDS[k][0]}"
        if counts[k] == 1
        else f"{band(counts[k], total)} {_POSITION_WORDS[k][1]} ({counts[k]})"
        for k in order[1:]
        if counts[k]
    ]
    return (
        f"Most of the {total} respondents who raised {title} {_POSITION_WORDS[lead][1]} ({n} of {total}); "
        + " and ".join(rest)
        + "."
    )
