"""The record's History panel: a dialog listing every revision, newest first, and showing
the chosen one's form and drawing read-only."""

from __future__ import annotations

import reflex as rx

from medrec_app.components.canvas import canvas
from medrec_app.pages.record import columns
from medrec_app.pages.record.state import EditorState


def history_button() -> rx.Component:
    return rx.fragment(
        rx.button(
            "History",
            variant="soft",
            color_scheme="gray",
            on_click=EditorState.open_history(True),
            aria_label="History: every revision of this record",
            data_testid="history-open",
        ),
        _dialog(),
    )


def _dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.hstack(
                rx.dialog.title("History of this record", margin="0"),
                rx.spacer(),
                rx.dialog.close(
                    rx.button("Close", variant="soft", color_scheme="gray", size="2"),
                ),
                align="center",
                width="100%",
            ),
            rx.dialog.description(
                "Every revision, newest first. Choose one to see the form and the drawing "
                "as they were then. Nothing here can be changed.",
                size="2",
                margin_bottom="12px",
            ),
            rx.flex(
                _revision_list(),
                _chosen(),
                direction=columns.direction(),
                gap="20px",
                width="100%",
            ),
            max_width="1200px",
            width="96vw",
            data_testid="history",
        ),
        open=EditorState.history_open,
        on_open_change=EditorState.open_history,
    )


def _revision_list() -> rx.Component:
    return rx.vstack(
        rx.heading("Revisions", size="3", as_="h2"),
        rx.cond(
            EditorState.history_note != "",
            rx.text(EditorState.history_note, size="1", color_scheme="gray"),
        ),
        rx.foreach(EditorState.history_amendments, _amendment_point),
        rx.el.ol(
            rx.foreach(EditorState.history_entries, _revision_item),
            style={"listStyle": "none", "padding": "0", "margin": "0", "width": "100%"},
        ),
        rx.cond(
            EditorState.history_older > 0,
            rx.button(
                "Show older revisions (",
                EditorState.history_older.to_string(),
                " more)",
                variant="soft",
                color_scheme="gray",
                on_click=EditorState.show_older_revisions,
                data_testid="history-older",
            ),
        ),
        spacing="2",
        width=columns.width("36%"),
        max_height="70vh",
        overflow_y="auto",
        data_testid="history-revisions",
    )


def _amendment_point(amendment: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.badge("Amendment signed", color_scheme="violet"),
            rx.text(amendment["author"], ", ", amendment["when"], size="2"),
            wrap="wrap",
            spacing="2",
        ),
        rx.text("Reason: ", amendment["reason"], size="1", color_scheme="gray"),
        width="100%",
        data_testid="history-amendment",
    )


def _revision_item(entry: rx.Var[dict[str, str]]) -> rx.Component:
    chosen = EditorState.history_revision.to_string() == entry["revision"]
    return rx.el.li(
        rx.button(
            rx.vstack(
                rx.hstack(
                    rx.text("Revision ", entry["revision"], weight="bold", size="2"),
                    rx.text(entry["title"], size="2"),
                    rx.cond(entry["signed"] == "yes", rx.badge("Signed", color_scheme="green")),
                    rx.cond(entry["kept"] != "yes", rx.badge("Not kept", color_scheme="gray")),
                    wrap="wrap",
                    spacing="2",
                    align="center",
                ),
                rx.text(entry["who"], " · ", entry["when"], size="1"),
                rx.cond(entry["changes"] != "", rx.text(entry["changes"], size="1")),
                spacing="0",
                align="start",
            ),
            on_click=EditorState.show_revision(entry["revision"]),
            variant=rx.cond(chosen, "soft", "surface"),
            color_scheme=rx.cond(
                chosen, "blue", rx.cond(entry["signed"] == "yes", "green", "gray")
            ),
            aria_pressed=rx.cond(chosen, "true", "false"),
            height="auto",
            padding="8px",
            width="100%",
            style={"textAlign": "left", "whiteSpace": "normal", "justifyContent": "flex-start"},
            data_testid="history-revision",
            data_revision=entry["revision"],
        ),
        margin_bottom="6px",
    )


def _chosen() -> rx.Component:
    return rx.vstack(
        rx.cond(
            EditorState.history_revision < 0,
            rx.text("Choose a revision to see it.", size="2", color_scheme="gray"),
            rx.vstack(
                rx.heading(
                    "Revision ",
                    EditorState.history_revision.to_string(),
                    " as it was",
                    size="3",
                    as_="h2",
                    data_testid="history-shown",
                ),
                rx.cond(
                    EditorState.history_message != "",
                    rx.callout.root(
                        rx.callout.text(EditorState.history_message),
                        color_scheme="gray",
                        role="status",
                        width="100%",
                        data_testid="history-message",
                    ),
                    _revision_documents(),
                ),
                width="100%",
                spacing="3",
            ),
        ),
        width=columns.width("64%"),
        spacing="3",
    )


def _revision_documents() -> rx.Component:
    return rx.vstack(
        rx.el.dl(
            rx.foreach(EditorState.history_rows, _form_row),
            style={"margin": "0", "width": "100%"},
            data_testid="history-form",
        ),
        rx.text(EditorState.history_summary, size="1", data_testid="history-summary"),
        rx.box(
            canvas(
                record_key=f"history-{EditorState.record_id}",
                document_url=EditorState.history_document_url,
                background_url=EditorState.history_template_background,
                file_background_id=EditorState.history_background_id,
                file_background_type=EditorState.history_background_type,
                file_background_url=EditorState.history_background_url,
                background_request="",
                read_only=True,
                acked_op_ids=[],
                reload_request="",
                on_background_needed=EditorState.need_history_background,
            ),
            width="100%",
            data_testid="history-canvas",
        ),
        width="100%",
        spacing="3",
    )


def _form_row(row: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.cond(
        row["group"] == "yes",
        rx.el.dt(
            rx.text(row["label"], weight="bold", size="2"),
            margin_top="6px",
        ),
        rx.fragment(
            rx.el.dt(rx.text(row["label"], size="1", color_scheme="gray")),
            rx.el.dd(
                rx.text(row["value"], size="2", white_space="pre-wrap"),
                margin="0 0 4px 0",
                data_testid="history-field",
                data_path=row["path"],
            ),
        ),
    )
