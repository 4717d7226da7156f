"""Edit operations sent by the record editor, and validating them.

The canvas sends one small operation per finished stroke or shape change instead of the
whole document; ``domain/merge.py`` applies them to the latest stored documents. Where
two editors change the same element, the newer change wins (``domain/conflicts.py``
drops operations older than the element's last change); nothing else is dropped.
Validate input with :func:`parse_each` (the editor: each operation on its own) or
:func:`parse_operations` (a batch that must be valid whole), then apply it with
``merge.apply_each`` or ``merge.apply_operations``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from medrec_app.domain.checks import check_string, decoded_json
from medrec_app.domain.drawing import (
    MAX_DOCUMENT_BYTES,
    MAX_LINES,
    MAX_POINTS_PER_LINE,
    MAX_SHAPES,
    MAX_TOTAL_POINTS,
    DrawingData,
    ElementId,
    Line,
    PageCount,
    Shape,
    StageSide,
)
from medrec_app.domain.errors import DocumentError, error_messages, fail, shown
from medrec_app.domain.forms import (
    MAX_FORM_VALUE_CHARS,
    choices_problem,
    field_key_problem,
)
from medrec_app.domain.ids import RowId

MAX_OPS_PER_BATCH = 500
"""Operations in one save; the editor sends a handful, even after a long offline spell."""
MAX_BATCH_POINTS = MAX_TOTAL_POINTS
"""Point values across the lines and arrows of one batch: no more than a drawing holds."""
MAX_BATCH_BYTES = MAX_DOCUMENT_BYTES
"""Largest batch accepted as JSON text."""
POINT_DECIMALS = 2
"""Stroke points are stored rounded to 0.01 px and simplified within half a pixel."""
SIMPLIFY_TOLERANCE = 0.5

_OP_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


def _op_id(value: Any) -> str:
    if not isinstance(value, str) or not _OP_ID.fullmatch(value):
        raise fail(f"must be 8 to 64 letters, digits, '_' or '-', not {shown(value)}")
    return value


def _at_most(limit: int, what: str) -> BeforeValidator:
    """Refuse an over-long list by its length, before any item is validated."""

    def check(value: Any) -> Any:
        if isinstance(value, list) and len(value) > limit:
            raise fail(f"has {len(value)} {what}; the limit is {limit}")
        return value

    return BeforeValidator(check)


def _field_path(value: Any) -> str:
    check_string(value, 129)
    segments = value.split(".")
    if len(segments) > 2:
        raise fail(f"groups nest one level only ('group.field'), not {shown(value)}")
    for segment in segments:
        problem = field_key_problem(segment)
        if problem:
            raise fail(f"each part {problem}, not {shown(value)}")
    return value


OpId = Annotated[str, PlainValidator(_op_id)]
FieldPath = Annotated[str, PlainValidator(_field_path)]
LineIds = Annotated[list[ElementId], _at_most(MAX_LINES, "line ids")]
ShapeIds = Annotated[list[ElementId], _at_most(MAX_SHAPES, "shape ids")]


def _field_value(value: Any) -> str | bool | list[str]:
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        problem = choices_problem(value)
        if problem:
            raise fail(problem)
        return value
    return check_string(value, MAX_FORM_VALUE_CHARS)


FieldValue = Annotated[str | bool | list[str], PlainValidator(_field_value)]
"""Text as typed, true/false (a yes/no field), or the chosen options (multiple choice)."""


class _Op(BaseModel):
    """Shared config: strict JSON types, unknown keys refused, immutable once parsed."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True, frozen=True)

    op_id: OpId = Field(alias="opId")
    """Made by the client; the idempotency key of a re-sent operation."""
    at: int | None = Field(None, ge=0, le=2**53)
    """When the change was made (ms since the epoch, client clock); absent means now."""


class AddLine(_Op):
    """A finished stroke. Re-sending it replaces the stored line with the same id."""

    op: Literal["addLine"]
    line: Line

    @field_validator("line")
    @classmethod
    def _has_id(cls, line: Line) -> Line:
        if line.id is None:
            raise fail("needs an id, so a re-send or a later delete can find it")
        return line


class PutShape(_Op):
    """Create a shape, or replace the one with its id (move, resize, text, colour)."""

    op: Literal["putShape"]
    shape: Shape


class DeleteElements(_Op):
    """Remove lines and shapes by id; ids already gone are ignored (another tab's doing).

    "Clear" lists the ids the client knows, so strokes added elsewhere meanwhile survive.
    """

    op: Literal["deleteElements"]
    line_ids: LineIds = Field(default_factory=list, alias="lineIds")
    shape_ids: ShapeIds = Field(default_factory=list, alias="shapeIds")


class SetField(_Op):
    """Set one form field (``"notes"`` or ``"vital_signs.bp"``); ``null`` removes it."""

    op: Literal["setField"]
    path: FieldPath
    value: FieldValue | None


class SetBackground(_Op):
    """Replace the four background keys together; a null type clears them all."""

    op: Literal["setBackground"]
    background_type: Literal["image", "pdf"] | None = Field(alias="backgroundType")
    background_file_id: RowId | None = Field(None, alias="backgroundFileId")
    pdf_page_number: PageCount | None = Field(None, alias="pdfPageNumber")
    pdf_num_pages: PageCount | None = Field(None, alias="pdfNumPages")

    @model_validator(mode="after")
    def _consistent(self) -> SetBackground:
        """Apply the drawing's background rules here, so the message names the op."""
        values = self.background_keys()
        if self.background_type is None and any(v is not None for v in values.values()):
            raise fail(
                "backgroundType null clears the background; backgroundFileId, "
                "pdfPageNumber and pdfNumPages must then be null too"
            )
        try:
            DrawingData.model_validate({k: v for k, v in values.items() if v is not None})
        except ValidationError as exc:
            raise fail("; ".join(error_messages(exc))) from None
        return self

    def background_keys(self) -> dict[str, Any]:
        """The four drawing keys this operation sets, by their document names."""
        return {
            "backgroundType": self.background_type,
            "backgroundFileId": self.background_file_id,
            "pdfPageNumber": self.pdf_page_number,
            "pdfNumPages": self.pdf_num_pages,
        }


class SetStage(_Op):
    """Resize the canvas; strokes keep their coordinates."""

    op: Literal["setStage"]
    width: StageSide
    height: StageSide


Operation = Annotated[
    AddLine | PutShape | DeleteElements | SetField | SetBackground | SetStage,
    Field(discriminator="op"),
]
DRAWING_OPS = (AddLine, PutShape, DeleteElements, SetBackground, SetStage)


_ONE_OP = TypeAdapter(list[Operation])
"""Operations are validated as one-item lists, so error paths read ``[0].line.points``
(a union's tag is left out of paths only after an index) and get ``ops[i]`` in front."""


@dataclass(frozen=True)
class RefusedOp:
    """An operation that was not applied, and why: one ``"path: problem"`` line each.

    ``op_id`` is None when the operation carries no usable ``opId`` (the sender cannot
    be told which of its operations it was).
    """

    op_id: str | None
    messages: tuple[str, ...]


def _raw_points(item: Any) -> int:
    """Point values an unvalidated operation carries, without looking at them.

    Capped at the per-line limit: a longer array is refused by its own (length-first)
    check, with a message that names it.
    """
    if not isinstance(item, dict):
        return 0
    total = 0
    for key in ("line", "shape"):
        element = item.get(key)
        points = element.get("points") if isinstance(element, dict) else None
        total += min(len(points), MAX_POINTS_PER_LINE) if isinstance(points, list) else 0
    return total


def _raw_op_id(item: Any) -> str | None:
    op_id = item.get("opId") if isinstance(item, dict) else None
    return op_id if isinstance(op_id, str) and _OP_ID.fullmatch(op_id) else None


def parse_each(
    raw: object, *, max_ops: int = MAX_OPS_PER_BATCH
) -> tuple[list[Operation], list[RefusedOp]]:
    """Validate a batch (a list, or JSON text) operation by operation.

    Returns the valid operations in order and a refusal for each invalid one, so one bad
    operation never holds back the rest. What concerns the batch as a whole (not JSON,
    not a list, too many operations or point values, too many bytes) is checked first,
    before any value is looked at, and raises :class:`DocumentError`.
    """
    raw = decoded_json(raw, MAX_BATCH_BYTES, "ops:")
    if not isinstance(raw, list):
        raise DocumentError([f"ops: must be a list of operations, not {shown(raw)}"])
    if len(raw) > max_ops:
        raise DocumentError([f"ops: has {len(raw)} operations; the limit is {max_ops}"])
    points = sum(_raw_points(item) for item in raw)
    if points > MAX_BATCH_POINTS:
        raise DocumentError(
            [f"ops: carry {points} point values in total; the limit is {MAX_BATCH_POINTS}"]
        )
    ops: list[Operation] = []
    refused: list[RefusedOp] = []
    first_use: dict[str, int] = {}
    for index, item in enumerate(raw):
        try:
            op = _ONE_OP.validate_python([item])[0]
        except ValidationError as exc:
            messages = [_at_index(index, m) for m in error_messages(exc)]
            refused.append(RefusedOp(_raw_op_id(item), tuple(messages)))
            continue
        if op.op_id in first_use:
            first = first_use[op.op_id]
            message = f"ops[{index}].opId: {op.op_id!r} is already used by ops[{first}]"
            refused.append(RefusedOp(None, (message,)))
            continue
        first_use[op.op_id] = index
        ops.append(op)
    return ops, refused


def first_batch(raw_ops: Sequence[Any]) -> list[Any]:
    """The longest prefix of ``raw_ops`` that one save takes as a batch, and at least one.

    A queue that grew while the database was away can hold more than a batch may (in
    operations, point values or bytes); it is saved in several batches rather than
    refused whole.
    """
    batch: list[Any] = []
    points = size = 0
    for item in raw_ops:
        item_points = _raw_points(item)
        item_size = len(orjson.dumps(item)) + 1
        too_many = len(batch) >= MAX_OPS_PER_BATCH or points + item_points > MAX_BATCH_POINTS
        if batch and (too_many or size + item_size > MAX_BATCH_BYTES):
            break
        batch.append(item)
        points, size = points + item_points, size + item_size
    return batch


def operations_json(ops: Sequence[Operation]) -> str:
    """The operations as one JSON array, each as a client would send it again."""
    return _ONE_OP.dump_json(list(ops), by_alias=True, exclude_unset=True).decode()


def _at_index(index: int, message: str) -> str:
    """``"[0].line: ..."`` of a one-item list -> ``"ops[3].line: ..."``."""
    return f"ops[{index}]{message.removeprefix('[0]')}"


def parse_operations(raw: object, *, max_ops: int = MAX_OPS_PER_BATCH) -> list[Operation]:
    """Validate a batch that must be valid as a whole (the REST API's draft update).

    Raises :class:`DocumentError` with one ``"ops[3].line.points: ..."`` line per problem.
    """
    ops, refused = parse_each(raw, max_ops=max_ops)
    if refused:
        raise DocumentError([m for r in refused for m in r.messages])
    return ops
