"""Row ids from outside: one parser, with the range of a PostgreSQL ``integer``."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from medrec_app.domain.ids import MAX_ID, RowId, parse_id
from medrec_app.services.errors import NotFound
from medrec_app.state import row_id


@pytest.mark.parametrize(("value", "parsed"), [(7, 7), ("7", 7), ("0007", 7), (MAX_ID, MAX_ID)])
def test_whole_numbers_in_range_are_ids(value, parsed):
    assert parse_id(value) == parsed


@pytest.mark.parametrize(
    "value",
    [
        0, "0", -1, "-1", "+1", " 1", "1e3", "", "12345678901", MAX_ID + 1, str(MAX_ID + 1),
        2**40, "²", "٣", "\uff11", True, None, 1.5, [1],
    ],
)  # fmt: skip
def test_anything_else_is_no_id(value):
    assert parse_id(value) is None


def test_pages_answer_not_found_like_a_missing_row():
    assert row_id("12", "file") == 12
    with pytest.raises(NotFound, match="The patient was not found"):
        row_id("2147483648", "patient")


def test_ids_in_documents_are_refused_past_the_range_with_a_message():
    adapter = TypeAdapter(RowId)
    assert adapter.validate_python(MAX_ID) == MAX_ID
    for value in (0, MAX_ID + 1, 2**40, True, "5"):
        with pytest.raises(ValidationError):
            adapter.validate_python(value)
