"""The drawing_data document: what a clinician draws must save and load unchanged, and
anything PostgreSQL, the canvas or the server could choke on must be refused with a
message that says what is wrong."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import pytest
from pydantic import ValidationError

from medrec_app.domain.drawing import (
    CURRENT_DRAWING_VERSION,
    MAX_COORDINATE,
    MAX_DOCUMENT_BYTES,
    MAX_LINES,
    MAX_POINTS_PER_LINE,
    MAX_SHAPES,
    MAX_TEXT_CHARS,
    MAX_TOTAL_POINTS,
    CircleShape,
    DrawingData,
    Line,
    TextShape,
    has_content,
    parse_drawing,
    upgrade,
)
from medrec_app.domain.errors import DocumentError, error_messages

# The spec's "Drawing Data Structure" example, verbatim.
SPEC_DRAWING_JSON = """
{
  "lines": [
    {
      "tool": "pen",
      "points": [100, 200, 150, 250, 200, 300],
      "color": "#000000",
      "strokeWidth": 3
    },
    {
      "tool": "eraser",
      "points": [300, 400, 350, 450],
      "color": "#FFFFFF",
      "strokeWidth": 10
    }
  ],
  "shapes": [
    {
      "id": "shape-123",
      "type": "circle",
      "x": 100,
      "y": 100,
      "radius": 50,
      "color": "#FF0000",
      "strokeWidth": 2
    },
    {
      "id": "shape-124",
      "type": "rect",
      "x": 200,
      "y": 200,
      "width": 100,
      "height": 80,
      "color": "#00FF00",
      "strokeWidth": 2
    },
    {
      "id": "shape-125",
      "type": "arrow",
      "x": 300,
      "y": 300,
      "points": [50, 50],
      "color": "#0000FF",
      "strokeWidth": 3
    },
    {
      "id": "shape-126",
      "type": "text",
      "x": 400,
      "y": 400,
      "text": "Patient shows improvement",
      "color": "#000000",
      "strokeWidth": 20
    }
  ],
  "stageSize": {
    "width": 800,
    "height": 600
  },
  "backgroundType": "pdf",
  "backgroundFileId": 456,
  "pdfPageNumber": 1,
  "pdfNumPages": 5
}
"""


def spec_drawing() -> dict[str, Any]:
    return json.loads(SPEC_DRAWING_JSON)


def canonical(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True)


def refusal(raw: object) -> list[str]:
    """The messages a user would see for ``raw``; fails the test if it is accepted."""
    with pytest.raises(DocumentError) as caught:
        parse_drawing(raw)
    return caught.value.messages


def pen(points: list[Any], **extra: Any) -> dict[str, Any]:
    return {"tool": "pen", "points": points, "color": "#000000", "strokeWidth": 3, **extra}


def circle(**changes: Any) -> dict[str, Any]:
    shape = {
        "id": "c1",
        "type": "circle",
        "x": 10,
        "y": 10,
        "radius": 5,
        "color": "#FF0000",
        "strokeWidth": 2,
    }
    return {**shape, **changes}


def text_shape(text: str, shape_id: str = "t1") -> dict[str, Any]:
    return {
        "id": shape_id,
        "type": "text",
        "x": 1,
        "y": 1,
        "text": text,
        "color": "#000",
        "strokeWidth": 20,
    }


# --- round trip -------------------------------------------------------------------------


def test_spec_example_round_trips_exactly() -> None:
    document = parse_drawing(spec_drawing()).to_document()
    assert canonical(document) == canonical(spec_drawing())


def test_round_trip_keeps_ints_as_ints_and_floats_as_floats() -> None:
    raw = {"lines": [pen([100, 200.5, 0.0, 3])]}
    dumped = parse_drawing(raw).to_document()
    assert json.dumps(dumped["lines"][0]["points"]) == "[100, 200.5, 0.0, 3]"
    assert json.dumps(dumped["lines"][0]["strokeWidth"]) == "3"


def test_spec_example_loads_into_typed_fields() -> None:
    drawing = parse_drawing(spec_drawing())
    assert [line.tool for line in drawing.lines] == ["pen", "eraser"]
    assert [shape.type for shape in drawing.shapes] == ["circle", "rect", "arrow", "text"]
    assert drawing.stage_size.width == 800
    assert (drawing.background_type, drawing.background_file_id) == ("pdf", 456)
    assert (drawing.pdf_page_number, drawing.pdf_num_pages) == (1, 5)


def test_empty_document_is_an_empty_drawing_and_saves_as_empty() -> None:
    drawing = parse_drawing({})
    assert drawing.lines == [] and drawing.shapes == []
    assert (drawing.stage_size.width, drawing.stage_size.height) == (800, 600)
    assert drawing.background_type is None
    assert drawing.to_document() == {}


def test_lines_without_ids_do_not_gain_ids() -> None:
    document = parse_drawing({"lines": [pen([1, 2])]}).to_document()
    assert "id" not in document["lines"][0]


def test_line_with_id_keeps_it() -> None:
    document = parse_drawing({"lines": [pen([1, 2], id="stroke-1")]}).to_document()
    assert document["lines"][0]["id"] == "stroke-1"


def test_optional_shape_keys_round_trip() -> None:
    shapes = [
        circle(fill="#00FF0080", rotation=45.5),
        {**text_shape("Hi"), "fontSize": 14},
        {
            "id": "r:1",
            "type": "rect",
            "x": 0,
            "y": 0,
            "width": 1,
            "height": 2,
            "color": "transparent",
            "strokeWidth": 1,
            "fill": "#abc",
        },
    ]
    raw = {"shapes": shapes, "version": 1}
    assert canonical(parse_drawing(raw).to_document()) == canonical(raw)


def test_explicit_null_background_round_trips() -> None:
    raw = {"backgroundType": None, "backgroundFileId": None}
    assert parse_drawing(raw).to_document() == raw


def test_json_text_input_is_accepted() -> None:
    document = parse_drawing(SPEC_DRAWING_JSON).to_document()
    assert canonical(document) == canonical(spec_drawing())


def test_strokes_appended_in_place_are_saved() -> None:
    drawing = parse_drawing({})
    drawing.lines.append(Line(tool="pen", points=[1, 2, 3, 4], color="#000", stroke_width=2))
    assert drawing.to_document() == {
        "lines": [{"tool": "pen", "points": [1, 2, 3, 4], "color": "#000", "strokeWidth": 2}]
    }


def test_shape_built_in_python_writes_its_type() -> None:
    shape = CircleShape(id="c9", x=1, y=2, radius=3, color="#fff", stroke_width=1)
    drawing = DrawingData(shapes=[shape])
    assert drawing.to_document()["shapes"][0]["type"] == "circle"
    assert parse_drawing(drawing.to_document()).shapes[0] == shape


def test_assignment_is_validated() -> None:
    drawing = parse_drawing({"shapes": [text_shape("ok")]})
    shape = drawing.shapes[0]
    assert isinstance(shape, TextShape)
    with pytest.raises(ValidationError) as caught:
        shape.text = "bad\x00"
    assert "NUL" in error_messages(caught.value)[0]


# --- rejections -------------------------------------------------------------------------


def test_unknown_tool_is_refused() -> None:
    messages = refusal({"lines": [{**pen([1, 2]), "tool": "brush"}]})
    assert messages == ["lines[0].tool: must be 'pen' or 'eraser', not 'brush'"]


def test_unknown_shape_type_is_refused() -> None:
    messages = refusal({"shapes": [circle(type="hexagon")]})
    assert len(messages) == 1
    assert messages[0].startswith("shapes[0]: unknown type 'hexagon'")
    assert "'circle', 'rect', 'arrow', 'text'" in messages[0]


def test_shape_without_type_is_refused() -> None:
    shape = circle()
    del shape["type"]
    assert refusal({"shapes": [shape]}) == ["shapes[0]: needs a 'type' key"]


def test_odd_length_points_are_refused() -> None:
    messages = refusal({"lines": [pen([1, 2, 3])]})
    assert messages == ["lines[0].points: must have an even number of values (x, y pairs), got 3"]


def test_empty_points_are_refused() -> None:
    assert refusal({"lines": [pen([])]}) == ["lines[0].points: must have at least one x, y pair"]


def test_arrow_points_must_be_even_and_present() -> None:
    arrow = spec_drawing()["shapes"][2]
    assert "even number of values" in refusal({"shapes": [{**arrow, "points": [50]}]})[0]
    assert "at least one x, y pair" in refusal({"shapes": [{**arrow, "points": []}]})[0]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_numbers_are_refused_everywhere(bad: float) -> None:
    assert refusal({"lines": [pen([1, bad])]}) == [
        f"lines[0].points: value [1] must be a finite number, not {bad}"
    ]
    assert refusal({"shapes": [circle(x=bad)]}) == [
        f"shapes[0].x: must be a finite number, not {bad}"
    ]
    assert refusal({"shapes": [circle(radius=bad)]}) == [
        f"shapes[0].radius: must be a finite number, not {bad}"
    ]


def test_nan_from_json_text_is_refused() -> None:
    messages = refusal(
        '{"lines": [{"tool": "pen", "points": [1, NaN], "color": "#000", "strokeWidth": 1}]}'
    )
    assert messages == ["lines[0].points: value [1] must be a finite number, not nan"]


def test_numbers_as_strings_or_bools_are_refused() -> None:
    assert refusal({"shapes": [circle(x="100")]}) == ["shapes[0].x: must be a number, not '100'"]
    assert refusal({"lines": [pen([1, True])]}) == [
        "lines[0].points: value [1] must be a number, not True"
    ]


def test_coordinates_beyond_the_bound_are_refused() -> None:
    far = MAX_COORDINATE + 1
    assert refusal({"shapes": [circle(y=-far)]}) == [
        f"shapes[0].y: must be between -{MAX_COORDINATE} and {MAX_COORDINATE}, got {-far}"
    ]
    assert "value [0] must be between" in refusal({"lines": [pen([far, 0])]})[0]


def test_nul_characters_are_refused_in_every_string() -> None:
    nul = "\x00"
    cases = [
        ({"shapes": [text_shape(f"a{nul}b")]}, "shapes[0].text"),
        ({"shapes": [circle(id=f"c{nul}")]}, "shapes[0].id"),
        ({"shapes": [circle(color=f"#000{nul}")]}, "shapes[0].color"),
        ({"lines": [pen([1, 2], id=f"l{nul}")]}, "lines[0].id"),
    ]
    for raw, path in cases:
        assert refusal(raw) == [
            f"{path}: must not contain NUL characters (\\u0000); PostgreSQL cannot store them"
        ]


def test_nul_in_a_key_is_refused_as_unknown_key() -> None:
    messages = refusal({"shapes": [circle(**{"fi\x00ll": "#000"})]})
    assert messages == ["shapes[0].'fi\\x00ll': is not a known key here (unknown keys are refused)"]
    assert "\x00" not in messages[0]


def test_unpaired_surrogate_is_refused() -> None:
    assert refusal({"shapes": [text_shape("\ud800")]}) == [
        "shapes[0].text: contains invalid Unicode (an unpaired surrogate)"
    ]


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"radius": 0}, "radius"),
        ({"radius": -25}, "radius"),
        ({"strokeWidth": 0}, "strokeWidth"),
        ({"strokeWidth": -1.5}, "strokeWidth"),
    ],
)
def test_sizes_must_be_positive(changes: dict[str, Any], path: str) -> None:
    value = next(iter(changes.values()))
    assert refusal({"shapes": [circle(**changes)]}) == [
        f"shapes[0].{path}: must be greater than 0, got {value}"
    ]


def test_rect_width_and_height_must_be_positive() -> None:
    rect = {**spec_drawing()["shapes"][1], "width": -100, "height": 0}
    assert refusal({"shapes": [rect]}) == [
        "shapes[0].width: must be greater than 0, got -100",
        "shapes[0].height: must be greater than 0, got 0",
    ]


def test_stage_size_must_be_positive() -> None:
    assert refusal({"stageSize": {"width": 0, "height": 600}}) == [
        "stageSize.width: must be greater than 0, got 0"
    ]


@pytest.mark.parametrize("colour", ["#abc", "#A1B2C3", "#a1b2c3ff", "transparent"])
def test_good_colours_are_accepted(colour: str) -> None:
    assert parse_drawing({"shapes": [circle(color=colour)]}).shapes[0].color == colour


@pytest.mark.parametrize(
    "colour", ["red; drop table", "url(http://x)", "red", "#12345", "#GGGGGG", "#abc\n", ""]
)
def test_bad_colours_are_refused(colour: str) -> None:
    (message,) = refusal({"shapes": [circle(color=colour)]})
    assert message.startswith("shapes[0].color: must be a colour like #RGB, #RRGGBB or #RRGGBBAA")


def test_bad_shape_ids_are_refused() -> None:
    (message,) = refusal({"shapes": [circle(id="has space")]})
    assert message.startswith("shapes[0].id: must be 1 to 100 letters, digits")
    assert "is 101 characters long" in refusal({"shapes": [circle(id="a" * 101)]})[0]
    assert refusal({"shapes": [circle(id=None)]})[0].startswith("shapes[0].id: must be a string")


def test_duplicate_ids_are_refused() -> None:
    messages = refusal({"shapes": [circle(), circle()]})
    assert messages == ["shape id 'c1' is used more than once"]


def test_unknown_keys_are_refused() -> None:
    assert refusal({"shapes": [circle(onclick="x")]}) == [
        "shapes[0].onclick: is not a known key here (unknown keys are refused)"
    ]
    assert refusal({"backgroundImageDataUrl": "data:..."}) == [
        "backgroundImageDataUrl: is not a known key here (unknown keys are refused)"
    ]


def test_missing_required_shape_key_is_named() -> None:
    shape = circle()
    del shape["radius"]
    assert refusal({"shapes": [shape]}) == ["shapes[0].radius: is required"]


def test_text_over_the_limit_is_refused() -> None:
    assert parse_drawing({"shapes": [text_shape("x" * MAX_TEXT_CHARS)]})
    assert refusal({"shapes": [text_shape("x" * (MAX_TEXT_CHARS + 1))]}) == [
        f"shapes[0].text: is {MAX_TEXT_CHARS + 1} characters long; the limit is {MAX_TEXT_CHARS}"
    ]


def test_points_per_line_limit() -> None:
    assert parse_drawing({"lines": [pen([1] * MAX_POINTS_PER_LINE)]})
    (message,) = refusal({"lines": [pen([1] * (MAX_POINTS_PER_LINE + 2))]})
    assert message.startswith(
        f"lines[0].points: has {MAX_POINTS_PER_LINE + 2} values; the limit is {MAX_POINTS_PER_LINE}"
    )


def test_total_points_limit() -> None:
    per_line = MAX_POINTS_PER_LINE
    count = MAX_TOTAL_POINTS // per_line + 1
    lines = [pen([1] * per_line) for _ in range(count)]
    assert refusal({"lines": lines}) == [
        f"lines: contain {count * per_line} point values in total; the limit is {MAX_TOTAL_POINTS}"
    ]


def test_line_and_shape_count_limits() -> None:
    assert refusal({"lines": [pen([1, 2])] * (MAX_LINES + 1)}) == [
        f"lines: has {MAX_LINES + 1} strokes; the limit is {MAX_LINES}"
    ]
    assert refusal({"shapes": [circle()] * (MAX_SHAPES + 1)}) == [
        f"shapes: has {MAX_SHAPES + 1} shapes; the limit is {MAX_SHAPES}"
    ]


def test_ten_million_points_are_refused_quickly() -> None:
    points = [0] * 10_000_000
    started = time.perf_counter()
    (message,) = refusal({"lines": [pen(points)]})
    assert time.perf_counter() - started < 0.5
    assert "10000000 point values" in message
    started = time.perf_counter()
    with pytest.raises(ValidationError) as caught:
        Line.model_validate(pen(points))
    assert time.perf_counter() - started < 0.5
    assert error_messages(caught.value)[0].startswith("points: has 10000000 values")


def test_document_size_limit() -> None:
    count = MAX_DOCUMENT_BYTES // MAX_TEXT_CHARS + 1
    shapes = [text_shape("x" * MAX_TEXT_CHARS, f"t{i}") for i in range(count)]
    (message,) = refusal({"shapes": shapes})
    assert message.startswith("the drawing is ")
    assert message.endswith(f"bytes as JSON; the limit is {MAX_DOCUMENT_BYTES}")


def test_oversized_json_text_is_refused_before_parsing() -> None:
    (message,) = refusal(" " * (MAX_DOCUMENT_BYTES + 1))
    assert message == (
        f"the drawing is {MAX_DOCUMENT_BYTES + 1} bytes as JSON; the limit is {MAX_DOCUMENT_BYTES}"
    )


def test_invalid_json_and_non_objects_are_refused() -> None:
    assert refusal("{not json")[0].startswith("the drawing is not valid JSON")
    assert refusal([1, 2]) == ["the drawing must be a JSON object, not [1, 2]"]


# --- background and pdf fields ----------------------------------------------------------


def test_pdf_page_outside_page_count_is_refused() -> None:
    raw = {**spec_drawing(), "pdfPageNumber": 6}
    assert refusal(raw) == ["pdfPageNumber 6 is outside 1..5 (pdfNumPages)"]
    assert refusal({**spec_drawing(), "pdfPageNumber": 0}) == [
        "pdfPageNumber: must be between 1 and 100000, got 0"
    ]


def test_pdf_fields_need_a_pdf_background() -> None:
    raw = {**spec_drawing(), "backgroundType": "image"}
    assert refusal(raw) == ["pdfPageNumber and pdfNumPages apply only when backgroundType is 'pdf'"]


def test_image_background_without_pdf_fields_is_fine() -> None:
    raw = {"backgroundType": "image", "backgroundFileId": 7}
    assert parse_drawing(raw).to_document() == raw


def test_background_type_needs_a_file() -> None:
    raw = spec_drawing()
    del raw["backgroundFileId"]
    assert refusal(raw) == ["backgroundType is 'pdf' but backgroundFileId is missing"]


def test_background_file_needs_a_type() -> None:
    assert refusal({"backgroundFileId": 5}) == [
        "backgroundFileId is set but backgroundType ('image' or 'pdf') is missing"
    ]


def test_unknown_background_type_is_refused() -> None:
    raw = {"backgroundType": "video", "backgroundFileId": 1}
    assert refusal(raw) == ["backgroundType: must be 'image' or 'pdf', not 'video'"]


# --- versions ---------------------------------------------------------------------------


def test_missing_version_means_current_and_is_not_added() -> None:
    assert CURRENT_DRAWING_VERSION == 1
    assert "version" not in parse_drawing(spec_drawing()).to_document()
    assert parse_drawing({"version": 1}).to_document() == {"version": 1}


def test_upgrade_is_identity_for_version_1() -> None:
    raw = spec_drawing()
    assert upgrade(copy.deepcopy(raw)) == raw
    assert upgrade({"version": 1}) == {"version": 1}


def test_future_version_is_refused_with_a_clear_message() -> None:
    with pytest.raises(DocumentError) as caught:
        upgrade({"version": 2})
    assert caught.value.messages == [
        "version: this drawing is version 2, newer than this app understands (version 1); "
        "update the app"
    ]
    assert refusal({"version": 2}) == caught.value.messages


@pytest.mark.parametrize("version", [0, -1, "1", 1.0, True])
def test_malformed_version_is_refused(version: object) -> None:
    assert refusal({"version": version})[0].startswith("version: must be a whole number")


# --- error rendering --------------------------------------------------------------------


def test_error_messages_render_paths_from_a_validation_error() -> None:
    raw = spec_drawing()
    raw["shapes"][2] = circle(id="c2", radius=-1)
    with pytest.raises(ValidationError) as caught:
        DrawingData.model_validate(raw)
    assert error_messages(caught.value) == ["shapes[2].radius: must be greater than 0, got -1"]


def test_error_messages_passes_document_errors_and_other_exceptions_through() -> None:
    assert error_messages(DocumentError(["a: b", "c"])) == ["a: b", "c"]
    assert error_messages(ValueError("plain")) == ["plain"]


def test_user_text_with_braces_does_not_break_messages() -> None:
    (message,) = refusal({"shapes": [circle(color="{reason}")]})
    assert "'{reason}'" in message


def test_content_is_what_a_person_wrote_or_chose_not_the_stage_size() -> None:
    assert not has_content({"stageSize": {"width": 800, "height": 600}, "lines": []}, {})
    assert has_content({"lines": [{"id": "a"}]}, {})
    assert has_content({"shapes": [{"id": "b"}]}, {})
    assert has_content({"backgroundFileId": 7}, {})
    assert has_content({}, {"smoker": False})
