"""The CSV and XLSX readers: the real Polis export, made-up survey exports, and bad input."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from fairhearing.errors import IngestError
from ingest.columns import clean_headers, plan_columns
from ingest.formats.base import ReadOptions
from ingest.formats.tabular import READERS
from ingest.model import ParseResult
from tests.fuzz_files import xlsx_bytes as _workbook
from tests.reader_checks import assert_spans

CSV, XLSX = READERS
POLIS = Path(__file__).resolve().parents[1] / "corpora" / "polis-opendata" / "polis_comments_all.csv"

SURVEY = (
    "Response ID,Are you responding as an individual or on behalf of an organisation?,"
    "Organisation name,Region,Q1: What should change about the Work Programme?,"
    "Q2: Do you have any other comments?,Submitted\r\n"
    '101,Individual,,North East,"Advisers change too often, so nobody knows my case.",No,2024-01-03\r\n'
    '102,On behalf of an organisation,Shaw Trust,London,"Contracts are too short to invest in staff.",'
    '"We said ""longer contracts"" last year,\r\nand nothing changed.",2024-01-04\r\n'
    '103,An individual,,Wales,,"The online forms are hard to use with a screen reader.",2024-01-05\r\n'
    '104,Organisation,Mencap,Scotland,"Payment by results leaves disabled people parked.",,2024-01-06\r\n'
)


def _csv(text: str, name: str = "survey.csv", **opts: object) -> ParseResult:
    return CSV.read(text.encode("utf-8"), name, ReadOptions(**opts))  # type: ignore[arg-type]


def _check_spans(res: ParseResult) -> None:
    assert_spans(res)


# --- the Polis export -------------------------------------------------------------------


@pytest.fixture(scope="module")
def polis() -> tuple[ParseResult, list[list[str]]]:
    data = POLIS.read_bytes()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    return CSV.read(data, POLIS.name, ReadOptions(include_moderated=True)), rows


def test_polis_text_is_the_file_and_every_comment_is_found(polis) -> None:
    res, rows = polis
    body = rows[1:]
    assert len(body) == 11082
    assert res.text.startswith(POLIS.read_bytes().decode("utf-8"))  # CRLF line ends kept
    assert res.format == "csv"
    # 1 of the 11,082 comment cells is empty: skipped. Placeholders ("N/A", "-", "nothing") are
    # kept and flagged: the 5 that were skipped before (".", ".", "-", "na", "None") and 6 others
    assert len(res.responses) == 11081
    found = {x.meta["row"] for x in res.responses}
    skipped = [r[8] for i, r in enumerate(body, start=2) if i not in found]
    assert skipped == [""]
    flagged = [res.text[x.start : x.end] for x in res.responses if x.meta.get("placeholder")]
    assert sorted(flagged) == ["-", ".", ".", "...", "?", "?", "?", "None", "Nothing", "na", "no comment"]
    _check_spans(res)


def test_polis_comments_rejected_by_moderators_are_left_out_and_counted() -> None:
    res = CSV.read(POLIS.read_bytes(), POLIS.name, ReadOptions())
    # 4,355 rows have moderated = -1 (4,354 with text): left out by default, and said so
    assert len(res.responses) == 11081 - 4354
    assert all(r.meta.get("moderated") != "-1" for r in res.responses)
    assert [p.message.split()[0] for p in res.problems] == ["4355"]
    assert "--include-moderated" in res.problems[0].message


def test_polis_spans_hold_the_comment_and_metadata_comes_from_its_row(polis) -> None:
    res, rows = polis
    header = rows[0]
    col = {h: i for i, h in enumerate(header)}
    for r in res.responses:
        row = rows[r.meta["row"] - 1]
        assert res.text[r.start : r.end].replace('""', '"') == row[col["comment_body"]].strip()
        assert r.question == row[col["topic"]]
        assert r.author == row[col["author_id"]]
        assert r.meta["agrees"] == row[col["agrees"]]
        assert r.meta["conversation"] == row[col["conversation"]]
        assert r.meta["respondent_id"] == f"{row[col['conversation']]}:{row[col['comment_id']]}"
    first = res.responses[0]
    assert res.text[first.start : first.end] == "Not sure I believe any of this..."
    assert first.meta["row"] == 2 and first.question == "$15/hour"
    assert set(first.meta) >= {"timestamp", "disagrees", "moderated", "topic", "source_path"}
    assert "comment_body" not in first.meta and "comment_id" not in first.meta


def test_polis_comment_body_is_the_only_free_text_column(polis) -> None:
    _, rows = polis
    header, body = rows[0], rows[1:]
    columns = [[r[i] for r in body] for i in range(len(header))]
    layout = plan_columns(header, columns, ReadOptions(), "polis.csv")
    assert [header[i] for i in layout.text] == ["comment_body"]
    assert header[layout.question_col] == "topic"
    assert (header[layout.id_col], header[layout.group_col]) == ("comment_id", "conversation")
    assert header[layout.fields["author"]] == "author_id"


def test_polis_doubled_quotes_are_one_quote_in_the_response(polis) -> None:
    """A doubled quote in a CSV cell is one quote: that cell's value follows the file as a block."""
    res, _ = polis
    assert res.text[len(POLIS.read_bytes().decode()) :].startswith("\n\n[row ")
    quoted = [res.text[r.start : r.end] for r in res.responses if '"' in res.text[r.start : r.end]]
    assert quoted, "the export has comments with quotation marks"
    assert not any('""' in q for q in quoted)


def _clean_headers_before(raw: list[str]) -> list[str]:
    """The previous, quadratic clean_headers: the reference for the output."""
    out: list[str] = []
    for i, h in enumerate(raw):
        name = " ".join(h.replace("\ufeff", "").split()) or f"column {i + 1}"
        base, n = name, 2
        while name in out:
            name, n = f"{base} ({n})", n + 1
        out.append(name)
    return out


@pytest.mark.parametrize(
    "raw",
    [
        ["id", "comment", "Region"],
        ["\ufeffid", "  Q1:  What   should\nchange? ", "", "", "comment"],
        ["a", "a", "a (2)", "a", "a (2)", "a (3)", "a"],
        ["a (2)", "a", "a", "", "column 4", "column 4", "column 6", ""],
        ["x", "x (2) (2)", "x (2)", "x", "x", "x (2)"],
    ],
)
def test_clean_headers_unchanged_on_ordinary_headers(raw: list[str]) -> None:
    assert clean_headers(raw) == _clean_headers_before(raw)


def test_sixteen_thousand_columns_and_no_more() -> None:
    # 8,192 columns named "x" and 8,191 blank ones: quadratic renaming took hours
    n = 16384
    head = ",".join(["comment"] + ["x"] * (n // 2) + [""] * (n // 2 - 1))
    row = "The jobcentre should open later in the evening for people in work," + ",".join(["1"] * (n - 1))
    headers = clean_headers(head.split(","))
    assert len(set(headers)) == n and headers[1:4] == ["x", "x (2)", "x (3)"]
    assert headers[-1] == f"column {n}"
    res = _csv(head + "\n" + row + "\n", name="wide.csv")
    assert [res.text[r.start : r.end] for r in res.responses] == [
        "The jobcentre should open later in the evening for people in work"
    ]
    with pytest.raises(IngestError) as e:  # one column more than Excel allows
        _csv(head + ",y\n" + row + ",1\n", name="wide.csv")
    assert e.value.code == "FH-E113" and e.value.row == 1


# --- made-up survey exports --------------------------------------------------------------


def test_survey_gives_one_response_per_answered_question() -> None:
    res = _csv(SURVEY)
    _check_spans(res)
    got = [(r.meta["respondent_id"], r.question[:3], res.text[r.start : r.end][:24]) for r in res.responses]
    assert got == [
        ("101", "Q1:", "Advisers change too ofte"),
        ("101", "Q2:", "No"),
        ("102", "Q1:", "Contracts are too short "),
        ("102", "Q2:", 'We said "longer contract'),
        ("103", "Q2:", "The online forms are har"),
        ("104", "Q1:", "Payment by results leave"),
    ]
    assert res.responses[0].question == "Q1: What should change about the Work Programme?"


def test_survey_metadata_columns() -> None:
    res = _csv(SURVEY)
    by_id = {(r.meta["respondent_id"], r.question[:2]): r for r in res.responses}
    shaw = by_id[("102", "Q2")]
    assert shaw.organisation == "Shaw Trust" and shaw.respondent_type == "organisation"
    assert shaw.meta["Region"] == "London" and shaw.meta["Submitted"] == "2024-01-04"
    assert shaw.meta["row"] == 3  # header is row 1; rows count records, not lines
    assert res.text[shaw.start : shaw.end] == 'We said "longer contracts" last year,\r\nand nothing changed.'
    ind = by_id[("101", "Q1")]
    assert ind.organisation is None and ind.respondent_type == "individual" and ind.author is None
    assert by_id[("104", "Q1")].meta["row"] == 5
    assert "Organisation name" not in shaw.meta


def test_user_named_columns_override_detection() -> None:
    res = _csv(
        SURVEY,
        text_columns=["Q2: Do you have any other comments?"],
        id_column="Submitted",
        meta_columns={"location": "Region", "question": "Region"},
    )
    assert [r.meta["respondent_id"] for r in res.responses] == ["2024-01-03", "2024-01-04", "2024-01-05"]
    assert [r.question for r in res.responses] == ["North East", "London", "Wales"]
    assert res.responses[0].meta["Region"] == "North East"  # location has no field of its own
    # names match regardless of case and spacing
    res = _csv(SURVEY, text_columns=["q2:  do you have ANY other comments?"])
    assert [res.text[r.start : r.end] for r in res.responses][0] == "No"


def test_options_question_applies_to_a_single_text_column() -> None:
    text = "id,comment\n1,The scheme should fund local advice services properly.\n"
    assert _csv(text).responses[0].question == "comment"
    assert _csv(text, question="What should change?").responses[0].question == "What should change?"


def test_unknown_column_names_the_file_and_lists_the_columns() -> None:
    with pytest.raises(IngestError) as e:
        _csv(SURVEY, text_columns=["Q3"])
    assert e.value.code == "FH-E112" and e.value.file == "survey.csv"
    assert "'Region'" in e.value.message and "'Response ID'" in e.value.message
    with pytest.raises(IngestError) as e:
        _csv(SURVEY, meta_columns={"shoe_size": "Region"})
    assert e.value.code == "FH-E112"


def test_no_free_text_column() -> None:
    with pytest.raises(IngestError) as e:
        _csv("id,score,region\n1,5,Wales\n2,3,London\n")
    assert e.value.code == "FH-E111" and "'score'" in e.value.message


@pytest.mark.parametrize("text", ["", "\n\n", "id,comment\n", "id,comment\n1,\n2, \u200b \n3,\ufeff\n"])
def test_nothing_to_read(text: str) -> None:
    with pytest.raises(IngestError) as e:
        _csv(text, text_columns=["comment"] if "1," in text else None)
    assert e.value.code == "FH-E140"


def test_placeholder_answers_are_kept_and_flagged() -> None:
    text = (
        "id,region,comment\n"
        "1,Wales,Jobcentres should open later in the evening for people in work.\n"
        "2,N/A,N/A\n"
        "3,-, none \n"
        "4,London,-\n"
        "5,Kent,Nothing\n"
        "6,Kent,No\n"
        "7,Kent,\n"
        "8,Kent,\u200b\n"
        "9,Kent,No: the travel refunds arrive months late.\n"
    )
    res = _csv(text, text_columns=["comment"])
    _check_spans(res)
    got = [
        (r.meta["respondent_id"], res.text[r.start : r.end], r.meta.get("placeholder")) for r in res.responses
    ]
    assert got == [
        ("1", "Jobcentres should open later in the evening for people in work.", None),
        ("2", "N/A", True),
        ("3", "none", True),
        ("4", "-", True),
        ("5", "Nothing", True),
        ("6", "No", True),
        ("9", "No: the travel refunds arrive months late.", None),
    ]
    # a placeholder in a metadata column is still no value
    assert "region" not in res.responses[1].meta and res.responses[3].meta["region"] == "London"


def test_topic_column_becomes_the_question_only_when_it_groups_rows() -> None:
    comments = [
        "Jobcentres should open later in the evening.",
        "More training for advisers on mental health.",
        "Travel costs to interviews should be refunded quickly.",
        "Sanctions make people afraid to ask for help.",
    ]
    grouped = "topic,comment\n" + "".join(
        f"{t},{c}\n" for t, c in zip(["Access", "Access", "Support", "Support"], comments, strict=True)
    )
    assert [r.question for r in _csv(grouped).responses] == ["Access", "Access", "Support", "Support"]
    unique = "topic,comment\n" + "".join(f"T{i},{c}\n" for i, c in enumerate(comments))
    res = _csv(unique)
    assert {r.question for r in res.responses} == {"comment"}
    assert res.responses[1].meta["topic"] == "T1"


def test_delimiters_bom_and_ragged_rows() -> None:
    semi = "\ufeffid;comment;org\n1;Funding must follow the person, not the provider.;Mind\n2;Shorter forms please, they take an hour.\n"
    res = _csv(semi)
    assert [res.text[r.start : r.end] for r in res.responses] == [
        "Funding must follow the person, not the provider.",
        "Shorter forms please, they take an hour.",
    ]
    assert res.responses[0].organisation == "Mind" and res.responses[1].organisation is None
    assert res.text == semi
    tsv = "id\tcomment\n1\tAdvisers, forms, and phone lines all need work.\n"
    res = _csv(tsv, name="survey.tsv")
    assert res.text[res.responses[0].start : res.responses[0].end].startswith("Advisers, forms")
    trailing = "id,comment\n1,People need support that lasts beyond six months.,\n"
    assert len(_csv(trailing).responses) == 1


@pytest.mark.parametrize(
    ("text", "row"),
    [
        ("id,comment\n1,Fine answer with enough words here.\n2,Too,many,fields\n", 3),
        ('id,comment\n1,Fine answer with enough words here.\n2,"never closed\n3,x\n', 3),
        ('id,comment\n1,"closed" then more text here\n', 2),
        ("id,comment\n1,Fine answer with enough words here.\n2,bad \x00 byte in this row\n", 3),
    ],
)
def test_malformed_csv_names_the_row(text: str, row: int) -> None:
    with pytest.raises(IngestError) as e:
        _csv(text)
    assert e.value.code == "FH-E110" and e.value.row == row and e.value.file == "survey.csv"
    assert f"row {row}" in str(e.value)


def test_csv_sniff() -> None:
    assert CSV.sniff(b"anything", "x.csv") >= 0.9
    assert CSV.sniff(SURVEY.encode(), "export") > 0
    prose = b"Dear Sir,\nI write about the scheme, which I think is poor.\nIt is slow.\nThanks, Jane\n"
    assert CSV.sniff(prose, "letter") == 0


# --- XLSX ----------------------------------------------------------------------------------


def test_xlsx_survey() -> None:
    data = _workbook(
        {
            "Responses": [
                ["Consultation export, January 2024"],
                [],
                ["ID", "Organisation", "Respondent type", "Q1 What works well?", "Q2 What should change?", "Date"],
                [7, "Shaw Trust", "Organisation", "Local partnerships with employers work well.",
                 "  Longer contracts so we can keep staff.  ", dt.datetime(2024, 1, 3, 9, 30)],
                [8, None, "Individual", None, "My adviser changed five times in a year.", dt.date(2024, 1, 4)],
            ],
            "Notes": [["note"], ["short"]],
        }
    )  # fmt: skip
    res = XLSX.read(data, "survey.xlsx", ReadOptions())
    _check_spans(res)
    assert res.format == "xlsx"
    assert [res.text[r.start : r.end] for r in res.responses] == [
        "Local partnerships with employers work well.",
        "Longer contracts so we can keep staff.",
        "My adviser changed five times in a year.",
    ]
    assert res.text.startswith("[Responses row 4, Q1 What works well?]\nLocal partnerships")
    first, _, last = res.responses
    assert first.organisation == "Shaw Trust" and first.respondent_type == "organisation"
    assert first.meta == {"Date": "2024-01-03T09:30:00", "row": 4, "respondent_id": "7", "sheet": "Responses"}
    assert last.question == "Q2 What should change?" and last.respondent_type == "individual"
    assert last.meta["Date"] == "2024-01-04T00:00:00" and last.meta["row"] == 5


def test_xlsx_header_with_a_blank_name_is_still_the_header() -> None:
    data = _workbook(
        {"S": [["Export 2024"], ["id", "comment", None, "org"],
               [1, "Contracts should be longer than they are now.", "x", "Mind"],
               [2, "Shorter forms for everyone who applies.", "y", "Scope"]]}
    )  # fmt: skip
    res = XLSX.read(data, "s.xlsx", ReadOptions())
    assert [(r.question, r.organisation, r.meta["row"]) for r in res.responses] == [
        ("comment", "Mind", 3),
        ("comment", "Scope", 4),
    ]
    assert res.responses[0].meta["column 3"] == "x"


def test_xlsx_named_column_missing() -> None:
    data = _workbook({"S": [["id", "comment"], [1, "The system needs fewer handoffs between staff."]]})
    with pytest.raises(IngestError) as e:
        XLSX.read(data, "s.xlsx", ReadOptions(text_columns=["answer"]))
    assert e.value.code == "FH-E112" and "'comment'" in e.value.message


@pytest.mark.parametrize(
    "data", [b"not a zip at all", b"PK\x03\x04" + b"\x00" * 40, b"PK\x05\x06" + b"\x00" * 18]
)
def test_xlsx_corrupt(data: bytes) -> None:
    with pytest.raises(IngestError) as e:
        XLSX.read(data, "bad.xlsx", ReadOptions())
    assert e.value.code == "FH-E130"


def test_xlsx_truncated_or_damaged_is_an_ingest_error() -> None:
    data = _workbook({"S": [["id", "comment"], [1, "The system needs fewer handoffs between staff."]]})
    for damaged in (data[: len(data) // 2], data[:200] + b"\xff" * 50 + data[250:]):
        with pytest.raises(IngestError) as e:
            XLSX.read(damaged, "bad.xlsx", ReadOptions())
        assert e.value.code == "FH-E130"


def test_xlsx_zip_bomb_is_refused_before_parsing() -> None:
    buf = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * (30 * 1024 * 1024) + b"/>")
    data = buf.getvalue()
    assert len(data) < 100_000
    with pytest.raises(IngestError) as e:
        XLSX.read(data, "bomb.xlsx", ReadOptions())
    assert e.value.code == "FH-E130" and "zip bomb" in e.value.message
    with pytest.raises(IngestError) as e:
        XLSX.read(data, "bomb.xlsx", ReadOptions(max_bytes=10 * 1024 * 1024))
    assert "limit" in e.value.message


def test_xlsx_sniff() -> None:
    data = _workbook({"S": [["id"]]})
    assert XLSX.sniff(data, "upload") >= 0.8
    assert XLSX.sniff(b"PK\x03\x04word/document.xml", "upload") == 0
