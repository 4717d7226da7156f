"""Amendments under a signed record: each signed one with its author, time and reason,
and the user's own draft with its Sign button."""

from __future__ import annotations

import reflex as rx

from medrec_app.components.labels import field_label
from medrec_app.pages.record.sign_view import hash_text, password_dialog
from medrec_app.pages.record.state import EditorState


def amendments_panel() -> rx.Component:
    return rx.vstack(
        rx.heading("Amendments", size="4", as_="h2"),
        rx.cond(
            EditorState.amendments.length() > 0,
            rx.foreach(EditorState.amendments, _signed_amendment),
            rx.text("No amendments.", size="2", color_scheme="gray"),
        ),
        rx.cond(
            EditorState.can_amend,
            rx.cond(
                EditorState.draft_id > 0,
                _draft(),
                rx.button(
                    "Add amendment",
                    variant="soft",
                    on_click=EditorState.start_amendment,
                    data_testid="amendment-start",
                ),
            ),
        ),
        width="100%",
        spacing="3",
        data_testid="amendments",
    )


def _signed_amendment(amendment: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(
                "Amendment by ",
                amendment["author"],
                ", ",
                amendment["when"],
                weight="medium",
                size="2",
            ),
            rx.text("Reason: ", amendment["reason"], size="2"),
            rx.text(amendment["text"], size="2", white_space="pre-wrap"),
            rx.cond(
                amendment["colour"] != "",
                _colour_note("Its drawing is shown in ", amendment),
            ),
            hash_text(amendment["sha256"]),
            spacing="1",
        ),
        width="100%",
        data_testid="amendment",
    )


def _colour_note(lead: str, amendment: rx.Var[dict[str, str]]) -> rx.Component:
    """A swatch and the colour's name: the legend of an amendment's layer."""
    return rx.hstack(
        rx.box(
            width="12px",
            height="12px",
            border_radius="2px",
            background=amendment["colour"],
            aria_hidden="true",
        ),
        rx.text(lead, amendment["colour_name"], " on the canvas.", size="1"),
        align="center",
        spacing="2",
        data_testid="amendment-colour-note",
    )


def _draft() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(
                "Anything you draw on the canvas now goes on this amendment's own layer, "
                "over the signed drawing, which stays as it was signed.",
                size="2",
                color_scheme="gray",
            ),
            field_label("Reason for the amendment", html_for="amendment-reason"),
            rx.input(
                id="amendment-reason",
                value=EditorState.draft_reason,
                on_change=EditorState.set_amendment_reason,
                max_length=500,
                width="100%",
                data_testid="amendment-reason",
            ),
            field_label("Amendment", html_for="amendment-text"),
            rx.text_area(
                id="amendment-text",
                value=EditorState.draft_text,
                on_change=EditorState.set_amendment_text,
                max_length=10000,
                rows="5",
                width="100%",
                data_testid="amendment-text",
            ),
            rx.hstack(
                rx.text(
                    EditorState.draft_status,
                    size="1",
                    color_scheme="gray",
                    role="status",
                    data_testid="amendment-status",
                ),
                rx.spacer(),
                rx.button(
                    "Sign amendment",
                    on_click=EditorState.open_amend_sign(True),
                    data_testid="amendment-sign-open",
                ),
                width="100%",
                align="center",
            ),
            password_dialog(
                "Sign this amendment",
                "Once signed, the amendment cannot change. Type your password to sign it "
                "as it is saved now.",
                is_open=EditorState.amend_sign_open,
                on_open_change=EditorState.open_amend_sign,
                on_submit=EditorState.sign_amendment,
                error=EditorState.amend_error,
                testid="amendment-sign",
            ),
            width="100%",
            spacing="2",
        ),
        width="100%",
        data_testid="amendment-draft",
    )
