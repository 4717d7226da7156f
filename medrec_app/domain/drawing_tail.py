"""Saves that cost one stroke: a record's drawing as its stored document plus a tail.

Rewriting ``drawing_data`` on every auto-save cost a save time and write-ahead log in
proportion to the whole drawing (benchmarks/stroke_save.py). So a save that only adds,
replaces or deletes lines and shapes leaves ``drawing_data`` alone: its operations are
in the operation log anyway, and those logged after ``drawing_revision`` are the
drawing's *tail*, which every reader applies (:func:`with_tail`). A later save *folds*
the tail into ``drawing_data`` when the tail has grown to a quarter of the document
(:func:`fold_due`), so the cost of rewriting the document is spread over the strokes
that made it grow by a quarter, and so is a reader's cost of applying the tail. A
drawing left alone with a tail is folded after ``IDLE_FOLD_S``, and signing folds it.

The document's rules (counts, points, bytes) are checked without reading it, against
upper bounds: the database counts the stored document whenever it is written
(``DrawingBounds`` of it), and each tail operation adds what it could add, never
subtracting. A batch whose bounds pass a limit is not refused on that ground: it takes
the full path, which reads the document and checks it exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from medrec_app.domain.drawing import MAX_DOCUMENT_BYTES, MAX_LINES, MAX_SHAPES, MAX_TOTAL_POINTS
from medrec_app.domain.edits import AddLine, DeleteElements, Operation, PutShape, SetField
from medrec_app.domain.merge import replayed, stored_line

TAIL_OPS = (AddLine, PutShape, DeleteElements)
"""Operations a save may leave in the tail; a background or stage change is applied to
the document itself (it is rare, and its rules need the document)."""

FOLD_RATIO = 4
"""The tail is folded once it is 1/FOLD_RATIO of the document's bytes."""

IDLE_FOLD_S = 120
"""A tail no save has folded is folded once its drawing has been left alone this long,
so that SQL over ``drawing_data`` (the spec's GIN query) sees the drawing whole."""

_KEY_SLACK = 32
"""Bytes a first line or shape may add besides itself: ``,"lines":[]``."""


@dataclass(frozen=True)
class DrawingBounds:
    """Upper bounds of a drawing's size, in the units of ``merge``'s document rules."""

    lines: int
    shapes: int
    points: int
    bytes: int

    def __add__(self, other: DrawingBounds) -> DrawingBounds:
        return DrawingBounds(
            self.lines + other.lines,
            self.shapes + other.shapes,
            self.points + other.points,
            self.bytes + other.bytes,
        )

    def within_limits(self) -> bool:
        return (
            self.lines <= MAX_LINES
            and self.shapes <= MAX_SHAPES
            and self.points <= MAX_TOTAL_POINTS
            and self.bytes <= MAX_DOCUMENT_BYTES
        )


NOTHING = DrawingBounds(0, 0, 0, 0)


def tail_bounds(ops: Sequence[Operation]) -> DrawingBounds:
    """What ``ops`` can add to a drawing at most. A line or shape that replaces one with
    its id counts as added; a delete adds only the bytes of its ids."""
    bounds = NOTHING
    for op in ops:
        if isinstance(op, AddLine):
            element = stored_line(op.line)
            bounds += DrawingBounds(1, 0, len(element["points"]), _element_bytes(element))
        elif isinstance(op, PutShape):
            element = op.shape.model_dump(mode="json", by_alias=True, exclude_unset=True)
            points = len(element.get("points", ()))
            bounds += DrawingBounds(0, 1, points, _element_bytes(element))
        elif isinstance(op, DeleteElements):
            # Adds nothing to the document, but its bytes make a fold due like any.
            bounds += DrawingBounds(0, 0, 0, len(orjson.dumps([*op.line_ids, *op.shape_ids])))
    return bounds


def _element_bytes(element: dict[str, Any]) -> int:
    return len(orjson.dumps(element)) + 1 + _KEY_SLACK  # and a comma


def splits_off(ops: Sequence[Operation]) -> bool:
    """Whether every drawing operation of ``ops`` may go to the tail."""
    return all(isinstance(op, (*TAIL_OPS, SetField)) for op in ops)


def fold_due(tail_bytes: int, document_bytes: int) -> bool:
    """Whether a tail of ``tail_bytes`` should be folded into a document of
    ``document_bytes``: once it is a quarter of it (so a small drawing is rewritten on
    nearly every save, which costs little, and a large one every few hundred strokes)."""
    return tail_bytes * FOLD_RATIO >= document_bytes


def with_tail(drawing: dict[str, Any], tail: Sequence[Operation]) -> dict[str, Any]:
    """The drawing with its tail applied: what every reader shows. The tail's bounds were
    checked when each of its operations was saved (see the module's docstring)."""
    if not tail:
        return drawing
    return replayed(drawing, tail)
