"""The canvas wrapper's contract with its JSX, and the JSX output against the server rules.

The browser behaviour itself was checked by driving the component in Chromium; these
tests pin what the rest of the app relies on without a browser.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import reflex as rx

from medrec_app.components.canvas import CANVAS_LIBRARY, MedrecCanvas, canvas
from medrec_app.domain.drawing import parse_drawing

ROOT = Path(__file__).resolve().parents[2]
JSX = ROOT / "assets" / "canvas" / "medrec_canvas.jsx"
MODULES = sorted(JSX.parent.rglob("*.js*"))
"""The canvas and the modules it is made of (tools/ too)."""


def _sources() -> str:
    return "\n".join(p.read_text() for p in MODULES)


class _State(rx.State):
    acked: list[str] = []

    @rx.event
    def take_ops(self, ops: list):
        pass


def _props() -> dict[str, str]:
    component = canvas(
        record_key="record-42",
        document_url="/records/42/drawing",
        background_url="",
        read_only=False,
        acked_op_ids=_State.acked,
        on_ops=_State.take_ops,
    )
    rendered = component.render()
    assert rendered["name"] == "MedrecCanvas"
    return dict(prop.split(":", 1) for prop in rendered["props"])


def test_library_points_at_the_asset_file():
    assert CANVAS_LIBRARY.startswith("$/public/")
    assert (ROOT / "assets" / CANVAS_LIBRARY.removeprefix("$/public/")) == JSX
    assert JSX.is_file()
    # The named export Reflex imports (``tag``), whether a function or a memoised one.
    assert re.search(r"^export (const|function) MedrecCanvas\b", JSX.read_text(), re.M)


def test_npm_packages_the_jsx_imports_are_pinned_dependencies():
    """Every npm package the canvas modules import, statically or lazily, is pinned."""
    sources = _sources()
    static = re.findall(r'^\s*}?\s*(?:import .* )?from "([^"$./][^"?]*)";', sources, re.M)
    lazy = re.findall(r'import\("([^"$./][^"?]*)(?:\?url)?"\)', sources)
    packages = {name if name.startswith("@") else name.split("/")[0] for name in static + lazy}
    assert packages == {"react", "react-konva", "pdfjs-dist"}
    deps = {dep.rsplit("@", 1)[0]: dep.rsplit("@", 1)[1] for dep in MedrecCanvas.lib_dependencies}
    assert set(deps) == {"react-konva", "konva", "pdfjs-dist"}
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", version) for version in deps.values())


def test_props_reach_the_jsx_under_their_camel_case_names():
    props = _props()
    assert props["recordKey"] == '"record-42"'
    assert props["documentUrl"] == '"/records/42/drawing"'
    assert props["readOnly"] == "false"
    assert "acked" in props["ackedOpIds"]
    for name in (
        "recordKey",
        "documentUrl",
        "backgroundUrl",
        "fileBackgroundId",
        "fileBackgroundUrl",
        "backgroundRequest",
        "readOnly",
        "ackedOpIds",
        "onOps",
        "onBackgroundNeeded",
    ):
        assert re.search(rf"\b{name}\b", JSX.read_text()), name
    assert props["limits"].startswith("({")
    assert '["maxPointsPerLine"] : 20000' in props["limits"]


def test_on_ops_passes_the_list_straight_to_the_handler():
    on_ops = _props()["onOps"]
    assert "take_ops" in on_ops
    assert '["ops"] : _ev_0' in on_ops


def test_test_ids_the_browser_tests_rely_on_exist():
    text = _sources()
    for testid in (
        "canvas-stage",
        "canvas-pending",
        "undo",
        "redo",
        "clear",
        "clear-confirm",
        "pen-only",
        "stroke-width",
        "duplicate-selection",
        "selection-size",
        "zoom-in",
        "zoom-out",
        "zoom-fit",
        "zoom-level",
    ):
        # Set on the element, or through the toolbar's ActionButton.
        assert re.search(rf'(data-testid|testId)="{testid}"', text), testid
    background = (JSX.parent / "background.jsx").read_text()
    for testid in ("pdf-pager", "pdf-prev", "pdf-next", "pdf-page-label"):
        assert f'data-testid="{testid}"' in background, testid
    assert "data-background={background.status}" in text
    assert "data-background-page={background.page}" in text
    assert "data-testid={`tool-${t.name}`}" in text
    assert "window.__medrecCanvas" in text
    queues = (ROOT / "assets" / "record" / "local_queues.js").read_text()
    assert '"medrec:pending:"' in queues


def test_what_the_canvas_emits_is_accepted_by_the_server():
    """Elements as the canvas produced them in Chromium (ids from crypto.randomUUID)."""
    line_id = f"line-{uuid.uuid4()}"
    doc = {
        "lines": [
            {
                "id": line_id,
                "tool": "pen",
                "points": [100, 300, 112.5, 306.25, 300, 400],
                "color": "#e53935",
                "strokeWidth": 8,
            },
            # A tap: one point, sent twice so Konva draws a dot.
            {
                "id": f"line-{uuid.uuid4()}",
                "tool": "eraser",
                "points": [10, 10, 10, 10],
                "color": "#ffffff",
                "strokeWidth": 30,
            },
        ],
        "shapes": [
            {
                "id": f"shape-{uuid.uuid4()}",
                "color": "#000000",
                "strokeWidth": 3,
                "type": "circle",
                "x": 212.3,
                "y": 212.3,
                "radius": 61.94,
            },
            {
                "id": "s1",
                "type": "rect",
                "x": 590.03,
                "y": 40.02,
                "width": 100,
                "height": 80,
                "color": "#123456",
                "strokeWidth": 8,
                "rotation": 90.03,
            },
            {
                "id": f"shape-{uuid.uuid4()}",
                "color": "#000000",
                "strokeWidth": 3,
                "type": "arrow",
                "x": 50,
                "y": 500,
                "points": [100, 50],
            },
            {
                "id": f"shape-{uuid.uuid4()}",
                "type": "text",
                "x": 600,
                "y": 300,
                "text": "Hello knee",
                "color": "#000000",
                "strokeWidth": 24,
            },
        ],
        "stageSize": {"width": 800, "height": 600},
    }
    assert parse_drawing(doc).to_document() == doc
    assert len(line_id) <= 100
