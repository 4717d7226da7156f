"""A full-width table with a header row, for lists of rows from page state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx


def data_table(
    headers: list[str | rx.Component],
    rows: Any,
    render_row: Callable[[Any], rx.Component],
    testid: str,
) -> rx.Component:
    """``headers`` are texts, or components (``visually_hidden("Actions")`` for a column
    of buttons: a header cell that looks empty still needs a name)."""
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
        rx.table.body(rx.foreach(rows, render_row)),
        width="100%",
        data_testid=testid,
    )
