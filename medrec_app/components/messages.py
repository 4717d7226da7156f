"""A page's one message: a callout a screen reader announces, shown only when there is
something to say."""

from __future__ import annotations

from typing import Any

import reflex as rx


def page_message(text: rx.Var, testid: str, *, is_error: Any = True, **props: Any) -> rx.Component:
    """``text`` in red (``is_error``, a bool or a Var) or blue; nothing when it is empty."""
    return rx.cond(
        text != "",
        rx.callout(
            text,
            color_scheme=rx.cond(is_error, "red", "blue"),
            role="alert",
            data_testid=testid,
            width="100%",
            **props,
        ),
    )
