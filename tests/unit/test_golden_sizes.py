"""The server refuses what the size fixture says (see ``tests/golden_sizes.py``), with
the limits the canvas is sent; the canvas is held to the same file by
``tests/js/document.test.js``."""

from __future__ import annotations

import pytest

from tests import golden_sizes

STORED = golden_sizes.stored()


def test_the_fixture_has_the_limits_the_canvas_is_sent() -> None:
    assert STORED["limits"] == golden_sizes.LIMITS


def test_both_answers_are_covered_for_each_limit() -> None:
    refused = {name for name, case in STORED["cases"].items() if case["refused"]}
    assert refused == {
        "one_stroke_too_many",
        "one_shape_too_many",
        "ink_past_the_limit",
        "an_arrow_counts_as_ink",
        "over_a_lowered_limit_a_stroke_is_added",
        "over_a_lowered_ink_limit_a_stroke_is_lengthened",
    }
    assert len(STORED["cases"]) - len(refused) >= 5


@pytest.mark.parametrize("name", sorted(STORED["cases"]))
def test_the_server_refuses_what_the_fixture_says(name: str) -> None:
    case = STORED["cases"][name]
    assert golden_sizes.refused(case) is case["refused"]


def test_a_described_document_holds_what_it_says() -> None:
    spec = {"lines": 3, "values": 14, "shapes": 2}
    drawing = golden_sizes.document(spec)
    assert [len(line["points"]) for line in drawing["lines"]] == [6, 4, 4]
    assert len(drawing["shapes"]) == 2
