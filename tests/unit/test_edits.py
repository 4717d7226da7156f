"""Edit operations: what two tabs draw and type must all end up stored, the later of two
changes to one element must win, and a bad batch must be refused whole with a message
that says which operation and which rule."""

from __future__ import annotations

import copy
import itertools
import json
import math
import time
from typing import Any

import pytest

from medrec_app.domain.drawing import MAX_LINES, MAX_POINTS_PER_LINE, MAX_SHAPES
from medrec_app.domain.edits import (
    MAX_OPS_PER_BATCH,
    AddLine,
    DeleteElements,
    PutShape,
    SetBackground,
    SetField,
    SetStage,
    parse_operations,
)
from medrec_app.domain.errors import DocumentError
from medrec_app.domain.forms import MAX_FORM_FIELDS
from medrec_app.domain.merge import apply_operations

_op_numbers = itertools.count()


def _op_id() -> str:
    return f"op-{next(_op_numbers):08d}"


def add_line(line_id: str, points: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    line = {
        "id": line_id,
        "tool": "pen",
        "points": points if points is not None else [0, 0, 10, 10],
        "color": "#000000",
        "strokeWidth": 3,
        **extra,
    }
    return {"op": "addLine", "opId": _op_id(), "line": line}


def circle(shape_id: str, **changes: Any) -> dict[str, Any]:
    shape = {
        "id": shape_id,
        "type": "circle",
        "x": 100,
        "y": 100,
        "radius": 50,
        "color": "#FF0000",
        "strokeWidth": 2,
    }
    return {"op": "putShape", "opId": _op_id(), "shape": {**shape, **changes}}


def delete(lines: tuple[str, ...] = (), shapes: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"op": "deleteElements", "opId": _op_id(), "lineIds": [*lines], "shapeIds": [*shapes]}


def set_field(path: str, value: str | None) -> dict[str, Any]:
    return {"op": "setField", "opId": _op_id(), "path": path, "value": value}


def set_background(kind: str | None, file_id: int | None = None, **pdf: int) -> dict[str, Any]:
    return {
        "op": "setBackground",
        "opId": _op_id(),
        "backgroundType": kind,
        "backgroundFileId": file_id,
        **pdf,
    }


def apply(
    drawing: dict[str, Any], form: dict[str, Any], raw_ops: list[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    return apply_operations(drawing, form, parse_operations(raw_ops))


def refusal(raw: object) -> list[str]:
    with pytest.raises(DocumentError) as caught:
        parse_operations(raw)
    return caught.value.messages


def line_ids(drawing: dict[str, Any]) -> list[str | None]:
    return [line.get("id") for line in drawing.get("lines", [])]


LEGACY_LINE = {"tool": "pen", "points": [1, 2, 3, 4], "color": "#000000", "strokeWidth": 3}


# --- parsing -----------------------------------------------------------------------------


def test_parse_returns_one_typed_operation_per_kind() -> None:
    ops = parse_operations(
        [
            add_line("l1"),
            circle("s1"),
            delete(("l1",), ("s1",)),
            set_field("notes", "x"),
            set_background(None),
            {"op": "setStage", "opId": _op_id(), "width": 1024, "height": 768},
        ]
    )
    assert [type(op) for op in ops] == [
        AddLine,
        PutShape,
        DeleteElements,
        SetField,
        SetBackground,
        SetStage,
    ]


def test_parse_accepts_json_text() -> None:
    ops = parse_operations(json.dumps([add_line("l1")]))
    assert isinstance(ops[0], AddLine) and ops[0].line.id == "l1"


def test_error_paths_name_the_operation_and_the_value() -> None:
    ops = [set_field("notes", "a"), set_field("notes", "b"), circle("s1"), add_line("l1")]
    ops[3]["line"]["points"] = [1, 2, 3]
    ops[2]["shape"]["radius"] = -1
    assert refusal(ops) == [
        "ops[2].shape.radius: must be greater than 0, got -1",
        "ops[3].line.points: must have an even number of values (x, y pairs), got 3",
    ]


def test_unknown_op_is_refused() -> None:
    messages = refusal([{"op": "eraseAll", "opId": _op_id()}])
    assert messages[0].startswith("ops[0]: unknown op 'eraseAll'; expected one of")
    assert refusal([{"opId": _op_id()}]) == ["ops[0]: needs a 'op' key"]


def test_nan_in_points_is_refused() -> None:
    assert refusal([add_line("l1", [0, 0, math.nan, 1])]) == [
        "ops[0].line.points: value [2] must be a finite number, not nan"
    ]
    text = json.dumps([add_line("l1", [0, 0, 1, 1])]).replace("[0, 0, 1, 1]", "[0, NaN, 1, 1]")
    assert refusal(text)[0].startswith("ops[0].line.points: value [1] must be a finite number")


def test_ten_million_point_line_is_refused_fast() -> None:
    huge = add_line("l1", [0] * 10_000_000)
    started = time.perf_counter()
    messages = refusal([huge])
    assert time.perf_counter() - started < 0.1
    assert messages == [
        f"ops[0].line.points: has 10000000 values; the limit is {MAX_POINTS_PER_LINE} "
        f"({MAX_POINTS_PER_LINE // 2} points)"
    ]


def test_batch_point_total_is_refused_before_values_are_read() -> None:
    ops = [add_line(f"l{i}", [0] * MAX_POINTS_PER_LINE) for i in range(30)]
    started = time.perf_counter()
    assert refusal(ops) == ["ops: carry 600000 point values in total; the limit is 500000"]
    assert time.perf_counter() - started < 0.1


def test_unknown_keys_are_refused() -> None:
    op = add_line("l1")
    op["line"]["dash"] = [2, 2]
    op["author"] = "me"
    assert refusal([op]) == [
        "ops[0].line.dash: is not a known key here (unknown keys are refused)",
        "ops[0].author: is not a known key here (unknown keys are refused)",
    ]


def test_duplicate_op_ids_are_refused() -> None:
    first, second = set_field("notes", "a"), set_field("notes", "b")
    second["opId"] = first["opId"]
    assert refusal([first, second]) == [f"ops[1].opId: {first['opId']!r} is already used by ops[0]"]


def test_op_ids_must_be_8_to_64_safe_characters() -> None:
    for bad in ("short", "x" * 65, "has space!", 12345678):
        op = set_field("notes", "a")
        op["opId"] = bad
        assert refusal([op])[0].startswith("ops[0].opId: must be")


def test_too_many_ops_are_refused() -> None:
    ops = [set_field("notes", str(i)) for i in range(MAX_OPS_PER_BATCH + 1)]
    assert refusal(ops) == [f"ops: has {MAX_OPS_PER_BATCH + 1} operations; the limit is 500"]
    with pytest.raises(DocumentError, match="the limit is 2"):
        parse_operations(ops[:3], max_ops=2)


def test_a_batch_must_be_a_list() -> None:
    assert refusal({"op": "addLine"}) == [
        "ops: must be a list of operations, not {'op': 'addLine'}"
    ]
    assert refusal("[")[0].startswith("ops: not valid JSON")


def test_added_line_needs_an_id() -> None:
    op = add_line("l1")
    del op["line"]["id"]
    assert refusal([op]) == ["ops[0].line: needs an id, so a re-send or a later delete can find it"]


def test_set_field_paths_follow_the_form_key_rule() -> None:
    assert refusal([set_field("a.b.c", "x")]) == [
        "ops[0].path: groups nest one level only ('group.field'), not 'a.b.c'"
    ]
    assert refusal([set_field("Vital.bp", "x")])[0].startswith("ops[0].path: each part must be")
    assert refusal([{**set_field("notes", None), "value": 72}]) == [
        "ops[0].value: must be a string, not 72"
    ]
    op = set_field("notes", None)
    del op["value"]
    assert refusal([op]) == ["ops[0].value: is required"]


# --- applying: each operation ------------------------------------------------------------


def test_add_line_appends_and_a_resend_replaces_in_place() -> None:
    base = {"lines": [LEGACY_LINE]}
    first = add_line("l1")
    drawing, _ = apply(base, {}, [first, add_line("l2")])
    assert line_ids(drawing) == [None, "l1", "l2"]
    resent = {**first, "line": {**first["line"], "color": "#00FF00"}}
    again, _ = apply(drawing, {}, [resent])
    assert line_ids(again) == [None, "l1", "l2"]
    assert again["lines"][1]["color"] == "#00FF00"
    assert apply(again, {}, [resent])[0] == again


def test_put_shape_inserts_then_replaces_in_place_and_is_idempotent() -> None:
    drawing, _ = apply({}, {}, [circle("s1"), circle("s2")])
    moved = circle("s1", x=300, radius=10)
    drawing, _ = apply(drawing, {}, [moved])
    assert [s["id"] for s in drawing["shapes"]] == ["s1", "s2"]
    assert drawing["shapes"][0] == {**moved["shape"]}
    assert apply(drawing, {}, [moved])[0] == drawing


def test_delete_elements_removes_ids_and_ignores_unknown_ones() -> None:
    drawing, _ = apply({"lines": [LEGACY_LINE]}, {}, [add_line("l1"), add_line("l2"), circle("s1")])
    drawing, _ = apply(drawing, {}, [delete(("l1", "gone"), ("s1", "also-gone"))])
    assert line_ids(drawing) == [None, "l2"]
    assert drawing["shapes"] == []
    assert apply(drawing, {}, [delete(("l1",), ("s1",))])[0] == drawing


def test_set_stage_replaces_the_stage_size() -> None:
    op = {"op": "setStage", "opId": _op_id(), "width": 1024, "height": 768.5}
    drawing, _ = apply({"stageSize": {"width": 800, "height": 600}}, {}, [op])
    assert drawing["stageSize"] == {"width": 1024, "height": 768.5}


def test_set_field_sets_and_removes_top_level_fields() -> None:
    _, form = apply({}, {"notes": "old", "assessment": "a"}, [set_field("notes", "new")])
    assert form == {"notes": "new", "assessment": "a"}
    _, form = apply({}, form, [set_field("notes", None), set_field("missing", None)])
    assert form == {"assessment": "a"}


def test_set_field_creates_a_group_on_demand_and_drops_it_with_its_last_field() -> None:
    _, form = apply({}, {}, [set_field("vital_signs.bp", "120/80")])
    assert form == {"vital_signs": {"bp": "120/80"}}
    _, form = apply({}, form, [set_field("vital_signs.pulse", "72")])
    assert form == {"vital_signs": {"bp": "120/80", "pulse": "72"}}
    _, form = apply({}, form, [set_field("vital_signs.bp", None)])
    assert form == {"vital_signs": {"pulse": "72"}}
    _, form = apply({}, form, [set_field("vital_signs.pulse", None)])
    assert form == {}
    _, form = apply({}, form, [set_field("vital_signs.pulse", None)])
    assert form == {}


def test_set_field_refuses_to_mix_up_groups_and_fields() -> None:
    form = {"vital_signs": {"bp": "120/80"}, "notes": "n"}
    ops = parse_operations([set_field("vital_signs", "x"), set_field("notes.more", "y")])
    with pytest.raises(DocumentError) as caught:
        apply_operations({}, form, ops)
    assert caught.value.messages == [
        "ops[0].path: 'vital_signs' is a group; set its fields (vital_signs.name) one by one",
        "ops[1].path: 'notes' is a field, not a group of fields",
    ]
    assert form == {"vital_signs": {"bp": "120/80"}, "notes": "n"}


def test_set_background_pdf_within_its_page_range() -> None:
    op = set_background("pdf", 456, pdfPageNumber=2, pdfNumPages=5)
    drawing, _ = apply({}, {}, [op])
    assert drawing == {
        "backgroundType": "pdf",
        "backgroundFileId": 456,
        "pdfPageNumber": 2,
        "pdfNumPages": 5,
    }
    image, _ = apply(drawing, {}, [set_background("image", 457)])
    assert image == {"backgroundType": "image", "backgroundFileId": 457}
    cleared, _ = apply(drawing, {}, [set_background(None)])
    assert cleared == {}


def test_set_background_refuses_what_the_drawing_would_refuse() -> None:
    beyond = set_background("pdf", 456, pdfPageNumber=6, pdfNumPages=5)
    assert refusal([beyond]) == ["ops[0]: pdfPageNumber 6 is outside 1..5 (pdfNumPages)"]
    assert refusal([set_background("pdf", 456, pdfPageNumber=0)]) == [
        "ops[0].pdfPageNumber: must be between 1 and 100000, got 0"
    ]
    assert refusal([set_background("image", pdfNumPages=2)]) == [
        "ops[0]: backgroundType is 'image' but backgroundFileId is missing; "
        "pdfPageNumber and pdfNumPages apply only when backgroundType is 'pdf'"
    ]
    assert refusal([set_background(None, 456)]) == [
        "ops[0]: backgroundType null clears the background; backgroundFileId, "
        "pdfPageNumber and pdfNumPages must then be null too"
    ]


# --- applying: merging two tabs ----------------------------------------------------------


def test_two_tabs_from_the_same_base_keep_every_stroke() -> None:
    stored, form = apply({}, {}, [add_line("base"), circle("s1")])
    tab_a = [add_line("a1"), add_line("a2"), set_field("notes", "from a")]
    tab_b = [add_line("b1"), circle("s2"), set_field("vital_signs.bp", "120/80")]
    stored, form = apply(stored, form, tab_a)
    stored, form = apply(stored, form, tab_b)
    assert line_ids(stored) == ["base", "a1", "a2", "b1"]
    assert [s["id"] for s in stored["shapes"]] == ["s1", "s2"]
    assert form == {"notes": "from a", "vital_signs": {"bp": "120/80"}}


def test_the_later_change_to_one_shape_wins_and_other_changes_survive() -> None:
    stored, form = apply({}, {"notes": "base"}, [circle("s1"), circle("s2")])
    tab_a = [circle("s1", x=10, y=20), add_line("a1"), set_field("notes", "a")]
    tab_b = [circle("s1", color="#0000FF"), circle("s2", radius=5), set_field("notes", "b")]
    stored, form = apply(stored, form, tab_a)
    stored, form = apply(stored, form, tab_b)
    assert stored["shapes"][0] == tab_b[0]["shape"]
    assert stored["shapes"][1]["radius"] == 5
    assert line_ids(stored) == ["a1"]
    assert form == {"notes": "b"}


def test_clear_leaves_strokes_another_tab_added_meanwhile() -> None:
    stored, _ = apply({"lines": [LEGACY_LINE]}, {}, [add_line("l1"), add_line("l2"), circle("s1")])
    stored, _ = apply(stored, {}, [add_line("other-tab")])
    stored, _ = apply(stored, {}, [delete(("l1", "l2"), ("s1",))])
    assert line_ids(stored) == [None, "other-tab"]
    assert stored["shapes"] == []


def test_legacy_lines_survive_every_operation_untouched() -> None:
    legacy = [LEGACY_LINE, {**LEGACY_LINE, "tool": "eraser", "points": [5.123, 6, 7, 8]}]
    stored = {"lines": copy.deepcopy(legacy)}
    every_kind = [
        add_line("l1"),
        circle("s1"),
        delete(("l1",), ("s1",)),
        set_field("notes", "n"),
        set_background("pdf", 9, pdfPageNumber=1, pdfNumPages=1),
        {"op": "setStage", "opId": _op_id(), "width": 10, "height": 10},
    ]
    for op in every_kind:
        stored, _ = apply(stored, {}, [op])
        assert stored["lines"][:2] == legacy


# --- compaction --------------------------------------------------------------------------


def test_stroke_points_are_rounded_to_hundredths_and_ints_stay_ints() -> None:
    drawing, _ = apply({}, {}, [add_line("l1", [100, 200, 150.123456, 250.987654, 300, 0.004])])
    points = drawing["lines"][0]["points"]
    assert points == [100, 200, 150.12, 250.99, 300, 0]
    assert json.dumps(points) == "[100, 200, 150.12, 250.99, 300, 0]"


def test_a_dense_stroke_is_stored_with_fewer_points_within_half_a_pixel() -> None:
    dense = [v for i in range(2000) for v in (i * 0.25, 40 * math.sin(i / 100) + 0.001 * i)]
    drawing, _ = apply({}, {}, [add_line("l1", dense)])
    stored = drawing["lines"][0]["points"]
    assert len(stored) < len(dense) // 10
    assert stored[:2] == [0, 0] and len(stored) % 2 == 0


def test_shapes_keep_their_values() -> None:
    arrow = {
        "op": "putShape",
        "opId": _op_id(),
        "shape": {
            "id": "a1",
            "type": "arrow",
            "x": 1.23456,
            "y": 2,
            "points": [0, 0, 0.1, 0.1, 0.2, 0.2, 50.005, 50.005],
            "color": "#0000FF",
            "strokeWidth": 3,
        },
    }
    drawing, _ = apply({}, {}, [arrow])
    assert drawing["shapes"] == [arrow["shape"]]


def test_script_text_in_a_text_shape_is_stored_as_text() -> None:
    text = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    op = {
        "op": "putShape",
        "opId": _op_id(),
        "shape": {
            "id": "t1",
            "type": "text",
            "x": 1,
            "y": 2,
            "text": text,
            "color": "#000000",
            "strokeWidth": 20,
        },
    }
    drawing, _ = apply({}, {}, [op])
    assert drawing["shapes"][0]["text"] == text


# --- whole-document rules and purity -----------------------------------------------------


def test_a_batch_that_would_exceed_max_lines_is_refused_and_nothing_changes() -> None:
    base = {"lines": [copy.deepcopy(LEGACY_LINE) for _ in range(MAX_LINES - 1)]}
    form = {"notes": "keep"}
    snapshot = copy.deepcopy((base, form))
    ops = parse_operations([add_line("l1"), add_line("l2"), set_field("notes", "changed")])
    with pytest.raises(DocumentError) as caught:
        apply_operations(base, form, ops)
    assert caught.value.messages == [
        f"drawing_data: lines: has {MAX_LINES + 1} strokes; the limit is {MAX_LINES}"
    ]
    assert (base, form) == snapshot
    assert len(apply(base, form, [add_line("l1")])[0]["lines"]) == MAX_LINES


def test_inputs_are_unchanged_and_results_share_nothing_with_them() -> None:
    base = {
        "lines": [copy.deepcopy(LEGACY_LINE)],
        "shapes": [circle("s1")["shape"]],
        "stageSize": {"width": 800, "height": 600},
    }
    form = {"vital_signs": {"bp": "1"}, "notes": "n"}
    snapshot = copy.deepcopy((base, form))
    drawing, new_form = apply(base, form, [circle("s1", x=5), set_field("vital_signs.bp", "2")])
    assert (base, form) == snapshot
    drawing["lines"][0]["points"].append(9)
    new_form["vital_signs"]["pulse"] = "3"
    assert (base, form) == snapshot
    untouched, _ = apply(base, form, [set_field("notes", "x")])
    untouched["lines"][0]["color"] = "#FFFFFF"
    assert (base, form) == snapshot


def test_a_document_no_operation_touches_is_not_revalidated() -> None:
    bad_form = {"Bad Key": "typed before the rules"}
    drawing, form = apply({}, bad_form, [add_line("l1")])
    assert form == bad_form and line_ids(drawing) == ["l1"]
    with pytest.raises(DocumentError) as caught:
        apply({}, bad_form, [set_field("notes", "x")])
    assert caught.value.messages[0].startswith("form_data: 'Bad Key': must be 1 to 64")


def test_a_stored_drawing_from_a_newer_app_is_refused() -> None:
    with pytest.raises(DocumentError) as caught:
        apply({"version": 99}, {}, [add_line("l1")])
    assert caught.value.messages[0].startswith("drawing_data: version: this drawing is version 99")


def test_drawing_and_form_refusals_are_reported_together() -> None:
    shapes = [circle(f"s{i}")["shape"] for i in range(MAX_SHAPES)]
    form = {f"field_{i}": "v" for i in range(MAX_FORM_FIELDS)}
    with pytest.raises(DocumentError) as caught:
        apply({"shapes": shapes}, form, [circle("one-more"), set_field("one_more", "v")])
    assert caught.value.messages == [
        f"drawing_data: shapes: has {MAX_SHAPES + 1} shapes; the limit is {MAX_SHAPES}",
        f"form_data: the form has more than {MAX_FORM_FIELDS} fields; "
        f"the limit is {MAX_FORM_FIELDS}",
    ]
