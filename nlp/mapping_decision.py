"""Decide which of a point's ranked principles count, separately from ranking them.

A mapper ranks every principle for every point; ``decide_rows`` turns those scores into one
``Mapping`` per point without throwing a good ranking away:

- ``ranked``: the top ``top_n`` principles with their scores, best first, always filled when the
  framework has rankable principles (fallback items such as "Other" are never ranked: their text
  says nothing a cosine can use);
- ``mapped``: the top principle always, plus the next ones whose score is within a relative
  ``margin`` of the top (up to ``max_mapped``); or a fallback item alone (see below);
- ``no_principle``: true only on positive evidence that the point is off-topic: its best raw
  cosine to every view of every principle is below ``off_topic`` (measured on off-topic text in
  evals/README.md); then ``mapped`` is empty but ``ranked`` is still filled.

Fallback items (a codebook's "Other", "None of the above", "Uninformative", "Don't know", "No
answer", or any item of kind ``fallback``) are chosen only when nothing else fits: the point is a
placeholder answer ("n/a", "-", "none", ...), or its best relevance is below ``fallback_below``. A
placeholder goes to an "empty answer" fallback ("Uninformative", "Don't know", "No answer", "None")
when the codebook has one, anything else to "Other"-like ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

Ranked = list[tuple[int, float]]

_TAIL = r"\W*(?:\([^)]*\)|(?:please )?specify|answers?|responses?|comments?|other)?\W*$"
FALLBACK_NAME = re.compile(
    r"^\W*(?:other|none of the above|none|nothing|uninformative(?: answers?| responses?)?"
    r"|(?:i )?(?:don'?t|do not) know|not sure|no answer|no response|not applicable|n/?a|missing|unclear"
    r"|irrelevant|off[- ]topic|no idea)" + _TAIL,
    re.IGNORECASE,
)
OTHER_NAME = re.compile(r"^\W*other\b|none of the above|off[- ]topic|irrelevant", re.IGNORECASE)
PLACEHOLDER = re.compile(
    r"^\W*(?:n/?a|na|none|nil|nothing|no|nope|not applicable|no comments?|(?:i )?(?:don'?t|do not) know"
    r"|dont know|(?:i'?m )?not sure|unsure|idk|(?:i )?(?:have )?no idea|no clue|\?+|-+|\.+|x+"
    r"|same|same as (?:above|before)|see above|as above)\W*$",
    re.IGNORECASE,
)


def is_fallback_item(text: str, kind: str = "") -> bool:
    """An item that means "nothing else fits": kind ``fallback`` or a whole name such as "Other",
    "Other (please specify)", "None of the above", "Don't know", "N/A" ("Other capabilities ..." is
    not one)."""
    return kind == "fallback" or bool(FALLBACK_NAME.match(text.strip().replace("_", " ")))


def is_empty_answer_item(text: str) -> bool:
    """A fallback for answers that say nothing ("Uninformative", "Don't know", "None"), as opposed
    to "Other"-like ones for answers that say something no item covers."""
    return not OTHER_NAME.search(text.strip().replace("_", " "))


def is_placeholder(text: str) -> bool:
    """Placeholder-like answers such as "n/a", "-", "none", "nothing", "don't know"."""
    return not text.strip() or bool(PLACEHOLDER.match(text.strip()))


@dataclass
class Mapping:
    """One point's principles: the ranking (always), the decision, and positive off-topic evidence."""

    ranked: Ranked  # top principles with scores, best first; filled whenever there are principles
    mapped: list[int] = field(default_factory=list)  # the principles that count (subset of ranked,
    # or one fallback item)
    no_principle: bool = False  # True only when the point is off-topic by positive evidence
    fallback: bool = False  # True when ``mapped`` is a fallback item chosen because nothing fits


@dataclass
class DecisionRule:
    """Thresholds of the decision; defaults measured on the tuning half of the dev set (evals/).

    ``margin``: a principle after the first counts when its score is at least
    ``top - margin * |top|``; ``off_topic``: best raw cosine below which a point is off-topic;
    ``fallback_below``: best relevance below which a codebook's fallback item is chosen instead.
    """

    margin: float = 0.05
    max_mapped: int = 3
    top_n: int = 5
    off_topic: float = 0.25
    fallback_below: float = 0.25


def decide_rows(
    scores: np.ndarray,
    relevance: np.ndarray,
    ids: Sequence[int],
    rule: DecisionRule,
    *,
    rankable: np.ndarray | None = None,
    fallback_other: Sequence[int] = (),
    fallback_empty: Sequence[int] = (),
    placeholder: Sequence[bool] | None = None,
    fallback_cos: np.ndarray | None = None,
) -> list[Mapping]:
    """One ``Mapping`` per row of ``scores`` ((n, P) in ``ids`` order; higher is better).

    ``relevance[i]``: the point's best raw cosine to any principle view (the off-topic evidence);
    ``rankable``: (P,) bool, False for fallback items; ``fallback_other`` / ``fallback_empty``:
    the fallback items' ids; ``placeholder[i]``: the point is a placeholder answer;
    ``fallback_cos`` (n, P): cosines used only to choose among fallback items, and to let an
    empty-answer item ("Don't know") win when the point is closer to it than to any real item.
    """
    n_p = len(ids)
    rankable = np.ones(n_p, bool) if rankable is None else np.asarray(rankable, bool)
    cols = np.flatnonzero(rankable)
    fallbacks = list(fallback_other) + [f for f in fallback_empty if f not in fallback_other]
    col = {pid: j for j, pid in enumerate(ids)}
    out = []
    for i, row in enumerate(np.asarray(scores, np.float64)):
        order = cols[np.argsort(-row[cols], kind="stable")][: rule.top_n]
        ranked = [(int(ids[j]), float(row[j])) for j in order]
        is_ph = bool(placeholder[i]) if placeholder is not None else False
        rel = float(relevance[i]) if len(ranked) else -1.0
        near = fallback_cos[i] if fallback_cos is not None else np.zeros(n_p)
        says_empty = bool(fallback_empty) and max(float(near[col[f]]) for f in fallback_empty) > max(
            rel, rule.fallback_below
        )
        if fallbacks and (is_ph or says_empty or not ranked or rel < rule.fallback_below):
            if (is_ph or says_empty) and fallback_empty:
                pool = list(fallback_empty)
            else:
                pool = list(fallback_other) or fallbacks
            best = max(pool, key=lambda f: (float(near[col[f]]), -pool.index(f)))
            out.append(Mapping(ranked, [int(best)], False, True))
            continue
        if not ranked:
            out.append(Mapping([], [], False))
            continue
        if is_ph or rel < rule.off_topic:
            out.append(Mapping(ranked, [], True))
            continue
        top = ranked[0][1]
        floor = top - rule.margin * abs(top)
        mapped = [ranked[0][0]] + [pid for pid, s in ranked[1 : rule.max_mapped] if s >= floor]
        out.append(Mapping(ranked, mapped, False))
    return out
