"""Frame rate of the canvas in Chromium while a stroke is drawn over 5,000 strokes.

With the real app running (started as the browser tests start it) and the editor open,
injects a ``requestAnimationFrame`` counter, draws one long stroke with ``page.mouse``
(``move(..., steps=...)`` segments for ~2 s), and prints the frame rate (frames over the
drawing period) and the longest gap between two frames. Repeats ``RUNS`` strokes on a
record holding 5,000 strokes (added through ``editing.save_operations`` before the page
opens) and, as the same-run baseline, on an empty record. Target: 50 fps or more.

Chromium runs headless with ``--disable-gpu`` (software rendering), as in the browser
tests, so the figures are those of that setup, not of a desktop browser with a GPU.

Run from the project root (with the environment of ``./scripts/test`` for Reflex)::

    python benchmarks/canvas_fps.py

Starts the embedded PostgreSQL in ``data/bench-pg`` and the app on a free port with a
fresh database; stops the app's process group and drops the database at the end, also on
error.
"""

from __future__ import annotations

import itertools
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (
    RunningApp,
    bench_app,
    chromium,
    editor_page,
    load_strokes,
    open_editor,
    stage_point,
)

RUNS = 3
DRAW_SECONDS = 2.0
STEPS = 4  # mouse events per segment
LOADED_STROKES = 5_000
LOADED_APPOINTMENT, EMPTY_APPOINTMENT = 1032, 1033
TARGET_FPS = 50

START_COUNTER = """() => {
  const raf = {times: [], on: true};
  window.__raf = raf;
  const tick = (t) => { if (!raf.on) return; raf.times.push(t); requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
}"""
STOP_COUNTER = "() => { window.__raf.on = false; return window.__raf.times; }"


@dataclass
class Run:
    fps: float
    longest_gap_ms: float
    seconds: float
    moves: int


def draw_long_stroke(page: Page, run: int) -> int:
    """A spiral-ish stroke drawn for DRAW_SECONDS; returns the mouse events sent."""
    cx, cy = 400 + 30 * run, 300
    page.mouse.move(*stage_point(page, cx, cy))
    page.mouse.down()
    moves, i, started = 0, 0, time.monotonic()
    while time.monotonic() - started < DRAW_SECONDS:
        i += 1
        radius = 40 + (i * 3) % 220
        x, y = cx + radius * math.cos(i / 5), cy + radius * math.sin(i / 5) * 0.9
        page.mouse.move(*stage_point(page, x, y), steps=STEPS)
        moves += STEPS
    page.mouse.up()
    return moves


def measure_run(page: Page, run: int) -> Run:
    page.evaluate(START_COUNTER)
    moves = draw_long_stroke(page, run)
    times = page.evaluate(STOP_COUNTER)
    span_ms = times[-1] - times[0]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    return Run((len(times) - 1) / (span_ms / 1000), max(gaps), span_ms / 1000, moves)


def measure(browser: Browser, app: RunningApp, appointment_id: int) -> list[Run]:
    page = editor_page(browser, app)
    try:
        open_editor(page, appointment_id)
        page.get_by_test_id("tool-pen").click()
        runs = []
        for run in range(RUNS):
            runs.append(measure_run(page, run))
            expect(page.get_by_test_id("save-status")).to_have_attribute("data-state", "saved")
        return runs
    finally:
        page.context.close()


def report(label: str, runs: list[Run]) -> float:
    print(f"{label}:")
    for n, r in enumerate(runs, 1):
        print(
            f"  stroke {n}: {r.fps:5.1f} fps over {r.seconds:.2f} s, longest frame gap "
            f"{r.longest_gap_ms:6.1f} ms, {r.moves} mouse moves"
        )
    median = statistics.median(r.fps for r in runs)
    print(f"  median {median:.1f} fps (target >= {TARGET_FPS})")
    return median


def main() -> None:
    started = time.monotonic()
    with bench_app("medrec_bench_fps") as app:
        load_strokes(LOADED_APPOINTMENT, LOADED_STROKES)
        load_strokes(EMPTY_APPOINTMENT, 0)
        with chromium() as browser:
            empty = measure(browser, app, EMPTY_APPOINTMENT)
            loaded = measure(browser, app, LOADED_APPOINTMENT)
        base = report("baseline: empty record", empty)
        fps = report(f"record with {LOADED_STROKES:,} strokes", loaded)
        print(f"5,000 strokes / empty (median fps): {fps / base:.2f}x")
    print(f"\ntotal wall time: {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
