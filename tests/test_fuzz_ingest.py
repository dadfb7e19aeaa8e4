"""Issue 10's attack on ingest, kept as tests: every nasty file through the real ``ingest_paths``.

Each file is accepted with exactly the expected responses, or rejected with a coded error naming
the file (and its row or line where one is owed) and the database left exactly as it was. Any
other exception fails the test. Hypothesis adds random answers in every tabular and text format.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import names
from ingest.clean import display_text, normalise
from ingest.pipeline import ingest_paths
from store.db import open_db
from tests import fuzz_files
from tests.fuzz_files import ANSWERS, Case

_CODE = re.compile(r"\[(FH-E\d{3})\]")
BASELINE = "baseline.txt"


def _snapshot(db) -> list[str]:
    return list(db.conn.iterdump())


def _responses(db, name: str, shown: bool = True) -> list[str]:
    """The file's responses as shown (``clean_text``: normalised and redacted) or, with ``shown=False``,
    as read (the raw text, normalised only)."""
    rows = db.execute(
        "SELECT r.clean_text, r.text FROM responses r JOIN sources s ON s.id = r.source_id WHERE s.name = ? "
        "ORDER BY r.idx",
        [name],
    ).fetchall()
    return [clean if shown else normalise(raw)[0] for clean, raw in rows]


def _db_with_baseline(tmp_path: Path):
    db = open_db(tmp_path / "fuzz.db")
    base = tmp_path / "in" / BASELINE
    base.parent.mkdir(exist_ok=True)
    base.write_text("\n\n".join(ANSWERS))
    [report] = ingest_paths(db, [base])
    assert report.status == "added", report.error
    return db


@pytest.fixture(autouse=True)
def _names_by_rules(monkeypatch):
    """These tests are about the readers: names are found by the fast context rules (the model's own
    tests are in tests/test_names.py), and the expected text is compared as it is shown, redacted."""
    monkeypatch.setenv("FAIRHEARING_PII_NAMES", "rules")
    names.clear_cache()
    yield
    names.clear_cache()


def check_case(tmp_path: Path, case: Case, shown: bool = True) -> None:
    """Ingest ``case`` into a database holding one other file; check the outcome it is owed."""
    db = _db_with_baseline(tmp_path)
    path = tmp_path / "in" / case.name
    path.write_bytes(case.data)
    before = _snapshot(db)
    [report] = ingest_paths(db, [path], fmt=case.fmt)
    if case.code is None:
        assert report.status == "added", report.error
        expected = [display_text(e) if shown else normalise(e)[0] for e in case.expect]
        assert _responses(db, case.name, shown) == expected
        if case.notice:
            assert any(case.notice in p for p in report.problems), report.problems
    else:
        assert report.status == "failed", f"accepted: {_responses(db, case.name)[:3]}"
        code = _CODE.search(report.error or "")
        assert code and code.group(1) == case.code, report.error
        assert case.name in report.error
        if case.where:
            assert case.where in report.error, report.error
        assert _snapshot(db) == before  # nothing stored, not even a consultation
    db.close()


CASES = fuzz_files.attack_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_attack_file(tmp_path: Path, case: Case) -> None:
    check_case(tmp_path, case)


def test_undecodable_file_name(tmp_path: Path) -> None:
    """A name that is not UTF-8 is stored with its bad bytes escaped, not a traceback."""
    folder = tmp_path / "in"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/r\xe9ponses \xff.txt"
    with open(raw, "wb") as f:
        f.write("\n\n".join(ANSWERS).encode())
    db = open_db(tmp_path / "names.db")
    [report] = ingest_paths(db, [folder])
    assert report.status == "added", report.error
    [(name,)] = db.execute("SELECT name FROM sources").fetchall()
    assert name == "r\\xe9ponses \\xff.txt"
    assert _responses(db, name) == ANSWERS


def test_same_name_in_two_folders(tmp_path: Path) -> None:
    for sub, answers in (("a", ANSWERS[:2]), ("b", ANSWERS[2:])):
        (tmp_path / "in" / sub).mkdir(parents=True)
        (tmp_path / "in" / sub / "letter.txt").write_text("\n\n".join(answers))
    db = open_db(tmp_path / "two.db")
    reports = ingest_paths(db, [tmp_path / "in"])
    assert [r.status for r in reports] == ["added", "added"]
    assert _responses(db, "a/letter.txt") + _responses(db, "b/letter.txt") == ANSWERS


# --- random variants -------------------------------------------------------------------------

# Words from any script, with the characters that broke readers: quotes, delimiters, CR/LF,
# zero-width characters, soft hyphens, emoji and non-breaking spaces.
_WORD = st.text(
    alphabet=st.one_of(
        st.characters(whitelist_categories=("Lu", "Ll", "Lo")),
        st.sampled_from(list("\"',;|\t\u200b\u00ad\u00a0\U0001f600éß£")),
    ),
    min_size=2,
    max_size=9,
).filter(lambda w: any(ch.isalpha() for ch in w))
_GAP = st.sampled_from([" ", "  ", " \r\n", "\n", "\u00a0", " \t"])


@st.composite
def _answer(draw) -> str:
    words = draw(st.lists(_WORD, min_size=5, max_size=14))
    out = words[0]
    for w in words[1:]:
        out += draw(_GAP) + w
    return out


@st.composite
def _answers(draw) -> list[str]:
    real = draw(st.lists(_answer(), min_size=3, max_size=6))
    blanks = draw(st.lists(st.sampled_from(["", " ", "\u200b", "\u00ad\u00ad", "\u200b \u2060"]), max_size=2))
    out = list(real)
    for b in blanks:
        out.insert(draw(st.integers(0, len(out))), b)
    return out


@pytest.mark.parametrize("fmt", ["csv", "tsv", "xlsx", "json", "jsonl", "text", "html", "docx"])
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(answers=_answers())
def test_random_answers(tmp_path_factory, fmt: str, answers: list[str]) -> None:
    if fmt == "text":  # a blank line inside an answer starts a new response there
        answers = [re.sub(r"\n\s*\n", "\n", a.replace("\r", "")) for a in answers]
    if fmt in ("xlsx", "docx", "html"):  # XML keeps no CR; HTML turns CRLF into LF
        answers = [a.replace("\r", "") for a in answers]
    name, data = fuzz_files.write_answers(fmt, answers)
    expect = [a for a in answers if normalise(a)[0].strip()]
    if fmt == "docx":  # a document is one letter: its paragraphs make one response
        expect = ["\n".join(expect)]
    case = Case(name, data, expect=expect, fmt=None if fmt != "text" else "text")
    # random text may look like a name to the redaction rules in one context and not another: the
    # readers are checked on the text as read (the attack cases above check it as shown)
    check_case(tmp_path_factory.mktemp(fmt), case, shown=False)
