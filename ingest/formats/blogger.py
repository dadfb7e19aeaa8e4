"""A blog post followed by its Blogger comment thread.

Layout: an optional date line, the title, the post body, "N comments:", then numbered
top-level comments each closed by "ReplyDelete"; a "Replies" line opens nested, more indented
numbered replies each closed by "Delete". Text after the thread at the left margin is the
blog's comment policy (role "moderator").
"""

from __future__ import annotations

import re

from fairhearing.errors import IngestError
from ingest.formats.base import ReadOptions, Tier, decode_text
from ingest.model import ParsedResponse, ParseResult, Problem
from ingest.text_patterns import BULLET_ITEM, cut_truncation, item_points, lines, trim

_COUNT = re.compile(r"^[ \t]*(\d+)[ \t]+comments?:[ \t\r]*$", re.M | re.I)
_COMMENT = re.compile(r"(?P<indent>[ \t]*)(?P<num>\d+)\.(?:[ \t\r]+|$)")
_CLOSERS = ("ReplyDelete", "Delete", "Reply")
_CHROME = re.compile(
    r"(?:ReplyDelete|Reply|Delete|Replies|Post a Comment|Newer Post|Older Post|Home"
    r"|Newer Post Older Post Home|Subscribe to:.*|Load more\.*)",
    re.I,
)
_DATE = re.compile(
    r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,? )?\d{1,2} [A-Z][a-z]+,? \d{4}"
    r"|(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,? )?[A-Z][a-z]+ \d{1,2},? \d{4}"
)
_ADDRESS = re.compile(r"@(?P<name>[^\s,:;]+)[,:;]?")


def _indent(text: str, ls: int, le: int) -> int:
    return len(text[ls:le]) - len(text[ls:le].lstrip())


class BlogThreadReader:
    name = "blog-thread"
    binary = False

    def sniff(self, data: bytes, filename: str) -> Tier:
        if b"\x00" in data[:4096]:
            return Tier.NONE
        text = data[:65536].decode("utf-8", errors="replace")
        numbered = sum(1 for ls, le in lines(text, 0, len(text)) if _COMMENT.match(text, ls, le))
        chrome = text.count("ReplyDelete")
        if numbered >= 1 and chrome >= 1:
            return Tier.STRONG
        return Tier.LIKELY if numbered >= 2 and _COUNT.search(text) else Tier.NONE

    def read(self, data: bytes, filename: str, options: ReadOptions) -> ParseResult:
        text = decode_text(data, filename, options.encoding)
        count = _COUNT.search(text)
        first = self._first_comment(text, count.end() if count else 0)
        if first is None:
            raise IngestError("FH-E140", "no numbered blog comments found", file=filename)
        result = ParseResult(text=text, format=self.name, question=options.question)
        self._post(text, count.start() if count else first, result)
        n_comments = self._thread(text, first, result)
        if count and int(count.group(1)) != n_comments:
            line = text.count("\n", 0, count.start()) + 1
            result.problems.append(
                Problem(f"thread says {count.group(1)} comments but {n_comments} were found", line=line)
            )
        return result

    @staticmethod
    def _first_comment(text: str, start: int) -> int | None:
        for ls, le in lines(text, start, len(text)):
            if _COMMENT.match(text, ls, le):
                return ls
        return None

    @staticmethod
    def _post(text: str, end: int, result: ParseResult) -> None:
        """The post: date line and title (kept as metadata) then the body as one response."""
        body = [(ls, le) for ls, le in lines(text, 0, end) if text[ls:le].strip()]
        date = None
        if body and _DATE.fullmatch(text[slice(*body[0])].strip()):
            date = text[slice(*body.pop(0))].strip()
        if len(body) >= 2 and len(text[slice(*body[0])].strip()) <= 200:
            result.title = text[slice(*body.pop(0))].strip()
        span = trim(text, body[0][0], body[-1][1]) if body else None
        if span is None:
            return
        post = ParsedResponse(start=span[0], end=span[1], role="post")
        if date:
            post.meta["date"] = date
        result.responses.append(post)

    def _thread(self, text: str, start: int, result: ParseResult) -> int:
        """Add the comments, replies and footer from ``start`` on; return how many comments."""
        base = _indent(text, *next(lines(text, start, len(text))))
        current: list[int] | None = None  # [body start, body end] of the open comment
        meta: dict[str, int | None] = {}
        parent: int | None = None  # response index of the latest top-level comment
        in_replies = False
        reply_indent: int | None = None
        n_comments = 0
        footer: list[tuple[int, int]] = []  # the current run of left-margin text outside comments

        def close() -> None:
            nonlocal current, parent
            if current is not None:
                emitted = self._emit(text, current[0], current[1], meta, result)
                if meta["reply_to"] is None:
                    parent = len(result.responses) - 1 if emitted else None
            current = None

        for ls, le in lines(text, start, len(text)):
            stripped = text[ls:le].strip()
            if not stripped:
                continue
            indent = _indent(text, ls, le)
            head = _COMMENT.match(text, ls, le)
            if indent < base or (indent == base and not head and current is None):
                close()
                footer.append((ls, le))
                continue
            self._footer(text, footer, result)
            footer = []
            if head and indent == base:
                close()
                in_replies, reply_indent = False, None
                n_comments += 1
                current, meta = [head.end(), le], {"number": int(head.group("num")), "reply_to": None}
            elif head and in_replies and indent == (reply_indent or indent) and indent > base:
                close()
                reply_indent, n_comments = indent, n_comments + 1
                current, meta = [head.end(), le], {"number": int(head.group("num")), "reply_to": parent}
            elif stripped == "Replies":
                close()
                in_replies = True
            elif stripped in _CLOSERS:
                close()
            elif current is not None:
                current[1] = le
            else:
                line = text.count("\n", 0, ls) + 1
                result.problems.append(Problem("text outside any comment was not read", line=line))
        close()
        self._footer(text, footer, result)
        return n_comments

    @staticmethod
    def _emit(text: str, start: int, end: int, meta: dict[str, int | None], result: ParseResult) -> bool:
        """Append the comment in [start, end); False (and a problem) when it has no words."""
        span = trim(text, start, end)
        if span is None:
            line = text.count("\n", 0, start) + 1
            result.problems.append(Problem(f"comment {meta['number']} has no text", line=line))
            return False
        start, end = span
        addressed = None
        at = _ADDRESS.match(text, start, end)
        if at:
            addressed = at.group("name")
            rest = trim(text, at.end(), end)
            start = rest[0] if rest else start
        end, truncated = cut_truncation(text, start, end)
        r = ParsedResponse(start=start, end=end, reply_to=meta["reply_to"], truncated=truncated)
        r.meta["number"] = meta["number"]
        if addressed:
            r.meta["addressed_to"] = addressed
        r.points = item_points(text, start, end, BULLET_ITEM, numbered=False)
        result.responses.append(r)
        return True

    @staticmethod
    def _footer(text: str, footer: list[tuple[int, int]], result: ParseResult) -> None:
        """Runs of non-chrome footer lines become moderator responses."""
        run: list[tuple[int, int]] = []
        for ls, le in [*footer, (-1, -1)]:
            if ls >= 0 and not _CHROME.fullmatch(text[ls:le].strip()):
                run.append((ls, le))
                continue
            span = trim(text, run[0][0], run[-1][1]) if run else None
            if span:
                result.responses.append(ParsedResponse(start=span[0], end=span[1], role="moderator"))
            run = []


READER = BlogThreadReader()
