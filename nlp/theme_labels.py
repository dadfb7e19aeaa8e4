"""Short, human-style theme labels from ranked keywords.

``make_label(["tupe", "staff", "transfer", "tupe applies"], casing={"tupe": "TUPE"},
bigrams={("staff", "transfer"): 4})`` gives "TUPE and staff transfer": two distinct top phrases
joined by "and", the first word capitalised, acronyms kept upper-case, no word twice, at most
``max_words`` words. A keyword bigram is preferred when it is *representative*: both its words
are themselves top keywords (so "tupe applies" is passed over: "applies" is not a keyword). Two
top unigrams that occur side by side in the theme's texts ("staff transfer") form a bigram too,
and keyword bigrams never written in the texts (artefacts of stop-word removal) are passed over.
Everything here is pure: the casing and bigram counts come from helpers run on the source texts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

_TOKEN = re.compile(r"[^\W\d_][\w'&-]*")  # a word starts with a letter (any script)
_SENTENCE_END = (".", "!", "?", ":", ";", "\n")
TOP_K = 8  # keywords considered
# Words that make a poor label on their own or inside a bigram ("payments based", "tupe applies").
WEAK_WORDS = frozenset(
    """able apply applies applied based does did doesn don etc example given going including just
    know like look looking lot lots make making need needed needs really regarding related say
    says said use used using want wants way ways think ensure ensuring ve ll""".split()
)
# Words that are fine inside a bigram ("good practice") but say little alone.
WEAK_ALONE = WEAK_WORDS | frozenset("good new time people thing things issue issues point".split())


def _words(phrase: str) -> list[str]:
    return phrase.split()


def _stem(word: str) -> str:
    """A crude stem, enough to treat "tax"/"taxes", "vote"/"voting" or "transfer"/"transferred" as one."""
    word = word.lower()
    for suffix in ("ies", "ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            if suffix in ("ing", "ed") and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # transferr -> transfer, but fill stays fill
            break
    return word


def detect_casing(texts: Iterable[str], vocab: Iterable[str] | None = None) -> dict[str, str]:
    """Map lower-case words to how the texts mostly write them, for words not mostly lower-case.

    A token written upper-case in most of its occurrences is an acronym ("tupe" -> "TUPE"); one
    capitalised in most of its mid-sentence occurrences is a name ("jobcentre" -> "Jobcentre").
    ``vocab`` limits the count to words of interest (faster on big corpora).
    """
    wanted = {w.lower() for w in vocab} if vocab is not None else None
    forms: dict[str, Counter[str]] = {}
    for text in texts:
        previous_end = 0
        for match in _TOKEN.finditer(text):
            token = match.group()
            low = token.lower()
            before = text[previous_end : match.start()]
            previous_end = match.end()
            if wanted is not None and low not in wanted:
                continue
            sentence_start = match.start() == 0 or any(c in before for c in _SENTENCE_END)
            if sentence_start and not (len(token) > 1 and token.isupper()):
                continue  # a capital here says nothing about the word
            forms.setdefault(low, Counter())[token] += 1
    casing: dict[str, str] = {}
    for low, counts in forms.items():
        total = sum(counts.values())
        upper = sum(n for form, n in counts.items() if len(form) > 1 and form.isupper())
        if upper * 2 > total:
            casing[low] = low.upper()
            continue
        capital = sum(n for form, n in counts.items() if form[:1].isupper() and not form.isupper())
        if capital * 2 > total:
            casing[low] = low[:1].upper() + low[1:]
    return casing


def bigram_counts(texts: Iterable[str], words: Iterable[str], max_gap: int = 0) -> Counter[tuple[str, str]]:
    """Count ordered pairs of ``words`` (lower-cased) written next to each other in the texts, or with at
    most ``max_gap`` words between ("filling a vacancy" counts for ("filling", "vacancy"))."""
    wanted = {w.lower() for w in words}
    counts: Counter[tuple[str, str]] = Counter()
    for text in texts:
        tokens = [t.lower() for t in _TOKEN.findall(text)]
        for i, a in enumerate(tokens):
            if a not in wanted:
                continue
            for b in tokens[i + 1 : i + 2 + max_gap]:
                if b in wanted and b != a:
                    counts[(a, b)] += 1
    return counts


def _clean(keywords: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for keyword in keywords:
        phrase = " ".join(_TOKEN.findall(str(keyword).lower()))
        if phrase and not phrase.replace(" ", "").isdigit() and phrase not in seen:
            seen.append(phrase)
    return seen[:TOP_K]


def _candidates(
    keywords: list[str],
    bigrams: Mapping[tuple[str, str], int] | None,
    near: Mapping[tuple[str, str], int] | None,
    min_count: int,
) -> list[str]:
    """Phrases, best first. A keyword keeps its rank, except that:

    - a *representative* bigram (each of its words also in another top keyword) moves up to where
      its best word first appears;
    - a weak word ("based", "need") or a bigram holding one, or a bigram never written in the texts
      (CountVectorizer pairs words across dropped stop words: "primes ... Ofsted"), goes last;
    - two top unigrams written side by side in the texts form a bigram at the better one's rank.

    At equal rank a bigram wins over a unigram.
    """
    first_seen: dict[str, int] = {}
    for i, kw in enumerate(keywords):
        for w in _words(kw):
            first_seen.setdefault(_stem(w), i)
    scored: dict[str, tuple[int, int, int]] = {}
    last = 2 * len(keywords)
    for i, kw in enumerate(keywords):
        parts = _words(kw)
        stems = [_stem(p) for p in parts]
        weak = any(p in WEAK_WORDS for p in parts)
        if len(parts) == 1:
            scored.setdefault(kw, (last + i if kw in WEAK_ALONE else i, 1, i))
        elif (
            weak or len(set(stems)) < len(stems) or (near is not None and not near.get((parts[0], parts[-1])))
        ):
            scored.setdefault(kw, (last + i, 0, i))
        else:
            elsewhere = all(any(st in map(_stem, _words(o)) for o in keywords if o != kw) for st in stems)
            scored.setdefault(kw, (min(first_seen[st] for st in stems) if elsewhere else i, 0, i))
    unigrams = [kw for kw in keywords if len(_words(kw)) == 1 and kw not in WEAK_ALONE]
    for x, a in enumerate(unigrams):
        for b in unigrams[x + 1 :]:
            forward, backward = (bigrams or {}).get((a, b), 0), (bigrams or {}).get((b, a), 0)
            if max(forward, backward) >= min_count and _stem(a) != _stem(b):
                phrase = f"{a} {b}" if forward >= backward else f"{b} {a}"
                scored.setdefault(phrase, (keywords.index(a), 0, len(keywords) + keywords.index(b)))
    return sorted(scored, key=scored.__getitem__)


def _case(phrase: str, casing: Mapping[str, str], first: bool) -> str:
    words = [casing.get(w, w) for w in _words(phrase)]
    if first and words and words[0] == words[0].lower():
        words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words)


def make_label(
    keywords: Iterable[str],
    *,
    casing: Mapping[str, str] | None = None,
    bigrams: Mapping[tuple[str, str], int] | None = None,
    near_pairs: Mapping[tuple[str, str], int] | None = None,
    min_bigram_count: int = 2,
    max_words: int = 5,
) -> str:
    """A label of at most ``max_words`` words from ranked keywords; "" when there are none.

    ``casing`` maps lower-case words to their written form (``detect_casing``); ``bigrams`` counts
    adjacent word pairs in the theme's texts (``bigram_counts``), used to join two top unigrams;
    ``near_pairs`` counts pairs with a word allowed between (``bigram_counts(..., max_gap=1)``),
    used to check that a keyword bigram is really written ("filling a vacancy"). Without texts,
    leave them out: no joining and no check.
    """
    casing = casing or {}
    kws = _clean(keywords)
    if not kws:
        return ""
    chosen: list[str] = []
    used: set[str] = set()
    for phrase in _candidates(
        kws, bigrams, near_pairs if near_pairs is not None else bigrams, min_bigram_count
    ):
        stems = {_stem(w) for w in _words(phrase)}
        if stems & used:
            continue
        n_words = sum(len(_words(p)) for p in chosen) + len(chosen) + len(_words(phrase))
        if chosen and n_words > max_words:
            continue
        chosen.append(phrase)
        used |= stems
        if len(chosen) == 2:
            break
    parts = [_case(p, casing, first=(i == 0)) for i, p in enumerate(chosen)]
    return " ".join(" and ".join(parts).split()[:max_words])


def unique_labels(
    labels: list[str], keywords: list[list[str]], casing: Mapping[str, str] | None = None
) -> list[str]:
    """Make repeated labels distinct by adding the first keyword each does not already say."""
    counts = Counter(labels)
    out = []
    for label, kws in zip(labels, keywords, strict=True):
        if counts[label] > 1:
            said = {_stem(w.lower()) for w in label.split()}
            extra = next((k for k in _clean(kws) if not {_stem(w) for w in _words(k)} & said), None)
            if extra:
                label = f"{label}: {_case(extra, casing or {}, first=False)}"
        out.append(label)
    return out
