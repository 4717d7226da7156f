"""Stroke compaction: smaller records, same picture."""

from __future__ import annotations

import itertools
import json
import math
import time

import pytest

from medrec_app.domain.geometry import round_points, simplify_points


def test_round_points_rounds_to_hundredths_and_returns_ints_when_integral() -> None:
    rounded = round_points([100.004, 200.456, 3.0, 7, -0.001, 1.999])
    assert rounded == [100, 200.46, 3, 7, 0, 2]
    assert json.dumps(rounded) == "[100, 200.46, 3, 7, 0, 2]"


def test_round_points_honours_ndigits() -> None:
    assert round_points([1.26, 2.5], ndigits=1) == [1.3, 2.5]
    assert round_points([1.26, 2.0], ndigits=0) == [1, 2]


def test_simplify_drops_collinear_points_and_keeps_the_ends() -> None:
    straight = [float(v) for i in range(11) for v in (i, i)]
    assert simplify_points(straight) == [0.0, 0.0, 10.0, 10.0]


def test_simplify_keeps_corners() -> None:
    corner = [0, 0, 5, 0, 10, 0, 10, 5, 10, 10]
    assert simplify_points(corner) == [0, 0, 10, 0, 10, 10]


def test_simplify_keeps_points_beyond_tolerance_only() -> None:
    wobble = [0, 0, 5, 0.4, 10, 0]
    assert simplify_points(wobble, tolerance=0.5) == [0, 0, 10, 0]
    assert simplify_points(wobble, tolerance=0.3) == wobble


def test_simplify_keeps_the_far_end_of_a_stroke_that_doubles_back() -> None:
    there_and_back = [0, 0, 10, 0, 20, 0, 10, 0, 0, 0]
    assert simplify_points(there_and_back) == [0, 0, 20, 0, 0, 0]


def test_simplify_leaves_short_strokes_alone() -> None:
    assert simplify_points([1, 2]) == [1, 2]
    assert simplify_points([1, 2, 3, 4]) == [1, 2, 3, 4]
    assert simplify_points([]) == []


def test_simplified_path_stays_within_tolerance_of_every_original_point() -> None:
    points = [v for i in range(2000) for v in (i * 0.5, 30 * math.sin(i / 40))]
    simplified = simplify_points(points, tolerance=0.5)
    assert len(simplified) < len(points) // 10
    assert simplified[:2] == points[:2] and simplified[-2:] == points[-2:]
    kept = list(zip(simplified[::2], simplified[1::2], strict=True))
    for x, y in zip(points[::2], points[1::2], strict=True):
        nearest = min(
            _distance(x, y, a, b)
            for a, b in itertools.pairwise(kept)
            if min(a[0], b[0]) <= x <= max(a[0], b[0])
        )
        assert nearest <= 0.5 + 1e-9


def _distance(px: float, py: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def test_simplify_handles_long_strokes_without_recursion_errors() -> None:
    zigzag = [v for i in range(1_100) for v in (i, (i % 2) * 10)]
    assert simplify_points(zigzag) == zigzag


def test_simplify_worst_case_zigzag_of_the_largest_stroke_is_fast() -> None:
    """Plain RDP is quadratic on a zigzag where every point is kept (~20 s here); the
    balanced split keeps the per-line maximum (10,000 points) far below half a second."""
    zigzag = [v for i in range(10_000) for v in (i, (i % 2) * 10)]
    started = time.perf_counter()
    simplified = simplify_points(zigzag)
    elapsed = time.perf_counter() - started
    assert simplified == zigzag
    assert elapsed < 0.5, f"took {elapsed:.3f} s"


def test_simplify_keeps_a_corner_near_the_end_of_a_long_stroke() -> None:
    # The corner is in the last quarter, so the range is split at the quarter mark first;
    # the corner must still be kept and the straight runs still dropped.
    run = [v for i in range(100) for v in (float(i), 0.0)]
    leg = [v for j in range(1, 6) for v in (99.0, float(j))]
    simplified = simplify_points(run + leg)
    assert simplified[:2] == [0.0, 0.0] and simplified[-2:] == [99.0, 5.0]
    assert simplified[-4:-2] == [99.0, 0.0]
    assert len(simplified) <= 8


def test_simplify_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="even number of values, got 3"):
        simplify_points([1, 2, 3])
    with pytest.raises(ValueError, match="tolerance must be a finite number >= 0"):
        simplify_points([0, 0, 1, 1, 2, 2], tolerance=-1)
