"""A record's drawing as it stands after its signed amendments (domain/amendment_layers.py):
what the last visit's guide shows."""

from __future__ import annotations

from medrec_app.domain.amendment_layers import amended_drawing


def line(line_id: str | None, x: int) -> dict:
    element = {"tool": "pen", "points": [x, 0, x, 9], "color": "#000000", "strokeWidth": 2}
    return element if line_id is None else {"id": line_id, **element}


SIGNED = {
    "lines": [line("a", 1), line(None, 2)],
    "shapes": [{"id": "s", "type": "circle", "x": 1, "y": 1, "radius": 5}],
    "stageSize": {"width": 1024, "height": 768},
    "backgroundType": "image",
    "backgroundFileId": 4,
}


def test_amendments_add_their_elements_on_top_in_signing_order() -> None:
    first = {"lines": [line("b", 3)], "stageSize": {"width": 800, "height": 600}}
    second = {"lines": [line("c", 4)], "shapes": [{"id": "t", "type": "text", "x": 0}]}
    amended = amended_drawing(SIGNED, [first, second])
    assert [element.get("id") for element in amended["lines"]] == ["a", None, "b", "c"]
    assert [shape["id"] for shape in amended["shapes"]] == ["s", "t"]
    # The stage and background are the signed record's.
    assert amended["stageSize"] == SIGNED["stageSize"] and amended["backgroundFileId"] == 4
    assert len(SIGNED["lines"]) == 2, "the signed drawing is not changed"


def test_an_id_already_there_is_left_out_and_no_amendment_changes_nothing() -> None:
    repeat = {"lines": [line("a", 9), line("d", 5), line("d", 6)], "shapes": [{"id": "s"}]}
    amended = amended_drawing(SIGNED, [repeat])
    assert [(e.get("id"), e["points"][0]) for e in amended["lines"]] == [
        ("a", 1),
        (None, 2),
        ("d", 5),
    ]
    assert [shape["id"] for shape in amended["shapes"]] == ["s"]
    assert amended_drawing(SIGNED, []) == SIGNED
    assert amended_drawing({}, [{"lines": [line("x", 1)]}])["lines"][0]["id"] == "x"
