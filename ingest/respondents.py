"""Who is speaking: organisation, respondent type and kind of organisation, from light cues.

``infer_respondent`` combines, in order of trust: the organisation a reader found; an
"Author, Organisation" author field; an author that is itself an organisation name ("London
Youth", "Papworth Trust") or a handle containing an organisation word ("northwestnetwork");
a first-person introduction ("At X we ...", "On behalf of X, we ...", "I work for a charity X
providing ...", "we, as X, ..."); a third-person one ("X is a charity based in ...", "X
welcomes/believes ..." opening the text), trusted only when the text also says "we"/"our",
since it may describe somebody else; a signature at the end ("Mary Conroy, Inroads Manager,
SHAP").

The respondent is an ``"organisation"`` when an organisation is known or the text speaks for
one ("our members", "our clients", "we deliver ...", "we are a charity"); a bare "we" is not
enough, as citizens write "we should ..." too. It is an ``"individual"`` when first-person
singular ("I think", "My concern") is at least as common as "we" and no organisation is known;
``None`` otherwise. ``org_kind`` comes from the self-description when there is one ("is a
charity"), else from keywords in the organisation's name (``_KIND_RULES``, first match wins).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.text_patterns import ORG_WORDS, ROLE_WORDS

CHARITY = "charity"
LOCAL_AUTHORITY = "local authority"
PROVIDER = "provider"
REPRESENTATIVE = "representative body"
GOVERNMENT = "government"
EDUCATION = "education"
HOUSING = "housing"
EMPLOYER = "employer"


@dataclass
class Respondent:
    organisation: str | None = None
    respondent_type: str | None = None  # "individual" / "organisation" / None when unknown
    org_kind: str | None = None
    author: str | None = None  # the personal name, when the author field or a signature has one


# First matching rule wins; a self-description is tried before the name.
_KIND_RULES: list[tuple[str, re.Pattern[str]]] = [
    (
        GOVERNMENT,
        re.compile(r"\b(?:department|dwp|jobcentre|government|ministry|hmrc|treasury|office)\b", re.I),
    ),
    (
        LOCAL_AUTHORITY,
        re.compile(r"\b(?:council|borough|local authorit(?:y|ies)|metropolitan district)\b", re.I),
    ),
    (EDUCATION, re.compile(r"\b(?:university|college|school|academy)\b", re.I)),
    (HOUSING, re.compile(r"\bhousing (?:association|trust|group)\b|\bsocial landlord\b", re.I)),
    (
        REPRESENTATIVE,
        re.compile(
            r"\b(?:association|federation|coalition|network|forum|confederation|alliance|chamber"
            r"|union|membership (?:organisation|body)|umbrella (?:organisation|body)"
            r"|representative body|trade body|infrastructure organisation)\b",
            re.I,
        ),
    ),
    (HOUSING, re.compile(r"\b(?:housing|homes)\b", re.I)),
    (CHARITY, re.compile(r"\b(?:charity|charities|charitable|trust|foundation)\b", re.I)),
    (
        PROVIDER,
        re.compile(
            r"\b(?:ltd|limited|plc|llp|group|consulting|consultancy|prime(?: contractor)?"
            r"|(?:training|employment|service) provider|provider|contractor)\b",
            re.I,
        ),
    ),
    (EMPLOYER, re.compile(r"\b(?:employers?|business)\b", re.I)),
]

_ORG_SUBSTRINGS = re.compile(
    r"network|trust|council|foundation|charity|housing|association|federation|coalition|forum"
    r"|college|university|youth|training|group|ltd|plc",
    re.I,
)
_NAME_TOKEN = re.compile(r"[A-Z](?:[a-z]+(?:[A-Z][a-z]+)?)?(?:[-'’][A-Z]?[a-z]+)*\.?")
_NOT_NAMES = frozenset(
    "hi hello dear thanks thank regards best the this that these those it we i you our my for from"
    " and or but re mr mrs ms dr".split()
)
# Sentence openers that are never the organisation in "X is a ...", "X has been ...".
_NOT_ORGS = _NOT_NAMES | frozenset(
    "there here what which who whom he she they them their his her its one each every all some any"
    " no none many most such if when while as in on at".split()
)

_NAME = (
    r"(?:[A-Z][\w'’&.-]*|[0-9]+[A-Za-z]*)"
    r"(?:[ \t](?:(?:of|and|for|the|&|in|on|to|de)[ \t])?(?:[A-Z][\w'’&.-]*|[0-9]+[A-Za-z]*)){0,7}"
)
_DESCRIPTOR = (
    r"(?:charity|organisation|organization|company|business|provider|contractor|employer|council"
    r"|local authority|federation|association|network|forum|coalition|body|trust|foundation"
    r"|social enterprise|enterprise|partnership|consortium|college|university|agency|landlord"
    r"|housing association|group|membership organisation|umbrella body)"
)
_STRONG_VERBS = (
    r"welcomes|believes|supports|represents|hosts|recommends|proposes|urges|agrees|considers"
    r"|would like to|is pleased|are pleased|has been|have been|works|delivers|provides"
)
# Introductions in the first person: trusted as they are.
_INTROS: list[re.Pattern[str]] = [
    re.compile(
        rf"\bI\s(?:work|volunteer)\s(?:for|at|with)\s(?:a|an|the)\s(?P<desc>(?:[\w-]+\s){{0,3}}?"
        rf"{_DESCRIPTOR}),?\s(?:called\s)?(?P<org>{_NAME})"
    ),
    re.compile(rf"\bOn\sbehalf\sof\s(?:the\s)?(?P<org>{_NAME}),?\s(?:we|I)\b"),
    re.compile(rf"\bAt\s(?:the\s)?(?P<org>{_NAME}),?\swe\b"),
    re.compile(rf"\bwe,?\sas\s(?:the\s)?(?P<org>{_NAME}),"),
    re.compile(rf"\bI\s(?:work|volunteer)\s(?:for|at|with)\s(?:the\s)?(?P<org>{_NAME})"),
]
# Introductions in the third person ("X is a charity ...", "X welcomes ..." opening the text):
# trusted only when the text also speaks as "we"/"our", since they may describe someone else.
_IS_A = re.compile(
    rf"(?P<org>{_NAME})\s(?:is|are)\s(?:a|an|the)\s(?P<desc>(?:[\w-]+\s){{0,4}}?{_DESCRIPTOR})\b"
)
_LEADING = re.compile(
    rf"\s*(?:The\s)?(?P<org>{_NAME})\s(?:(?:strongly|also|fully|warmly|broadly|generally)\s)?"
    rf"(?P<verb>{_STRONG_VERBS})\b"
)
# Verbs that, after a one-word name opening the text, mark it as an organisation's own voice.
_TELLING_VERB = re.compile(r"welcomes|believes|supports|represents")
_NOUN_LIKE_VERB = re.compile(r"supports")  # "Affordable supports for the elderly ..."
_WE_ARE = re.compile(rf"\bwe(?:\sare|'re|’re)\s(?:a|an)\s(?P<desc>(?:[\w-]+\s){{0,4}}?{_DESCRIPTOR})\b", re.I)
_TITLE = re.compile(_NAME.replace("{0,7}", "*"))  # capitalised words and connectors
_ORG_OF = re.compile(rf"\b(?:of|at|for)\s(?:the\s)?(?P<org>{_NAME})\s*$")
_SINGULAR = re.compile(r"\bI\b|\b(?i:my|me|mine|myself)\b")
_PLURAL = re.compile(r"\b(?i:we|our|ours|ourselves)\b|\bus\b")
# Speaking for an organisation, not as a citizen's "we should ...".
_ORG_VOICE = re.compile(
    r"\bour\s(?:organisation|organization|charity|members|membership|clients|customers|service\susers"
    r"|beneficiaries|staff|volunteers|trustees|board|experience|contracts?|services|projects?|partners"
    r"|company|council)\b|\bwe\s(?:already\s|also\s|currently\s|now\s|have\s|are\s|have\sbeen\s)?"
    r"(?:deliver|provid|run|employ|work\swith|work\sin|support|offer|engag|represent|operat|manag|host)",
    re.I,
)


def classify_org(*descriptions: str | None) -> str | None:
    """The kind of organisation from the first description (self-description, name) that says."""
    for desc in descriptions:
        if desc:
            for kind, pattern in _KIND_RULES:
                if pattern.search(desc):
                    return kind
    return None


def is_person_name(s: str) -> bool:
    """Two or three capitalised name words ("Mary Conroy", "J. Smith"), no organisation word."""
    tokens = s.split()
    if not 2 <= len(tokens) <= 3 or ORG_WORDS.search(s):
        return False
    return all(_NAME_TOKEN.fullmatch(t) and t.lower().rstrip(".") not in _NOT_NAMES for t in tokens)


def looks_like_org(s: str) -> bool:
    """An organisation-like name: an organisation word, an acronym, or a handle containing one."""
    s = s.strip()
    if ORG_WORDS.search(s):
        return True
    if re.fullmatch(r"[A-Z][A-Z0-9&]{2,9}", s):
        return True
    return " " not in s and s.islower() and _ORG_SUBSTRINGS.search(s) is not None


def _clean_org(name: str) -> str:
    name = re.sub(r"^(?:the|a|an)\s+", "", name.strip(), flags=re.I)
    return name.strip(" ,.;:'\"’”“")


def split_signature(line: str) -> tuple[str, str | None, str | None] | None:
    """Split "Name, Role, Organisation" (or "Name, Organisation") into its parts, else None.

    The first comma part must be a person's name; the last is the organisation unless it reads
    as a role ("Senior policy officer"), in which case an "of/at/for X" in it names the
    organisation ("physiotherapist and founder of INS" -> "INS").
    """
    line = line.strip().rstrip(".").strip()
    if not line or len(line.split()) > 24 or re.search(r"[.!?;:]\s", line):
        return None
    parts = [p.strip() for p in line.split(",")]
    if len(parts) < 2 or any(not p or len(p.split()) > 8 for p in parts):
        return None
    name, rest = parts[0], parts[1:]
    if not is_person_name(name):
        return None
    last = rest[-1]
    if not last[0].isupper() or (ROLE_WORDS.search(last) and not ORG_WORDS.search(last)):
        if not ROLE_WORDS.search(last):
            return None
        m = _ORG_OF.search(last)  # "physiotherapist and founder of INS"
        return name, ", ".join(rest), (m.group("org") if m else None)
    # "Name, Organisation" needs an organisation-like name; "Name, Role, Organisation" a role
    if not _TITLE.fullmatch(last) or not (
        looks_like_org(last) or any(ROLE_WORDS.search(p) for p in rest[:-1])
    ):
        return None
    return name, ", ".join(rest[:-1]) or None, last


def _usable(org: str) -> bool:
    return bool(org) and org.split()[0].lower() not in _NOT_ORGS


def _intro_org(text: str, voice: bool) -> tuple[str, str | None] | None:
    """(organisation, self-description or None) from a self-introduction near the start.

    ``voice``: the text speaks as "we"/"our" somewhere, so a third-person introduction is
    likely the respondent's own.
    """
    head = text[:600]
    for pattern in _INTROS:
        for m in pattern.finditer(head):
            org = _clean_org(m.group("org"))
            if _usable(org):
                return org, m.groupdict().get("desc")
    if voice:
        for m in _IS_A.finditer(head):
            org = _clean_org(m.group("org"))
            if _usable(org):
                return org, m.group("desc")
    m = _LEADING.match(head)
    if m:
        org = _clean_org(m.group("org"))
        verb = m.group("verb")
        telling = _TELLING_VERB.fullmatch(verb) is not None
        if " " in org:
            ok = looks_like_org(org) and (voice or telling)
        else:
            # "Ixion welcomes ...", "GMCVO hosts ..." (with "we" elsewhere); never "X supports"
            ok = not _NOUN_LIKE_VERB.fullmatch(verb) and ((voice and looks_like_org(org)) or telling)
        if _usable(org) and ok:
            return org, None
    return None


def _signature_org(text: str) -> tuple[str | None, str | None]:
    """(author, organisation) from a signature in the last line or last sentence of ``text``."""
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    if not lines:
        return None, None
    candidates = [lines[-1], re.split(r"(?<=[.!?])\s+", lines[-1].strip().rstrip("."))[-1]]
    for cand in candidates:
        sig = split_signature(cand)
        if sig:
            return sig[0], sig[2]
    return None, None


def infer_respondent(author: str | None, organisation: str | None, text: str) -> Respondent:
    """Infer organisation, respondent type and org kind (see the module docstring)."""
    author = (author or "").strip() or None
    org = _clean_org(organisation) if organisation and organisation.strip() else None
    person: str | None = None
    desc: str | None = None
    org_voice = False  # the author itself reads as an organisation
    if author:
        sig = split_signature(author)
        if sig:
            person, org = sig[0], org or sig[2]
        elif is_person_name(author):
            person = author
        elif looks_like_org(author):
            org_voice = True
            if " " in author or author[:1].isupper():
                org = org or author
    singular = len(_SINGULAR.findall(text))
    plural = len(_PLURAL.findall(text))
    intro = _intro_org(text, voice=plural > 0)
    if intro and org is None:
        org = intro[0]
    if intro and intro[1] and org and intro[0].lower() == org.lower():
        desc = intro[1]
    we_are = _WE_ARE.search(text)
    if desc is None and we_are:
        desc = we_are.group("desc")
    sig_person, sig_org = _signature_org(text)
    org = org or sig_org
    person = person or sig_person
    kind = classify_org(desc, org) if (org or desc) else None

    if org or org_voice or we_are or _ORG_VOICE.search(text):
        rtype: str | None = "organisation"
    elif singular >= 1 and singular >= plural:
        rtype = "individual"
    else:
        rtype = None
    return Respondent(organisation=org, respondent_type=rtype, org_kind=kind, author=person)
