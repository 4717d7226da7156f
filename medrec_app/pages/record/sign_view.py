"""The record editor's signature: the Sign button and dialog, and who signed and when."""

from __future__ import annotations

import reflex as rx

from medrec_app.components.labels import field_label
from medrec_app.pages.record.state import EditorState


def signature_line() -> rx.Component:
    """Who signed the record and when, with the hash of what they signed."""
    return rx.hstack(
        rx.badge("Signed", color_scheme="green"),
        rx.text(EditorState.signed_text, size="2", data_testid="record-signed"),
        rx.text(
            "SHA-256 ",
            rx.code(EditorState.signed_hash, size="1"),
            size="1",
            color_scheme="gray",
            data_testid="record-signature-hash",
            style={"word_break": "break-all"},
        ),
        align="center",
        wrap="wrap",
        spacing="2",
    )


def sign_button() -> rx.Component:
    """The visit's practitioner signs from here; the dialog asks for the password."""
    return rx.fragment(
        rx.button(
            "Sign record",
            on_click=EditorState.open_sign(True),
            disabled=(EditorState.save_status != "saved") | (EditorState.canvas_pending > 0),
            title="Sign once every change is saved",
            data_testid="sign-open",
        ),
        _dialog(),
    )


def _dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Sign this record"),
            rx.dialog.description(
                "Once signed, nobody can change the record, you included. Type your "
                "password to sign it as it is saved now.",
                size="2",
                margin_bottom="12px",
            ),
            rx.form(
                rx.vstack(
                    field_label("Your password", html_for="sign-password"),
                    rx.input(
                        id="sign-password",
                        name="password",
                        type="password",
                        required=True,
                        auto_complete="current-password",
                        data_testid="sign-password",
                        width="100%",
                    ),
                    rx.cond(
                        EditorState.sign_error != "",
                        rx.callout.root(
                            rx.callout.text(EditorState.sign_error),
                            color_scheme="red",
                            role="alert",
                            width="100%",
                            data_testid="sign-error",
                        ),
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", type="button", variant="soft", color_scheme="gray")
                        ),
                        rx.button("Sign", type="submit", data_testid="sign-submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=EditorState.sign,
                reset_on_submit=True,
            ),
            max_width="440px",
        ),
        open=EditorState.sign_open,
        on_open_change=EditorState.open_sign,
    )
