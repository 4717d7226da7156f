"""The builder's live preview: the record editor's own form component over the rows as
they are now, with values the admin may try out (never saved)."""

from __future__ import annotations

import reflex as rx

from medrec_app.components.template_form import template_form
from medrec_app.pages.templates.builder_state import BuilderState


def preview() -> rx.Component:
    return rx.cond(
        BuilderState.preview_fields.length() > 0,
        rx.box(
            template_form(
                BuilderState.preview_fields,
                BuilderState.preview_values,
                BuilderState.preview_choices,
                BuilderState.preview_errors,
                BuilderState.set_preview,
                BuilderState.toggle_preview_choice,
                BuilderState.touch_preview,
                False,
                "preview",
                testid_prefix="preview-",
                heading_as="h3",
            ),
            # A new key whenever the fields change remounts the uncontrolled controls.
            key=BuilderState.preview_key,
            width="100%",
            padding="12px",
            border="1px dashed var(--gray-7)",
            border_radius="8px",
        ),
        rx.text(
            "The preview shows once every field has a label, a valid key and its options.",
            size="2",
            color="var(--gray-11)",
            data_testid="preview-waiting",
        ),
    )
