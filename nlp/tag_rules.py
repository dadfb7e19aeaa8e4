"""Cue rules for point types and sentiment: features for the tagger, a rules-only baseline, and the
few decisions certain enough to override the learned head.

Each point type has a list of regular-expression cues (questions, recommendations, support,
first-hand experience, organisational information, concerns). ``rule_features`` turns the cue hits
into a fixed-length vector; ``rule_type``/``rule_sentiment`` are the rules-only predictions used as
a baseline; ``certain_type`` returns a type only where the rules are near certain (a single
interrogative sentence ending "?").
"""

from __future__ import annotations

import re

import numpy as np

TYPES: tuple[str, ...] = ("concern", "suggestion", "question", "support", "experience", "information")
SENTIMENTS: tuple[str, ...] = ("negative", "neutral", "positive")

_I = re.IGNORECASE


def _rx(*patterns: str, flags: int = _I) -> list[re.Pattern[str]]:
    return [re.compile(p, flags) for p in patterns]


_QWORD = r"(?:how|what|when|where|who|whom|whose|why|which)"
_AUX = r"(?:will|would|is|are|was|were|does|do|did|can|could|has|have|should|shall|may|might)"
_SUBJ = (
    r"(?:there|the|this|these|that|those|it|we|you|they|he|she|i|anyone|anybody|any|a|an|our|my|your|their"
    r"|dwp|providers?|primes?|places?|clients?|customers?|participants?|staff|ofsted|[A-Z]\w+)"
)
# A suggestion phrased as a question ("Why not ...", "would DWP consider ...") is not a question.
_SUGGESTION_QUESTION = _rx(
    r"^\s*(?:why not|how about|what about trying)\b", r"\bconsider\b", r"\bwould (?:like|love)\b"
)

CUES: dict[str, list[re.Pattern[str]]] = {
    "question": _rx(
        r"\?",
        rf"^\W*{_QWORD}\b",
        rf"^\W*{_AUX}\s+{_SUBJ}\b",
        r"\b(?:does anyone know|is there|are there|what happens|what about|who will|how will|will there|"
        r"how can|how long|how do|what will|can you confirm)\b",
        rf"[–—:;,]\s*{_QWORD}\b",
        r"\bwe have questions\b|\b(?:i|we) (?:would like to|want to) know\b|\bis an important question\b",
    ),
    "suggestion": _rx(
        r"\b(?:should|must|ought to|shall)\b",
        r"\bneeds? (?:to|a|an|more|greater|clear\w*|good|better|stronger)\b|^\W*needs?\b",
        r"\b(?:has|have) to be\b|\bthere (?:needs|has) to be\b",
        r"\b(?:recommend\w*|suggest\w*|propos(?:e|al)|urge)\b",
        r"\b(?:would|do|we) encourage\b|\b(?:could|should|might) (?:usefully )?consider\b|^\W*consider\b",
        r"\bit is (?:essential|important|vital|crucial|key|critical)\b|\bis (?:essential|vital|key|crucial)\b",
        r"\b(?:why not|how about|would like to see|would love to see|want to see|like to see|would want)\b",
        r"\bit would (?:also )?be (?:useful|helpful|better|good)\b|\bwould be (?:great|good|better)\b",
        r"^\W*(?:ensure|make|allow|develop|identify|create|reduce|stop|establish|have|give|provide|introduce|"
        r"extend|increase|encourage|implement|remove|raise|lower|ban|build|invest|fund|require|keep|let|pilot|"
        r"set|use|put|bring|get|include|expand|offer|improve|promote|protect|review|recognise|recognize|"
        r"simplify|abolish|end|cut|add|publish|focus|prioriti[sz]e|limit|enforce|just|please|eliminate|"
        r"legali[sz]e|restore|teach|hire|train|pay|treat|change|adopt|replace|scrap|find|look|take|"
        r"guarantee|mandate|exempt|clarify|define|align|avoid|involve|listen|work)\b",
        r"^\W*(?:allowing|creating|issuing|supporting|encouraging|implementing|providing|developing|ensuring|"
        r"making|giving|introducing|reviewing|setting|funding|extending|reducing|increasing)\b",
    ),
    "support": _rx(
        r"\b(?:we|i|they|strongly|fully|warmly|wholeheartedly|greatly|really|therefore|also|would)\s+"
        r"(?:support|endorse|welcome|applaud|commend|agree with|back)\b",
        r"^\W*(?:strongly |fully )?(?:support|endorse|welcome|agree)\b",
        r"\b(?:welcomes|endorses|applauds|commends)\b|\bsupports the\b",
        r"\b(?:good idea|good move|good start|step forward|well worth|very positive|is positive|is a positive|"
        r"excellent|great way|good way|resonates|pleased|happy to|glad|love|a real improvement|fairest|sensible)\b",
    ),
    "experience": _rx(
        r"\b(?:i|we)\s+(?:have|'ve|had)\s+(?:been|found|seen|worked|delivered|tried|experienced|advocated|"
        r"written|voted|played|lost|attended|heard|had|received|changed|personally)\b",
        r"\b(?:our|my) experience\b|\bexperience has (?:proved|proven|shown)\b",
        r"\b(?:i|we)\s+(?:was|were|saw|found|lost|waited|tried|attended|played|received|got|hear|see)\b",
        r"\bin the past\b|\blast (?:year|month|week)\b|\bthis morning\b|\bso far\b",
        r"\b(?:have|has) (?:reported|told us)\b|\bbeen (?:informed|told)\b|\bhave been doing\b",
        r"\b(?:i|we) (?:am|are) (?:going through|receiving|seeing)\b|\bi have to\b|\bmy adviser\b",
    ),
    "information": _rx(
        r"\b(?:is|are) an? (?:\w+ )?(?:charity|organisation|organization|network|enterprise|company|council|"
        r"consortium|coalition|trust|partnership|provider|agency|employer)\b",
        r"\b(?:i|we) (?:work for|work in|work with|are based|live in|live within|am a|am an|am between|am under|"
        r"am over|am employed|employ|deliver|provide|run|host|already engage|can explain|understand)\b",
        r"\b(?:hosts|founded|established|based in|was developed|currently covers|is funded)\b",
        r"\bmy (?:household|ethnicity|highest qualification|primary residence|gender|age)\b",
        r"^\W*(?:i am|i'm|we are|i live|i work|our members|our charity|this response)\b",
        r"\b(?:19|20)\d\d\b|\d+(?:\.\d+)? ?%|https?://|www\.",
        r"\bsaid:|\b(?:reported|published|responded|announced)\b",
    ),
    "concern": _rx(
        r"\bconcern(?:s|ed|ing)?\b|\bworr(?:y|ied|ies|ying|yingly)\b|\bafraid\b|\bfear\b",
        r"\brisks?\b|\bthreat\w*\b|\bdanger\w*\b|\bharm\w*\b|\bdamag\w*\b",
        r"\bunrealistic\b|\bunworkable\b|\bnot (?:workable|working|ready|enough|possible|able|interested|"
        r"sustainable|fair|clear|ideal|economic)\b",
        r"\bexclud\w*\b|\bleft (?:behind|out)\b|\boverlooked\b|\bsidelines\b|\bback of the queue\b",
        r"\btoo (?:quick|fast|soon|tight|short|low|high|rigid\w*|small|big|late|long|clunky|expensive|much|many)\b",
        r"\b(?:unable|cannot|can't|can not|won't|will not|will never)\b",
        r"\b(?:problem\w*|barriers?|hurdles?|difficult\w*|challenging|fail\w*|lack\w*|flawed|unfair|unaffordable|"
        r"insufficient|inadequate|disadvantag\w*|wasted?|destroyed|crazy|bizarre|underwhelming|unimpressive|lie|"
        r"sick of|exhausting|abus\w*|worse|worst|poor\w*|neglected|unattractive|punish\w*|stupid|awful|dumb)\b",
    ),
}

_NEGATION = re.compile(r"\b(?:not|no|never|nothing|none|nobody|cannot)\b|n't\b", _I)
_FIRST_PERSON = re.compile(r"\b(?:i|we|my|our|me|us)\b", _I)
_SENTENCE_BREAK = re.compile(r"[.!?;]\s+\S|\s[–—-]\s")
_WORD = re.compile(r"\w+")

FEATURE_NAMES: list[str] = [f"{t}:{i}" for t in TYPES for i in range(len(CUES[t]))] + [
    "ends_question_mark",
    "single_sentence",
    "negations",
    "first_person",
    "exclamation",
    "log_words",
]


def cue_hits(text: str) -> dict[str, list[int]]:
    """For each type, 0/1 per cue pattern: whether the pattern occurs in ``text``."""
    return {t: [1 if p.search(text) else 0 for p in CUES[t]] for t in TYPES}


def is_single_sentence(text: str) -> bool:
    """True when ``text`` has no internal sentence break, semicolon or dash-separated clause."""
    return not _SENTENCE_BREAK.search(text.strip())


def rule_features(text: str) -> np.ndarray:
    """The cue vector for one text, in ``FEATURE_NAMES`` order (float32)."""
    hits = cue_hits(text)
    words = len(_WORD.findall(text))
    extra = [
        1.0 if text.rstrip().endswith("?") else 0.0,
        1.0 if is_single_sentence(text) else 0.0,
        min(len(_NEGATION.findall(text)), 5) / 5.0,
        min(len(_FIRST_PERSON.findall(text)), 5) / 5.0,
        1.0 if "!" in text else 0.0,
        float(np.log1p(words)),
    ]
    return np.array([v for t in TYPES for v in hits[t]] + extra, dtype=np.float32)


def rule_feature_matrix(texts: list[str]) -> np.ndarray:
    """``rule_features`` for each text, stacked (n × len(FEATURE_NAMES))."""
    if not texts:
        return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
    return np.vstack([rule_features(t) for t in texts])


def certain_type(text: str) -> str | None:
    """A type the rules are near certain of, else ``None``.

    Only one case: a single sentence that opens with an interrogative word or an auxiliary + subject
    and ends "?", and is not a suggestion phrased as a question ("Why not ...?", "... consider ...?").
    """
    t = text.strip()
    if not t.endswith("?") or not is_single_sentence(t) or t.count("?") > 1:
        return None
    if any(p.search(t) for p in _SUGGESTION_QUESTION):
        return None
    opens = CUES["question"][1].search(t) or CUES["question"][2].search(t)
    return "question" if opens else None


# Ties between equal cue scores go to the earlier type in this order.
_PRIORITY = ("question", "support", "experience", "concern", "suggestion", "information")
_WEIGHTS = {
    "question": 1.0,
    "support": 1.5,
    "experience": 1.2,
    "concern": 1.0,
    "suggestion": 1.0,
    "information": 0.8,
}


def rule_type(text: str) -> str:
    """Rules-only type: the type with most (weighted) cue hits; no cue at all → information."""
    certain = certain_type(text)
    if certain:
        return certain
    hits = cue_hits(text)
    scores = {t: _WEIGHTS[t] * sum(hits[t]) for t in TYPES}
    if text.rstrip().endswith("?"):
        scores["question"] += 1.0
    best = max(_PRIORITY, key=lambda t: (scores[t], -_PRIORITY.index(t)))
    return best if scores[best] > 0 else "information"


def rule_sentiment(text: str) -> str:
    """Rules-only sentiment from the rules-only type: concern → negative, support → positive, else neutral."""
    return {"concern": "negative", "support": "positive"}.get(rule_type(text), "neutral")
