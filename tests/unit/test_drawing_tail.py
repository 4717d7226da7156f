"""The tail's rules without a database: its bounds are never below what the operations
add, the fold comes at a quarter, and only lines, shapes and deletes go to the tail."""

from __future__ import annotations

import random
import uuid

import orjson

from medrec_app.domain.drawing_tail import (
    NOTHING,
    DrawingBounds,
    fold_due,
    splits_off,
    tail_bounds,
    with_tail,
)
from medrec_app.domain.edits import parse_operations


def counted(drawing: dict) -> DrawingBounds:
    """What merge's document rules count in a drawing."""
    elements = [*drawing.get("lines", []), *drawing.get("shapes", [])]
    return DrawingBounds(
        len(drawing.get("lines", [])),
        len(drawing.get("shapes", [])),
        sum(len(e.get("points", ())) for e in elements),
        len(orjson.dumps(drawing)),
    )


def random_op(rng: random.Random, ids: list[str]) -> dict:
    kind = rng.choice(["line", "line", "shape", "arrow", "delete", "redraw"])
    op_id = uuid.uuid4().hex
    if kind == "delete" and ids:
        return {"op": "deleteElements", "opId": op_id, "lineIds": rng.sample(ids, 1)}
    if kind in ("shape", "arrow"):
        shape = {
            "id": f"s{rng.randrange(5)}",
            "x": rng.random() * 500,
            "y": 3,
            "color": "#00ff00",
            "strokeWidth": 2,
        }
        if kind == "arrow":
            shape |= {"type": "arrow", "points": [0, 0, rng.random() * 90, 40]}
        else:
            shape |= {"type": "circle", "radius": 1 + rng.random() * 30}
        return {"op": "putShape", "opId": op_id, "shape": shape}
    line_id = rng.choice(ids) if kind == "redraw" and ids else uuid.uuid4().hex
    ids.append(line_id)
    # Integers become floats when rounded: "3" grows to "3.0" in the stored stroke.
    points = [
        rng.randrange(800) if rng.random() < 0.5 else rng.random() * 800
        for _ in range(2 * rng.randrange(1, 60))
    ]
    line = {"id": line_id, "tool": "pen", "points": points, "color": "#000000", "strokeWidth": 3}
    return {"op": "addLine", "opId": op_id, "line": line}


def test_bounds_are_never_below_what_the_tail_adds():
    rng = random.Random(15)
    for _ in range(200):
        ids: list[str] = []
        start = {"version": 1}
        ops = parse_operations([random_op(rng, ids) for _ in range(rng.randrange(1, 30))])
        after = counted(with_tail(start, ops))
        bound = counted(start) + tail_bounds(ops)
        assert after.lines <= bound.lines and after.shapes <= bound.shapes
        assert after.points <= bound.points and after.bytes <= bound.bytes


def test_only_lines_shapes_deletes_and_fields_go_to_the_tail():
    line = {"id": "a", "tool": "pen", "points": [1, 2, 3, 4], "color": "#000000", "strokeWidth": 3}
    parsed = parse_operations(
        [
            {"op": "addLine", "opId": "op-00001", "line": line},
            {"op": "deleteElements", "opId": "op-00002", "lineIds": ["a"]},
            {"op": "setField", "opId": "op-00003", "path": "plan", "value": "rest"},
            {"op": "setStage", "opId": "op-00004", "width": 10, "height": 10},
        ]
    )
    assert splits_off(parsed[:3])
    assert not splits_off(parsed)
    assert tail_bounds(parsed[2:3]) == NOTHING  # a field adds nothing to the drawing
    assert tail_bounds(parsed[1:2]).bytes > 0  # a delete counts towards the fold


def test_a_fold_is_due_at_a_quarter_of_the_document():
    assert not fold_due(249, 1000)
    assert fold_due(250, 1000)
    assert fold_due(1, 0)  # an empty drawing takes its strokes at once
    assert with_tail({"lines": []}, []) == {"lines": []}
