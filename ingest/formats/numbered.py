"""Consultation pages whose comments are numbered "N. Author says:" (WordPress-style threads).

Also holds small span helpers (trimming, list items as points, "[truncated by the system]"
markers) that the other page readers reuse.
"""

from __future__ import annotations

import re

from fairhearing.errors import IngestError
from ingest.formats.base import ReadOptions, Tier, decode_text
from ingest.model import ParsedResponse, ParseResult, Problem
from ingest.text_patterns import NUMBERED_ITEM, SIGN_OFF_WORDS, cut_truncation, item_points, lines, trim

_HEADER = re.compile(r"^[ \t]*(\d+)\.[ \t]+(\S.*?)[ \t]+says:[ \t\r]*$", re.M)
_COUNT = re.compile(r"^[ \t]*(\d+)[ \t]+comments?[ \t]+on[ \t]+[“\"‘'](.+?)[”\"’'][ \t\r]*$", re.M)
_CLOSED = re.compile(r"^[ \t]*Comments on this page are (?:now )?closed\.?[ \t\r]*$", re.M | re.I)
_MODERATOR = re.compile(
    r"would like to thank (?:all|everyone|those)\b.{0,40}\b(?:posted|commented|contributed|took part)"
    r"|\bthis (?:discussion|consultation|page) is now closed\b",
    re.I | re.S,
)
_NAME = re.compile(r"[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){1,3}")


def _signature(text: str, start: int, end: int) -> tuple[tuple[int, int], list[str]] | None:
    """A closing "Name, Role, Organisation" line of a comment body, with its parts."""
    last = None
    for ls, le in lines(text, start, end):
        if text[ls:le].strip():
            last = trim(text, ls, le)
    if last is None or last[0] == start:
        return None
    line = text[last[0] : last[1]]
    parts = [p.strip() for p in line.split(",")]
    if len(line) > 100 or not 2 <= len(parts) <= 3 or not _NAME.fullmatch(parts[0]):
        return None
    if SIGN_OFF_WORDS.fullmatch(parts[0]):
        return None
    if any(not p or p[-1] in ".?!;:" or not p[0].isupper() for p in parts):
        return None
    return last, parts


def _author(header: str) -> tuple[str, str | None, str | None]:
    """(author, role title, organisation) from a "Name[, Role], Organisation" header."""
    parts = [p.strip() for p in header.split(",") if p.strip()]
    if len(parts) >= 3:
        return parts[0], ", ".join(parts[1:-1]), parts[-1]
    if len(parts) == 2:
        return parts[0], None, parts[1]
    return header.strip(), None, None


def _title_and_question(text: str, head_end: int) -> tuple[str | None, str | None]:
    """The page title and question from the header above the first comment."""
    count = _COUNT.search(text)
    closed = _CLOSED.search(text, 0, head_end)
    region_end = closed.start() if closed else head_end
    header = [(ls, le) for ls, le in lines(text, 0, region_end) if text[ls:le].strip()]
    q_index = next(
        (i for i in range(len(header) - 1, -1, -1) if text[slice(*header[i])].strip().endswith("?")), None
    )
    question = text[slice(*header[q_index])].strip() if q_index is not None else None
    if count:
        return count.group(2).strip(), question
    title = None
    if q_index is not None:
        for ls, le in reversed(header[:q_index]):
            line = text[ls:le].strip()
            if len(line) <= 80 and not line.endswith((".", "?", ":")):
                title = line
                break
    return title, question


class NumberedCommentsReader:
    name = "numbered-comments"
    binary = False

    def sniff(self, data: bytes, filename: str) -> Tier:
        if b"\x00" in data[:4096]:
            return Tier.NONE
        n = len(_HEADER.findall(data[:65536].decode("utf-8", errors="replace")))
        return Tier.STRONG if n >= 3 else Tier.PLAUSIBLE if n == 2 else Tier.NONE

    def read(self, data: bytes, filename: str, options: ReadOptions) -> ParseResult:
        text = decode_text(data, filename, options.encoding)
        headers = list(_HEADER.finditer(text))
        if not headers:
            raise IngestError("FH-E140", 'no "N. Name says:" comments found', file=filename)
        title, question = _title_and_question(text, headers[0].start())
        result = ParseResult(text=text, format=self.name, title=title, question=options.question or question)
        bounds = [h.start() for h in headers[1:]] + [len(text)]
        for header, stop in zip(headers, bounds, strict=True):
            response = self._comment(text, header, stop, result)
            if response is not None:
                result.responses.append(response)
        self._check_numbering(text, headers, result)
        return result

    def _comment(
        self, text: str, header: re.Match[str], stop: int, result: ParseResult
    ) -> ParsedResponse | None:
        line = text.count("\n", 0, header.start()) + 1
        body = trim(text, header.end(), stop)
        if body is None:
            result.problems.append(Problem(f"comment {header.group(1)} has no text", line=line))
            return None
        end, truncated = cut_truncation(text, *body)
        author, role_title, org = _author(header.group(2))
        r = ParsedResponse(start=body[0], end=end, author=author, organisation=org, truncated=truncated)
        r.meta["number"] = int(header.group(1))
        if role_title:
            r.meta["role_title"] = role_title
        if _MODERATOR.search(text, body[0], min(end, body[0] + 300)):
            r.role = "moderator"
        sig = _signature(text, body[0], end)
        if sig and r.role != "moderator":
            (s, e), parts = sig
            r.meta["signature"] = [s, e]
            if parts[0] != author:
                r.meta["posted_as"] = author
            r.author = parts[0]
            r.organisation = parts[-1]
            if len(parts) == 3:
                r.meta["role_title"] = parts[1]
        r.points = item_points(text, r.start, r.end, NUMBERED_ITEM, numbered=True)
        return r

    @staticmethod
    def _check_numbering(text: str, headers: list[re.Match[str]], result: ParseResult) -> None:
        for i, h in enumerate(headers, start=1):
            if int(h.group(1)) != i:
                line = text.count("\n", 0, h.start()) + 1
                result.problems.append(Problem(f"comment numbered {h.group(1)}, expected {i}", line=line))
                break
        count = _COUNT.search(text)
        if count and int(count.group(1)) != len(headers):
            result.problems.append(
                Problem(f"page says {count.group(1)} comments but {len(headers)} were found", line=None)
            )


READER = NumberedCommentsReader()
