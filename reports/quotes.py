"""Which words of a point can stand as a quote, and how a quote is attributed.

``quotable(text)`` drops the sentences that are not a view on the consultation: greetings and
sign-offs ("Hi Louise", "Hope this is helpful", "Kind regards"), contact lines and redaction
placeholders ("[email]", "Tel: ..."), self-introductions ("My name is", "I am writing on behalf of",
"X is a charity based in ...", "At X we deliver ...") and preambles ("we welcome the opportunity to
comment", "what follows is a summary"). What is left is the quote when it still says something
(``MIN_WORDS`` words or more); a long quote is cut at a sentence end and marked "[...]".
"""

from __future__ import annotations

import re

from ingest.names import NAME_LABEL, public_author

MIN_WORDS = 5
MAX_WORDS = 70

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"“'‘(\[A-Z0-9])|(?<=[a-z][.!?])(?=[A-Z][a-z])")

_GREETING = re.compile(
    r"^(hi|hello|hey|dear|good (morning|afternoon|evening)|greetings)\b|"
    r"^(many )?thanks\b|^thank you\b|^(kind|best|warm)( regards| wishes)\b|^regards\b|^cheers\b|"
    r"^yours (sincerely|faithfully|truly)\b|^(i )?hope (this|that|these) (is|was|are|were|helps|help)\b|"
    r"^please (do not hesitate|feel free|contact|get in touch)\b|^(feel free|do get in touch)\b",
    re.I,
)
_CONTACT = re.compile(
    r"\[(email|phone|address|url|name)\]|\b(tel|telephone|phone|mobile|e-?mail|fax)\s*[:.]|"
    r"^\s*(https?://|www\.)\S+\s*$",
    re.I,
)
_INTRO = re.compile(
    r"^(my name is|i am writing|we are writing|i'm writing|i write|on behalf of|writing on behalf of|"
    r"i am responding|we are responding|this (response|submission) is (from|made)|"
    r"(i|we) (would like to|wish to)? ?(welcome|are pleased|am pleased|appreciate) (the|this) opportunity|"
    r"(we|i) welcome the opportunity|thank you for the opportunity|"
    r"i am (a|an|the) [\w\s,'-]{0,60}?\b(at|of|for|with|in)\b|i work (as|for|at)\b|"
    r"we are (a|an|one of|the) [\w\s,'-]{0,80}?\b(organisation|organization|charity|provider|network|"
    r"company|business|consortium|association|body|agency|group|enterprise|trust|college|council)\b|"
    r"we are particularly active|we have (therefore )?a (keen |particular )?interest|"
    r"at [A-Z][\w&'-]*( [A-Z][\w&'-]*)* we (deliver|provide|work|run|support|help|offer)\b)",
    re.I,
)
# "<Name> is a charity / an organisation ... based in ..." and "<Name> hosts / supports ..."
_ORG_INTRO = re.compile(
    r"^([A-Z][\w&'.-]*\s){1,6}(is|are) (a|an|the) [\w\s,'-]{0,60}?\b(charity|organisation|organization|"
    r"network|provider|consortium|association|company|social enterprise|trust|body|agency|"
    r"council|federation|umbrella)\b"
)
_PREAMBLE = re.compile(
    r"\bwhat follows is\b|\bbelow (is|are) (a|our|some)\b|\bplease (find|see) (below|attached)\b|"
    r"\b(our|my) (response|comments|views) (is|are) (set out|as follows|below)\b|\bas follows:?\s*$|:\s*$",
    re.I,
)


def sentences(text: str) -> list[str]:
    """The sentences of a point (a missing space after a full stop still splits)."""
    return [s.strip() for s in _SENTENCE.split(text.strip()) if s and s.strip()]


def is_filler(sentence: str) -> bool:
    """A greeting, sign-off, contact line, self-introduction or preamble (not a view)."""
    s = sentence.strip().lstrip("-–—•*> ").strip()
    return bool(
        _GREETING.search(s)
        or _CONTACT.search(s)
        or _INTRO.search(s)
        or _ORG_INTRO.search(s)
        or _PREAMBLE.search(s)
    )


def quotable(text: str, min_words: int = MIN_WORDS, max_words: int = MAX_WORDS) -> str | None:
    """The point's words that can stand as a quote, or None when too little is left."""
    kept = [s for s in sentences(text) if not is_filler(s)]
    if sum(len(s.split()) for s in kept) < min_words:
        return None
    out: list[str] = []
    words = 0
    for s in kept:
        n = len(s.split())
        if out and words >= min_words and words + n > max_words:
            out.append("[...]")
            break
        out.append(s)
        words += n
    quote = " ".join(out)
    if len(quote.split()) > max_words + 20:  # one very long sentence: cut at a word
        quote = " ".join(quote.split()[:max_words]) + " [...]"
    return quote


_NO = {"no", "n", "false", "0", "off", "do not publish", "not for publication"}
_YES = {"yes", "y", "true", "1", "on"}
PUBLISH_KEYS = ("publish", "may_publish", "consent_to_publish", "publish_response", "can_publish")
ANONYMISE_KEYS = ("anonymise", "anonymize", "anonymous", "anonymised", "anonymized", "keep_anonymous")


def _flag(meta: dict, keys: tuple[str, ...]) -> str | None:
    lowered = {re.sub(r"[\s?-]+", "_", str(k).strip().lower()).strip("_"): v for k, v in meta.items()}
    for k in keys:
        if k in lowered and lowered[k] is not None:
            v = lowered[k]
            return str(v).strip().lower() if not isinstance(v, bool) else ("true" if v else "false")
    return None


def withheld(meta: dict | None) -> bool:
    """True when a response asks not to be named: ``publish`` is no/false or ``anonymise`` is yes/true."""
    meta = meta or {}
    return _flag(meta, PUBLISH_KEYS) in _NO or _flag(meta, ANONYMISE_KEYS) in _YES


def attribution(
    author: str | None,
    organisation: str | None,
    respondent_type: str | None,
    meta: dict | None,
    source_title: str | None = None,
) -> str:
    """Who a quote is from, in the report's words.

    An organisation by its name; an event's note as "a participant at <event>"; a person as "an
    individual respondent" (names are personal data, ``ingest.names.public_author``); "a respondent" when the response asked
    not to be named (``withheld``).
    """
    if withheld(meta):
        return "a respondent"
    if (respondent_type or "") == "event":
        return f"a participant at {source_title}" if source_title else "an event participant"
    if organisation and organisation.strip():
        return organisation.strip()
    author = public_author(author)
    if (
        author
        and author != NAME_LABEL
        and author.strip().lower() not in {"anonymous", "anon", "guest", "unknown"}
    ):
        return author.strip()
    return "an individual respondent" if (respondent_type or "") == "individual" else "a respondent"


def named_organisation(organisation: str | None, meta: dict | None) -> bool:
    """A quote that can carry an organisation's name (preferred when equally representative)."""
    return bool(organisation and organisation.strip()) and not withheld(meta)
