"""The server's merge makes of each golden case what the fixture says (see
``tests/golden_edits.py``); the browser's merge is held to the same files by
``tests/js/document.test.js``."""

from __future__ import annotations

import pytest

from tests import golden_edits

CASES = golden_edits.cases()


def test_every_case_is_stored() -> None:
    assert set(CASES) >= {
        "strokes_rounded_and_simplified",
        "a_line_put_again_keeps_its_place",
        "shapes_made_moved_and_deleted",
        "lines_without_ids_pass_through",
        "background_and_stage",
        "background_cleared",
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_server_merge_gives_the_stored_result(name: str) -> None:
    case = CASES[name]
    assert golden_edits.expected(case) == case["expected"]


def test_the_cases_exercise_what_they_claim() -> None:
    strokes = CASES["strokes_rounded_and_simplified"]
    sent = [op["line"]["points"] for op in strokes["operations"]]
    kept = [line["points"] for line in strokes["expected"]["lines"]]
    assert kept[0][:2] == [0.12, 0.38]  # ties to even, as Python rounds
    assert len(kept[1]) < len(sent[1]) / 1.5  # a hand stroke loses most of its points
    assert kept[2] == [10, 10, 10, 10]  # a tap stays a dot
