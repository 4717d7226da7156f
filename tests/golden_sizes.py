"""The golden size fixture, ``tests/fixtures/sizes.json``: changes at the edge of the
server's drawing limits, and whether the server refuses each.

The canvas refuses a change past the limits before sending it (``sizeProblem`` in
assets/canvas/document.js), so it must refuse exactly what the server's merge refuses.
Both read this file: ``tests/unit/test_golden_sizes.py`` (domain/merge.py, and that
its limits are the ones the canvas is sent) and ``tests/js/document.test.js``. The
documents are described, not stored (a full drawing is megabytes): both sides build
them with the same rule, :func:`document`. ``python -m tests.golden_sizes`` writes the
file again after a deliberate change of the rules; review the diff. The server's limit
on a drawing's bytes is its own: a drawing reaches its stroke or ink limit first.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from medrec_app.components.canvas import CANVAS_LIMITS
from medrec_app.domain.edits import parse_operations
from medrec_app.domain.merge import apply_each

FILE = Path(__file__).parent / "fixtures" / "sizes.json"
LIMIT_KEYS = ("maxLines", "maxShapes", "maxTotalPoints")
LIMITS = {key: CANVAS_LIMITS[key] for key in LIMIT_KEYS}
OP = "0123456789abcdef0123456789abc"
STYLE = {"color": "#43a047", "strokeWidth": 3}


def zigzag(values: int, row: int) -> list[int]:
    """``values`` point values no simplification thins: a zigzag 10 px high."""
    return [(k // 2) * 10 if k % 2 == 0 else row % 500 + 10 * ((k // 2) % 2) for k in range(values)]


def values_of_line(spec: dict[str, int], i: int) -> int:
    """A spec's ``values`` point values shared out in pairs, the first lines one more."""
    pairs, extra = divmod(spec["values"] // 2, spec["lines"])
    return 2 * (pairs + (1 if i < extra else 0))


def document(spec: dict[str, int]) -> dict[str, Any]:
    """The drawing a spec describes: ``lines`` strokes holding ``values`` point values
    and ``shapes`` rectangles (the JS tests build the same)."""
    lines = [
        {
            "id": f"line-{i}",
            "tool": "pen",
            "points": zigzag(values_of_line(spec, i), i),
            "color": "#000000",
            "strokeWidth": 2,
        }
        for i in range(spec["lines"])
    ]
    shapes = [
        {"id": f"shape-{i}", "type": "rect", "x": i % 700, "y": 10, "width": 20, "height": 20}
        | {"color": "#000000", "strokeWidth": 2}
        for i in range(spec["shapes"])
    ]
    return {"lines": lines, "shapes": shapes, "stageSize": {"width": 800, "height": 600}}


def _op(n: int, **fields: Any) -> dict[str, Any]:
    return {"opId": f"{OP}{n:03d}", "at": 1_700_000_000_000 + n, **fields}


def _line(element_id: str, values: int) -> dict[str, Any]:
    line = {"id": element_id, "tool": "pen", "points": zigzag(values, 7), "color": "#1e88e5"}
    return line | {"strokeWidth": 3}


def _cases() -> dict[str, dict[str, Any]]:
    lines, shapes, points = LIMITS["maxLines"], LIMITS["maxShapes"], LIMITS["maxTotalPoints"]
    rect = {"type": "rect", "x": 5, "y": 5, "width": 9, "height": 9} | STYLE
    arrow = {"type": "arrow", "x": 5, "y": 5, "points": [0, 0, 40, 20]} | STYLE
    return {
        "the_last_stroke_that_fits": {
            "document": {"lines": lines - 1, "values": 4 * (lines - 1), "shapes": 0},
            "operations": [_op(1, op="addLine", line=_line("line-new", 4))],
        },
        "one_stroke_too_many": {
            "document": {"lines": lines, "values": 4 * lines, "shapes": 0},
            "operations": [_op(1, op="addLine", line=_line("line-new", 4))],
        },
        "a_full_drawing_changes_a_stroke_in_place": {
            "document": {"lines": lines, "values": 4 * lines, "shapes": 0},
            "operations": [_op(1, op="addLine", line=_line("line-5", 6))],
        },
        "a_full_drawing_swaps_a_stroke_in_one_change": {
            "document": {"lines": lines, "values": 4 * lines, "shapes": 0},
            "operations": [
                _op(1, op="deleteElements", lineIds=["line-5"], shapeIds=[]),
                _op(2, op="addLine", line=_line("line-new", 4)),
            ],
        },
        "one_shape_too_many": {
            "document": {"lines": 1, "values": 4, "shapes": shapes},
            "operations": [_op(1, op="putShape", shape=rect | {"id": "shape-new"})],
        },
        "the_last_shape_that_fits": {
            "document": {"lines": 1, "values": 4, "shapes": shapes - 1},
            "operations": [_op(1, op="putShape", shape=rect | {"id": "shape-new"})],
        },
        "the_last_ink_that_fits": {
            "document": {"lines": 5_000, "values": points - 4, "shapes": 0},
            "operations": [_op(1, op="addLine", line=_line("line-new", 4))],
        },
        "ink_past_the_limit": {
            "document": {"lines": 5_000, "values": points - 4, "shapes": 0},
            "operations": [_op(1, op="addLine", line=_line("line-new", 6))],
        },
        "an_arrow_counts_as_ink": {
            "document": {"lines": 5_000, "values": points, "shapes": 0},
            "operations": [_op(1, op="putShape", shape=arrow | {"id": "shape-new"})],
        },
        "a_rectangle_is_no_ink": {
            "document": {"lines": 5_000, "values": points, "shapes": 0},
            "operations": [_op(1, op="putShape", shape=rect | {"id": "shape-new"})],
        },
        # Drawings stored before a limit was lowered: they may shrink, not grow.
        "over_a_lowered_limit_a_stroke_is_deleted": {
            "document": {"lines": lines + 5, "values": 4 * (lines + 5), "shapes": 0},
            "operations": [_op(1, op="deleteElements", lineIds=["line-5"], shapeIds=[])],
        },
        "over_a_lowered_limit_a_stroke_is_added": {
            "document": {"lines": lines + 5, "values": 4 * (lines + 5), "shapes": 0},
            "operations": [_op(1, op="addLine", line=_line("line-new", 4))],
        },
        "over_a_lowered_ink_limit_a_stroke_is_shortened": {
            "document": {"lines": 5_000, "values": points + 200, "shapes": 0},
            "operations": [_op(1, op="addLine", line=_line("line-5", 4))],
        },
        "over_a_lowered_ink_limit_a_stroke_is_lengthened": {
            "document": {"lines": 5_000, "values": points + 200, "shapes": 0},
            "operations": [_op(1, op="addLine", line=_line("line-5", 120))],
        },
    }


def refused(case: dict[str, Any]) -> bool:
    """Whether the server's merge refuses the case's operations."""
    ops = parse_operations(case["operations"])
    *_, refusals = apply_each(document(case["document"]), {}, ops)
    return bool(refusals)


def stored() -> dict[str, Any]:
    return json.loads(FILE.read_text())


def write() -> None:
    cases = _cases()
    for case in cases.values():
        case["refused"] = refused(case)
    FILE.write_text(json.dumps({"limits": LIMITS, "cases": cases}, indent=1) + "\n")


if __name__ == "__main__":
    write()
