"""Applying edit operations to the stored documents: how concurrent editors merge.

Every save applies its operations to the *latest* stored drawing and form, so two tabs
editing one record merge by construction: lines and shapes are addressed by id and form
fields by key, so each tab only touches what it changed. Lines from documents written
before ids existed are carried along untouched. Operations come validated from
:mod:`medrec_app.domain.edits`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from medrec_app.domain.drawing import (
    MAX_DOCUMENT_BYTES,
    MAX_LINES,
    MAX_SHAPES,
    MAX_TOTAL_POINTS,
    Line,
    parse_drawing,
    upgrade,
)
from medrec_app.domain.edits import (
    DRAWING_OPS,
    POINT_DECIMALS,
    SIMPLIFY_TOLERANCE,
    AddLine,
    DeleteElements,
    Operation,
    PutShape,
    RefusedOp,
    SetBackground,
    SetField,
    SetStage,
)
from medrec_app.domain.errors import DocumentError
from medrec_app.domain.forms import FormData, parse_form_data
from medrec_app.domain.geometry import round_points, simplify_points


class _Elements:
    """Lines or shapes in document order, addressable by id.

    A dict keeps insertion order, so replacing an id keeps its position and a new id
    appends. Elements without a usable id (legacy lines, or a repeated id in a bad stored
    document) get a private key no operation can name, so they pass through untouched.
    """

    def __init__(self, items: Iterable[Any]) -> None:
        self._items: dict[str | tuple[int], Any] = {}
        for index, item in enumerate(items):
            element_id = item.get("id") if isinstance(item, dict) else None
            usable = isinstance(element_id, str) and element_id not in self._items
            self._items[element_id if usable else (index,)] = item

    def put(self, element_id: str, element: dict[str, Any]) -> None:
        self._items[element_id] = element

    def remove(self, element_ids: Iterable[str]) -> None:
        for element_id in element_ids:
            self._items.pop(element_id, None)

    def values(self) -> list[Any]:
        return list(self._items.values())


def stored_line(line: Line) -> dict[str, Any]:
    """The stroke as stored: points rounded to 0.01 px, then simplified within 0.5 px."""
    document = line.model_dump(mode="json", by_alias=True, exclude_unset=True)
    document["points"] = simplify_points(
        round_points(line.points, POINT_DECIMALS), SIMPLIFY_TOLERANCE
    )
    return document


def _set_field(fields: dict[str, Any], op: SetField) -> str | None:
    """Set or remove one field, or say why the path does not fit the form.

    Groups appear with their first field and go with their last, so setting a group to a
    value (which would drop the fields another tab typed into it) is refused.
    """
    group, _, key = op.path.rpartition(".")
    if not group:
        if isinstance(fields.get(key), dict):
            return f"{key!r} is a group; set its fields ({key}.name) one by one"
        if op.value is None:
            fields.pop(key, None)
        else:
            fields[key] = op.value
        return None
    current = fields.get(group)
    if current is not None and not isinstance(current, dict):
        return f"{group!r} is a field, not a group of fields"
    members = dict(current or {})
    if op.value is not None:
        members[key] = op.value
        fields[group] = members
    elif key in members:
        del members[key]
        if members:
            fields[group] = members
        else:
            del fields[group]
    return None


def _edited_drawing(drawing: Mapping[str, Any], ops: Sequence[Operation]) -> dict[str, Any]:
    document = upgrade(dict(drawing))
    for key in ("lines", "shapes"):
        if not isinstance(document.get(key, []), list):
            raise DocumentError([f"{key}: must be a list"])
    lines, shapes = _Elements(document.get("lines", [])), _Elements(document.get("shapes", []))
    for op in ops:
        if isinstance(op, AddLine):
            assert op.line.id is not None  # AddLine refuses lines without one
            lines.put(op.line.id, stored_line(op.line))
        elif isinstance(op, PutShape):
            shapes.put(
                op.shape.id, op.shape.model_dump(mode="json", by_alias=True, exclude_unset=True)
            )
        elif isinstance(op, DeleteElements):
            lines.remove(op.line_ids)
            shapes.remove(op.shape_ids)
        elif isinstance(op, SetBackground):
            for key, value in op.background_keys().items():
                document.pop(key, None)
                if value is not None:
                    document[key] = value
        elif isinstance(op, SetStage):
            document["stageSize"] = {"width": op.width, "height": op.height}
    for key, elements in (("lines", lines.values()), ("shapes", shapes.values())):
        if elements or key in document:
            document[key] = elements
    return document


def replayed(drawing: Mapping[str, Any], ops: Sequence[Operation]) -> dict[str, Any]:
    """The drawing with drawing operations applied that were checked against the rules
    of their whole document when they were saved (a drawing's tail): not checked again.

    A new document; its lines and shapes may be the input's own objects, so neither is
    to be changed in place. Checking again would only cost a reader time: a third of
    reading a 10,000-stroke drawing with a tail of 990 strokes.
    """
    return _edited_drawing(drawing, ops)


def _points(document: Mapping[str, Any]) -> int:
    elements = (*document.get("lines", ()), *document.get("shapes", ()))
    return sum(len(e.get("points", ())) for e in elements if isinstance(e, dict))


def _checked(document: dict[str, Any], before: Mapping[str, Any]) -> dict[str, Any]:
    """The document-wide rules of ``document``, the drawing ``before`` edited, without
    re-checking every element.

    Each element was validated when it arrived (in an operation, or in the document that
    was stored), so re-validating every point of a large drawing on every save would
    only cost time: about two thirds of a save of a 100 KB drawing, measured by
    benchmarks/save_latency.py. What an edit can break is checked here: the counts, the
    total points and size, unique ids, and the stage and background rules (the latter
    by validating the document without its elements).

    A limit is broken only by an edit that goes past it: a drawing stored before a limit
    was lowered can still be made smaller, or changed within its size (the canvas lets
    such changes through too: ``sizeProblem`` in assets/canvas/document.js).
    """
    lines, shapes = document.get("lines", []), document.get("shapes", [])
    problems = []
    if len(lines) > MAX_LINES and len(lines) > len(before.get("lines", ())):
        problems.append(f"lines: has {len(lines)} strokes; the limit is {MAX_LINES}")
    if len(shapes) > MAX_SHAPES and len(shapes) > len(before.get("shapes", ())):
        problems.append(f"shapes: has {len(shapes)} shapes; the limit is {MAX_SHAPES}")
    total = _points(document)
    if total > MAX_TOTAL_POINTS and total > _points(before):
        problems.append(f"contains {total} point values; the limit is {MAX_TOTAL_POINTS}")
    for key, elements in (("lines", lines), ("shapes", shapes)):
        ids = [e.get("id") for e in elements if isinstance(e, dict) and e.get("id")]
        if len(ids) != len(set(ids)):
            problems.append(f"{key}: element ids must be unique")
    encoded = orjson.dumps(document)  # fast, and the size check needs the bytes anyway
    size = len(encoded)
    if size > MAX_DOCUMENT_BYTES and size > len(orjson.dumps(before)):
        problems.append(f"the drawing is {size} bytes as JSON; the limit is {MAX_DOCUMENT_BYTES}")
    if problems:
        raise DocumentError(problems)
    frame = {k: v for k, v in document.items() if k not in ("lines", "shapes")}
    parse_drawing(frame)
    return orjson.loads(encoded)  # a copy that shares nothing with the caller's input


def apply_operations(
    drawing: Mapping[str, Any], form: Mapping[str, Any], ops: Sequence[Operation]
) -> tuple[dict[str, Any], FormData]:
    """Apply ``ops`` in order to the stored documents; returns new ``(drawing, form)``.

    Pure: the inputs are not changed. A touched document is validated as a whole
    afterwards (stroke and shape counts, size, background rules), and any refusal raises
    :class:`DocumentError` with ``drawing_data: ...`` / ``ops[i].path: ...`` messages.
    A document no operation touches comes back as an unchanged copy, not re-validated,
    so a form edit is never refused because of the drawing or the other way round.
    """
    drawing, form = _objects(drawing, form)
    problems: list[str] = []
    drawing_ops = [op for op in ops if isinstance(op, DRAWING_OPS)]
    field_ops = [(index, op) for index, op in enumerate(ops) if isinstance(op, SetField)]
    # An edited document is a new one already: only an untouched one is copied (a
    # drawing can be megabytes, and copying it was most of applying a tail to it).
    new_drawing: dict[str, Any] = {}
    new_form: Mapping[str, Any] = {}
    try:
        new_drawing = (
            _drawing_after(drawing, drawing_ops) if drawing_ops else copy.deepcopy(dict(drawing))
        )
    except DocumentError as exc:
        problems += exc.messages
    try:
        new_form = _form_after(form, field_ops) if field_ops else copy.deepcopy(dict(form))
    except DocumentError as exc:
        problems += exc.messages
    if problems:
        raise DocumentError(problems)
    return new_drawing, new_form


def apply_each(
    drawing: Mapping[str, Any], form: Mapping[str, Any], ops: Sequence[Operation]
) -> tuple[dict[str, Any], FormData, list[Operation], list[RefusedOp]]:
    """Apply what can be applied: ``(drawing, form, applied, refused)``.

    Like :func:`apply_operations`, but an operation that would break a document rule (a
    stroke past the limit, a field where a group is) is refused on its own and the rest
    are applied. The whole batch is tried first; only when it is refused is each
    operation tried in turn, so the common case costs one validation.
    """
    try:
        new_drawing, new_form = apply_operations(drawing, form, ops)
    except DocumentError:
        pass
    else:
        return new_drawing, new_form, list(ops), []
    drawing, form = _objects(drawing, form)
    applied: list[Operation] = []
    refused: list[RefusedOp] = []
    new_drawing, new_form = copy.deepcopy(dict(drawing)), copy.deepcopy(dict(form))
    for index, op in enumerate(ops):
        try:
            if isinstance(op, SetField):
                new_form = _form_after(new_form, [(index, op)])
            else:
                new_drawing = _drawing_after(new_drawing, [op])
        except DocumentError as exc:
            refused.append(RefusedOp(op.op_id, tuple(exc.messages)))
            continue
        applied.append(op)
    return new_drawing, new_form, applied, refused


def _objects(
    drawing: Mapping[str, Any], form: Mapping[str, Any]
) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    if not isinstance(drawing, Mapping) or not isinstance(form, Mapping):
        raise DocumentError(["drawing_data and form_data must be JSON objects"])
    return drawing, form


def _drawing_after(drawing: Mapping[str, Any], ops: Sequence[Operation]) -> dict[str, Any]:
    try:
        return _checked(_edited_drawing(drawing, ops), drawing)
    except DocumentError as exc:
        raise DocumentError([f"drawing_data: {message}" for message in exc.messages]) from None


def _form_after(form: Mapping[str, Any], ops: Sequence[tuple[int, SetField]]) -> FormData:
    """The form with the fields set; each operation comes with its place in the batch."""
    fields: dict[str, Any] = dict(form)
    conflicts = [(index, _set_field(fields, op)) for index, op in ops]
    problems = [f"ops[{index}].path: {problem}" for index, problem in conflicts if problem]
    if problems:
        raise DocumentError(problems)
    try:
        return parse_form_data(fields)
    except DocumentError as exc:
        raise DocumentError([f"form_data: {message}" for message in exc.messages]) from None
