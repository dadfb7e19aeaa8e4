"""HTML pages: comment threads, or the paragraphs of the page's main content.

``ParseResult.text`` is the page's visible text (blocks separated by blank lines), without
scripts, styles, forms and page chrome (nav, header, footer, aside). Comments are found through
common comment markup (elements whose class names contain "comment"); a comment's span covers
its text only, not its author line, date or reply links. Pages without comment markup give one
response per paragraph of their main content. Markup never reaches the text: only text nodes
are kept, so tags inside comments come out as inert text.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

from fairhearing.errors import IngestError
from ingest.formats.base import ReadOptions, Tier
from ingest.model import ParsedResponse, ParseResult
from ingest.text_patterns import word_count

_SKIP_TAGS = {
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed", "head",
    "button", "input", "select", "textarea", "option", "canvas", "map",
}  # fmt: skip
_PAGE_CHROME_TAGS = {"nav", "aside", "header", "footer", "dialog"}
_SMALL_FORM = 1000  # a form with less text than this is a form (not a page wrapped in one)
MAX_THREAD_DEPTH = 64  # ancestors searched for the comment a reply answers
_PAGE_CHROME_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "dialog"}
_PAGE_CHROME_PARTS = {
    "nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs", "cookie", "cookies",
    "sidebar", "skip", "share", "sharing", "social", "banner", "masthead", "widget",
}  # fmt: skip
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "dd", "details", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
    "thead", "tfoot", "tr", "ul", "caption",
}  # fmt: skip
_CONTENT_PARTS = {"content", "text", "body", "message", "entry", "copy"}
_CONTENT_TOKENS = {"commentbody", "commenttext", "commentcontent", "commentmessage"}
_COMMENT_CHROME_PARTS = {
    "author", "meta", "metadata", "header", "footer", "action", "actions", "reply", "replies",
    "says", "date", "datetime", "time", "timestamp", "vcard", "avatar", "byline", "permalink",
    "moderation", "awaiting", "vote", "votes", "like", "likes", "share", "edit", "link", "links",
    "tools", "controls", "control", "admin", "user", "username", "fn", "info", "respond", "form",
}  # fmt: skip
_AUTHOR_PARTS = {"author", "fn", "user", "username", "name", "byline", "commenter", "nickname"}
_FALLBACK_TAGS = {"p", "li", "blockquote", "pre", "dd", "div"}
_SAYS = re.compile(r"\s*(?:says|said|wrote)\s*:?\s*$", re.I)
_PART_SPLIT = re.compile(r"[-_\s]+")


def _classes(el: Tag) -> list[str]:
    """The element's class names, lower-cased."""
    value = el.get("class") or []
    tokens = value.split() if isinstance(value, str) else list(value)
    return [t.lower() for t in tokens]


def _parts(el: Tag, with_id: bool = False) -> set[str]:
    """The words of its class names (and id): "comment-meta" gives {"comment", "meta"}."""
    tokens = _classes(el)
    if with_id and isinstance(el.get("id"), str):
        tokens.append(str(el.get("id")).lower())
    return {p for t in tokens for p in _PART_SPLIT.split(t) if p}


def _is_page_chrome(el: Tag) -> bool:
    role = el.get("role")
    if el.name in _PAGE_CHROME_TAGS or (isinstance(role, str) and role.lower() in _PAGE_CHROME_ROLES):
        return True
    return bool(_parts(el, with_id=True) & _PAGE_CHROME_PARTS)


def _is_comment_content(el: Tag) -> bool:
    for token in _classes(el):
        parts = set(_PART_SPLIT.split(token))
        if token in _CONTENT_TOKENS or ("comment" in parts and parts & _CONTENT_PARTS):
            return True
    return False


def _is_thread(el: Tag) -> bool:
    """A comment's container: class "comment" (WordPress, Blogger) or a list item."""
    return "comment" in _classes(el) or el.name == "li"


def _zones(soup: BeautifulSoup) -> tuple[set[int], set[int]]:
    """Ids of elements that are hidden (inside script-like elements, nav, aside or a small form
    such as a comment or search form) and of those inside page chrome (hidden ones included)."""
    hidden: set[int] = set()
    chrome: set[int] = set()
    stack: list[tuple[Tag, bool, bool]] = [(soup, False, False)]
    while stack:
        el, in_hidden, in_chrome = stack.pop()
        for child in el.children:
            if not isinstance(child, Tag):
                continue
            h = in_hidden or child.name in _SKIP_TAGS or child.name in ("nav", "aside")
            h = h or (child.name == "form" and len(child.get_text()) < _SMALL_FORM)
            c = in_chrome or h or _is_page_chrome(child)
            if h:
                hidden.add(id(child))
            if c:
                chrome.add(id(child))
            stack.append((child, h, c))
    return hidden, chrome


def _innermost(elements: list[Tag]) -> list[Tag]:
    """The elements that contain none of the others."""
    has_inner: set[int] = set()
    for el in elements:
        for parent in el.parents:
            if id(parent) in has_inner:
                break
            has_inner.add(id(parent))
    return [el for el in elements if id(el) not in has_inner]


def _thread_of(el: Tag) -> Tag | None:
    """The nearest enclosing comment container (within a few levels), if any."""
    for depth, parent in enumerate(el.parents):
        if depth >= 8 or parent.name in ("body", "html", "[document]"):
            return None
        if _is_thread(parent):
            return parent
    return None


def _author(scope: Tag, threads: set[int]) -> str | None:
    """The comment author's name within ``scope``, not looking inside nested replies."""
    best: Tag | None = None
    stack = list(reversed(scope.contents))
    while stack:
        el = stack.pop()
        if not isinstance(el, Tag) or id(el) in threads:
            continue
        parts = _parts(el)
        if el.name == "cite" or parts & {"fn", "user", "username", "commenter"}:
            best = el
            break
        if best is None and parts & _AUTHOR_PARTS:
            best = el
        stack.extend(reversed(el.contents))
    if best is None:
        return None
    name = _SAYS.sub("", " ".join(best.get_text(" ").split()))
    return name if 0 < len(name) <= 80 else None


def _reply_to(el: Tag, own_thread: Tag | None, index_of_thread: dict[int, int]) -> int | None:
    """Index of the comment whose thread encloses ``el`` (nearest first), if any."""
    for depth, parent in enumerate(el.parents):
        if depth > MAX_THREAD_DEPTH:
            return None
        if id(parent) in index_of_thread and parent is not own_thread:
            return index_of_thread[id(parent)]
    return None


class _Text:
    """Builds the visible text: collapsed spaces within blocks, blank lines between blocks."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.brk = ""  # pending block separator
        self.space = False

    def block(self, sep: str = "\n\n") -> None:
        if self.length and len(sep) > len(self.brk):
            self.brk = sep

    def add(self, raw: str) -> tuple[int, int] | None:
        collapsed = " ".join(raw.split())
        if not collapsed:
            self.space = self.space or bool(raw)
            return None
        if self.brk:
            self._put(self.brk)
        elif self.length and (self.space or raw[0].isspace()):
            self._put(" ")
        self.brk, self.space = "", raw[-1].isspace()
        start = self.length
        self._put(collapsed)
        return start, self.length

    def _put(self, s: str) -> None:
        self.parts.append(s)
        self.length += len(s)

    def text(self) -> str:
        return "".join(self.parts)


def _extract(
    root: Tag, responses: list[Tag], comment_zone: set[int]
) -> tuple[str, list[tuple[int, int] | None]]:
    """Walk the tree once; return the text and each response element's span in it."""
    index = {id(el): i for i, el in enumerate(responses)}
    spans: list[tuple[int, int] | None] = [None] * len(responses)
    out = _Text()
    stack: list[tuple[object, int | None, bool, bool]] = [(root, None, False, False)]
    while stack:
        node, owner, in_comment, closing = stack.pop()
        if closing:
            assert isinstance(node, Tag)
            if node.name in _BLOCK_TAGS or id(node) in index:
                out.block("\n" if node.name in ("tr", "dt") else "\n\n")
            else:
                out.space = True  # keep a comment's author and date apart
            continue
        if isinstance(node, NavigableString):
            if isinstance(node, Comment | Declaration | Doctype | ProcessingInstruction):
                continue
            span = out.add(str(node))
            if span and owner is not None:
                old = spans[owner]
                spans[owner] = span if old is None else (old[0], span[1])
            continue
        if not isinstance(node, Tag) or node.name in _SKIP_TAGS:
            continue
        separate = False
        if id(node) in index:
            owner, in_comment = index[id(node)], in_comment or id(node) in comment_zone
            out.block()
        elif in_comment and (_parts(node) & _COMMENT_CHROME_PARTS or node.name in ("header", "footer")):
            owner, separate = None, True
        elif not in_comment and _is_page_chrome(node):
            continue
        in_comment = in_comment or id(node) in comment_zone
        if node.name == "br":
            out.block("\n")
        elif node.name in ("td", "th"):
            out.space = True
        is_block = node.name in _BLOCK_TAGS or id(node) in index
        if is_block:
            out.block()
        if is_block or separate:
            stack.append((node, owner, in_comment, True))
        for child in reversed(node.contents):
            stack.append((child, owner, in_comment, False))
    return out.text(), spans


def _fallback_blocks(soup: BeautifulSoup, chrome: set[int]) -> list[Tag]:
    """Paragraph-like blocks of the main content, for pages without comment markup."""
    articles = soup.find_all("article")
    root = soup.find("main") or soup.find(attrs={"role": "main"})
    if root is None:
        root = articles[0] if len(articles) == 1 else (soup.body or soup)
    blocks = [el for el in root.find_all(sorted(_FALLBACK_TAGS)) if id(el) not in chrome]
    blocks = [el for el in _innermost(blocks) if word_count(el.get_text(" ")) >= 3]
    if not blocks and isinstance(root, Tag) and id(root) not in chrome and root.get_text().strip():
        blocks = [root]
    return blocks


def _title(soup: BeautifulSoup) -> str | None:
    for el in (soup.title, soup.find("h1")):
        if isinstance(el, Tag):
            title = " ".join(el.get_text(" ").split())
            if title:
                return title[:300]
    return None


class HtmlReader:
    name = "html"
    binary = False

    def sniff(self, data: bytes, filename: str) -> Tier:
        if filename.lower().endswith((".html", ".htm", ".xhtml")):
            return Tier.STRONG
        head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if head.startswith((b"<!doctype html", b"<html")):
            return Tier.MARKUP
        sample = data[:4096].lower()
        return Tier.HINT if any(tag in sample for tag in (b"<body", b"<div", b"<p>", b"</p>")) else Tier.NONE

    def read(self, data: bytes, filename: str, options: ReadOptions) -> ParseResult:
        encoding = None if options.encoding.lower() in ("utf-8", "utf8") else options.encoding
        try:
            soup = BeautifulSoup(data, "lxml", from_encoding=encoding)
        except Exception as e:  # the parser rejects some byte soups outright
            raise IngestError("FH-E140", f"could not parse HTML: {e}", file=filename) from None
        hidden, chrome = _zones(soup)
        contents = _innermost([el for el in soup.find_all(_is_comment_content) if id(el) not in hidden])
        if contents:
            responses = contents
            threads = {id(t): t for t in map(_thread_of, contents) if t is not None}
        else:
            responses = [el for el in soup.find_all(class_="comment") if id(el) not in hidden]
            threads = {id(el): el for el in responses}
        is_comments = bool(responses)
        if not is_comments:
            responses = _fallback_blocks(soup, chrome)
        zone = set(threads) | ({id(el) for el in responses} if is_comments else set())
        text, spans = _extract(soup, responses, zone)
        found: list[ParsedResponse] = []
        index_of_thread: dict[int, int] = {}
        for el, span in zip(responses, spans, strict=True):
            if span is None:
                continue
            thread = _thread_of(el) if contents else (el if is_comments else None)
            author = None
            if is_comments:
                author = _author(thread or el.parent or el, set(threads) - {id(thread)})
            response = ParsedResponse(
                start=span[0],
                end=span[1],
                author=author,
                reply_to=_reply_to(el, thread, index_of_thread),
                question=options.question,
            )
            if thread is not None:
                index_of_thread.setdefault(id(thread), len(found))
            found.append(response)
        if not found:
            raise IngestError("FH-E140", "no text found in the page", file=filename)
        return ParseResult(text=text, format=self.name, responses=found, title=_title(soup))


READER = HtmlReader()
