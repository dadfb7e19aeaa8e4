"""Cut text into segments: plain text, marked spans (points) and redactions.

Point offsets are source offsets; a response's own text is ``source[start:end]``. Personal
data the ingest stage redacts (e-mails, phones, addresses, identifiers, names) is redacted here
too, so the page keeps the respondent's layout without showing what the display text hides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Segment:
    text: str
    key: Any = None  # the marked span's key (a point id, a check index), None for plain text


def redactions(text: str) -> list[tuple[int, int, str]]:
    from ingest.clean import redact_spans

    return redact_spans(text)


def mark(
    text: str, spans: list[tuple[int, int, Any]], hidden: list[tuple[int, int, str]] = ()
) -> list[Segment]:
    """Segments of ``text`` with [start, end) ``spans`` marked by key and ``hidden`` spans shown as [label].

    Overlapping spans: the earlier one keeps the shared text. Out-of-range spans are ignored.
    """
    kept: list[tuple[int, int, Any]] = []
    for s, e, key in sorted((s for s in spans if 0 <= s[0] < s[1] <= len(text)), key=lambda s: (s[0], s[1])):
        if kept and s < kept[-1][1]:
            s = kept[-1][1]
        if s < e:
            kept.append((s, e, key))
    cuts = sorted({0, len(text), *(x for s in kept for x in s[:2]), *(x for r in hidden for x in r[:2])})
    out: list[Segment] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        key = next((s[2] for s in kept if s[0] <= a < s[1]), None)
        r = next((r for r in hidden if r[0] <= a < r[1]), None)
        piece = text[a:b] if r is None else (f"[{r[2]}]" if a == r[0] else "")
        if out and out[-1].key == key:
            out[-1].text += piece
        else:
            out.append(Segment(piece, key))
    return [s for s in out if s.text]


def response_segments(text: str, base: int, points: list[dict], redact: bool = True) -> list[Segment]:
    """A response's text (starting at source offset ``base``) with its points marked and personal data
    redacted (``redact=False`` only for the analysts' audited "show original")."""
    if not all(base <= p["start"] < p["end"] <= base + len(text) for p in points) and all(
        0 <= p["start"] < p["end"] <= len(text) for p in points
    ):
        base = 0  # offsets relative to the response's own text
    spans = [(p["start"] - base, p["end"] - base, p["id"]) for p in points]
    return mark(text, spans, redactions(text) if redact else [])
