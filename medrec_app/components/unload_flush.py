"""Saves unacknowledged changes when the tab is hidden or closed (``assets/record``).

The browser already keeps every change the server has not acknowledged (the canvas's
pending operations and the form's drafts, both in ``localStorage``); this component
posts them with ``fetch(..., {keepalive: true})`` on ``pagehide`` and when the page is
hidden, so closing the tab right after a stroke does not wait for the next opening.
"""

from __future__ import annotations

import reflex as rx


class UnloadFlush(rx.Component):
    library = "$/public/record/unload_flush.jsx"
    tag = "UnloadFlush"

    record_id: rx.Var[str]
    """The record whose form drafts are sent; ``""`` turns the component off."""
    canvas_key: rx.Var[str]
    """The canvas's ``record_key`` (its pending-queue name)."""
    flush_url: rx.Var[str]
    """Same-origin POST taking ``{"ops": [...]}``, e.g. ``/api/records/42/operations``."""


unload_flush = UnloadFlush.create
