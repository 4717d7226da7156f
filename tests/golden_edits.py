"""The golden edit fixtures in ``tests/fixtures/edits/``: a document, operations, and the
document the server's merge makes of them.

Both merges read them: ``tests/unit/test_golden_edits.py`` (domain/merge.py) and
``tests/js/document.test.js`` (assets/canvas/document.js), so the browser's copy of a
record and the stored one cannot drift apart. ``python -m tests.golden_edits`` writes
them again after a deliberate change of the rules; review the diff.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from medrec_app.domain.edits import parse_operations
from medrec_app.domain.merge import apply_operations

FOLDER = Path(__file__).parent / "fixtures" / "edits"
OP = "0123456789abcdef0123456789abc"


def _op(n: int, **fields: Any) -> dict[str, Any]:
    return {"opId": f"{OP}{n:03d}", "at": 1_700_000_000_000 + n, **fields}


def _line(element_id: str, points: list[float], **extra: Any) -> dict[str, Any]:
    return {
        "id": element_id,
        "tool": "pen",
        "points": points,
        "color": "#e53935",
        "strokeWidth": 3,
        **extra,
    }


def _hand_stroke(count: int, seed: float) -> list[float]:
    """A wavering stroke with pointer-event decimals, the same on every run."""
    points: list[float] = []
    for i in range(count):
        t = i / count
        points += [
            100 + 500 * t + 3 * math.sin(i * seed),
            300 + 120 * math.sin(6 * t) + 0.4 * math.cos(i * 1.7 * seed),
        ]
    return points


def _cases() -> dict[str, dict[str, Any]]:
    circle = {
        "id": "shape-c",
        "type": "circle",
        "x": 200,
        "y": 150,
        "radius": 40,
        "color": "#1e88e5",
        "strokeWidth": 3,
    }
    text = {
        "id": "shape-t",
        "type": "text",
        "x": 20,
        "y": 30,
        "text": "L wrist",
        "color": "#000000",
        "strokeWidth": 24,
    }
    return {
        "strokes_rounded_and_simplified": {
            "about": "points to 0.01 px (Python's round: ties to even), then simplified "
            "within 0.5 px; a tap is one point twice",
            "document": {},
            "operations": [
                _op(
                    1,
                    op="addLine",
                    line=_line(
                        "line-a",
                        [0.125, 0.375, 1.005, 2.675, 10.625, 10.875, 20.0001, 20.9999, 30.5, 31.5],
                    ),
                ),
                _op(2, op="addLine", line=_line("line-b", _hand_stroke(400, 0.9))),
                _op(
                    3,
                    op="addLine",
                    line=_line(
                        "line-c", [10, 10, 10, 10], tool="eraser", color="#ffffff", strokeWidth=30
                    ),
                ),
                _op(
                    4,
                    op="addLine",
                    line=_line(
                        "line-d", [0, 0, 100, 0.3, 200, 0, 200, 100, 0, 100, 0, 0.4, 1, 0.2]
                    ),
                ),
            ],
        },
        "a_line_put_again_keeps_its_place": {
            "about": "re-sending a stroke (same id) replaces it where it is",
            "document": {
                "lines": [
                    _line("line-1", [1, 1, 5, 5]),
                    _line("line-2", [2, 2, 6, 6]),
                    _line("line-3", [3, 3, 7, 7]),
                ]
            },
            "operations": [_op(1, op="addLine", line=_line("line-2", [9, 9, 19, 19]))],
        },
        "shapes_made_moved_and_deleted": {
            "about": "putShape makes or replaces by id; deleteElements ignores ids that are gone",
            "document": {"shapes": [circle, text], "lines": [_line("line-1", [1, 1, 5, 5])]},
            "operations": [
                _op(1, op="putShape", shape={**circle, "x": 250.5, "y": 140.25}),
                _op(
                    2,
                    op="putShape",
                    shape={
                        "id": "shape-r",
                        "type": "rect",
                        "x": 10,
                        "y": 10,
                        "width": 60,
                        "height": 40,
                        "color": "#43a047",
                        "strokeWidth": 5,
                    },
                ),
                _op(
                    3,
                    op="putShape",
                    shape={
                        "id": "shape-a",
                        "type": "arrow",
                        "x": 300,
                        "y": 300,
                        "points": [80.5, -20],
                        "color": "#000000",
                        "strokeWidth": 3,
                        "rotation": 15,
                    },
                ),
                _op(
                    4,
                    op="deleteElements",
                    lineIds=["line-1", "line-gone"],
                    shapeIds=["shape-t", "shape-gone"],
                ),
            ],
        },
        "lines_without_ids_pass_through": {
            "about": "strokes from documents older than element ids cannot be named: "
            "clearing by id leaves them",
            "document": {
                "lines": [
                    {"tool": "pen", "points": [1, 2, 3, 4], "color": "#000000", "strokeWidth": 2},
                    _line("line-1", [5, 5, 9, 9]),
                ]
            },
            "operations": [
                _op(1, op="deleteElements", lineIds=["line-1"], shapeIds=[]),
                _op(2, op="addLine", line=_line("line-2", [10, 10, 20, 20])),
            ],
        },
        "background_and_stage": {
            "about": "setBackground replaces the four keys together and a null type clears "
            "them; setStage resizes without moving strokes",
            "document": {
                "backgroundType": "image",
                "backgroundFileId": 7,
                "lines": [_line("line-1", [1, 1, 5, 5])],
            },
            "operations": [
                _op(
                    1,
                    op="setBackground",
                    backgroundType="pdf",
                    backgroundFileId=12,
                    pdfPageNumber=2,
                    pdfNumPages=5,
                ),
                _op(2, op="setStage", width=1024, height=768),
                _op(
                    3,
                    op="setBackground",
                    backgroundType="pdf",
                    backgroundFileId=12,
                    pdfPageNumber=3,
                    pdfNumPages=5,
                ),
            ],
        },
        "background_cleared": {
            "about": "a null backgroundType removes every background key",
            "document": {
                "backgroundType": "pdf",
                "backgroundFileId": 12,
                "pdfPageNumber": 3,
                "pdfNumPages": 5,
                "stageSize": {"width": 800, "height": 600},
            },
            "operations": [
                _op(
                    1,
                    op="setBackground",
                    backgroundType=None,
                    backgroundFileId=None,
                    pdfPageNumber=None,
                    pdfNumPages=None,
                ),
            ],
        },
    }


def expected(case: dict[str, Any]) -> dict[str, Any]:
    """What the server's merge makes of the case."""
    drawing, _ = apply_operations(case["document"], {}, parse_operations(case["operations"]))
    return drawing


def cases() -> dict[str, dict[str, Any]]:
    """The stored fixtures, by name."""
    return {p.stem: json.loads(p.read_text()) for p in sorted(FOLDER.glob("*.json"))}


def write() -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    for name, case in _cases().items():
        case["expected"] = expected(case)
        (FOLDER / f"{name}.json").write_text(json.dumps(case, indent=1) + "\n")


if __name__ == "__main__":
    write()
