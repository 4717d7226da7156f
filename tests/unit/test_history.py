"""Rebuilding documents from logged operations (``domain/history.py``)."""

from __future__ import annotations

import pytest

from medrec_app.domain.edits import parse_operations
from medrec_app.domain.errors import DocumentError
from medrec_app.domain.history import drawing_summary, replay
from medrec_app.domain.merge import apply_operations

LINE = {"tool": "pen", "points": [0, 0, 10.004, 10, 20, 0.5], "color": "#000000", "strokeWidth": 3}


def add_line(n: int) -> dict:
    return {"op": "addLine", "opId": f"line-op-{n:04d}", "line": {**LINE, "id": f"l{n}"}}


def set_field(n: int, path: str, value) -> dict:
    return {"op": "setField", "opId": f"field-op-{n:04d}", "path": path, "value": value}


def test_replay_applies_each_revision_as_a_save_would():
    revisions = [
        [add_line(1), set_field(1, "plan", "Rest")],
        [],  # a revision that applied nothing (a signature, or ops that all lost)
        [{"op": "deleteElements", "opId": "delete-0001", "lineIds": ["l1"]}, add_line(2)],
        [set_field(2, "vitals.bp", "120/80"), set_field(3, "plan", None)],
    ]
    drawing, form = {}, {}
    for ops in revisions:  # the save path: one apply per save
        drawing, form = apply_operations(drawing, form, parse_operations(ops))
    assert replay({}, {}, revisions) == (drawing, form)
    assert [line["id"] for line in drawing["lines"]] == ["l2"]
    assert drawing["lines"][0]["points"][2] == 10  # stored as a save stores it: rounded
    assert form == {"vitals": {"bp": "120/80"}}


def test_replay_leaves_its_inputs_alone_and_an_empty_log_changes_nothing():
    start_drawing, start_form = {"lines": []}, {"plan": "Rest"}
    assert replay(start_drawing, start_form, [[], []]) == (start_drawing, start_form)
    replay(start_drawing, start_form, [[add_line(1)]])
    assert start_drawing == {"lines": []}


def test_a_log_that_no_longer_applies_is_refused_not_guessed():
    with pytest.raises(DocumentError):
        replay({}, {}, [[{"op": "addLine", "opId": "bad-op-0001", "line": {"id": "x"}}]])
    with pytest.raises(DocumentError):
        replay({}, {"vitals": {"bp": "1"}}, [[set_field(1, "vitals", "flat")]])


@pytest.mark.parametrize(
    ("drawing", "summary"),
    [
        ({}, "0 strokes, 0 shapes"),
        ({"lines": [LINE], "shapes": [{}, {}]}, "1 stroke, 2 shapes"),
        (
            {"backgroundType": "pdf", "pdfPageNumber": 3},
            "0 strokes, 0 shapes, over page 3 of a PDF",
        ),
        ({"backgroundType": "image"}, "0 strokes, 0 shapes, over an image"),
    ],
)
def test_drawing_summary(drawing, summary):
    assert drawing_summary(drawing) == summary
