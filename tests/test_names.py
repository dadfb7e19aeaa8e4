"""Private individuals' names (ingest.names) and their place in redaction (ingest.clean)."""

from __future__ import annotations

import threading

import pytest

from ingest import names
from ingest.clean import display_text, redact, redact_spans, spans_within


def found(text: str) -> list[str]:
    return [text[s:e] for s, e, _ in names.name_spans(text)]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("We agree.\n\nYours sincerely,\nJane Whitfield", "Jane Whitfield"),
        ("We agree with 3.1. Regards, J. Okafor\nHead of Policy", "J. Okafor"),
        ("Hello, my name is Priya Raghavan and I claim Universal Credit.", "Priya Raghavan"),
        ("I am Tom Hughes and I run a garage.", "Tom Hughes"),
        ("Kind regards\n\nDavid O'Neill\nChief Executive\nCitizens Advice Leeds", "David O'Neill"),
        ("Our member, Mrs Doreen Fletcher, aged 63, was sanctioned twice.", "Doreen Fletcher"),
        ("Name: Rebecca Lloyd\nOrganisation: Scope", "Rebecca Lloyd"),
    ],
)
def test_finds_signatures_sign_offs_and_introductions(text: str, name: str) -> None:
    assert name in found(text)


def test_keeps_organisations_places_policies_and_codes() -> None:
    text = (
        "Leonard Cheshire, Sue Ryder and the Joseph Rowntree Foundation met Leeds City Council in Manchester "
        "about Principle 4.10, Access to Work and Attendance Allowance. Card numbers fail the Luhn check."
    )
    assert found(text) == []


def test_capitalised_words_opening_a_sentence_are_not_names() -> None:
    assert found("Carer wait letter childcare hours form council rent advice.") == []
    assert found("Letter sent. Carer support is poor.") == []


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("The council should fund this.", False),  # a sentence opener before a lower-case word
        ("Funding is short. The carers need help.", False),  # a stop word after a full stop
        ("- Carer support is poor\n- NHS waits are long", False),  # bullets; all capitals
        ("Funding is short. Carers need help.", True),  # a content word after a full stop may be a name
        ("We met Smith.", True),
        ("John Smith wrote to us.", True),  # two capitalised words
        ("Thanks.\nMary", True),  # nothing follows it
    ],
)
def test_model_reads_only_texts_where_it_could_find_a_kept_name(text: str, read: bool) -> None:
    assert names.could_hold_model_name(text) is read


def test_prefetch_skipping_the_model_gives_the_spans_it_would_have() -> None:
    texts = [
        "The council should fund this.",
        "My name is Priya Raghavan and I claim Universal Credit.",
        "We met Colin Moss. Colin asked for the figures.",
        "Carer support is poor.",
        "Card numbers fail the Luhn check, said Okafor.",  # one-word entities: their filters read tags
        "We asked Siobhan about Down's syndrome support.",
    ]
    names.clear_cache()
    one_by_one = [found(t) for t in texts]
    names.clear_cache()
    names.prefetch(texts)
    assert [found(t) for t in texts] == one_by_one
    assert one_by_one[1] == ["Priya Raghavan"] and one_by_one[0] == one_by_one[3] == []


def test_workers_find_the_same_names_as_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [
        "My name is Priya Raghavan and I claim Universal Credit.",
        "We met Colin Moss at the Jobcentre. Colin asked for the figures.",
        "Card numbers fail the Luhn check, said Okafor.",
        "The council in Leeds should fund Mind and Scope.",
        "We asked Siobhan about Down's syndrome support.",
        "Ask Dr Helen Marsh at Leonard Cheshire.",
        "Carer support is poor.",
    ] * 3
    texts = [f"{t} ({i})" for i, t in enumerate(texts)]  # all distinct, so each one is read
    names.clear_cache()
    one_by_one = [found(t) for t in texts]
    monkeypatch.setattr(names, "PARALLEL_MIN", 2)
    names.clear_cache()
    with names.NameWorkers(2) as workers:
        assert workers.read(texts[:4], 8) == names._parse(texts[:4], 8)
        names.prefetch(texts, workers=workers)
        assert workers._pool is not None  # the batch was shared with a worker
    assert [found(t) for t in texts] == one_by_one
    assert one_by_one[0] == ["Priya Raghavan"] and one_by_one[1] == ["Colin Moss", "Colin"]


def test_workers_are_spawned_under_a_threaded_server() -> None:
    texts = ["My name is Priya Raghavan.", "We met Colin Moss.", "Ask Siobhan.", "Carer support is poor."]
    stop = threading.Event()
    server = threading.Thread(target=stop.wait)  # stands in for a web server's threads: forking is unsafe
    server.start()
    try:
        with names.NameWorkers(2) as workers:
            assert workers.read(texts, 8) == names._parse(texts, 8)
            assert workers._pool is not None and workers._pool._ctx.get_start_method() == "spawn"
    finally:
        stop.set()
        server.join()


def test_recurrences_and_first_names_are_redacted_too() -> None:
    text = "Please pass this on to Colin. Colin Moss asked for the figures.\n\nYours sincerely,\nColin Moss"
    assert found(text) == ["Colin", "Colin Moss", "Colin Moss"]


def test_public_office_holders_are_kept() -> None:
    assert found("James Purnell, Secretary of State, wrote the foreword.") == []


def test_redaction_shows_name_label_and_points_share_response_spans() -> None:
    raw = "We support 2.3.\n\nBest wishes,\nSiobhan McAllister\nPolicy Officer, Mencap"
    assert display_text(raw) == "We support 2.3. Best wishes, [name] Policy Officer, Mencap"
    spans = redact_spans(raw)
    start = raw.index("Best")
    assert redact(raw[start:], spans_within(spans, start, len(raw))).startswith("Best wishes,\n[name]\n")


def test_rules_only_mode_without_the_model(monkeypatch) -> None:
    monkeypatch.setenv("FAIRHEARING_PII_NAMES", "rules")
    names._nlp.cache_clear()
    names.clear_cache()
    try:
        assert names._nlp() is None
        assert found("Regards,\nTariq Mahmood") == ["Tariq Mahmood"]
    finally:
        names._nlp.cache_clear()
        names.clear_cache()


def test_missing_model_is_a_coded_error(monkeypatch) -> None:
    monkeypatch.delenv("FAIRHEARING_PII_NAMES", raising=False)
    monkeypatch.setattr(names, "MODEL", "no_such_spacy_model_package")
    names._nlp.cache_clear()
    try:
        with pytest.raises(names.ModelMissing) as e:
            names._nlp()
        assert e.value.code == "FH-E302"
    finally:
        names._nlp.cache_clear()


@pytest.mark.parametrize(
    ("author", "shown"),
    [
        ("Jane Whitfield", "[name]"),
        ("Michelle", "[name]"),
        ("Shaw Trust", "Shaw Trust"),
        ("Tomorrow's People", "Tomorrow's People"),
        ("ERSA", "ERSA"),
        ("Anonymous", "Anonymous"),
        (None, None),
        ("", ""),
    ],
)
def test_public_author(author, shown) -> None:
    assert names.public_author(author) == shown


def test_report_and_cite_line_never_name_a_person() -> None:
    from reports.quotes import attribution
    from store.citations import Reference, cite_line

    assert attribution("Jane Whitfield", None, "individual", {}) == "an individual respondent"
    assert attribution("Jane Whitfield", "Shaw Trust", "organisation", {}) == "Shaw Trust"
    ref = Reference(
        1, "c", "a.txt", "A", "item 1", names.public_author("Jane Whitfield"), None, None, None, "/r/1", 0, 9
    )
    line = cite_line(ref)
    assert "Jane" not in line and line.startswith("An individual respondent")


def test_a_text_longer_than_the_model_reads_at_once_is_read_in_pieces() -> None:
    long = "The weather was fine today. " * 3000 + "Yesterday Margaret Thornbury phoned the office about it."
    assert len(long) > names.MODEL_CHUNK
    pieces = names._chunks(long)
    assert pieces[0][0] == 0 and pieces[-1][1] == len(long)
    assert all(a < b == c for (a, b), (c, _) in zip(pieces, pieces[1:], strict=False))
    assert [long[s:e] for s, e in names._model_spans(long)] == ["Margaret Thornbury"]


def test_a_response_longer_than_the_model_reads_still_gets_the_context_rules() -> None:
    huge = "Nothing to add here. " * (names.MODEL_MAX // 20) + "\n\nYours sincerely,\nJane Smith"
    assert len(huge) > names.MODEL_MAX
    assert names._model_spans(huge) == []
    assert "Jane Smith" in found(huge)


def test_texts_are_read_by_segment_and_a_recurring_sentence_is_parsed_once(monkeypatch) -> None:
    form = "We object to the closure of the Jobcentre and ask the minister to think again."
    texts = [f"{form}\nMy name is Priya Raghavan.", f"{form} Colin Moss agrees.", f"{form} Thanks."]
    parsed: list[str] = []
    real = names._parse

    def counting(pieces: list[str], batch_size: int):
        parsed.extend(pieces)
        return real(pieces, batch_size)

    monkeypatch.setattr(names, "_parse", counting)
    names.clear_cache()
    names.prefetch(texts)
    assert parsed.count(form) == 1 and "Colin Moss agrees." in parsed
    assert found(texts[0]) == ["Priya Raghavan"] and found(texts[1]) == ["Colin Moss"]
    parsed.clear()
    names.clear_cache()
    names._CACHE.clear()
    found(f"{form} Anne Hill.")  # one text at a time goes through the same segment cache
    found(f"{form} Anne Hill agrees.")
    assert parsed.count(form) == 1


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("We met Colin Moss. Colin asked.\nThanks", ["We met Colin Moss.", "Colin asked.", "Thanks"]),
        (
            "Ask Mrs. Jane Smith or J. Okafor. Rep. Tulsi Gabbard too.",
            ["Ask Mrs. Jane Smith or J. Okafor.", "Rep. Tulsi Gabbard too."],
        ),
        ('It works (mostly). "Yes," said Ann.', ["It works (mostly).", '"Yes," said Ann.']),
        ("  \n\n", []),
    ],
)
def test_segments_end_at_lines_and_sentences_never_inside_a_name(text: str, pieces: list[str]) -> None:
    assert [text[a:b] for a, b in names._segments(text)] == pieces


@pytest.mark.parametrize(
    ("text", "opens"),
    [("Bar", True), ("foo.\nBar", True), ("foo. \nBar", True), ("foo.\n\nBar", False), ("foo. Bar", False),
     ("foo.  Bar", False), ('said "Bar', True), ("Notes: Bar", True)],
)  # fmt: skip
def test_a_segment_start_opens_a_line_as_the_whole_texts_parse_would_say(text: str, opens: bool) -> None:
    # spaCy makes a line break its own token ("\n", "\n\n"); a single space belongs to the token before
    assert names._opens_at(text, text.index("Bar")) is opens
    doc = names._nlp()(text)
    before = doc[[t.text for t in doc].index("Bar") - 1] if not text.startswith("Bar") else None
    assert (before is None or before.text in names._OPENERS) is opens


def test_the_segment_cache_is_bounded_by_characters(monkeypatch) -> None:
    names.clear_cache()
    monkeypatch.setattr(names, "_SEGMENTS_CHARS", 100)
    texts = [f"Colin Moss wrote to the council about case number {i} and its long history." for i in range(5)]
    names.prefetch(texts)
    assert sum(map(len, names._SEGMENTS)) == names._segment_chars <= 100 and len(names._SEGMENTS) == 1
    assert [found(t) for t in texts] == [["Colin Moss"]] * 5
    names.clear_cache()
    assert names._segment_chars == 0 and not names._SEGMENTS


def test_whole_word_search_matches_the_boundary_pattern() -> None:
    """The plain search finds what ``(?<![\\w'-])word(?![\\w'-])`` finds, on random texts."""
    import random
    import re

    rng = random.Random(7)
    alphabet = ["Ann", "ann", " ", "-", "'", "_", "é", "1", ".", "\n", "Anné", "x"]
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        for word in ("Ann", "ann", "Ann Ann", "é"):
            pattern = re.compile(rf"(?<![\w'-]){re.escape(word)}(?![\w'-])")
            assert list(names._whole_word(word, text)) == [m.span() for m in pattern.finditer(text)], (
                word,
                text,
            )
