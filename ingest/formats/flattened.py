"""Flattened comment pages: a consultation page whose comments were run together as paragraphs.

The page header (title, intro, question, "Comments on this page are now closed.") is followed by
one paragraph per line with no author headers. Comments are recovered by scoring each paragraph
boundary with a small additive model (:data:`WEIGHTS`, :func:`boundary_features`): a positive
total means a new comment starts there; ``sigmoid(total)`` is the confidence. Signatures, self
introductions and replies that name an earlier author are the strong cues; voice changes,
connectives ("Firstly", "However", "Finally") and list structure are the weak ones.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from fairhearing.errors import IngestError
from ingest.formats.base import ReadOptions, Tier, decode_text, line_of
from ingest.model import ParsedResponse, ParseResult, Problem, Span
from ingest.text_patterns import BULLET_ITEM, NUMBERED_ITEM, TRUNCATION

CLOSED_MARKER = "Comments on this page are now closed."

# --- paragraph patterns -------------------------------------------------------------------------
_NAME = r"[A-Z][a-z]+(?:[ -][A-Z][a-z'’-]+){1,2}"  # a personal name: two or three capitalised words
_ORG = r"[A-Z][\w&'’.-]*(?:\s+(?:(?:of|and|for|the|&)\s+)*[A-Z][\w&'’.-]*)*"  # a capitalised name
_VERBS = re.compile(
    r"\b(?:is|are|was|were|be|been|has|have|had|will|would|should|could|can|may|must|do|does|did|"
    r"need|needs|seems?|remains?|think|believe)\b",
    re.I,
)
_NOT_NAME = set("The This That These Our We It In For As If At On Hi Hello Dear Thanks".split())
_NOT_ORG = _NOT_NAME | {"I", "They", "There", "Those", "He", "She", "You", "Many", "Some", "All", "Most"}
_SIGNATURE = re.compile(rf"^(?P<name>{_NAME})(?P<rest>(?:,\s*[^,.?!]{{2,70}}){{1,4}})\.?$")
_TRUNCATION = re.compile(rf"\s*{TRUNCATION.pattern}\s*$", re.I)  # a marker ending the paragraph
_NOTICE = re.compile(
    r"^(?:[\w ]{1,40} )?(?:would like to thank (?:all|everyone|those)\b.*\b(?:comment|post|contribut)"
    r"|This discussion is now closed\b)",
    re.I,
)
_NOTICE_CONT = re.compile(r"^We will (?:consider|review|read|publish)\b.*\b(?:comments|summary|responses)\b")
_ADDRESS_LINE = re.compile(
    r"^(?:For|To|Dear|FAO:?|Attn:?)\s+(?:(?:Professor|Prof\.?|Dr\.?|Mr\.?|Mrs\.?|Ms\.?|Sir|Lord|Lady|"
    r"Minister)\s+)?[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*[^.?!]*$"
)
_GREETING = re.compile(r"^(?:Hi|Hello|Hey|Dear|Thanks|Thank you)\s*,?\s+(?P<name>[A-Z][a-z]+)\b")
_FOLLOW_ON = re.compile(
    r"^(?:Following on from|Further to|In (?:reply|response) to|Replying to|Re:?)\s+(?P<name>[A-Z][a-z]+)"
)
_SELF_INTRO = (
    re.compile(rf"^(?:At|On behalf of|From)\s+(?:the\s+)?(?P<org>{_ORG}),?\s+(?:we|I)\b"),
    re.compile(
        rf"^(?:The\s+)?(?P<org>{_ORG})\s+(?:welcomes?|believes?|supports?|recommends?|would like|"
        r"wishes|ha(?:s|ve) been|(?:is|are) an?\s+(?:[\w-]+\s+){0,3}?(?:charity|organisation|"
        r"organization|company|provider|council|association|enterprise|network|trust|federation|"
        r"partnership|body|group)\b)"
    ),
    re.compile(
        r"^I\s+work\s+(?:for|at|with)\s+(?:an?\s+|the\s+)?(?:(?:local\s+)?(?:charity|company|council|"
        rf"organisation|social enterprise|housing association|provider)\s+(?:called\s+)?)?(?P<org>{_ORG})"
    ),
    re.compile(r"^(?:I\s+work\s+(?:for|at|in|with)|I\s+am\s+an?)\b"),
)
_ENDORSES = re.compile(
    r"^(?:I\s+|We\s+)?(?:strongly\s+|fully\s+|completely\s+)?(?:agree|endorse|support|echo|second)s?"
    r"\s+(?:with\s+)?(?:(?:this|that|these|the previous|the last)\s+(?:views?|comments?|points?|posts?|"
    r"suggestions?|ideas?)|the above)\b",
    re.I,
)
_STANCE = re.compile(
    r"^(?:We|I)\s+(?:would\s+)?(?:strongly\s+|fully\s+|broadly\s+)?(?:support|welcome|endorse|agree|oppose|"
    r"disagree|object)\b"
)
_CONNECTIVE = re.compile(
    r"^(?:Firstly|Secondly|Thirdly|Lastly|Finally|However|Moreover|Furthermore|Additionally|Also|Equally|"
    r"Similarly|Therefore|Thus|Otherwise|In addition|In particular|More \w+ly|Most importantly|"
    r"As a final)\b"
)
_FINAL = re.compile(r"^(?:Finally|Lastly|In conclusion|In summary|As a final)\b")
_REFERS_TO_OTHERS = re.compile(
    r"^As (?:has been|was|I have|we have)? ?(?:commented|mentioned|said|noted|stated)|^As others\b", re.I
)
_LEAD_IN = re.compile(r"(?::|\bwhat follows\b.*|\bthe following\b.*|\bas follows\b.*)$", re.I | re.S)
_LINK_END = re.compile(r"(?:https?://\S+|www\.\S+|\S+@\S+\.\w+)\s*$")
_COURTESY = {"Thanks", "Thank", "Regards", "Cheers", "Best", "Why", "How", "What", "Yes", "No", "Please"}
_WE = re.compile(r"\b(?:we|our|us|ourselves)\b", re.I)
_I = re.compile(r"\b(?:I|(?i:my|me|myself))\b")


@dataclass
class Para:
    """One paragraph (line) of the page body, with what the cues saw in it."""

    start: int
    end: int  # content end: before a truncation marker or a trailing sign-off
    text: str
    kind: str = "text"  # text / numbered / bullet / signature / notice / notice_cont / address_line
    item_start: int | None = None  # list items: where the text after the marker begins
    truncated: bool = False
    author: str | None = None  # from a signature or a trailing sign-off
    organisation: str | None = None
    role: str | None = None
    signed_off: bool = False  # a trailing signature or name closes the paragraph

    @property
    def is_item(self) -> bool:
        return self.kind in ("numbered", "bullet")

    @property
    def voice(self) -> str | None:
        if _I.search(self.text):
            return "I"
        return "we" if _WE.search(self.text) else None


@dataclass
class Segment:
    """A recovered comment: its paragraphs and how sure the model was about its edges."""

    paras: list[Para] = field(default_factory=list)
    start_confidence: float = 1.0
    join_confidences: list[float] = field(default_factory=list)
    addressed: str | None = None
    reply_to: int | None = None


# --- signatures ---------------------------------------------------------------------------------


def _looks_like_org(part: str) -> bool:
    words = [w for w in re.findall(r"[\w&'’-]+", part) if w.lower() not in ("of", "and", "for", "the", "&")]
    return bool(words) and sum(w[0].isupper() for w in words) / len(words) >= 0.6


def parse_signature(line: str) -> tuple[str, str | None, str | None] | None:
    """``(author, role, organisation)`` when ``line`` is a "Name, Role, Organisation" signature."""
    m = _SIGNATURE.match(line.strip())
    if not m or len(line) > 140 or m.group("name").split()[0] in _NOT_NAME:
        return None
    parts = [p.strip() for p in m.group("rest").split(",") if p.strip()]
    if not parts or any(_VERBS.search(p) for p in parts) or len(" ".join(parts).split()) > 14:
        return None
    org = parts[-1] if _looks_like_org(parts[-1]) else None
    role_parts = parts[:-1] if org else parts
    return m.group("name"), (", ".join(role_parts) or None), org


def _trailing_signoff(para: Para) -> None:
    """Cut a sign-off at the end of a paragraph ("… to work. Eleanor Kinnear, physiotherapist")."""
    body = para.text[: para.end - para.start]
    sentences = list(re.finditer(r"(?<=[.?!])\s+(?=[A-Z])", body))
    if not sentences:
        return
    cut = sentences[-1]
    tail = body[cut.end() :]
    sig = parse_signature(tail)
    name_only = re.fullmatch(r"[A-Z][a-z]+", tail) and len(body) <= 400 and tail not in _COURTESY
    if sig:
        para.author, para.role, para.organisation = sig
    elif name_only:
        para.author = tail
    else:
        return
    para.end = para.start + cut.start()
    para.signed_off = True


def _plausible_org(org: str, verb_phrase: str) -> bool:
    """Reject pronouns ("We believe") and plural common nouns ("Customers have been") as names."""
    words = org.split()
    if words[0] in _NOT_ORG:
        return False
    single_common = len(words) == 1 and org[1:].islower() and not any(c.isdigit() for c in org)
    return not (single_common and re.match(r"(?:have|are)\b", verb_phrase))


def self_introduction(text: str) -> tuple[bool, str | None]:
    """Whether a paragraph opens with a self-introduction, and the organisation it names."""
    for pattern in _SELF_INTRO:
        m = pattern.match(text)
        if not m:
            continue
        org = m.groupdict().get("org")
        if org is None:
            return True, None
        if _plausible_org(org, text[m.end("org") :].lstrip()):
            return True, org
    return False, None


# --- paragraphs ---------------------------------------------------------------------------------


def _classify(text: str, start: int, end: int, prev: Para | None) -> Para:
    para = Para(start=start, end=end, text=text)
    trunc = _TRUNCATION.search(text)
    if trunc and trunc.start() > 0:
        para.end, para.truncated = start + trunc.start(), True
    sig = parse_signature(text)
    if sig:
        para.kind = "signature"
        para.author, para.role, para.organisation = sig
    elif prev is not None and prev.kind in ("notice", "notice_cont") and _NOTICE_CONT.match(text):
        para.kind = "notice_cont"
    elif _NOTICE.search(text):
        para.kind = "notice"
    elif m := NUMBERED_ITEM.match(text) or BULLET_ITEM.match(text):
        para.kind = "numbered" if m.re is NUMBERED_ITEM else "bullet"
        para.item_start = start + m.end()
    elif _ADDRESS_LINE.match(text) and len(text) <= 120:
        para.kind = "address_line"
    if para.kind in ("text", "numbered", "bullet") and not para.truncated:
        _trailing_signoff(para)
    return para


def body_paragraphs(text: str, body_start: int) -> list[Para]:
    """Every non-blank line from ``body_start`` on, trimmed and classified."""
    paras: list[Para] = []
    for m in re.finditer(r"[^\n]+", text[body_start:]):
        raw = m.group()
        stripped = raw.strip()
        if not stripped:
            continue
        start = body_start + m.start() + (len(raw) - len(raw.lstrip()))
        paras.append(_classify(stripped, start, start + len(stripped), paras[-1] if paras else None))
    return paras


# --- the boundary model -------------------------------------------------------------------------

#: Weight of each boundary feature; the score of a boundary is BIAS plus the weighted features.
WEIGHTS: dict[str, float] = {
    "prev_closed": 6.0,  # previous paragraph closed a comment: signature, sign-off, truncation, notice end
    "notice": 6.0,  # this paragraph opens a moderator's closing notice
    "notice_cont": -8.0,  # this paragraph continues the notice above
    "signature": -8.0,  # a signature line belongs to the comment it signs
    "addresses_author": 4.0,  # greets or names an earlier author ("Hi Louise", "Following on from X's")
    "self_intro": 3.5,  # "At YTKO we", "Ixion welcomes", "I work for a charity ..."
    "address_line": 3.0,  # a heading line addressing someone ("For Professor ...")
    "after_address_line": -6.0,  # ... which introduces the paragraph after it
    "endorses_previous": 3.0,  # "Strongly endorse this view"
    "prev_final": 2.0,  # previous paragraph opened "Finally": its comment was ending
    "prev_exchange": 2.0,  # previous paragraph was a short conversational message ("Hi Vanda, ...")
    "unled_list": 2.0,  # a list starts without a lead-in line
    "prev_link_end": 1.5,  # previous paragraph ended with a URL or e-mail address
    "refers_to_others": 1.5,  # "As has been commented on previous discussions"
    "stance_opener": 1.5,  # "We strongly support ...", "I welcome ..."
    "voice_switch": 1.0,  # 1.5 when "we" and "I" swap, 0.5 when first person appears or disappears
    "after_list": 0.5,  # previous paragraph was a list item and this one is not
    "connective": -3.0,  # "Firstly", "However", "More worryingly", "Finally" continue a comment
    "lead_in": -4.0,  # previous paragraph announces what follows (ends ":" / "what follows")
    "list_run": -4.0,  # an item following an item of the same list
}
BIAS = -1.0  # by default a paragraph continues the comment it follows


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.?!])\s", text, maxsplit=1)[0]


def addressed_name(text: str, known_authors: dict[str, int]) -> str | None:
    """The earlier author a paragraph addresses: a greeting, a follow-on, or a known first name."""
    m = _GREETING.match(text) or _FOLLOW_ON.match(text)
    if m:
        return m.group("name")
    first = _first_sentence(text)
    for name in known_authors:  # not as the first word, where a name may be an ordinary word ("Will")
        if re.search(rf"(?<!^)\b{re.escape(name)}(?:['’]s)?\b", first):
            return name
    return None


def boundary_features(prev: Para, cur: Para, known_authors: dict[str, int]) -> dict[str, float]:
    """Feature values for the boundary between ``prev`` and ``cur`` (see :data:`WEIGHTS`)."""
    prev_closed = prev.kind == "signature" or prev.truncated or prev.signed_off
    prev_closed |= prev.kind in ("notice", "notice_cont") and cur.kind != "notice_cont"
    voices = {prev.voice, cur.voice}
    switch = 1.5 if voices == {"we", "I"} else 0.5 if len(voices) == 2 else 0.0
    lead_in = prev.kind == "text" and bool(_LEAD_IN.search(prev.text[: prev.end - prev.start]))
    f = {
        "prev_closed": float(prev_closed),
        "notice": float(cur.kind == "notice"),
        "notice_cont": float(cur.kind == "notice_cont"),
        "signature": float(cur.kind == "signature"),
        "addresses_author": float(addressed_name(cur.text, known_authors) is not None),
        "self_intro": float(self_introduction(cur.text)[0]),
        "address_line": float(cur.kind == "address_line"),
        "after_address_line": float(prev.kind == "address_line"),
        "endorses_previous": float(bool(_ENDORSES.match(cur.text))),
        "prev_final": float(bool(_FINAL.match(prev.text))),
        "prev_exchange": float(bool(_GREETING.match(prev.text)) and len(prev.text) < 200),
        "unled_list": float(cur.is_item and not prev.is_item and not lead_in),
        "prev_link_end": float(bool(_LINK_END.search(prev.text))),
        "refers_to_others": float(bool(_REFERS_TO_OTHERS.match(cur.text))),
        "stance_opener": float(bool(_STANCE.match(cur.text))),
        "voice_switch": switch,
        "after_list": float(prev.is_item and not cur.is_item and cur.kind != "signature"),
        "connective": float(bool(_CONNECTIVE.match(cur.text))),
        "lead_in": float((lead_in and cur.is_item) or prev.text.rstrip().endswith(":")),
        "list_run": float(cur.is_item and prev.kind == cur.kind),
    }
    return {k: v for k, v in f.items() if v}


def boundary_probability(features: dict[str, float]) -> float:
    """Probability that a new comment starts at a boundary with these features."""
    score = BIAS + sum(WEIGHTS[k] * v for k, v in features.items())
    return 1.0 / (1.0 + math.exp(-score))


def segment(paras: list[Para]) -> list[Segment]:
    """Group paragraphs into comments, left to right, starting one wherever P(new) > 0.5."""
    segments: list[Segment] = []
    known_authors: dict[str, int] = {}  # first name -> index of the segment it signed
    for i, para in enumerate(paras):
        if i == 0:
            segments.append(Segment(paras=[para]))
        else:
            p = boundary_probability(boundary_features(paras[i - 1], para, known_authors))
            if p > 0.5:
                name = addressed_name(para.text, known_authors)
                seg = Segment(paras=[para], start_confidence=round(p, 3), addressed=name)
                if name in known_authors:
                    seg.reply_to = known_authors[name]
                elif name or _ENDORSES.match(para.text):
                    seg.reply_to = len(segments) - 1
                segments.append(seg)
            else:
                segments[-1].paras.append(para)
                segments[-1].join_confidences.append(round(1.0 - p, 3))
        if para.author:
            known_authors.setdefault(para.author.split()[0], len(segments) - 1)
    return segments


# --- building responses -------------------------------------------------------------------------


def _points(paras: list[Para]) -> list[Span] | None:
    """One point per paragraph when the comment has an explicit list, else ``None``."""
    if not any(p.is_item for p in paras):
        return None
    return [Span(p.item_start if p.item_start is not None else p.start, p.end) for p in paras]


def _response(seg: Segment, question: str | None) -> ParsedResponse | None:
    content = [p for p in seg.paras if p.kind != "signature"]
    if not content:
        return None
    author = org = role = None
    for p in seg.paras:
        if p.author:
            author, role, org = p.author, p.role, p.organisation or org
    intro_org = self_introduction(content[0].text)[1] or next(
        (o for p in content[1:] if (o := self_introduction(p.text)[1])), None
    )
    org = org or intro_org
    moderator = content[0].kind == "notice"
    meta: dict[str, object] = {"paragraphs": len(content)}
    if seg.join_confidences:
        meta["join_confidence"] = min(seg.join_confidences)
    if role:
        meta["author_role"] = role
    if seg.addressed:
        meta["addressed"] = seg.addressed
    return ParsedResponse(
        start=content[0].start,
        end=content[-1].end,
        role="moderator" if moderator else "stakeholder",
        author=author,
        organisation=None if moderator else org,
        respondent_type=None if moderator else "organisation" if org else "individual" if author else None,
        reply_to=seg.reply_to,
        question=question,
        truncated=any(p.truncated for p in content),
        boundary_confidence=seg.start_confidence,
        points=_points(content),
        meta=meta,
    )


def _header(text: str) -> tuple[str | None, str | None, int]:
    """Title, question and where the comments begin."""
    marker = text.find(CLOSED_MARKER)
    head_end = marker if marker >= 0 else 0
    lines = [ln.strip() for ln in text[:head_end].splitlines() if ln.strip()]
    title = lines[0] if lines and len(lines[0]) <= 120 else None
    question = next((ln for ln in reversed(lines) if ln.endswith("?")), None)
    body = marker + len(CLOSED_MARKER) if marker >= 0 else 0
    return title, question, body


class FlattenedCommentsReader:
    name = "flattened-comments"
    binary = False

    def sniff(self, data: bytes, filename: str) -> Tier:
        head = data[:200_000]
        if CLOSED_MARKER.encode() not in head or b"ReplyDelete" in head:
            return Tier.NONE
        if re.search(rb"(?m)^\s*\d+\.\s+.{1,120}\bsays:\s*$", head):
            return Tier.NONE
        return Tier.CONTAINER

    def read(self, data: bytes, filename: str, options: ReadOptions) -> ParseResult:
        text = decode_text(data, filename, options.encoding)
        title, question, body = _header(text)
        segments = segment(body_paragraphs(text, body))
        responses: list[ParsedResponse] = []
        problems: list[Problem] = []
        index_of: dict[int, int] = {}  # segment index -> response index
        for i, seg in enumerate(segments):
            resp = _response(seg, options.question)
            if resp is None:
                line = line_of(text, seg.paras[0].start)
                problems.append(Problem("signature line with no comment above it", line=line))
                continue
            if resp.reply_to is not None:
                resp.reply_to = index_of.get(resp.reply_to)
            index_of[i] = len(responses)
            responses.append(resp)
        if not responses:
            raise IngestError("FH-E140", "no comments found after the page header", file=filename)
        return ParseResult(
            text=text,
            format=self.name,
            responses=responses,
            title=title,
            question=options.question or question,
            problems=problems,
        )


READER = FlattenedCommentsReader()
