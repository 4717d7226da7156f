"""Reading import CSVs (``domain/csv_import.py``): what refuses the whole file, what is
one row's problem, and the cells as they are (quoted commas and line breaks, formulas)."""

from __future__ import annotations

import io
from datetime import date

import pytest

from medrec_app.domain.csv_import import (
    MAX_LINE_BYTES,
    CsvKind,
    CsvRefused,
    check_file,
    read_rows,
    size_problem,
)
from medrec_app.domain.patient_details import DetailsRefused, check_details, problem_field

KIND = CsvKind("things", ("key", "name", "note"), key="key", optional=frozenset({"note"}))


def rows(data: bytes, kind: CsvKind = KIND) -> list[tuple[int, dict, str | None]]:
    return [(r.line, r.values, r.problem) for r in read_rows(io.BytesIO(data), kind)]


def refusal(data: bytes, kind: CsvKind = KIND) -> str:
    with pytest.raises(CsvRefused) as refused:
        check_file(io.BytesIO(data), kind)
    return str(refused.value)


def test_bom_crlf_quoted_commas_and_line_breaks_and_line_numbers() -> None:
    data = (
        '\ufeffkey,name,note\r\nA1,"Doe, Jane","Flat 2\r\nHigh St, 4"\r\n\r\nA2,Ünal Çelik,\r\n'
    ).encode()
    assert rows(data) == [
        (2, {"key": "A1", "name": "Doe, Jane", "note": "Flat 2\r\nHigh St, 4"}, None),
        (5, {"key": "A2", "name": "Ünal Çelik", "note": ""}, None),
    ]


def test_header_names_ignore_case_order_and_an_optional_column_may_be_left_out() -> None:
    assert rows(b" Name ,KEY\nBea,B1\n") == [(2, {"name": "Bea", "key": "B1"}, None)]


def test_formulas_are_text_never_evaluated() -> None:
    data = b"key,name,note\nF1,=cmd|' /C calc'!A0,+31 20 555\nF2,@SUM(A1),-2+3\n"
    assert [values for _, values, _ in rows(data)] == [
        {"key": "F1", "name": "=cmd|' /C calc'!A0", "note": "+31 20 555"},
        {"key": "F2", "name": "@SUM(A1)", "note": "-2+3"},
    ]


def test_a_row_of_the_wrong_width_is_that_rows_problem_and_the_next_rows_go_on() -> None:
    data = b"key,name\nA1,Ann\nA2,Doe, Jane\nA3,Bea\n"
    assert rows(data) == [
        (2, {"key": "A1", "name": "Ann"}, None),
        (3, {}, "this row has 3 cells and the header 2 columns; quote a cell that holds a comma"),
        (4, {"key": "A3", "name": "Bea"}, None),
    ]


def test_a_file_that_is_not_utf8_is_refused_with_its_line() -> None:
    latin1 = "key,name\nA1,Ann\nA2,Müller\n".encode("latin-1")
    assert refusal(latin1) == (
        "line 3: the file is not UTF-8 text (byte 0xfc at position 5); save it as "
        "'CSV UTF-8' and import it again"
    )


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (b"key,nme\n", "line 1: missing column(s) name; unknown column(s) nme"),
        (b"key,name,name\n", "line 1: repeated column(s) name"),
        (b"key,name,,\n", "line 1: unknown column(s) (empty), (empty); the first"),
        (b"key;name;note\n", "line 1: the columns are separated by ';'; separate them with ','"),
    ],
)
def test_a_wrong_header_refuses_the_file_naming_the_columns(header: bytes, message: str) -> None:
    refused = refusal(header + b"A1,Ann\n")
    assert refused.startswith(message)
    assert refused.endswith("the first line must name the columns: key,name,note")


def test_an_empty_file_is_refused() -> None:
    assert refusal(b"") == (
        "line 1: the file is empty; the first line must name the columns: key,name,note"
    )


def test_broken_quoting_refuses_the_file_with_its_line() -> None:
    assert refusal(b'key,name\nA1,Ann\nA2,"Bea\n') == (
        "line 3: a quoted cell is not closed before the end of the file"
    )
    assert refusal(b'key,name\nA1,"Ann"x\n').startswith("line 2: the CSV quoting is broken")


def test_a_line_over_the_limit_refuses_the_file() -> None:
    data = b"key,name\nA1," + b"x" * (MAX_LINE_BYTES + 10) + b"\n"
    assert refusal(data) == "line 2: longer than 1 MB"


def test_check_file_counts_the_data_rows() -> None:
    assert check_file(io.BytesIO(b"key,name\nA1,Ann\n\nA2,Bea"), KIND) == 2


def test_size_limit() -> None:
    assert size_problem(200 * 1024 * 1024) is None
    assert size_problem(200 * 1024 * 1024 + 1) == (
        "the file is 200.0 MB; at most 200 MB can be imported at once: split it into smaller files"
    )


def test_every_patient_detail_problem_names_its_field() -> None:
    bad = {
        "first_name": "",
        "last_name": "x" * 101,
        "date_of_birth": "soon",
        "sex": "f",
        "phone": "call me",
        "email": "nope",
        "address": "a\x07b",
        "external_id": "no spaces",
    }
    with pytest.raises(DetailsRefused) as refused:
        check_details(bad, date(2026, 1, 1))
    assert [problem_field(p)[0] for p in refused.value.problems] == list(bad)
    assert problem_field("Email: 'x' is not an email address") == (
        "email",
        "'x' is not an email address",
    )
    assert problem_field("Something else") == ("", "Something else")
