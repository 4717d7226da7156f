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
        hash_text(EditorState.signed_hash, data_testid="record-signature-hash"),
        align="center",
        wrap="wrap",
        spacing="2",
    )


def hash_text(sha256: rx.Var, **props: object) -> rx.Component:
    """A signature's SHA-256, small, wrapping anywhere."""
    return rx.text(
        "SHA-256 ",
        rx.code(sha256, size="1"),
        size="1",
        color_scheme="gray",
        style={"word_break": "break-all"},
        **props,
    )


def unsaved() -> rx.Var:
    """The page or the canvas still holds changes the server has not acknowledged."""
    return (EditorState.save_status != "saved") | EditorState.canvas_pending


def sign_button() -> rx.Component:
    """The visit's practitioner signs from here; the dialog asks for the password."""
    return rx.fragment(
        rx.button(
            "Sign record",
            on_click=EditorState.open_sign(True),
            disabled=unsaved(),
            title="Sign once every change is saved",
            data_testid="sign-open",
        ),
        _dialog(),
    )


def _dialog() -> rx.Component:
    return password_dialog(
        "Sign this record",
        "Once signed, nobody can change the record, you included. Type your password to "
        "sign it as it is saved now.",
        is_open=EditorState.sign_open,
        on_open_change=EditorState.open_sign,
        on_submit=EditorState.sign,
        error=EditorState.sign_error,
        testid="sign",
    )


def password_dialog(
    title: str,
    description: str,
    *,
    is_open: rx.Var,
    on_open_change: rx.EventHandler,
    on_submit: rx.EventHandler,
    error: rx.Var,
    testid: str,
) -> rx.Component:
    """A dialog that signs something once its signer types their password."""
    field_id = f"{testid}-password"
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(title),
            rx.dialog.description(description, size="2", margin_bottom="12px"),
            rx.form(
                rx.vstack(
                    field_label("Your password", html_for=field_id),
                    rx.input(
                        id=field_id,
                        name="password",
                        type="password",
                        required=True,
                        auto_complete="current-password",
                        data_testid=field_id,
                        width="100%",
                    ),
                    rx.cond(
                        error != "",
                        rx.callout.root(
                            rx.callout.text(error),
                            color_scheme="red",
                            role="alert",
                            width="100%",
                            data_testid=f"{testid}-error",
                        ),
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", type="button", variant="soft", color_scheme="gray")
                        ),
                        rx.button("Sign", type="submit", data_testid=f"{testid}-submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=on_submit,
                reset_on_submit=True,
            ),
            max_width="440px",
        ),
        open=is_open,
        on_open_change=on_open_change,
    )
