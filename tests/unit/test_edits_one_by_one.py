"""The editor's operations are validated and applied one by one: a bad one is refused
alone, with its reason and its opId, and the others go through."""

from __future__ import annotations

import uuid

import pytest

from medrec_app.domain.drawing import MAX_POINTS_PER_LINE, MAX_SHAPES
from medrec_app.domain.edits import MAX_OPS_PER_BATCH, first_batch, parse_each
from medrec_app.domain.errors import DocumentError
from medrec_app.domain.merge import apply_each


def line_op(line_id: str, points: list | None = None) -> dict:
    line = {"id": line_id, "tool": "pen", "points": points or [0, 0, 10, 10]}
    line |= {"color": "#000000", "strokeWidth": 3}
    return {"op": "addLine", "opId": uuid.uuid4().hex, "line": line}


def field_op(path: str, value: str | None) -> dict:
    return {"op": "setField", "opId": uuid.uuid4().hex, "path": path, "value": value}


def rect(shape_id: str) -> dict:
    shape = {"id": shape_id, "type": "rect", "x": 1, "y": 1, "width": 5, "height": 5}
    return shape | {"color": "#000000", "strokeWidth": 1}


def test_each_invalid_operation_is_refused_by_its_path_and_opid():
    bad_points = line_op("b", [1, 2, 3])
    no_id = {"op": "addLine", "line": {"id": "c"}}
    good = [line_op("a"), field_op("plan", "Rest")]
    ops, refused = parse_each([good[0], bad_points, no_id, good[1], dict(good[1])])
    assert [op.op_id for op in ops] == [g["opId"] for g in good]
    assert [r.op_id for r in refused] == [bad_points["opId"], None, None]
    assert refused[0].messages[0].startswith("ops[1].line.points:")
    assert any(m.startswith("ops[2].opId:") for m in refused[1].messages)
    assert "already used by ops[3]" in refused[2].messages[0]


def test_a_background_id_no_row_can_have_is_refused_by_the_domain():
    poisoned = {
        "op": "setBackground",
        "opId": "poisoned-0001",
        "backgroundType": "image",
        "backgroundFileId": 2**40,
    }
    ops, refused = parse_each([poisoned, line_op("a")])
    assert len(ops) == 1 and refused[0].op_id == "poisoned-0001"
    assert "backgroundFileId" in refused[0].messages[0]


@pytest.mark.parametrize(
    "batch",
    [{"op": "addLine"}, "not json", [line_op(str(i)) for i in range(MAX_OPS_PER_BATCH + 1)]],
)
def test_what_concerns_the_batch_as_a_whole_refuses_it_whole(batch):
    with pytest.raises(DocumentError):
        parse_each(batch)


def test_an_operation_breaking_a_document_rule_is_refused_and_the_rest_applied():
    full = {"shapes": [rect(f"s{i}") for i in range(MAX_SHAPES)]}
    form = {"vital_signs": {"bp": "120/80"}}
    one_too_many = {"op": "putShape", "opId": uuid.uuid4().hex, "shape": rect("extra")}
    clash = field_op("vital_signs", "a value where a group is")
    ops, _ = parse_each([line_op("a"), one_too_many, clash, field_op("plan", "Rest")])
    drawing, new_form, applied, refused = apply_each(full, form, ops)
    assert [r.op_id for r in refused] == [one_too_many["opId"], clash["opId"]]
    assert "shapes" in refused[0].messages[0] and "group" in refused[1].messages[0]
    assert [op.op_id for op in applied] == [ops[0].op_id, ops[3].op_id]
    assert [line["id"] for line in drawing["lines"]] == ["a"]
    assert len(drawing["shapes"]) == MAX_SHAPES
    assert new_form == {"vital_signs": {"bp": "120/80"}, "plan": "Rest"}


def test_a_valid_batch_is_applied_whole_in_one_pass():
    ops, _ = parse_each([line_op("a"), line_op("b")])
    drawing, _, applied, refused = apply_each({}, {}, ops)
    assert refused == [] and applied == ops
    assert [line["id"] for line in drawing["lines"]] == ["a", "b"]


def test_a_long_queue_is_taken_in_batches_a_save_accepts():
    queue = [field_op("plan", str(i)) for i in range(MAX_OPS_PER_BATCH + 20)]
    assert len(first_batch(queue)) == MAX_OPS_PER_BATCH
    heavy = [line_op(str(i), [1.0] * MAX_POINTS_PER_LINE) for i in range(30)]
    taken = first_batch(heavy)
    assert 0 < len(taken) < 30
    parse_each(taken)  # accepted as a batch
    assert first_batch([]) == []
    assert len(first_batch(heavy[:1])) == 1
