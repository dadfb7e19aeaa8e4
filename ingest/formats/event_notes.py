"""Event notes: markdown-style "#" headings with "- " bullets, one bullet per point raised.

The first heading names the event (``meta["event"]``); later headings form the section path
("Performance > Specific question – ..."). Paragraphs that are not bullets are the
organiser's framing (role "post"). A bullet broken by text extraction (its tail pushed to
a later line, often after a blank line) is joined back into one response.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fairhearing.errors import IngestError
from ingest.formats.base import ReadOptions, Tier, decode_text
from ingest.model import ParsedResponse, ParseResult, Span
from ingest.text_patterns import BULLET_ITEM, cut_truncation, lines, trim

_HEADING = re.compile(r"[ \t]*(#{1,6})[ \t]+(?P<name>.*?)[ \t#]*$")
_QUESTION_HEADING = re.compile(r"(?:specific )?question\s*[–—:-]\s*(?P<q>\S.*)", re.I)
_ENDS_ITEM = ";.!?:"


@dataclass
class _Block:
    """A bullet (with its continuations and sub-bullets) or a paragraph being collected."""

    start: int
    end: int
    bullet: bool
    indent: int = 0
    subs: list[tuple[int, int]] = field(default_factory=list)  # sub-bullet (body start, end)


def _clean_heading(name: str) -> str:
    return re.sub(r"(\*\*|__)", "", name).strip()


def _item_end(text: str, start: int, end: int) -> int:
    """End of an item with a trailing list separator ";" left out."""
    span = trim(text, start, end)
    if span and text[span[1] - 1] == ";":
        span = trim(text, span[0], span[1] - 1)
    return span[1] if span else end


class EventNotesReader:
    name = "event-notes"
    binary = False

    def sniff(self, data: bytes, filename: str) -> Tier:
        if b"\x00" in data[:4096]:
            return Tier.NONE
        text = data[:65536].decode("utf-8", errors="replace")
        heads = sum(1 for ls, le in lines(text, 0, len(text)) if _HEADING.fullmatch(text, ls, le))
        bullets = sum(1 for ls, le in lines(text, 0, len(text)) if BULLET_ITEM.match(text, ls, le))
        if heads >= 2 and bullets >= 5:
            return Tier.OUTLINE
        return Tier.SOME if heads >= 1 and bullets >= 3 else Tier.NONE

    def read(self, data: bytes, filename: str, options: ReadOptions) -> ParseResult:
        text = decode_text(data, filename, options.encoding)
        result = ParseResult(text=text, format=self.name, question=options.question)
        event: str | None = None
        top_level = 0
        path: list[tuple[int, str]] = []  # (level, name) below the event heading
        block: _Block | None = None
        blank_before = False
        punctuated = [0, 0]  # bullets in the current list: [ending with punctuation, total]

        def flush() -> None:
            nonlocal block
            if block is not None:
                self._emit(text, block, event, path, result)
            block = None

        for ls, le in lines(text, 0, len(text)):
            line = text[ls:le]
            if not line.strip():
                blank_before = True
                continue
            heading = _HEADING.fullmatch(text, ls, le)
            bullet = BULLET_ITEM.match(text, ls, le)
            if heading:
                flush()
                level, name = len(heading.group(1)), _clean_heading(heading.group("name"))
                if event is None:
                    event, top_level = name, level
                    result.title = name
                else:
                    level = max(level, top_level + 1)
                    path = [(lv, n) for lv, n in path if lv < level] + [(level, name)]
                punctuated = [0, 0]
            elif bullet:
                indent = len(bullet.group("indent").expandtabs(4))
                if block is not None and block.bullet and indent > block.indent:
                    block.subs.append((bullet.start("body"), le))
                    block.end = le
                else:
                    self._count(text, block, punctuated)
                    flush()
                    block = _Block(bullet.start("body"), le, bullet=True, indent=indent)
            elif block is not None and (not blank_before or self._continues(text, block, line, punctuated)):
                block.end = le
                if block.subs:
                    block.subs[-1] = (block.subs[-1][0], le)
            else:
                self._count(text, block, punctuated)
                flush()
                block = _Block(ls, le, bullet=False)
            blank_before = False
        flush()
        if not result.responses:
            raise IngestError("FH-E140", "no bullets or paragraphs found in the notes", file=filename)
        return result

    @staticmethod
    def _count(text: str, block: _Block | None, punctuated: list[int]) -> None:
        if block is not None and block.bullet:
            span = trim(text, block.start, block.end)
            punctuated[0] += bool(span and text[span[1] - 1] in _ENDS_ITEM)
            punctuated[1] += 1

    @staticmethod
    def _continues(text: str, block: _Block, line: str, punctuated: list[int]) -> bool:
        """Whether a paragraph after a blank line is the cut-off tail of the bullet above."""
        if not block.bullet:
            return False
        first = line.lstrip()[0]
        if first.islower():
            return True
        span = trim(text, block.start, block.end)
        unfinished = bool(span) and text[span[1] - 1] not in _ENDS_ITEM
        return unfinished and punctuated[1] > 0 and punctuated[0] * 2 > punctuated[1]

    @staticmethod
    def _emit(
        text: str, block: _Block, event: str | None, path: list[tuple[int, str]], result: ParseResult
    ) -> None:
        span = trim(text, block.start, block.end)
        if span is None:
            return
        end, truncated = cut_truncation(text, *span)
        if block.bullet:
            end = _item_end(text, span[0], end)
        section = " > ".join(n for _, n in path) or None
        r = ParsedResponse(
            start=span[0],
            end=end,
            role="stakeholder" if block.bullet else "post",
            section=section,
            truncated=truncated,
        )
        if event:
            r.meta["event"] = event
        asked = _QUESTION_HEADING.fullmatch(path[-1][1]) if path else None
        if asked:
            r.question = asked.group("q")
        if block.subs:
            first = block.subs[0][0]
            head = text.rfind("\n", span[0], first)
            points = [(span[0], _item_end(text, span[0], head))] + [
                (s, _item_end(text, s, min(e, end))) for s, e in block.subs
            ]
            r.points = [Span(s, e) for s, e in points if s < e]
        result.responses.append(r)


READER = EventNotesReader()
