"""The record editor's exports: the Export PDF button and the files made before."""

from __future__ import annotations

import reflex as rx

from medrec_app.pages.record.sign_view import unsaved
from medrec_app.pages.record.state import EditorState


def exports_panel() -> rx.Component:
    """Exports of the record, newest first; each opens in a new tab."""
    return rx.vstack(
        rx.hstack(
            rx.heading("Exports", as_="h2", size="3"),
            rx.spacer(),
            rx.cond(
                EditorState.can_export,
                rx.button(
                    "Export PDF",
                    size="2",
                    variant="soft",
                    on_click=EditorState.export_record,
                    disabled=unsaved(),
                    title="The annotated PDF and a PNG of the canvas, as saved",
                    data_testid="export-record",
                ),
            ),
            width="100%",
            align="center",
        ),
        rx.cond(
            EditorState.export_message != "",
            rx.text(
                EditorState.export_message, size="2", role="status", data_testid="export-message"
            ),
        ),
        rx.cond(
            EditorState.export_notice != "",
            rx.callout.root(
                rx.callout.text(EditorState.export_notice),
                color_scheme="amber",
                role="alert",
                width="100%",
                data_testid="export-notice",
            ),
        ),
        rx.cond(
            EditorState.exports.length() > 0,
            rx.vstack(rx.foreach(EditorState.exports, _export), width="100%"),
            rx.text("Not exported yet.", size="2", color_scheme="gray"),
        ),
        width="100%",
        spacing="2",
        data_testid="record-exports",
    )


def _export(item: dict[str, str]) -> rx.Component:
    return rx.hstack(
        rx.button(
            item["name"],
            variant="ghost",
            size="2",
            on_click=EditorState.open_export(item["id"]),
            title="Open in a new tab",
            data_testid="export-open",
        ),
        rx.badge(item["kind"], color_scheme="gray"),
        rx.text(item["when"], " · ", item["by"], size="1", color_scheme="gray"),
        width="100%",
        align="center",
        data_testid="export",
    )
