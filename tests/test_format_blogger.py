"""The "blog-thread" reader on the Work Programme blog post thread and on a made-up thread."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairhearing.errors import IngestError
from ingest.formats.base import ReadOptions
from ingest.formats.blogger import READER
from ingest.model import ParseResult
from tests.reader_checks import assert_spans

SEEDS = Path(__file__).resolve().parents[1] / "corpora" / "dwp-seeds"
BLOG = SEEDS / "003_cd2863db1d467436.txt"
CHROME = ("ReplyDelete", "Replies", "Delete", "comments:")


def _read(data: bytes) -> ParseResult:
    return READER.read(data, "thread.txt", ReadOptions())


def _assert_spans(res: ParseResult) -> None:
    assert_spans(res)
    for r in res.responses:
        body = res.text[r.start : r.end]
        assert not any(c in body for c in CHROME), body


@pytest.fixture(scope="module")
def seed() -> ParseResult:
    return _read(BLOG.read_bytes())


def test_text_untouched_and_spans_valid(seed: ParseResult) -> None:
    assert seed.text == BLOG.read_text(encoding="utf-8")
    assert seed.format == "blog-thread"
    assert seed.problems == []  # "16 comments:" matches what was found
    _assert_spans(seed)


def test_post(seed: ParseResult) -> None:
    post = seed.responses[0]
    assert seed.title == "Concerns about the Work Programme - implications for the providers"
    assert (post.role, post.author, post.meta["date"]) == ("post", None, "Friday 6 September 2013")
    body = seed.text[post.start : post.end]
    assert body.startswith("Back in May the Work and Pensions Select Committee")
    assert body.endswith("So you've no need to worry.")
    assert [r.role for r in seed.responses].count("post") == 1


def test_comment_counts(seed: ParseResult) -> None:
    comments = [r for r in seed.responses if r.role == "stakeholder"]
    top = [r for r in comments if r.reply_to is None]
    replies = [r for r in comments if r.reply_to is not None]
    assert (len(comments), len(top), len(replies)) == (16, 11, 5)
    assert [r.meta["number"] for r in top] == list(range(1, 12))


def test_which_replies_answer_which_comment(seed: ParseResult) -> None:
    rs = seed.responses
    answered = [(rs[r.reply_to].meta["number"], r.meta["number"]) for r in rs if r.reply_to is not None]
    assert answered == [(1, 1), (1, 2), (1, 3), (2, 1), (8, 1)]
    assert all(rs[r.reply_to].reply_to is None for r in rs if r.reply_to is not None)
    first = [seed.text[r.start : r.end] for r in rs if r.reply_to is not None]
    assert first[0].startswith("Tailored support? I have to constantly chase up")
    assert first[1].endswith("Living life with the Sword of Damocles over your head is exhausting.")
    assert first[2].endswith("during a BBC R5L interview last year.")


def test_at_reply_is_addressed_but_stays_under_its_comment(seed: ParseResult) -> None:
    at = [r for r in seed.responses if "addressed_to" in r.meta]
    assert len(at) == 1 and at[0].meta["addressed_to"] == "Badger"
    assert seed.responses[at[0].reply_to].meta["number"] == 8
    body = seed.text[at[0].start : at[0].end]
    assert body.startswith('"- Community Action Programme') and "@Badger" not in body
    assert at[0].points is None  # a quoted "- " line is not a bullet


def test_bulleted_comment_has_points(seed: ParseResult) -> None:
    eight = next(r for r in seed.responses if r.reply_to is None and r.meta.get("number") == 8)
    points = [p.text(seed.text) for p in eight.points or []]
    assert len(points) == 4
    assert points[0] == "Few observations:"
    assert points[1].startswith("http://www.shu.ac.uk/") and points[1].endswith("Good, but worrying.")
    assert points[2].startswith("In-work conditionality.")
    assert points[2].endswith("hysteresis probably doesn't apply.")  # the paragraph under the bullet
    assert points[3].startswith("Community Action Programme")
    assert [i for i, r in enumerate(seed.responses) if r.points] == [seed.responses.index(eight)]


def test_footer_is_moderator(seed: ParseResult) -> None:
    last = seed.responses[-1]
    assert last.role == "moderator" and [r.role for r in seed.responses].count("moderator") == 1
    assert seed.text[last.start : last.end].startswith("Keep it clean, please.")
    assert seed.text[last.start : last.end].endswith('post a comment beginning with "not for publication".')


def test_sniff() -> None:
    assert READER.sniff(BLOG.read_bytes(), BLOG.name) >= 0.9
    for other in ("000_8ef29a6578c7ff4a.txt", "002_a782d7f36bd06b08.txt", "004_e8bb6e121e9bd43b.txt"):
        assert READER.sniff((SEEDS / other).read_bytes(), other) == 0.0


SYNTHETIC = """Allotment rents are going up

The parish council wants to double the rent on allotments from next spring.

5 comments:

  1. This will price out pensioners.

    ReplyDelete
    Replies
    1. @Sam: agreed, and students too.

      Delete
    2. Not everyone is a pensioner.
      Some of us work shifts.

      Delete
  2. Points from the residents' meeting:
    - rents should rise with inflation only
    - offer a hardship discount

    ReplyDelete

Post a Comment

Comments are moderated; off-topic posts will be removed.
"""


def test_synthetic_thread() -> None:
    res = _read(SYNTHETIC.encode())
    _assert_spans(res)
    assert res.title == "Allotment rents are going up"
    assert [(r.role, r.reply_to) for r in res.responses] == [
        ("post", None),
        ("stakeholder", None),
        ("stakeholder", 1),
        ("stakeholder", 1),
        ("stakeholder", None),
        ("moderator", None),
    ]
    texts = [res.text[r.start : r.end] for r in res.responses]
    assert "date" not in res.responses[0].meta
    assert texts[2] == "agreed, and students too." and res.responses[2].meta["addressed_to"] == "Sam"
    assert texts[3] == "Not everyone is a pensioner.\n      Some of us work shifts."
    assert [p.text(res.text) for p in res.responses[4].points or []] == [
        "Points from the residents' meeting:",
        "rents should rise with inflation only",
        "offer a hardship discount",
    ]
    assert texts[5] == "Comments are moderated; off-topic posts will be removed."
    # the header says 5 but the thread holds 4: reported, not hidden
    assert len(res.problems) == 1 and "5 comments but 4" in res.problems[0].message
    assert res.problems[0].line == 5


def test_empty_comment_is_reported_and_replies_keep_their_parent() -> None:
    thread = "T\n\nPost.\n\n3 comments:\n\n  1.\n\n    ReplyDelete\n  2. Yes.\n\n    ReplyDelete\n"
    thread += "    Replies\n    1. No.\n\n      Delete\n"
    res = _read(thread.encode())
    assert [(r.role, r.reply_to) for r in res.responses] == [
        ("post", None),
        ("stakeholder", None),
        ("stakeholder", 1),
    ]
    assert [p.line for p in res.problems] == [7]  # comment 1 is empty; the count (3) includes replies
    assert "comment 1 has no text" in res.problems[0].message


def test_no_comments_is_an_error() -> None:
    with pytest.raises(IngestError) as e:
        _read(b"A title\n\nA post with no thread.\n")
    assert e.value.code == "FH-E140"


def test_windows_line_endings() -> None:
    res = _read(SYNTHETIC.replace("\n", "\r\n").encode())
    _assert_spans(res)
    assert [r.reply_to for r in res.responses] == [None, None, 1, 1, None, None]
    assert res.responses[-1].role == "moderator"
    assert "5 comments but 4" in res.problems[0].message
