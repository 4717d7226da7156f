"""Compaction of flat point arrays (``[x1, y1, x2, y2, ...]``) as drawn by the canvas.

A freehand stroke arrives with one point per pointer event and many decimals. These
helpers shrink it without a visible change, so records stay in the spec's 10-100 KB range.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Number = int | float


def round_points(points: Sequence[Number], ndigits: int = 2) -> list[Number]:
    """Round every value to ``ndigits`` decimals (0.01 px by default).

    Integral results come back as ``int`` so they serialize as ``100``, not ``100.0``.
    """
    out: list[Number] = []
    for value in points:
        rounded = round(value, ndigits)
        if isinstance(rounded, float) and rounded.is_integer():
            out.append(int(rounded))
        else:
            out.append(rounded)
    return out


def _farthest(points: Sequence[Number], first: int, last: int) -> tuple[float, int]:
    """The point strictly between ``first`` and ``last`` farthest from the segment joining
    them (distance to an endpoint where the projection falls outside), and its distance.

    Squared distances and inlined arithmetic: this loop is the whole cost of simplifying.
    """
    ax, ay = points[2 * first], points[2 * first + 1]
    dx, dy = points[2 * last] - ax, points[2 * last + 1] - ay
    length_sq = dx * dx + dy * dy
    worst, worst_index = -1.0, -1
    for i in range(first + 1, last):
        px, py = points[2 * i] - ax, points[2 * i + 1] - ay
        if length_sq:
            t = (px * dx + py * dy) / length_sq
            t = 0.0 if t < 0 else 1.0 if t > 1 else t
            px, py = px - t * dx, py - t * dy
        distance_sq = px * px + py * py
        if distance_sq > worst:
            worst, worst_index = distance_sq, i
    return math.sqrt(worst) if worst > 0 else worst, worst_index


def simplify_points(points: Sequence[Number], tolerance: float = 0.5) -> list[Number]:
    """Ramer-Douglas-Peucker simplification of a flat point array.

    Keeps the first and last point and every point further than ``tolerance`` pixels from
    the simplified path. Distances are to the segment, not the infinite line, so strokes
    that double back (a scribble, a closed loop) keep their turning points. Iterative, so
    a long stroke cannot hit Python's recursion limit. Like all RDP it is quadratic in the
    worst case (a zigzag where every point is kept); typical strokes are n log n.
    """
    if len(points) % 2:
        raise ValueError(f"points must have an even number of values, got {len(points)}")
    if tolerance < 0 or not math.isfinite(tolerance):
        raise ValueError(f"tolerance must be a finite number >= 0, got {tolerance!r}")
    count = len(points) // 2
    if count < 3:
        return list(points)
    keep = [False] * count
    keep[0] = keep[-1] = True
    stack = [(0, count - 1)]
    while stack:
        first, last = stack.pop()
        worst, worst_index = _farthest(points, first, last)
        if worst > tolerance:
            keep[worst_index] = True
            stack.append((first, worst_index))
            stack.append((worst_index, last))
    out: list[Number] = []
    for i in range(count):
        if keep[i]:
            out.extend((points[2 * i], points[2 * i + 1]))
    return out
