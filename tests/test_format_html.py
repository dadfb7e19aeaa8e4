"""The HTML reader: comment threads (WordPress- and Blogger-style markup) and plain pages."""

from __future__ import annotations

import pytest

from fairhearing.errors import IngestError
from ingest.formats.base import ReadOptions
from ingest.formats.html import READER
from ingest.model import ParseResult

WORDPRESS = """<!DOCTYPE html>
<html><head><title>Consultation: Implementation</title>
<script>var x = "<p>hidden script text</p>";</script><style>p { color: red }</style></head>
<body>
<header class="site-header"><nav><ul><li><a href="/">Home</a></li><li>About this consultation</li></ul></nav></header>
<main>
<article class="post"><h1>Implementation</h1>
<p>How should the programme be implemented in its first year?</p></article>
<div id="comments" class="comments-area">
<h2 class="comments-title">3 comments on &ldquo;Implementation&rdquo;</h2>
<ol class="comment-list">
<li id="comment-1" class="comment even depth-1">
 <article id="div-comment-1" class="comment-body">
  <footer class="comment-meta"><div class="comment-author vcard"><img class="avatar" src="a.png">
   <b class="fn">Jane Smith</b> <span class="says">says:</span></div>
   <div class="comment-metadata"><a href="#c1"><time datetime="2010-01-01">1 January 2010 at 10:00</time></a></div>
  </footer>
  <div class="comment-content"><p>Providers need <b>longer</b> contracts to invest.</p>
   <p>I typed &lt;script&gt;alert(1)&lt;/script&gt; as text.<script>alert("injected")</script>
   <img src=x onerror="alert(2)"><a href="javascript:alert(3)">a link</a></p></div>
  <div class="reply"><a class="comment-reply-link" href="#">Reply</a></div>
 </article>
 <ol class="children">
  <li id="comment-2" class="comment odd depth-2">
   <article class="comment-body"><footer class="comment-meta"><div class="comment-author vcard">
    <b class="fn">Bob Jones</b> <span class="says">says:</span></div></footer>
    <div class="comment-content"><p>I agree with Jane about contract length.</p></div>
    <div class="reply"><a class="comment-reply-link">Reply</a></div></article>
  </li>
 </ol>
</li>
<li id="comment-3" class="comment depth-1"><article class="comment-body"><footer class="comment-meta">
 <div class="comment-author vcard"><b class="fn">Ann Lee</b> <span class="says">says:</span></div></footer>
 <div class="comment-content"><p>Payment by results worries smaller charities.</p></div></article></li>
</ol>
<div id="respond" class="comment-respond"><form id="commentform" class="comment-form">
 <p class="comment-notes">Your email address will not be published.</p>
 <p class="comment-form-comment"><label>Comment</label><textarea name="comment"></textarea></p>
 <input type="submit" value="Post Comment"></form></div>
</div>
</main>
<footer class="site-footer"><p>Crown copyright. All rights reserved.</p></footer>
</body></html>
"""

BLOGGER = """<html><body><div class="post-body">Post text about the Work Programme.</div>
<div class="comments" id="comments"><h4>2 comments:</h4><div class="comment-thread"><ol>
<li class="comment" id="c1"><div class="comment-block"><div class="comment-header">
<cite class="user"><a href="#">Anonymous</a></cite><span class="datetime secondary-text"><a href="#">18 September 2013 at 09:12</a></span></div>
<p class="comment-content">The providers are cherry picking.<br>Parking the rest.</p>
<span class="comment-actions secondary-text"><a class="comment-reply">Reply</a><span class="item-control blog-admin"><a href="#">Delete</a></span></span></div>
<div class="comment-replies"><div class="comment-thread inline-thread"><ol>
<li class="comment" id="c2"><div class="comment-block"><div class="comment-header"><cite class="user"><a href="#">Fred</a></cite></div>
<p class="comment-content">Exactly right, I saw it happen.</p>
<span class="comment-actions secondary-text"><span class="item-control blog-admin"><a href="#">Delete</a></span></span></div></li>
</ol></div></div></li></ol></div></div></body></html>
"""

ARTICLE = """<html><head><title>Our response</title></head><body>
<nav>Home | News | Contact us today please</nav>
<main><h1>Our response to the consultation</h1>
<p>We welcome the proposals for a simpler   system overall.</p>
<ul><li>Contracts should run for at least seven years.</li><li>Smaller charities need a fair share.</li><li>OK</li></ul>
<div class="share">Share this page on social media</div></main>
<footer>Contact: 0123 456 789 call us</footer></body></html>
"""


def _read(html: str, **opts: object) -> ParseResult:
    res = READER.read(html.encode(), "page.html", ReadOptions(**opts))  # type: ignore[arg-type]
    for r in res.responses:
        body = res.text[r.start : r.end]
        assert 0 <= r.start < r.end <= len(res.text) and body == body.strip()
    return res


def _bodies(res: ParseResult) -> list[str]:
    return [res.text[r.start : r.end] for r in res.responses]


def test_wordpress_comments_authors_and_replies() -> None:
    res = _read(WORDPRESS, question="How should it be implemented?")
    assert res.format == "html" and res.title == "Consultation: Implementation"
    assert _bodies(res) == [
        "Providers need longer contracts to invest.\n\nI typed <script>alert(1)</script> as text. a link",
        "I agree with Jane about contract length.",
        "Payment by results worries smaller charities.",
    ]
    assert [r.author for r in res.responses] == ["Jane Smith", "Bob Jones", "Ann Lee"]
    assert [r.reply_to for r in res.responses] == [None, 0, None]
    assert all(r.question == "How should it be implemented?" for r in res.responses)


def test_chrome_and_markup_never_reach_the_text() -> None:
    res = _read(WORDPRESS)
    for gone in ("hidden script text", "color: red", "Home", "Crown copyright", 'alert("injected")', "onerror",
                 "javascript:", "<p>", "<b>", "Post Comment"):  # fmt: skip
        assert gone not in res.text, gone
    # the page keeps the visible author line, but outside the response spans
    assert "Jane Smith says:" in res.text
    assert all("says:" not in b and "Reply" not in b for b in _bodies(res))
    # text the commenter typed as "<script>" is kept as the characters they typed: plain text,
    # which the display layer escapes; no element survives extraction
    assert res.text.count("<script>") == 1


def test_blogger_thread() -> None:
    res = _read(BLOGGER)
    assert _bodies(res) == [
        "The providers are cherry picking.\nParking the rest.",
        "Exactly right, I saw it happen.",
    ]
    assert [r.author for r in res.responses] == ["Anonymous", "Fred"]
    assert [r.reply_to for r in res.responses] == [None, 0]
    assert "Anonymous 18 September 2013" in res.text  # inline chrome kept apart by a space
    assert all("Delete" not in b for b in _bodies(res))


def test_page_without_comment_markup_gives_its_paragraphs() -> None:
    res = _read(ARTICLE)
    assert _bodies(res) == [
        "We welcome the proposals for a simpler system overall.",
        "Contracts should run for at least seven years.",
        "Smaller charities need a fair share.",
    ]
    assert res.title == "Our response"
    assert "Contact us today" not in res.text and "Share this page" not in res.text
    assert "\n\nContracts should run" in res.text  # blocks are separated by blank lines


def test_plain_div_comments() -> None:
    html = (
        '<div class="comment"><span class="comment-author">Kim</span> <span class="comment-date">2 May</span>'
        "<div>Please keep the <i>local</i> office open.</div></div>"
        '<div class="comment"><span class="comment-author">Lee</span><div>More evening appointments.</div></div>'
    )
    res = _read(html)
    assert _bodies(res) == ["Please keep the local office open.", "More evening appointments."]
    assert [r.author for r in res.responses] == ["Kim", "Lee"]


@pytest.mark.parametrize(
    "html", ["", "<html><body><script>only()</script></body></html>", "<nav>menu only here</nav>"]
)
def test_no_text(html: str) -> None:
    with pytest.raises(IngestError) as e:
        READER.read(html.encode(), "empty.html", ReadOptions())
    assert e.value.code == "FH-E140"


def test_deeply_nested_markup_is_not_a_crash() -> None:
    html = "<div>" * 5000 + "Deep text that someone wrote here." + "</div>" * 5000
    res = _read(html)
    assert "Deep text that someone wrote here." in res.text


def test_latin1_page_with_declared_charset() -> None:
    html = '<html><head><meta charset="iso-8859-1"></head><body><p>Caf\xe9 staff need more hours.</p></body></html>'
    res = READER.read(html.encode("latin-1"), "old.html", ReadOptions())
    assert _bodies(res) == ["Café staff need more hours."]


def test_sniff() -> None:
    assert READER.sniff(b"", "a.html") >= 0.9
    assert READER.sniff(b"  <!DOCTYPE html><html>", "upload") >= 0.8
    assert READER.sniff(b"1. Jane says:\nI agree.", "page.txt") == 0
