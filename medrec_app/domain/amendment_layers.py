"""An amendment's drawing: a layer of its own over the signed drawing.

The signed record's strokes and shapes, and those of amendments signed before, are
never changed by a later amendment: its operations may add and change only its own
lines and shapes (an id of the signed layers is refused), and may not touch the form,
the background or the stage, which stay as signed. Each amendment is shown in its own
colour, by its place in signing order, with a legend naming it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from medrec_app.domain.edits import AddLine, DeleteElements, Operation, PutShape, RefusedOp

STAGE_KEYS = ("stageSize", "backgroundType", "backgroundFileId", "pdfPageNumber", "pdfNumPages")
"""What an amendment's layer shares with the signed drawing, as signed."""
AMENDMENT_COLOURS = ("#7c3aed", "#db2777", "#0891b2", "#ea580c", "#4d7c0f")
"""Apart from the pen colours and from each other; named in ``COLOUR_NAMES``."""
COLOUR_NAMES = ("violet", "pink", "cyan", "orange", "green")
ONLY_DRAWING = (
    "An amendment draws on its own layer: the form, the background and the canvas size "
    "stay as signed."
)
SIGNED_ELEMENT = (
    "This stroke or shape belongs to the signed record or an earlier amendment: an "
    "amendment cannot change or erase it. Draw the correction on the amendment's layer."
)


def amendment_colour(position: int) -> tuple[str, str]:
    """The colour of the amendment at ``position`` (0 for the first signed), and its name."""
    index = position % len(AMENDMENT_COLOURS)
    return AMENDMENT_COLOURS[index], COLOUR_NAMES[index]


def element_ids(drawings: Iterable[Mapping[str, Any]]) -> tuple[set[str], set[str]]:
    """The line ids and shape ids of ``drawings`` (the signed layers)."""
    lines: set[str] = set()
    shapes: set[str] = set()
    for drawing in drawings:
        lines.update(str(line["id"]) for line in drawing.get("lines", ()) if line.get("id"))
        shapes.update(str(shape["id"]) for shape in drawing.get("shapes", ()) if shape.get("id"))
    return lines, shapes


def amended_drawing(
    drawing: Mapping[str, Any], layers: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    """``drawing`` as it stands after its signed amendments' drawings (``layers``, in the
    order they were signed): their strokes and shapes on top, in their own colours.

    A layer's elements have ids of their own (an amendment may not reuse a signed id);
    one that repeats an id already there is left out, so every id still names one element.
    """
    layers = list(layers)
    if not layers:
        return dict(drawing)
    lines = list(drawing.get("lines") or [])
    shapes = list(drawing.get("shapes") or [])
    seen_lines, seen_shapes = element_ids([drawing])
    for layer in layers:
        for key, kept, seen in (("lines", lines, seen_lines), ("shapes", shapes, seen_shapes)):
            for element in layer.get(key) or []:
                element_id = element.get("id") if isinstance(element, dict) else None
                if element_id is None or str(element_id) not in seen:
                    kept.append(element)
                    if element_id is not None:
                        seen.add(str(element_id))
    return {**drawing, "lines": lines, "shapes": shapes}


def amendment_refusals(
    ops: Sequence[Operation], signed: tuple[set[str], set[str]]
) -> list[RefusedOp]:
    """The operations an amendment may not apply, each with its reason."""
    signed_lines, signed_shapes = signed
    refused = []
    for op in ops:
        if isinstance(op, AddLine):
            wrong = op.line.id in signed_lines
        elif isinstance(op, PutShape):
            wrong = op.shape.id in signed_shapes
        elif isinstance(op, DeleteElements):
            wrong = bool(set(op.line_ids) & signed_lines or set(op.shape_ids) & signed_shapes)
        else:
            refused.append(RefusedOp(op.op_id, (ONLY_DRAWING,)))
            continue
        if wrong:
            refused.append(RefusedOp(op.op_id, (SIGNED_ELEMENT,)))
    return refused
