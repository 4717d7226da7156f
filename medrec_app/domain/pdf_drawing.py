"""A drawing as PDF vector content, painted as the canvas (Konva) paints it.

Coordinates are the stage's (y down): the page flips its own space once, and every
piece below is written in stage pixels, one pixel to one point before any page scale.

What the canvas does, and how the page does the same:

- Strokes lie on their own layer, in order, with round caps and joins. An eraser stroke
  is ``destination-out`` on that layer: it removes what was drawn *before* it and never
  the background or shapes (they are other layers). PDF has no such operator, so the
  pen strokes are cut into runs at each eraser, and each run is painted through a
  luminosity soft mask that is white except where later eraser strokes lie, which are
  black (with the eraser's own opacity). Erasing is then exact, anti-aliased, and stays
  vector.
- Shapes are drawn above all strokes, in order: circles and rectangles (fill, then
  outline), arrows (a line and a filled head of ``max(8, 3 x width)``), and text as
  real text in :mod:`medrec_app.domain.pdf_font` (alphabetic baseline, line height 1,
  as Konva places it).
- Colours are ``#RGB``, ``#RRGGBB`` or ``#RRGGBBAA``; opacity below 1 is an ExtGState
  named ``/A<0-255>`` that the page must provide (``DrawingContent.alphas``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from medrec_app.domain.drawing import (
    ArrowShape,
    CircleShape,
    DrawingData,
    Line,
    RectShape,
    Shape,
    TextShape,
)
from medrec_app.domain.pdf_font import PdfFont

FONT_RESOURCE = "/F1"
"""The page's name for the text font."""
ARROW_HEAD_MIN = 8
ARROW_HEAD_PER_WIDTH = 3
_CIRCLE_K = 0.5522847498307936
"""Control-point distance, as a fraction of the radius, of four Beziers forming a circle."""

Colour = tuple[float, float, float, int]
"""Red, green, blue in 0-1 and opacity in 0-255."""


@dataclass(frozen=True)
class StrokeRun:
    """Consecutive pen strokes, and the eraser runs drawn after them (which erase them)."""

    content: bytes
    erased_by: tuple[int, ...]


@dataclass(frozen=True)
class DrawingContent:
    """The pieces of a drawing's page, each a content stream in stage coordinates."""

    width: float
    height: float
    stroke_runs: tuple[StrokeRun, ...]
    eraser_runs: tuple[bytes, ...]
    """Each eraser run's strokes in black, for the soft masks."""
    shapes: bytes
    alphas: frozenset[int]
    """Opacities (1-255) the content selects with ``/A<n> gs``."""


def drawing_content(
    drawing: DrawingData, font: PdfFont, *, tint: str | None = None
) -> DrawingContent:
    """The drawing's strokes, erasers and shapes as content streams; ``font`` learns the
    glyphs its text shapes use. With ``tint`` (an amendment's layer) everything is painted
    in that colour, each element keeping its own opacity."""
    alphas: set[int] = set()
    paint = _tinted(tint)
    pen_runs: list[list[Line]] = []
    eraser_runs: list[list[Line]] = []
    runs_in_order: list[tuple[str, int]] = []
    for line in drawing.lines:
        kind = line.tool
        runs = pen_runs if kind == "pen" else eraser_runs
        if not runs_in_order or runs_in_order[-1][0] != kind:
            runs.append([])
            runs_in_order.append((kind, len(runs) - 1))
        runs[-1].append(line)
    stroke_runs = []
    for position, (kind, index) in enumerate(runs_in_order):
        if kind != "pen":
            continue
        later = tuple(i for k, i in runs_in_order[position + 1 :] if k == "eraser")
        stroke_runs.append(StrokeRun(_strokes(pen_runs[index], alphas, paint), later))
    return DrawingContent(
        width=drawing.stage_size.width,
        height=drawing.stage_size.height,
        stroke_runs=tuple(stroke_runs),
        eraser_runs=tuple(_strokes(run, alphas, _as_mask) for run in eraser_runs),
        shapes=b"".join(_shape(shape, font, alphas, paint) for shape in drawing.shapes),
        alphas=frozenset(alphas),
    )


def colour(value: str | None) -> Colour | None:
    """A document colour as RGB and opacity; None for no paint (absent, transparent,
    or fully transparent)."""
    if value is None or value.lower() == "transparent":
        return None
    digits = value[1:]
    if len(digits) in (3, 4):
        digits = "".join(ch * 2 for ch in digits)
    red, green, blue = (int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))
    alpha = int(digits[6:8], 16) if len(digits) == 8 else 255
    return None if alpha == 0 else (red, green, blue, alpha)


def number(value: float) -> str:
    """A coordinate as PDF writes it: at most two decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


Paint = Callable[[str | None], Colour | None]
"""A document colour as painted: as it is, in a layer's tint, or black for a mask."""


def _tinted(tint: str | None) -> Paint:
    over = colour(tint)
    if over is None:
        return colour

    def paint(value: str | None) -> Colour | None:
        own = colour(value)
        return None if own is None else (*over[:3], own[3])

    return paint


def _as_mask(value: str | None) -> Colour | None:
    """An eraser in its mask: black, with the eraser's own opacity."""
    own = colour(value)
    return None if own is None else (0.0, 0.0, 0.0, own[3])


def _strokes(lines: Sequence[Line], alphas: set[int], paint_of: Paint) -> bytes:
    out = ["1 J 1 j\n"]
    state = _PaintState(out, alphas)
    for line in lines:
        if len(line.points) < 4:
            continue  # a moveTo alone: the canvas draws nothing either
        paint = paint_of(line.color)
        if paint is None:
            continue
        state.stroke(paint, line.stroke_width)
        out.append(_polyline(line.points))
        out.append(" S\n")
    return "".join(out).encode("ascii")


def _polyline(points: Sequence[float]) -> str:
    """``x y m x y l ...``, two decimals each: one C-level format per stroke, since a
    drawing has up to 500,000 values."""
    return _polyline_format(len(points) // 2) % tuple(points[: len(points) // 2 * 2])


@cache
def _polyline_format(count: int) -> str:
    return "%.2f %.2f m" + " %.2f %.2f l" * (count - 1)


class _PaintState:
    """Writes colour, width and opacity changes only when they change."""

    def __init__(self, out: list[str], alphas: set[int]) -> None:
        self._out, self._alphas = out, alphas
        self._stroke: tuple[float, float, float] | None = None
        self._fill: tuple[float, float, float] | None = None
        self._width: float | None = None
        self._alpha = 255

    def stroke(self, paint: Colour, width: float) -> None:
        rgb = paint[:3]
        if rgb != self._stroke:
            self._out.append(f"{_rgb(rgb)} RG ")
            self._stroke = rgb
        if width != self._width:
            self._out.append(f"{number(width)} w ")
            self._width = width
        self._opacity(paint[3])

    def fill(self, paint: Colour) -> None:
        rgb = paint[:3]
        if rgb != self._fill:
            self._out.append(f"{_rgb(rgb)} rg ")
            self._fill = rgb
        self._opacity(paint[3])

    def _opacity(self, alpha: int) -> None:
        if alpha != self._alpha:
            self._out.append(f"/A{alpha} gs ")
            self._alpha = alpha
            self._alphas.add(alpha)


def _rgb(rgb: Iterable[float]) -> str:
    return " ".join(f"{v:.4f}".rstrip("0").rstrip(".") or "0" for v in rgb)


def _shape(shape: Shape, font: PdfFont, alphas: set[int], paint: Paint) -> bytes:
    out: list[str] = []
    state = _PaintState(out, alphas)
    angle = math.radians(shape.rotation or 0)
    cos, sin = math.cos(angle), math.sin(angle)
    out.append(
        f"q {number(cos)} {number(sin)} {number(-sin)} {number(cos)} "
        f"{number(shape.x)} {number(shape.y)} cm 1 J 1 j "
    )
    if isinstance(shape, CircleShape):
        _fill_and_outline(out, state, _circle_path(shape.radius), shape.fill, shape, paint)
    elif isinstance(shape, RectShape):
        path = f"0 0 {number(shape.width)} {number(shape.height)} re"
        _fill_and_outline(out, state, path, shape.fill, shape, paint)
    elif isinstance(shape, ArrowShape):
        _arrow(out, state, shape, paint)
    elif isinstance(shape, TextShape):
        _text(out, state, shape, font, paint)
    out.append("Q\n")
    return "".join(out).encode("ascii")


def _fill_and_outline(
    out: list[str], state: _PaintState, path: str, fill: str | None, shape: Shape, paint: Paint
) -> None:
    inside = paint(fill)
    if inside is not None:
        state.fill(inside)
        out.append(f"{path} f ")
    outline = paint(shape.color)
    if outline is not None:
        state.stroke(outline, shape.stroke_width)
        out.append(f"{path} S ")


def _circle_path(radius: float) -> str:
    r, k = radius, radius * _CIRCLE_K
    n = number
    return (
        f"{n(r)} 0 m {n(r)} {n(k)} {n(k)} {n(r)} 0 {n(r)} c "
        f"{n(-k)} {n(r)} {n(-r)} {n(k)} {n(-r)} 0 c "
        f"{n(-r)} {n(-k)} {n(-k)} {n(-r)} 0 {n(-r)} c "
        f"{n(k)} {n(-r)} {n(r)} {n(-k)} {n(r)} 0 c h"
    )


def _arrow(out: list[str], state: _PaintState, shape: ArrowShape, paint_of: Paint) -> None:
    paint = paint_of(shape.color)
    if paint is None:
        return
    points = [0, 0, *shape.points]
    state.stroke(paint, shape.stroke_width)
    state.fill(paint)
    out.append(_polyline(points) + " S ")
    tip_x, tip_y = points[-2], points[-1]
    angle = math.atan2(tip_y - points[-3], tip_x - points[-4])
    head = max(ARROW_HEAD_MIN, shape.stroke_width * ARROW_HEAD_PER_WIDTH)
    cos, sin = math.cos(angle), math.sin(angle)
    corners = [
        (tip_x + cos * -head - sin * side, tip_y + sin * -head + cos * side)
        for side in (head / 2, -head / 2)
    ]
    (x1, y1), (x2, y2) = corners
    out.append(
        f"{number(tip_x)} {number(tip_y)} m {number(x1)} {number(y1)} l "
        f"{number(x2)} {number(y2)} l h B "
    )


def _text(
    out: list[str], state: _PaintState, shape: TextShape, font: PdfFont, paint_of: Paint
) -> None:
    paint = paint_of(shape.color)
    if paint is None or not shape.text:
        return
    size = shape.font_size or shape.stroke_width
    metrics = font.metrics
    # Konva: alphabetic baseline at (ascent - descent) / 2 + lineHeight / 2, line height 1.
    baseline = (metrics.ascent - metrics.descent) / 2000 * size + size / 2
    state.fill(paint)
    out.append(f"BT {FONT_RESOURCE} {number(size)} Tf ")
    for index, text_line in enumerate(shape.text.split("\n")):
        if text_line:
            y = number(baseline + index * size)
            out.append(f"1 0 0 -1 0 {y} Tm {font.encode(text_line).decode('ascii')} Tj ")
    out.append("ET ")
