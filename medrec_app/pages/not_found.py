"""The page for an address the app does not have (Reflex's own is a bare line of text)."""

from __future__ import annotations

import reflex as rx


def not_found_page() -> rx.Component:
    return rx.el.main(
        rx.center(
            rx.vstack(
                rx.heading("Page not found", size="6"),
                rx.text("There is no page at this address."),
                rx.link("Go to the appointments", href="/", data_testid="not-found-home"),
                align="center",
                spacing="3",
            ),
            height="100vh",
        ),
        data_testid="page-not-found",
    )
