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


_BALANCE_FROM = 32
"""Ranges of more points than this are split near their middle when the farthest point
lies in an outer quarter; see :func:`simplify_points`."""


def _farthest(xs: list[Number], ys: list[Number], first: int, last: int) -> tuple[float, int]:
    """The point strictly between ``first`` and ``last`` farthest from the segment joining
    them (distance to an endpoint where the projection falls outside), and its *squared*
    distance.

    Squared distances, no division in the common case and inlined arithmetic: this loop
    is the whole cost of simplifying.
    """
    ax, ay = xs[first], ys[first]
    dx, dy = xs[last] - ax, ys[last] - ay
    length_sq = dx * dx + dy * dy
    worst, worst_index = -1.0, -1
    for i in range(first + 1, last):
        px, py = xs[i] - ax, ys[i] - ay
        along = px * dx + py * dy
        if along <= 0 or not length_sq:
            distance_sq = px * px + py * py
        elif along >= length_sq:
            qx, qy = px - dx, py - dy
            distance_sq = qx * qx + qy * qy
        else:
            cross = px * dy - py * dx
            distance_sq = cross * cross / length_sq
        if distance_sq > worst:
            worst, worst_index = distance_sq, i
    return worst, worst_index


def simplify_points(points: Sequence[Number], tolerance: float = 0.5) -> list[Number]:
    """Ramer-Douglas-Peucker simplification of a flat point array.

    Keeps the first and last point and every point further than ``tolerance`` pixels from
    the simplified path. Distances are to the segment, not the infinite line, so strokes
    that double back (a scribble, a closed loop) keep their turning points. Iterative, so
    a long stroke cannot hit Python's recursion limit.

    Plain RDP is quadratic when the farthest point keeps landing next to an end (a zigzag
    where every point is kept: 10,000 points took ~20 s). Any split point keeps the
    tolerance guarantee, since a range is only accepted once every point in it is within
    tolerance of its chord; so a long range whose farthest point is in an outer quarter
    is split at that quarter instead. Splits are then balanced and the worst case is
    O(n log n), at the price of an occasional extra kept point.
    """
    if len(points) % 2:
        raise ValueError(f"points must have an even number of values, got {len(points)}")
    if tolerance < 0 or not math.isfinite(tolerance):
        raise ValueError(f"tolerance must be a finite number >= 0, got {tolerance!r}")
    count = len(points) // 2
    if count < 3:
        return list(points)
    xs, ys = list(points[0::2]), list(points[1::2])
    tolerance_sq = tolerance * tolerance
    keep = [False] * count
    keep[0] = keep[-1] = True
    stack = [(0, count - 1)]
    while stack:
        first, last = stack.pop()
        worst, split = _farthest(xs, ys, first, last)
        if worst <= tolerance_sq:
            continue
        span = last - first
        if span > _BALANCE_FROM:
            split = min(max(split, first + span // 4), last - span // 4)
        keep[split] = True
        stack.append((first, split))
        stack.append((split, last))
    out: list[Number] = []
    for i in range(count):
        if keep[i]:
            out.extend((xs[i], ys[i]))
    return out
