"""Carried-forward marks in element ids, as the server reads them (the browser reads the
same fixture in tests/js/carry.test.js)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from medrec_app.domain.carry_forward import (
    CarriedMark,
    carried_mark,
    unconfirmed,
    unconfirmed_message,
)

CASES = json.loads((Path(__file__).parents[1] / "fixtures" / "carried_ids.json").read_text())[
    "cases"
]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_an_id_says_where_its_element_came_from(case):
    expected = case["mark"]
    mark = carried_mark(case["id"])
    if expected is None:
        assert mark is None
    else:
        assert mark == CarriedMark(
            expected["recordId"], date.fromisoformat(expected["visitDate"]), expected["confirmed"]
        )


def test_only_unconfirmed_carried_elements_hold_up_signing():
    drawing = {
        "lines": [
            {"id": "carried.12.20261112.line-aaaa", "tool": "pen"},
            {"id": "from.12.20261112.line-bbbb", "tool": "pen"},
            {"tool": "pen"},
            "not an element",
        ],
        "shapes": [{"id": "carried.7.20260102.shape-cccc", "type": "rect"}],
    }
    marks = unconfirmed(drawing)
    assert [m.record_id for m in marks] == [12, 7]
    assert unconfirmed({"lines": [{"id": "from.12.20261112.line-bbbb"}]}) == []
    message = unconfirmed_message(marks)
    assert message.startswith("2 marks carried forward from the visit of 2 Jan 2026, 12 Nov 2026")
    assert "confirm or remove them before signing" in message
    assert "1 mark carried" in unconfirmed_message(marks[:1])
