"""The drawing canvas: a Reflex wrapper around ``assets/canvas/medrec_canvas.jsx``.

The JSX renders the drawing and turns pointer input into *operations*; it never decides
what is saved. It sends them in batches to ``on_ops`` (a list of operation dicts):

- ``{"op": "addLine", "opId", "line": {"id", "tool", "points", "color", "strokeWidth"}}``
- ``{"op": "putShape", "opId", "shape": {...}}`` (create, move, resize, recolour, edit)
- ``{"op": "deleteElements", "opId", "lineIds": [...], "shapeIds": [...]}``
- ``{"op": "setStage", "opId", "width", "height"}`` (not emitted yet)

``opId`` is 32 hex characters, fresh for every op (undo emits new inverse ops); ``at``
is when the change was made (ms since the epoch), so the newer of two edits wins. Ops
stay in the browser's ``localStorage["medrec:pending:" + record_key]`` until their
``opId`` appears in ``acked_op_ids``; unacknowledged ops are re-sent (after 3 s, then
with back-off up to 30 s) and, after a reload, re-applied over the fetched document and
re-sent. The handler must therefore be idempotent: remember committed opIds and ack a
repeated op without applying it again.

Coordinates are in the document's ``stageSize`` units (default 800x600) whatever the
screen size.
"""

from __future__ import annotations

import reflex as rx

CANVAS_LIBRARY = "$/public/canvas/medrec_canvas.jsx"


class MedrecCanvas(rx.Component):
    """``<MedrecCanvas>`` from the app's own assets (react-konva)."""

    library = CANVAS_LIBRARY
    tag = "MedrecCanvas"
    # Local libraries are never installed: the npm packages the JSX imports must be
    # listed here or the build drops them.
    lib_dependencies = ["react-konva@19.2.1", "konva@10.0.12"]

    record_key: rx.Var[str]
    """Namespaces the browser's pending-op queue, e.g. ``"record-42"``. Not PHI."""
    document_url: rx.Var[str]
    """Same-origin GET (cookies sent) answering ``{"revision": int, "drawing": {...}}``."""
    background_url: rx.Var[str]
    """Image drawn under everything, or ``""`` for none."""
    read_only: rx.Var[bool]
    """Tools disabled, nothing emitted; the drawing still renders."""
    acked_op_ids: rx.Var[list[str]]
    """opIds the server committed; the canvas drops them from its pending queue."""

    on_ops: rx.EventHandler[rx.event.passthrough_event_spec(list)]
    """Receives one list of operation dicts per batch."""


canvas = MedrecCanvas.create
