"""The draft PATCH merge rule: patches become edit operations that apply as documented."""

from __future__ import annotations

import pytest

from medrec_app.domain.draft_patch import BackgroundFile, draft_operations
from medrec_app.domain.edits import parse_operations
from medrec_app.domain.errors import DocumentError
from medrec_app.domain.merge import apply_operations


def line(line_id: str, x: int = 10) -> dict:
    return {
        "id": line_id,
        "tool": "pen",
        "points": [x, 10, x + 40, 50],
        "color": "#000000",
        "strokeWidth": 3,
    }


def circle(shape_id: str, x: int = 100) -> dict:
    return {
        "id": shape_id,
        "type": "circle",
        "x": x,
        "y": 100,
        "radius": 20,
        "color": "#FF0000",
        "strokeWidth": 2,
    }


def patched(drawing, form, drawing_patch=None, form_patch=None, **kw):
    ops = draft_operations(drawing, form, drawing_patch, form_patch, **kw)
    return apply_operations(drawing, form, parse_operations(ops))


def test_form_data_is_a_json_merge_patch():
    form = {"notes": "old", "gone": "x", "vital_signs": {"bp": "120/80", "pulse": "72"}}
    patch = {"notes": "new", "gone": None, "vital_signs": {"pulse": None, "temp": "36.5"}}
    _, result = patched({}, form, form_patch=patch)
    assert result == {"notes": "new", "vital_signs": {"bp": "120/80", "temp": "36.5"}}


def test_a_value_replaces_a_group_and_a_group_replaces_a_value():
    form = {"vital_signs": {"bp": "1"}, "plan": "rest"}
    _, result = patched({}, form, form_patch={"vital_signs": "n/a", "plan": {"week_1": "rest"}})
    assert result == {"vital_signs": "n/a", "plan": {"week_1": "rest"}}


def test_null_for_a_missing_key_or_group_changes_nothing():
    form = {"vital_signs": {"bp": "1"}}
    _, result = patched({}, form, form_patch={"absent": None, "vital_signs": None})
    assert result == {}
    assert draft_operations({}, {}, None, {"absent": None}) == []


def test_lines_and_shapes_merge_by_id_and_delete_by_id():
    drawing = {"lines": [line("a"), line("b")], "shapes": [circle("s1"), circle("s2")]}
    patch = {
        "lines": [line("b", x=99), line("c")],
        "shapes": [circle("s3")],
        "deletedLineIds": ["a", "never-existed"],
        "deletedShapeIds": ["s1"],
    }
    result, _ = patched(drawing, {}, drawing_patch=patch)
    assert [(e["id"], e["points"][0]) for e in result["lines"]] == [("b", 99), ("c", 10)]
    assert [e["id"] for e in result["shapes"]] == ["s2", "s3"]


def test_stage_size_is_replaced():
    result, _ = patched({}, {}, drawing_patch={"stageSize": {"width": 1024, "height": 768}})
    assert result["stageSize"] == {"width": 1024, "height": 768}


def test_background_type_is_inferred_from_the_file_and_pdf_pages_filled_in():
    pdf = BackgroundFile(id=7, background_type="pdf", page_count=4)
    result, _ = patched({}, {}, drawing_patch={"backgroundFileId": 7}, background_file=pdf)
    assert result["backgroundType"] == "pdf" and result["backgroundFileId"] == 7
    assert result["pdfNumPages"] == 4 and result["pdfPageNumber"] == 1
    turned, _ = patched(result, {}, drawing_patch={"pdfPageNumber": 3})
    assert turned["pdfPageNumber"] == 3 and turned["backgroundFileId"] == 7


def test_background_type_null_clears_all_four_keys():
    drawing = {
        "backgroundType": "pdf",
        "backgroundFileId": 7,
        "pdfPageNumber": 2,
        "pdfNumPages": 4,
    }
    result, _ = patched(drawing, {}, drawing_patch={"backgroundType": None})
    assert not {"backgroundType", "backgroundFileId", "pdfPageNumber", "pdfNumPages"} & set(result)


def test_a_file_id_without_a_resolved_file_is_refused():
    with pytest.raises(DocumentError) as err:
        draft_operations({}, {}, {"backgroundFileId": 99}, None)
    assert err.value.messages == [
        "drawing_data.backgroundFileId: no such image or PDF file for this patient"
    ]


@pytest.mark.parametrize(
    "drawing_patch,form_patch,path",
    [
        ({"lines": [{"tool": "pen"}]}, None, "drawing_data.lines[0].id"),
        ({"lines": [{**line("a"), "points": [1]}]}, None, "drawing_data.lines[0].points"),
        ({"shapes": [{**circle("s"), "radius": -1}]}, None, "drawing_data.shapes[0].radius"),
        ({"lines": [line("a"), line("a")]}, None, "drawing_data.lines[1].id"),
        ({"colour": "red"}, None, "drawing_data.'colour'"),
        ({"stageSize": {"width": 1}}, None, "drawing_data.stageSize"),
        ({"deletedLineIds": "a"}, None, "drawing_data.deletedLineIds"),
        (None, {"Bad Key": "x"}, "form_data.'Bad Key'"),
        (None, {"pulse": 72}, "form_data.pulse"),
        (None, {"vitals": {"bp": {"x": "1"}}}, "form_data.vitals.bp"),
    ],
)
def test_refusals_name_the_path(drawing_patch, form_patch, path):
    with pytest.raises(DocumentError) as err:
        draft_operations({}, {}, drawing_patch, form_patch)
    assert any(m.startswith(f"{path}:") for m in err.value.messages), err.value.messages


def test_more_changes_than_one_save_takes_are_refused():
    patch = {"lines": [line(f"l{i}") for i in range(300)]}
    patch["shapes"] = [circle(f"s{i}") for i in range(300)]
    with pytest.raises(DocumentError) as err:
        draft_operations({}, {}, patch, None)
    assert "at most 500" in err.value.messages[0]
