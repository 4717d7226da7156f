"""Websocket cost of committing one stroke in the editor, on a 5,000-stroke record.

With the real app running (started as the browser tests start it) and Chromium on the
editor page, draws a stroke with ``page.mouse`` and watches the Reflex websocket:

- **sent**: bytes of the browser's ``receive_ops`` event frame that carries the stroke;
- **received**: bytes of all server frames from that send up to and including the state
  delta whose ``acked_op_ids`` holds the stroke's operation id;
- **ack RTT**: time from the send to that acknowledging frame. It includes the server's
  auto-save debounce (``SAVE_DELAY_S`` = 1 s) and the save itself;
- **event RTT**: time from the send to the *first* server event frame after it (the
  event's own delta, the save status turning "pending"), the round trip without the
  debounce.

Frames are recorded in the page by wrapping ``WebSocket`` (an init script logging size
and ``performance.now()`` of every frame each way), so the times are the browser's own and
do not include Playwright's event delivery to Python. Repeats ``STROKES`` strokes on a
record holding 5,000 strokes (added through ``editing.save_operations`` in batches of 500
before the page opens) and, as the same-run baseline, on an empty record; prints p50/p95.
Targets: bytes grow with the stroke, not the drawing (under 20 KB); event RTT under 50 ms.

Run from the project root (with the environment of ``./scripts/test`` for Reflex)::

    python benchmarks/stroke_roundtrip.py

Starts the embedded PostgreSQL in ``data/bench-pg`` and the app on a free port with a
fresh database; stops the app's process group and drops the database at the end, also on
error.
"""

from __future__ import annotations

import math
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (
    RunningApp,
    bench_app,
    chromium,
    editor_page,
    load_strokes,
    open_editor,
    pct,
    stage_point,
)

STROKES = 20
LOADED_STROKES = 5_000
LOADED_APPOINTMENT, EMPTY_APPOINTMENT = 1030, 1031
MOVES_PER_STROKE = 60
OP_ID = re.compile(r'opId\\?"\s*:\s*\\?"([A-Za-z0-9_-]{8,64})')

WS_LOGGER = """
(() => {
  const log = [];
  window.__wsLog = log;
  const size = (d) => typeof d === "string" ? new TextEncoder().encode(d).length
    : (d.byteLength ?? d.size ?? 0);
  const text = (d) => typeof d === "string" ? d : "";
  const Native = window.WebSocket;
  class Logged extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) =>
        log.push({dir: "in", t: performance.now(), n: size(e.data), s: text(e.data)}));
    }
    send(data) {
      log.push({dir: "out", t: performance.now(), n: size(data), s: text(data)});
      return super.send(data);
    }
  }
  window.WebSocket = Logged;
})();
"""

ACKED = """() => {
  const log = window.__wsLog;
  const sent = log.find((f) => f.dir === "out" && f.s.includes("receive_ops"));
  if (!sent) return false;
  const m = sent.s.match(/opId\\\\?"\\s*:\\s*\\\\?"([A-Za-z0-9_-]{8,64})/);
  return !!m && log.some((f) => f.dir === "in" && f.t >= sent.t && f.s.includes(m[1]));
}"""


@dataclass
class Stroke:
    sent_bytes: int
    received_bytes: int
    event_rtt_ms: float
    ack_rtt_ms: float
    points: int


def draw_stroke(page: Page, n: int) -> None:
    """A wavy stroke across the stage, in small mouse moves like a hand's."""
    y0 = 60 + (n * 23) % 480
    page.mouse.move(*stage_point(page, 100, y0))
    page.mouse.down()
    for i in range(1, MOVES_PER_STROKE + 1):
        x = 100 + i * 8
        page.mouse.move(*stage_point(page, x, y0 + 25 * math.sin(i / 6)))
    page.mouse.up()


def analyse(log: list[dict[str, Any]]) -> tuple[int, int, float, float]:
    """(sent bytes, received bytes, event RTT ms, ack RTT ms) of the logged stroke."""
    sent = next(f for f in log if f["dir"] == "out" and "receive_ops" in f["s"])
    op_id = OP_ID.search(sent["s"]).group(1)
    after = [f for f in log if f["dir"] == "in" and f["t"] >= sent["t"]]
    first_event = next(f for f in after if f["s"].startswith("42"))
    ack_at = next(i for i, f in enumerate(after) if op_id in f["s"])
    received = sum(f["n"] for f in after[: ack_at + 1])
    return sent["n"], received, first_event["t"] - sent["t"], after[ack_at]["t"] - sent["t"]


def commit_stroke(page: Page, n: int) -> Stroke:
    page.evaluate("window.__wsLog.length = 0")
    draw_stroke(page, n)
    page.wait_for_function(ACKED, polling=20)
    expect(page.get_by_test_id("save-status")).to_have_attribute("data-state", "saved")
    page.wait_for_function("window.__medrecCanvas.pendingCount() === 0")
    log = page.evaluate("window.__wsLog.slice()")
    points = page.evaluate("window.__medrecCanvas.getDocument().lines.at(-1).points.length")
    return Stroke(*analyse(log), points=points // 2)


def measure(browser: Browser, app: RunningApp, appointment_id: int) -> list[Stroke]:
    page = editor_page(browser, app, WS_LOGGER)
    try:
        open_editor(page, appointment_id)
        page.get_by_test_id("tool-pen").click()
        strokes = [commit_stroke(page, n) for n in range(STROKES)]
        lines = page.evaluate("window.__medrecCanvas.getDocument().lines.length")
        print(f"  appointment {appointment_id}: {lines} strokes in the drawing at the end")
        return strokes
    finally:
        page.context.close()


def report(label: str, strokes: list[Stroke]) -> None:
    def row(name: str, values: list[float], unit: str, fmt: str) -> None:
        print(
            f"  {name:34} p50 {pct(values, 50):{fmt}} {unit}   p95 {pct(values, 95):{fmt}} {unit}"
        )

    print(f"{label} ({len(strokes)} strokes, ~{strokes[0].points} points each):")
    row("sent (receive_ops event frame)", [s.sent_bytes for s in strokes], "B", "8.0f")
    row("received until acked_op_ids delta", [s.received_bytes for s in strokes], "B", "8.0f")
    row("event RTT (first server delta)", [s.event_rtt_ms for s in strokes], "ms", "8.1f")
    row("ack RTT (incl. 1 s save debounce)", [s.ack_rtt_ms for s in strokes], "ms", "8.1f")


def main() -> None:
    started = time.monotonic()
    with bench_app("medrec_bench_rtt") as app:
        t = time.monotonic()
        load_strokes(LOADED_APPOINTMENT, LOADED_STROKES)
        load_strokes(EMPTY_APPOINTMENT, 0)
        print(f"{LOADED_STROKES} strokes stored in {time.monotonic() - t:.1f} s")
        with chromium() as browser:
            empty = measure(browser, app, EMPTY_APPOINTMENT)
            loaded = measure(browser, app, LOADED_APPOINTMENT)
        report("baseline: empty record", empty)
        report(f"record with {LOADED_STROKES:,} strokes", loaded)
        ratio = pct([s.received_bytes for s in loaded], 50) / pct(
            [s.received_bytes for s in empty], 50
        )
        print(f"received bytes, 5,000 strokes / empty (p50): {ratio:.2f}x")
    print(f"\ntotal wall time: {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
