"""A red button that asks before it acts (disable a user, cancel a visit)."""

from __future__ import annotations

from typing import Any

import reflex as rx


def confirm_button(
    trigger: str,
    title: Any,
    text: Any,
    action: rx.event.EventSpec,
    testids: tuple[str, str],
    *,
    aria_label: Any = None,
    keep: str = "Keep",
) -> rx.Component:
    """``trigger`` opens a dialog saying ``title`` and ``text``; its red button of the
    same words runs ``action``. ``testids``: the button's and the confirmation's;
    ``aria_label`` names the button for a screen reader when many rows have one."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                trigger,
                color_scheme="red",
                variant="soft",
                aria_label=aria_label if aria_label is not None else trigger,
                data_testid=testids[0],
            )
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(text),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(keep, variant="soft")),
                rx.alert_dialog.action(
                    rx.button(trigger, color_scheme="red", on_click=action, data_testid=testids[1])
                ),
                justify="end",
                spacing="3",
            ),
        ),
    )
