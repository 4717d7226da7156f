"""The ``medical_records.drawing_data`` JSONB document, typed.

The JSON contract is the spec's "Drawing Data Structure": camelCase keys, a flat
``points`` array per stroke, shapes told apart by ``type``. These models accept exactly
that, refuse anything PostgreSQL or the canvas could choke on, and write back what they
read: a document that was loaded and saved unchanged is byte-for-byte the same JSON
(ints stay ints, keys that were absent stay absent).

Build documents from untrusted input with :func:`parse_drawing`; write them with
:meth:`DrawingData.to_document`. Changing a parsed document is best done by validating a
new one (``DrawingData.model_validate({**doc.to_document(), ...})``), since cross-field
rules such as "a background needs a file" only hold for a whole document.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    field_validator,
    model_validator,
)

from medrec_app.domain.checks import (
    check_string,
    decoded_json,
    document_version,
    number_problem,
    whole_number,
)
from medrec_app.domain.errors import DocumentError, error_messages, fail, shown
from medrec_app.domain.ids import RowId

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
"""Largest compact-JSON drawing accepted (the spec expects 10-100 KB)."""
MAX_POINTS_PER_LINE = 20_000
"""Values (x and y each count) in one stroke's flat ``points`` array: 10,000 points."""
MAX_POINTS_PER_ARROW = 200
"""Values in one arrow's ``points`` array; arrows are a handful of points."""
MAX_TOTAL_POINTS = 500_000
"""Values across all strokes and arrows of one drawing."""
MAX_LINES = 10_000
"""Strokes (pen and eraser) in one drawing."""
MAX_SHAPES = 2_000
"""Shapes (circle, rect, arrow, text) in one drawing."""
MAX_TEXT_CHARS = 5_000
"""Characters in one text shape."""
MAX_COORDINATE = 1_000_000
"""Largest absolute value of any coordinate, size or angle."""
MAX_STROKE_WIDTH = 1_000
"""Largest ``strokeWidth`` (also the font size of text shapes) and ``fontSize``."""
MAX_STAGE_SIDE = 50_000
"""Largest stage width or height in pixels."""
MAX_ID_CHARS = 100
"""Longest shape or line id."""
MAX_PDF_PAGES = 100_000
"""Largest ``pdfNumPages``."""

CURRENT_DRAWING_VERSION = 1
"""Version of the drawing document this code writes. A missing ``version`` key means 1."""

DEFAULT_STAGE_WIDTH = 800
DEFAULT_STAGE_HEIGHT = 600

_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
_ELEMENT_ID = re.compile(r"[A-Za-z0-9_.:-]+")

Number = int | float


def _coordinate(value: Any) -> Number:
    problem = number_problem(value, MAX_COORDINATE)
    if problem:
        raise fail(problem)
    return value


def _positive(limit: float) -> Callable[[Any], Number]:
    def check(value: Any) -> Number:
        problem = number_problem(value, math.inf)
        if problem:
            raise fail(problem)
        if value <= 0:
            raise fail(f"must be greater than 0, got {shown(value)}")
        if value > limit:
            raise fail(f"must be at most {limit}, got {shown(value)}")
        return value

    return check


def _points(limit: int) -> Callable[[Any], list[Number]]:
    """Validator for a flat ``[x1, y1, x2, y2, ...]`` array.

    Checks the length before looking at any value, so a hostile ten-million-value array
    is refused in microseconds rather than validated item by item.
    """

    def check(value: Any) -> list[Number]:
        if not isinstance(value, list):
            raise fail(f"must be a list of numbers, not {shown(value)}")
        count = len(value)
        if count > limit:
            raise fail(f"has {count} values; the limit is {limit} ({limit // 2} points)")
        if count % 2:
            raise fail(f"must have an even number of values (x, y pairs), got {count}")
        if count < 2:
            raise fail("must have at least one x, y pair")
        if _plain_numbers_within(value, MAX_COORDINATE):
            return list(value)
        for index, item in enumerate(value):
            problem = number_problem(item, MAX_COORDINATE)
            if problem:
                raise fail(f"value [{index}] {problem}")
        return list(value)

    return check


def _plain_numbers_within(values: list[Any], limit: float) -> bool:
    """Whether every value is a finite int or float within ``±limit``: the common case,
    decided in C-level passes (a stroke's points are checked on every save), so only a
    refused array is walked value by value for its message."""
    kinds = set(map(type, values))
    if not kinds <= {int, float}:
        return False
    if float in kinds and not all(map(math.isfinite, values)):
        return False
    return -limit <= min(values) and max(values) <= limit


def _colour(value: Any) -> str:
    check_string(value, 32)
    if value.lower() != "transparent" and not _COLOUR.fullmatch(value):
        raise fail(
            f"must be a colour like #RGB, #RRGGBB or #RRGGBBAA, or 'transparent', "
            f"not {shown(value)}"
        )
    return value


def _element_id(value: Any) -> str:
    check_string(value, MAX_ID_CHARS)
    if not _ELEMENT_ID.fullmatch(value):
        raise fail(
            f"must be 1 to {MAX_ID_CHARS} letters, digits, '_', '-', '.' or ':', not {shown(value)}"
        )
    return value


def _text(value: Any) -> str:
    return check_string(value, MAX_TEXT_CHARS)


Coordinate = Annotated[Number, PlainValidator(_coordinate)]
Size = Annotated[Number, PlainValidator(_positive(MAX_COORDINATE))]
StrokeWidth = Annotated[Number, PlainValidator(_positive(MAX_STROKE_WIDTH))]
StageSide = Annotated[Number, PlainValidator(_positive(MAX_STAGE_SIDE))]
LinePoints = Annotated[list[Number], PlainValidator(_points(MAX_POINTS_PER_LINE))]
ArrowPoints = Annotated[list[Number], PlainValidator(_points(MAX_POINTS_PER_ARROW))]
Colour = Annotated[str, PlainValidator(_colour)]
ElementId = Annotated[str, PlainValidator(_element_id)]
ShapeText = Annotated[str, PlainValidator(_text)]
PageCount = Annotated[int, PlainValidator(whole_number(1, MAX_PDF_PAGES))]


class _Document(BaseModel):
    """Shared config: strict JSON types (no "3" -> 3), unknown keys refused."""

    model_config = ConfigDict(
        extra="forbid", strict=True, populate_by_name=True, validate_assignment=True
    )


class StageSize(_Document):
    width: StageSide = DEFAULT_STAGE_WIDTH
    height: StageSide = DEFAULT_STAGE_HEIGHT


class Line(_Document):
    """One freehand stroke. ``id`` is optional: documents written before ids still load."""

    id: ElementId | None = None
    tool: Literal["pen", "eraser"]
    points: LinePoints
    color: Colour
    stroke_width: StrokeWidth = Field(alias="strokeWidth")


class _Shape(_Document):
    id: ElementId
    x: Coordinate
    y: Coordinate
    color: Colour
    stroke_width: StrokeWidth = Field(alias="strokeWidth")
    rotation: Coordinate | None = None
    """Degrees clockwise, as Konva's transformer writes it."""

    @model_validator(mode="before")
    @classmethod
    def _always_write_type(cls, data: Any) -> Any:
        """Shapes built in Python (``CircleShape(id=...)``) still serialize their ``type``."""
        if isinstance(data, dict) and "type" not in data:
            return {**data, "type": cls.model_fields["type"].default}
        return data


class CircleShape(_Shape):
    type: Literal["circle"] = "circle"
    radius: Size
    fill: Colour | None = None


class RectShape(_Shape):
    type: Literal["rect"] = "rect"
    width: Size
    height: Size
    fill: Colour | None = None


class ArrowShape(_Shape):
    """``points`` are relative to (x, y); the spec's ``[50, 50]`` is the arrow's tip."""

    type: Literal["arrow"] = "arrow"
    points: ArrowPoints


class TextShape(_Shape):
    """The spec stores the font size in ``strokeWidth``; ``fontSize`` overrides it."""

    type: Literal["text"] = "text"
    text: ShapeText
    font_size: StrokeWidth | None = Field(None, alias="fontSize")


Shape = Annotated[CircleShape | RectShape | ArrowShape | TextShape, Field(discriminator="type")]
SHAPE_TYPES = ("circle", "rect", "arrow", "text")


def _raw_points_count(item: Any) -> int:
    """Length of an unvalidated line's points, without looking at the values."""
    points = item.get("points") if isinstance(item, dict) else getattr(item, "points", None)
    return len(points) if isinstance(points, list) else 0


class DrawingData(_Document):
    """The whole ``drawing_data`` document. ``DrawingData()`` is an empty drawing."""

    version: Annotated[int, PlainValidator(document_version(CURRENT_DRAWING_VERSION))] | None = None
    lines: list[Line] = Field(default_factory=list)
    shapes: list[Shape] = Field(default_factory=list)
    stage_size: StageSize = Field(default_factory=StageSize, alias="stageSize")
    background_type: Literal["image", "pdf"] | None = Field(None, alias="backgroundType")
    background_file_id: RowId | None = Field(None, alias="backgroundFileId")
    pdf_page_number: PageCount | None = Field(None, alias="pdfPageNumber")
    pdf_num_pages: PageCount | None = Field(None, alias="pdfNumPages")

    @field_validator("lines", mode="before")
    @classmethod
    def _lines_within_limits(cls, value: Any) -> Any:
        """Count strokes and values before validating any of them."""
        if not isinstance(value, list):
            return value
        if len(value) > MAX_LINES:
            raise fail(f"has {len(value)} strokes; the limit is {MAX_LINES}")
        total = sum(_raw_points_count(item) for item in value)
        if total > MAX_TOTAL_POINTS:
            raise fail(f"contain {total} point values in total; the limit is {MAX_TOTAL_POINTS}")
        return value

    @field_validator("shapes", mode="before")
    @classmethod
    def _shapes_within_limits(cls, value: Any) -> Any:
        if isinstance(value, list) and len(value) > MAX_SHAPES:
            raise fail(f"has {len(value)} shapes; the limit is {MAX_SHAPES}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> DrawingData:
        problems = self._background_problems() + self._id_problems()
        total = sum(len(line.points) for line in self.lines) + sum(
            len(shape.points) for shape in self.shapes if isinstance(shape, ArrowShape)
        )
        if total > MAX_TOTAL_POINTS:
            problems.append(
                f"the drawing has {total} point values in strokes and arrows; "
                f"the limit is {MAX_TOTAL_POINTS}"
            )
        if not problems:
            size = len(self.to_json_bytes())
            if size > MAX_DOCUMENT_BYTES:
                problems.append(
                    f"the drawing is {size} bytes as JSON; the limit is {MAX_DOCUMENT_BYTES}"
                )
        if problems:
            raise fail("; ".join(problems))
        return self

    def _background_problems(self) -> list[str]:
        problems = []
        if self.background_type is not None and self.background_file_id is None:
            problems.append(
                f"backgroundType is {self.background_type!r} but backgroundFileId is missing"
            )
        if self.background_type is None and self.background_file_id is not None:
            problems.append(
                "backgroundFileId is set but backgroundType ('image' or 'pdf') is missing"
            )
        has_pdf_fields = self.pdf_page_number is not None or self.pdf_num_pages is not None
        if has_pdf_fields and self.background_type != "pdf":
            problems.append("pdfPageNumber and pdfNumPages apply only when backgroundType is 'pdf'")
        page, pages = self.pdf_page_number, self.pdf_num_pages
        if page is not None and pages is not None and page > pages:
            problems.append(f"pdfPageNumber {page} is outside 1..{pages} (pdfNumPages)")
        return problems

    def _id_problems(self) -> list[str]:
        """Ids name elements when edits are merged, so each may appear once."""
        problems = []
        for kind, ids in (
            ("shape", [shape.id for shape in self.shapes]),
            ("line", [line.id for line in self.lines if line.id is not None]),
        ):
            seen: set[str] = set()
            for element_id in ids:
                if element_id in seen:
                    problems.append(f"{kind} id {element_id!r} is used more than once")
                seen.add(element_id)
        return problems

    def _mark_changed_fields(self) -> None:
        """Count a field as given once its value differs from the default.

        Dumps leave out fields that were never given, so ``{}`` saves as ``{}``. A list
        filled in place (``doc.lines.append(...)``) never passes through assignment, so
        without this it would be silently dropped on save.
        """
        for name, field in type(self).model_fields.items():
            if name in self.model_fields_set:
                continue
            if getattr(self, name) != field.get_default(call_default_factory=True):
                self.model_fields_set.add(name)

    def to_document(self) -> dict[str, Any]:
        """The JSON-ready dict to store: spec key names, only the keys that were given."""
        self._mark_changed_fields()
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def to_json_bytes(self) -> bytes:
        """Compact UTF-8 JSON of :meth:`to_document`, as measured against the size limit."""
        self._mark_changed_fields()
        return self.__pydantic_serializer__.to_json(self, by_alias=True, exclude_unset=True)


_UPGRADERS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}
"""``_UPGRADERS[n]`` turns a version-n document into version n + 1. Empty while at 1."""


def upgrade(raw: dict[str, Any]) -> dict[str, Any]:
    """Bring a stored drawing document up to :data:`CURRENT_DRAWING_VERSION`.

    Runs before validation so old documents are read with today's rules. A document
    from a newer app version is refused rather than guessed at.
    """
    version = raw.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise DocumentError(
            [f"version: must be a whole number of at least 1, not {shown(version)}"]
        )
    if version > CURRENT_DRAWING_VERSION:
        raise DocumentError(
            [
                f"version: this drawing is version {version}, newer than this app "
                f"understands (version {CURRENT_DRAWING_VERSION}); update the app"
            ]
        )
    while version < CURRENT_DRAWING_VERSION:
        raw = _UPGRADERS[version](raw)
        version += 1
    return raw


def parse_drawing(raw: object) -> DrawingData:
    """Validate a drawing from a dict (decoded JSON), JSON text, or a ``DrawingData``.

    Raises :class:`DocumentError` whose ``messages`` list every problem found.
    """
    if isinstance(raw, DrawingData):
        raw = raw.to_document()
    raw = decoded_json(raw, MAX_DOCUMENT_BYTES, "the drawing is")
    if not isinstance(raw, dict):
        raise DocumentError([f"the drawing must be a JSON object, not {shown(raw)}"])
    raw = upgrade(raw)
    try:
        return DrawingData.model_validate(raw)
    except ValidationError as exc:
        raise DocumentError(error_messages(exc)) from exc


def has_content(drawing: Mapping[str, Any], form: Mapping[str, Any]) -> bool:
    """Whether a record holds anything a person wrote or chose: a form value, a stroke,
    a shape or a background. A stage size alone is not content."""
    return bool(
        form
        or drawing.get("lines")
        or drawing.get("shapes")
        or drawing.get("backgroundFileId") is not None
    )
