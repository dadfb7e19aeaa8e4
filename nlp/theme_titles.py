"""Theme titles and descriptions extracted from the theme's own points, with where they came from.

No generator: every word of a title is a phrase written in the theme's points, and every
description quotes one of them.

1. Candidate phrases per point. English points (when spaCy's English parser is installed): noun
   chunks with leading and trailing determiners, pronouns, numbers and stop words stripped, plus
   their head-final tails ("small local charities" also gives "local charities", "charities"), at
   most 4 words, none with a conjunction inside ("voluntary and community organisations" gives
   "community organisations"), and "X of Y" for two chunks joined by "of" ("ease of use", at most
   two words a side). Other languages (German, French, Spanish, Welsh; see ``nlp.language``): runs of
   1-3 consecutive content words (no stop word, punctuation or number between them; in German the
   last one capitalised, as nouns are). Phrases are
   counted by key (lemmas for English, lower-case words otherwise) and shown as most often written.
2. A phrase's weight in a theme = centrality-weighted coverage (the share of the theme's cosine
   similarity to its centroid carried by the points that use it) × specificity (the share of all
   its uses that fall in this theme, themes scaled to their full size) × a small bonus per extra
   word. Phrases used by a single point of a theme of four or more are ignored, unless no phrase
   is shared by two of its points.
3. Titles are picked theme by theme, largest first: the best phrase that is not near-identical to a
   title already taken (same words, one inside the other, or half the words shared, comparing
   crude stems). It never starts or ends with a stop word and never holds two stop words in a row.
4. The description is a template over the title, the next two distinct phrases and the key clause
   (the sentence, cut to its clause, holding the title phrase) of the most central point using it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache

import numpy as np

from nlp.language import guess_language, stop_words
from nlp.parallel import map_in_parts
from nlp.theme_labels import WEAK_ALONE, _stem

SAMPLE = 400  # most central points per theme scanned for phrases
MAX_CHUNK_WORDS = 4
MAX_RUN_WORDS = 3
EXPAND = 0.2  # a longer phrase replaces a one-word title when it has this share of its weight
SPECIFICITY_POWER = 1.0  # weight = coverage x specificity ** this
MIN_WORD = 3  # letters of a one-word title ("Rd", "CO" say too little)
CLAUSE_WORDS = 25  # description clauses are cut to about this many words
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_CLAUSE = re.compile(r"\s*(?:[;:—–]|\s-\s|,\s+(?=but |and |or |which |because |so ))\s*")
_STRIP_POS = {"DET", "PRON", "PUNCT", "NUM", "CCONJ", "SCONJ", "ADP", "PART", "SYM", "X", "SPACE", "INTJ"}


@dataclass
class TitleSource:
    """A phrase behind a title, its weight, and the points it was found in (most central first)."""

    phrase: str
    weight: float
    points: list[int]  # indices into the fitted texts
    quotes: list[str]  # those points, cut around the phrase


@dataclass
class Title:
    title: str
    description: str
    sources: list[TitleSource] = field(default_factory=list)  # the title's phrase first
    description_point: int | None = None  # the point the description quotes
    key: tuple[str, ...] = ()  # the title phrase's key (lemmas / lower-case words); () for a numbered title

    def sources_json(self) -> list[dict]:
        return [asdict(s) for s in self.sources]


# ----- candidate phrases ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _parser():
    """spaCy's English pipeline with its parser (for noun chunks), or None when not installed."""
    try:
        import spacy

        from nlp.lemmas import SPACY_MODEL

        return spacy.load(SPACY_MODEL, exclude=["ner"])
    except (ImportError, OSError):
        return None


def _has_stop_pair(words: Sequence[str], stops: frozenset[str]) -> bool:
    return any(a in stops and b in stops for a, b in zip(words, words[1:], strict=False))


def runs(
    text: str, stops: frozenset[str], max_words: int = MAX_RUN_WORDS, *, noun_final: bool = False
) -> list[tuple[tuple[str, ...], str]]:
    """(key, written) for every 1..``max_words`` run of consecutive content words in ``text``.

    ``noun_final`` (German): keep only runs whose last word is capitalised, German's mark of a noun.
    """
    out = []
    run: list[re.Match] = []

    def flush() -> None:
        for i in range(len(run)):
            for j in range(i + 1, min(len(run), i + max_words) + 1):
                if noun_final and not run[j - 1].group()[:1].isupper():
                    continue
                key = tuple(m.group().lower().replace("’", "'") for m in run[i:j])
                out.append((key, text[run[i].start() : run[j - 1].end()]))
        run.clear()

    previous_end = 0
    for match in _WORD.finditer(text):
        word = match.group().lower().replace("’", "'")
        gap = text[previous_end : match.start()]
        previous_end = match.end()
        if run and gap.strip():
            flush()
        if word in stops or len(word) < 2:
            flush()
            continue
        run.append(match)
    flush()
    return out


def _edge_word(token, stops: frozenset[str]) -> bool:
    """A token a title may not start or end with."""
    return token.pos_ in _STRIP_POS or token.lower_ in stops or not token.is_alpha or len(token.text) < 2


def _strip(tokens: list, stops: frozenset[str]) -> list:
    while tokens and _edge_word(tokens[0], stops):
        tokens = tokens[1:]
    while tokens and _edge_word(tokens[-1], stops):
        tokens = tokens[:-1]
    return tokens


def _clean_chunk(chunk, stops: frozenset[str]) -> list:
    """A noun chunk's tokens without edge words, or [] when it is not a plain noun phrase."""
    tokens = _strip([t for t in chunk if not t.is_space], stops)
    if not tokens or tokens[-1].pos_ not in ("NOUN", "PROPN"):
        return []
    if any(not (t.is_alpha or t.text in "-'") or (t.text == "-" and t.whitespace_) for t in tokens):
        return []  # numbers, symbols, or a dash between spaced words ("answer - department")
    return tokens


def _of_phrases(doc, cleaned: dict[int, list], stops: frozenset[str]) -> list[tuple[tuple[str, ...], str]]:
    """(key, written) for "X of Y" where X and Y are noun chunks ("ease of use", "lack of trust"):
    at most two words each side, so a one-word head gets the complement that makes it specific."""
    out = []
    for root, tokens in cleaned.items():
        prep = doc[root].head
        if prep.lower_ != "of" or prep.dep_ != "prep" or prep.head.i not in cleaned:
            continue
        head = cleaned[prep.head.i]
        if head[-1].i + 1 != prep.i or prep.i + 1 != tokens[0].i:
            continue  # something between the pieces ("lack of any trust" keeps only "trust" tokens)
        left, right = head[-2:], tokens[-2:]
        if right[0].i != tokens[0].i and len(tokens) > 2:
            continue
        words = [t.lower_ for t in (*left, prep, *right)]
        if _has_stop_pair(words, stops) or any(t.pos_ == "CCONJ" for t in (*left, *right)):
            continue
        key = (*(t.lemma_.lower() for t in left), "of", *(t.lemma_.lower() for t in right))
        out.append((key, doc.text[left[0].idx : right[-1].idx + len(right[-1].text)]))
    return out


def chunks(doc, stops: frozenset[str], *, of_phrases: bool = True) -> list[tuple[tuple[str, ...], str]]:
    """(key, written) for the noun chunks of a parsed English ``doc``, their head-final tails, and
    "X of Y" pairs of chunks."""
    out = []
    cleaned: dict[int, list] = {}
    for chunk in doc.noun_chunks:
        tokens = _clean_chunk(chunk, stops)
        if not tokens:
            continue
        cleaned[chunk.root.i] = tokens
        for start in range(max(0, len(tokens) - MAX_CHUNK_WORDS), len(tokens)):
            tail = _strip(tokens[start:], stops)
            if not tail or _has_stop_pair([t.lower_ for t in tail], stops):
                continue
            if any(t.pos_ == "CCONJ" for t in tail):  # "X and Y" reads as a keyword pair: keep the tail
                continue
            key = tuple(t.lemma_.lower() for t in tail)
            out.append((key, doc.text[tail[0].idx : tail[-1].idx + len(tail[-1].text)]))
    return out + _of_phrases(doc, cleaned, stops) if of_phrases else out


# Below this many English texts, starting worker processes for the parse costs more than it saves.
PARALLEL_MIN = 1_000


def _english_phrases(texts: list[str], of_phrases: bool = True) -> list[list[tuple[tuple[str, ...], str]]]:
    """``chunks`` of each English text, parsed in batches (module level: worker processes run it)."""
    stops = stop_words("en")
    return [chunks(doc, stops, of_phrases=of_phrases) for doc in _parser().pipe(texts, batch_size=256)]


def _english_phrases_no_of(texts: list[str]) -> list[list[tuple[tuple[str, ...], str]]]:
    return _english_phrases(texts, of_phrases=False)


def extract_phrases(
    texts: Sequence[str], languages: Sequence[str | None], *, parser: bool = True, of_phrases: bool = True
) -> list[list[tuple[tuple[str, ...], str]]]:
    """Candidate phrases per text: noun chunks for English (parser permitting), content-word runs else."""
    out: list[list[tuple[tuple[str, ...], str]]] = [[] for _ in texts]
    nlp = _parser() if parser else None
    english = [i for i, lang in enumerate(languages) if lang == "en"] if nlp is not None else []
    if english:
        parse = _english_phrases if of_phrases else _english_phrases_no_of  # the parser is loaded above
        found = map_in_parts(parse, [texts[i] for i in english], min_items=PARALLEL_MIN)
        for i, phrases in zip(english, found, strict=True):
            out[i] = phrases
    done = set(english)
    for i, text in enumerate(texts):
        if i in done:
            continue
        lang = languages[i] or "en"
        stops = stop_words(lang) | (stop_words("en") if lang != "en" else frozenset())
        out[i] = runs(text, stops, noun_final=lang == "de")
    return out


# ----- ranking and choosing ------------------------------------------------------------------------


def _stems(key: tuple[str, ...]) -> set[str]:
    return {_stem(w) for w in key}


def near_identical(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Same words, one inside the other, or at least half of the words shared (crude stems)."""
    sa, sb = _stems(a), _stems(b)
    return sa <= sb or sb <= sa or len(sa & sb) * 2 >= len(sa | sb)


def _sentence_case(written: str) -> str:
    return written[:1].upper() + written[1:] if written[:1].islower() else written


def _around(text: str, written: str, words: int = CLAUSE_WORDS) -> str:
    """The clause of ``text`` holding ``written`` (case-insensitive), cut to about ``words`` words."""
    low = written.lower()
    sentences = [s.strip() for s in _SENTENCE.split(text) if s and s.strip()] or [text.strip()]
    sentence = next((s for s in sentences if low in s.lower()), sentences[0])
    if len(sentence.split()) > words:
        clauses = [c for c in _CLAUSE.split(sentence) if c and c.strip()]
        sentence = next((c for c in clauses if low in c.lower()), clauses[0] if clauses else sentence)
    tokens = sentence.split()
    if len(tokens) > words:
        at = next((i for i, t in enumerate(tokens) if low.split()[0] in t.lower()), 0) if low else 0
        start = max(0, min(at - words // 3, len(tokens) - words))
        sentence = ("… " if start else "") + " ".join(tokens[start : start + words]) + " …"
    sentence = sentence.strip().lstrip("-•*·>").strip()
    return sentence.rstrip(" .;,:")


class _Ranked:
    """Phrase weights of one class."""

    def __init__(self) -> None:
        self.weight: dict[tuple[str, ...], float] = {}
        self.docs: dict[tuple[str, ...], list[int]] = {}  # most central first
        self.written: dict[tuple[str, ...], str] = {}

    def best(self) -> list[tuple[str, ...]]:
        return sorted(self.weight, key=lambda k: (-self.weight[k], k))


def rank_phrases(
    phrases: dict[int, list[tuple[tuple[str, ...], str]]],
    labels: np.ndarray,
    sims: np.ndarray,
    k: int,
    scanned: dict[int, list[int]],
) -> list[_Ranked]:
    """Weights of every candidate phrase in every class (see the module docstring, step 2)."""
    sizes = np.bincount(labels[labels >= 0], minlength=k) if k else np.zeros(0, dtype=int)
    outliers = int((labels < 0).sum())
    scale = {c: (sizes[c] if c >= 0 else outliers) / max(1, len(scanned[c])) for c in scanned}
    uses: dict[tuple[str, ...], float] = defaultdict(float)
    per_class: dict[int, dict[tuple[str, ...], list[int]]] = {c: defaultdict(list) for c in scanned}
    forms: dict[int, dict[tuple[str, ...], Counter[str]]] = {c: defaultdict(Counter) for c in scanned}
    for c, members in scanned.items():
        for i in members:
            seen = set()
            for key, written in phrases[i]:
                forms[c][key][written] += 1
                if key not in seen:
                    seen.add(key)
                    per_class[c][key].append(i)
                    uses[key] += scale[c]
    ranked = []
    for c in range(k):
        r = _Ranked()
        members = scanned.get(c, [])
        weights = {i: max(float(sims[i]), 0.0) + 1e-3 for i in members}
        total = sum(weights.values()) or 1.0
        # a phrase of a single point only when no phrase is shared (else the theme goes untitled)
        shared = any(
            len(d) >= 2 for k_, d in per_class.get(c, {}).items() if len(k_) > 1 or len(k_[0]) >= MIN_WORD
        )
        min_docs = 2 if len(members) >= 4 and shared else 1
        for key, docs in per_class.get(c, {}).items():
            if len(docs) < min_docs or (len(key) == 1 and len(key[0]) < MIN_WORD):
                continue
            coverage = sum(weights[i] for i in docs) / total
            specificity = (len(docs) * scale[c] / uses[key]) ** SPECIFICITY_POWER
            bonus = 1 + 0.25 * (min(len(key), 3) - 1)
            weak = 0.3 if len(key) == 1 and key[0] in WEAK_ALONE else 1.0
            r.weight[key] = coverage * specificity * bonus * weak
            r.docs[key] = docs  # members are scanned most central first
            r.written[key] = forms[c][key].most_common(1)[0][0]
        ranked.append(r)
    return ranked


def title_classes(
    texts: Sequence[str],
    embeddings: np.ndarray,
    labels: np.ndarray,
    centroids: np.ndarray,
    *,
    languages: Sequence[str | None] | None = None,
    parser: bool = True,
    fallback: str = "Theme",
    cache: dict[int, list] | None = None,
    avoid: Sequence[tuple[str, ...]] = (),
    expand: float = EXPAND,
    of_phrases: bool = True,
) -> list[Title]:
    """A distinct title, a description and their sources for each class 0..k-1 of ``labels``.

    ``embeddings`` are unit rows, ``centroids`` the unit centroids of the classes (row c = class c);
    points labelled -1 count only towards the specificity of phrases. ``languages`` are per text
    (``guess_language`` when left out; unknown texts are read as English). ``cache`` keeps the
    candidate phrases per text index between calls on the same texts. ``avoid``: title keys
    already used elsewhere (the themes', when titling their groups), treated as taken. ``expand``:
    the share of a one-word title's weight a longer phrase holding it needs to replace it;
    ``of_phrases``: also "X of Y" candidates in English.
    """
    labels = np.asarray(labels, dtype=int)
    k = len(centroids)
    if k == 0:
        return []
    sims = np.einsum("ij,ij->i", embeddings, centroids[np.maximum(labels, 0)]) if len(labels) else np.zeros(0)
    if languages is None:
        languages = [guess_language(t) for t in texts]
    scanned: dict[int, list[int]] = {}
    for c in [*range(k), -1]:
        members = np.flatnonzero(labels == c)
        if c == -1:
            if not len(members):
                continue
            order = members[:SAMPLE]  # outliers only count towards specificity: the first ones will do
        else:
            order = members[np.lexsort((members, -sims[members]))][:SAMPLE]
        scanned[c] = [int(i) for i in order]
    phrases = cache if cache is not None else {}
    wanted = sorted({i for members in scanned.values() for i in members} - set(phrases))
    found = extract_phrases(
        [texts[i] for i in wanted], [languages[i] for i in wanted], parser=parser, of_phrases=of_phrases
    )
    phrases.update(zip(wanted, found, strict=True))
    ranked = rank_phrases(phrases, labels, sims, k, scanned)

    taken: list[tuple[str, ...]] = [k for k in avoid if k]
    titles: list[Title] = []
    for c in range(k):
        r = ranked[c]
        best = r.best()
        free = [p for p in best if not any(near_identical(p, t) for t in taken)]
        key = _expand(free[0], free, r, expand) if free else None
        members = scanned.get(c, [])
        if key is None:
            titles.append(_untitled(texts, members, f"{fallback} {c + 1}", best, r))
            if best:
                taken.append(best[0])
            continue
        taken.append(key)
        titles.append(_titled(texts, key, r, members))
    return titles


def _expand(
    key: tuple[str, ...], free: list[tuple[str, ...]], r: _Ranked, expand: float = EXPAND
) -> tuple[str, ...]:
    """A longer phrase holding a one-word ``key`` ("energien" -> "erneuerbare energien") when it
    carries at least ``expand`` of the word's weight: more specific, and still the theme's own words."""
    if len(key) > 1:
        return key
    stem = _stem(key[0])
    longer = [p for p in free if len(p) > 1 and stem in _stems(p) and r.weight[p] >= expand * r.weight[key]]
    return longer[0] if longer else key


def _source(texts: Sequence[str], key: tuple[str, ...], r: _Ranked) -> TitleSource:
    written = r.written[key]
    points = r.docs[key][:3]
    return TitleSource(written, round(r.weight[key], 4), points, [_around(texts[i], written) for i in points])


def _titled(texts: Sequence[str], key: tuple[str, ...], r: _Ranked, members: list[int]) -> Title:
    written = r.written[key]
    others: list[tuple[str, ...]] = []
    for p in r.best():
        if p != key and not near_identical(p, key) and not any(near_identical(p, o) for o in others):
            others.append(p)
        if len(others) == 2:
            break
    sources = [_source(texts, p, r) for p in [key, *others]]
    point = r.docs[key][0]
    also = [r.written[p] for p in others]
    return Title(
        _sentence_case(written), describe(written, also, _around(texts[point], written)), sources, point, key
    )


def _untitled(
    texts: Sequence[str], members: list[int], name: str, best: list[tuple[str, ...]], r: _Ranked
) -> Title:
    """Every phrase already names another theme (or there is none): the best phrase with a second
    distinct phrase after a colon, else a numbered name; the description quotes the most central point."""
    if best:
        key = best[0]
        second = next((p for p in best[1:] if not near_identical(p, key)), None)
        title = _sentence_case(r.written[key]) + (f": {r.written[second]}" if second else f" ({name})")
        clause = _around(texts[r.docs[key][0]], r.written[key])
        return Title(
            title, describe(r.written[key], [], clause), [_source(texts, key, r)], r.docs[key][0], key
        )
    if not members:
        return Title(name, "")
    point = members[0]
    return Title(name, describe("", [], _around(texts[point], "")), [], point)


def describe(topic: str, also: list[str], clause: str) -> str:
    """One sentence: what the points raise (phrases as written), and the key clause of the most typical."""
    extra = f" (also {' and '.join(also)})" if also else ""
    lead = f"Points on {topic}{extra}" if topic else "Points"
    return f'{lead}; the most typical says: "{clause}".' if clause else f"{lead}."
