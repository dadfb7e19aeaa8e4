"""Short titles derived from a principle's text: deterministic, at most six words.

"Payment models should let providers of all sizes take part" -> "Payment models". The first clause
is taken, leading filler ("We will", "There should be") dropped; a clause of up to six words is the
title as it stands; a longer one gives its subject (the words before the first modal verb) when
that has two words or more, a one-word subject followed by what comes after its verb, else the
first six words; trailing function words dropped.
"""

from __future__ import annotations

import re
from functools import lru_cache

MAX_WORDS = 6
_CLAUSE = re.compile(r"\s*(?:[.;:(\[]|\s[-–—]\s)")
_FILLER = re.compile(
    r"^(?:(?:in [\w' ]{1,30},\s*)?we (?:will|shall|would|want to|should|must|need to|are|also|envisage|expect)"
    r"(?:\s+(?:also|be|aim to|look to|continue to|seek to|expect))*|there (?:should|must|will) be|"
    r"it is (?:important|essential|vital) that|ensure that|ensuring that|to|the|an?)\s+",
    re.I,
)
_MODAL = {"should", "must", "will", "shall", "can", "could", "would", "may", "need", "needs", "are", "is"}
_TRAILING = {
    "a", "an", "the", "of", "to", "for", "and", "or", "in", "on", "at", "by", "with", "all", "that",
    "which", "who", "be", "is", "are", "as", "from", "their", "its", "our", "your", "this", "these",
    "we", "they", "it", "will", "should", "where", "when", "into",
}  # fmt: skip


@lru_cache(maxsize=4096)  # pages derive the titles of the same few principles for every point
def derive_title(text: str) -> str:
    """A short title (at most ``MAX_WORDS`` words) taken from ``text``; empty text gives ''."""
    text = " ".join((text or "").split())
    clause = _CLAUSE.split(text, maxsplit=1)[0].strip() or text
    for _ in range(2):  # "We will also be ..." then "the ..."
        clause = _FILLER.sub("", clause).strip() or clause
    words = clause.split()
    if not words:
        return ""
    if len(words) > MAX_WORDS:
        cut = next((i for i, w in enumerate(words) if w.casefold().strip(",") in _MODAL), None)
        if cut is not None and 2 <= cut <= MAX_WORDS:
            words = words[:cut]
        elif (
            cut == 1 and len(words) > 3
        ):  # "Providers should have stable cash flow" -> "Providers: stable cash flow"
            words = [words[0] + ":", *words[3 : 3 + MAX_WORDS - 1]]
        else:
            words = words[:MAX_WORDS]
    while len(words) > 1 and words[-1].casefold().strip(",") in _TRAILING:
        words.pop()
    title = " ".join(words).strip(" ,")
    return title[:1].upper() + title[1:]
