""" "Add from phone": a button, and a dialog with the link's QR code, text and expiry.

While the link works the page polls every ``POLL_MS`` so files sent from the phone
appear in the list without a reload.
"""

from __future__ import annotations

import reflex as rx

from medrec_app.pages.patients.state import PatientFilesState as State

POLL_MS = 2000
QR_PX = "240px"


def _link() -> rx.Component:
    return rx.vstack(
        rx.image(
            src=State.phone_qr,
            alt="QR code of the upload link",
            width=QR_PX,
            height=QR_PX,
            data_testid="phone-qr",
        ),
        rx.text(
            "Scan it with the phone's camera, or open this link on the phone:",
            size="2",
        ),
        rx.input(
            value=State.phone_url,
            read_only=True,
            width="100%",
            aria_label="Upload link",
            data_testid="phone-link",
        ),
        rx.text(
            "It works for this patient only, until ",
            rx.el.strong(State.phone_expires, data_testid="phone-expires"),
            ", or until you stop it. Files sent appear in the list below.",
            size="2",
        ),
        align="center",
        spacing="3",
        width="100%",
    )


def _dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Add from phone"),
            rx.cond(
                State.phone_url != "",
                _link(),
                rx.text(
                    rx.cond(State.phone_message != "", State.phone_message, "Making a link…"),
                    data_testid="phone-message",
                ),
            ),
            rx.hstack(
                rx.cond(
                    State.phone_url != "",
                    rx.button(
                        "Stop the link",
                        color_scheme="red",
                        variant="soft",
                        on_click=State.stop_phone,
                        data_testid="phone-stop",
                    ),
                ),
                rx.dialog.close(rx.button("Close", variant="soft", data_testid="phone-close")),
                justify="end",
                spacing="3",
                margin_top="16px",
            ),
            max_width="420px",
            data_testid="phone-dialog",
        ),
        open=State.phone_open,
        on_open_change=State.set_phone_open,
    )


def add_from_phone() -> rx.Component:
    """The button, its dialog, and the poll while a link works."""
    return rx.fragment(
        rx.button(
            rx.icon("smartphone", size=16),
            "Add from phone",
            variant="soft",
            on_click=State.open_phone,
            data_testid="add-from-phone",
        ),
        _dialog(),
        rx.cond(
            State.phone_live,
            rx.moment(interval=POLL_MS, on_change=lambda _now: State.phone_tick(), display="none"),
        ),
    )
