"""Accessible names for form controls: a visible ``<label for=...>``, or text only a
screen reader reads."""

from __future__ import annotations

from typing import Any

import reflex as rx

# Radix Themes' own classes for a size-2, medium-weight text, as ``rx.text`` renders it.
LABEL_CLASSES = "rt-Text rt-r-size-2 rt-r-weight-medium"


def field_label(*children: Any, html_for: Any, **props: Any) -> rx.Component:
    """A real ``<label for=...>`` for the control with that id.

    ``rx.text(as_="label", html_for=...)`` renders a label without its ``for``: screen
    readers and password managers then find no name for the control.
    """
    props.setdefault("class_name", LABEL_CLASSES)
    return rx.el.label(*children, html_for=html_for, **props)


def labelled(label: str, control: rx.Component, html_for: str) -> rx.Component:
    """A label above its control (the control must carry ``id=html_for``)."""
    return rx.vstack(field_label(label, html_for=html_for), control, spacing="1")


def visually_hidden(*children: Any) -> rx.Component:
    """Text for screen readers only (an empty-looking table header, say)."""
    return rx.el.span(*children, class_name="visually-hidden")
