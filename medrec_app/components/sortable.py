"""Rows a pointer can drag into another order: ``assets/templates/sortable_rows.jsx``.

Each row inside carries ``data-row-uid`` and ``data-row-level`` (rows of one level are
siblings); its handle carries ``data-drag-handle`` (and ``draggable``). A drop onto a
sibling calls ``on_move(uid, onto_uid)``. Keyboard users move rows with buttons.
"""

from __future__ import annotations

import reflex as rx


class SortableRows(rx.Component):
    library = "$/public/templates/sortable_rows.jsx"
    tag = "SortableRows"

    on_move: rx.EventHandler[rx.event.passthrough_event_spec(str, str)]
    """Receives the dragged row's uid and the uid of the row it was dropped on."""


sortable_rows = SortableRows.create
