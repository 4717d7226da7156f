"""Saves of the browser-only demo as its ``localStorage`` held them (the spec's
``SavedState``), for the importer's tests and benchmark.

Stroke points are whole hundredths on a zigzag, so the editor's storage rule (rounded to
0.01 px, simplified within 0.5 px) keeps every one of them and a round trip can be
compared value by value.
"""

from __future__ import annotations

import base64
import json
import random
from typing import Any

SAVED_AT = "2025-01-15T10:30:00.000Z"
COLOURS = ["#000000", "#FF0000", "#1a73e8", "#00aa00"]


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def zigzag(rng: random.Random, count: int) -> list[float | int]:
    """``count`` points that no simplification within 0.5 px removes."""
    x, y = rng.randint(10, 300), rng.randint(10, 300)
    points: list[float | int] = []
    for index in range(count):
        points += [round(x + index * 7.25, 2), round(y + (12.5 if index % 2 else 0), 2)]
    return points


def demo_lines(rng: random.Random, count: int, points: int = 12) -> list[dict[str, Any]]:
    return [
        {
            "tool": "eraser" if n % 7 == 6 else "pen",
            "points": zigzag(rng, points),
            "color": rng.choice(COLOURS),
            "strokeWidth": rng.choice([2, 3, 5.5]),
        }
        for n in range(count)
    ]


def demo_shapes(rng: random.Random, count: int) -> list[dict[str, Any]]:
    shapes: list[dict[str, Any]] = []
    for n in range(count):
        base = {
            "id": f"shape-{rng.getrandbits(64):016x}",
            "x": rng.randint(0, 700),
            "y": rng.randint(0, 500),
            "color": rng.choice(COLOURS),
            "strokeWidth": 2,
        }
        kind = n % 4
        if kind == 0:
            shapes.append({**base, "type": "circle", "radius": rng.randint(5, 80)})
        elif kind == 1:
            shapes.append({**base, "type": "rect", "width": 40, "height": 25.5})
        elif kind == 2:
            shapes.append({**base, "type": "arrow", "points": [0, 0, 50, 50]})
        else:
            shapes.append({**base, "type": "text", "text": f"Note {n}: pain ↑", "fontSize": 16})
    return shapes


def saved_state(
    *,
    seed: int = 1,
    lines: int = 5,
    shapes: int = 4,
    image: tuple[str, bytes] | None = None,
    pdf: bytes | None = None,
    pdf_name: str | None = "report.pdf",
    page: int = 1,
    pages: int | None = None,
) -> dict[str, Any]:
    """A demo save: ``image`` is ``(mime, bytes)``; ``pdf`` the PDF's bytes."""
    rng = random.Random(seed)
    return {
        "lines": demo_lines(rng, lines),
        "shapes": demo_shapes(rng, shapes),
        "stageSize": {"width": 800, "height": 600},
        "backgroundImageDataUrl": data_url(*image) if image else None,
        "pdfFileName": pdf_name if pdf is not None else None,
        "pdfFileDataUrl": data_url("application/pdf", pdf) if pdf is not None else None,
        "pdfPageNumber": page,
        "pdfNumPages": pages,
        "savedAt": SAVED_AT,
    }


def export_text(state: dict[str, Any]) -> str:
    """As the demo's "export" wrote it: ``JSON.stringify`` of the saved state."""
    return json.dumps(state, ensure_ascii=False, separators=(",", ":"))
