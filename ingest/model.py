"""Plain data records that readers produce and the store persists.

Offsets are Python ``str`` indices into ``ParseResult.text`` — for text formats that is the
file read as UTF-8 (newlines untouched); for binary formats (XLSX, DOCX, PDF) it is the text
the reader extracted, which is what the ``sources.text`` column keeps for audit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROLES = ("stakeholder", "moderator", "post")


@dataclass
class Span:
    """A [start, end) range of the source text."""

    start: int
    end: int

    def text(self, source: str) -> str:
        return source[self.start : self.end]


@dataclass
class ParsedResponse:
    """One respondent contribution as a reader found it.

    ``reply_to`` is the index of the answered response in the same ``ParseResult.responses``
    list (not a database id). ``points`` may be given by a reader that sees explicit structure
    (numbered or bulleted items); when ``None`` the point splitter decides.
    """

    start: int
    end: int
    role: str = "stakeholder"
    author: str | None = None
    organisation: str | None = None
    respondent_type: str | None = None  # "individual" / "organisation" / None when unknown
    org_kind: str | None = None  # charity, local authority, provider, employer, government, ...
    reply_to: int | None = None
    question: str | None = None
    section: str | None = None  # heading the response sits under (event notes, codebooks)
    truncated: bool = False
    boundary_confidence: float | None = None  # for segmented (flattened) pages
    points: list[Span] | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParsedPrinciple:
    """One principle (or code) of a framework; sub-bullets are folded into ``text``."""

    text: str
    start: int | None = None
    end: int | None = None
    kind: str = "principle"  # principle / value / undertaking / code ...
    description: str | None = None
    examples: list[str] = field(default_factory=list)  # labelled examples (e.g. pull-quotes)


@dataclass
class ParsedComponent:
    """A group of principles: a strategy component, an annex section, or a codebook group."""

    name: str
    headline: str | None = None
    principles: list[ParsedPrinciple] = field(default_factory=list)
    context: str | None = None  # e.g. the strategy's own summary of responses for this section
    is_annex: bool = False


@dataclass
class ParsedFramework:
    name: str
    components: list[ParsedComponent] = field(default_factory=list)
    question: str | None = None  # a codebook may belong to one question


@dataclass
class Problem:
    """Something a reader could not process; reported, never silently dropped."""

    message: str
    line: int | None = None
    row: int | None = None


@dataclass
class ParseResult:
    """What a reader returns for one file."""

    text: str
    format: str
    responses: list[ParsedResponse] = field(default_factory=list)
    framework: ParsedFramework | None = None
    title: str | None = None
    question: str | None = None  # the page's question, applied to responses that have none
    problems: list[Problem] = field(default_factory=list)
