"""The drawing canvas: a Reflex wrapper around ``assets/canvas/medrec_canvas.jsx``.

The JSX renders the drawing and turns pointer input into *operations*; it never decides
what is saved. It sends them in batches to ``on_ops`` (a list of operation dicts):

- ``{"op": "addLine", "opId", "line": {"id", "tool", "points", "color", "strokeWidth"}}``
- ``{"op": "putShape", "opId", "shape": {...}}`` (create, move, resize, recolour, edit)
- ``{"op": "deleteElements", "opId", "lineIds": [...], "shapeIds": [...]}``
- ``{"op": "setStage", "opId", "width", "height"}`` (not emitted yet)
- ``{"op": "setBackground", "opId", "backgroundType", "backgroundFileId", "pdfPageNumber",
  "pdfNumPages"}``: a PDF page turn, or a choice handed over in ``background_request``

``opId`` is 32 hex characters, fresh for every op (undo emits new inverse ops); ``at``
is when the change was made (ms since the epoch), so the newer of two edits wins. Ops
stay in the browser's ``localStorage["medrec:pending:" + record_key]`` until their
``opId`` appears in ``acked_op_ids``; unacknowledged ops are re-sent (after 3 s, then
with back-off up to 30 s) and, after a reload, re-applied over the fetched document and
re-sent. The handler must therefore be idempotent: remember committed opIds and ack a
repeated op without applying it again.

Coordinates are in the document's ``stageSize`` units (default 800x600) whatever the
screen size; a background never changes them (images and PDF pages are fitted to the
stage, aspect kept).

Backgrounds: the drawing names a patient file by id. The page holds one short-lived link
(``file_background_id``, ``file_background_type``, ``file_background_url``), which the
canvas starts loading at once; when the drawing names a file the page has no link for,
or a link fails, the canvas calls ``on_background_needed(file_id)`` and the page asks the
server for one. PDF pages are rendered with pdf.js (``pdfjs-dist``) over HTTP Range
requests.
"""

from __future__ import annotations

import reflex as rx

from medrec_app.api.pdfjs_assets import PDFJS_VERSION
from medrec_app.domain.drawing import (
    MAX_LINES,
    MAX_POINTS_PER_LINE,
    MAX_SHAPES,
    MAX_STROKE_WIDTH,
    MAX_TEXT_CHARS,
    MAX_TOTAL_POINTS,
)
from medrec_app.domain.edits import MAX_OPS_PER_BATCH

CANVAS_LIBRARY = "$/public/canvas/medrec_canvas.jsx"
CANVAS_LIMITS = {
    "maxBatchOps": MAX_OPS_PER_BATCH,
    "maxPointsPerLine": MAX_POINTS_PER_LINE,
    "maxTextChars": MAX_TEXT_CHARS,
    "maxStrokeWidth": MAX_STROKE_WIDTH,
    "maxLines": MAX_LINES,
    "maxShapes": MAX_SHAPES,
    "maxTotalPoints": MAX_TOTAL_POINTS,
}
"""Sent to the browser with every canvas, so its limits are the server's, never copies."""


class MedrecCanvas(rx.Component):
    """``<MedrecCanvas>`` from the app's own assets (react-konva)."""

    library = CANVAS_LIBRARY
    tag = "MedrecCanvas"
    # Local libraries are never installed: the npm packages the JSX imports must be
    # listed here or the build drops them.
    # pdf.js's data files (wasm decoders, CMaps, fonts) are served from that same package
    # by ``medrec_app/api/pdfjs_assets.py``: one pin for both.
    lib_dependencies = ["react-konva@19.2.1", "konva@10.0.12", f"pdfjs-dist@{PDFJS_VERSION}"]

    record_key: rx.Var[str]
    """Namespaces the browser's pending-op queue, e.g. ``"record-42"``. Not PHI."""
    document_url: rx.Var[str]
    """Same-origin GET (cookies sent) answering ``{"revision": int, "drawing": {...}}``."""
    background_url: rx.Var[str]
    """The template's image, drawn when the drawing names no background file; ``""``: none."""
    file_background_id: rx.Var[int]
    """The patient file ``file_background_url`` is a link to (0: none)."""
    file_background_type: rx.Var[str]
    """What that file can be: ``"image"`` or ``"pdf"``; it starts loading at once."""
    file_background_url: rx.Var[str]
    """A short-lived link to that file, issued by the server (never built by the browser)."""
    background_request: rx.Var[str]
    """JSON ``{"nonce", "op"}``: a ``setBackground`` op chosen on the page. The canvas
    emits it (undoable, queued like its own ops) once per nonce, never again after a reload."""
    read_only: rx.Var[bool]
    """Tools disabled, nothing emitted; the drawing still renders."""
    acked_op_ids: rx.Var[list[str]]
    """opIds the server is done with (saved, or refused); the canvas drops them from its
    pending queue."""
    reload_request: rx.Var[str]
    """A new value makes the canvas load the stored drawing again (after changes it
    showed were refused), with what it still has pending on top."""
    limits: rx.Var[dict[str, int]]
    """The server's own limits the canvas keeps to (:data:`CANVAS_LIMITS`): the most
    operations in one batch, points in one stroke, characters in one text, stroke width."""
    layers_url: rx.Var[str]
    """Same-origin GET answering ``{"below": [...], "above": [...]}``, each item
    ``{"drawing": {...}, "tint": "#rrggbb" | null}``: drawings shown under or over the
    document and never changed here (the signed record under an amendment, signed
    amendments in their colours). ``""``: none."""
    previous_url: rx.Var[str]
    """Same-origin GET answering ``{"recordId", "visitDate", "drawing"}`` (or
    ``{"recordId": null}``): the patient's last visit with this template, which the
    canvas can show faded under its own and carry elements from
    (``domain/carry_forward.py``). Fetched when first shown; ``""``: no such overlay."""
    locked_color: rx.Var[str]
    """The one colour tools draw in (an amendment's); ``""``: the user picks."""
    background_locked: rx.Var[bool]
    """PDF page turns are off: the background stays as signed."""

    on_ops: rx.EventHandler[rx.event.passthrough_event_spec(list)]
    """Receives one list of operation dicts per batch."""
    on_background_needed: rx.EventHandler[rx.event.passthrough_event_spec(int)]
    """Receives the file id the drawing's background names when a link is wanted."""
    on_pending_change: rx.EventHandler[rx.event.passthrough_event_spec(bool)]
    """Receives whether the canvas holds changes not acknowledged yet, when that changes
    (not each count: that would be an event and a page update per stroke)."""


def canvas(**props) -> MedrecCanvas:
    """The canvas, keeping to the server's limits."""
    return MedrecCanvas.create(limits=CANVAS_LIMITS, **props)
