"""A template's form, exactly as the record editor shows it, for any page's state.

Every field type of ``domain/forms``: short and long text, number (its unit beside the
label, decimal keyboard on phones), single choice (a select), multiple choice (one
checkbox per option), date (the browser's date input), yes/no (a radio group, with
"Not answered" to clear an optional one) and groups (a heading over their fields).
Each control has a visible label (required ones marked), its help text under the label
and its error beside it, both linked with ``aria-describedby``; an error sets
``aria-invalid``. Controls are uncontrolled (``default_value``/``default_checked``), so
typing never waits for the server; the page's state keeps what they hold.

The page passes its vars and handlers (see :func:`template_form`); the rows come from
:func:`medrec_app.components.form_fields.field_views`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from medrec_app.components.form_fields import NO, YES, FieldView
from medrec_app.components.labels import field_label, visually_hidden


@dataclasses.dataclass(frozen=True)
class _Form:
    values: Any
    choices: Any
    errors: Any
    on_change: Any
    on_toggle: Any
    on_blur: Any
    disabled: Any
    id_prefix: str
    testid_prefix: str
    heading_as: str


def template_form(
    fields: rx.Var[list[FieldView]] | list[FieldView],
    values: rx.Var[dict[str, str]],
    choices: rx.Var[dict[str, list[str]]],
    errors: rx.Var[dict[str, str]],
    on_change: Any,
    on_toggle: Any,
    on_blur: Any,
    disabled: rx.Var[bool] | bool = False,
    id_prefix: str = "record",
    *,
    testid_prefix: str = "",
    heading_as: str = "h2",
    **props: Any,
) -> rx.Component:
    """The form of ``fields``; ``props`` go to the stack holding the rows.

    - ``values``: path -> text a control holds (``"true"``/``"false"``/``""`` for yes/no);
      ``choices``: path -> checked options of a multiple choice; ``errors``: path ->
      message shown beside the field (the page decides which to show). Start them
      with ``form_fields.shown_values(fields, flatten(form_data))`` (``{}`` for an
      empty form), so that every field has its entry.
    - ``on_change(path, value: str)``: text, number, date, select and yes/no controls
      (a yes/no sends ``"true"``, ``"false"`` or ``""``); ``on_toggle(path, option,
      checked: bool)``: a checkbox of a multiple choice; ``on_blur(path)``: a control left.
      Pass event handlers (``State.set_field``); they are called with those arguments.
    - ``id_prefix`` makes element ids unique on the page (``record-field-<path>``);
      ``testid_prefix`` goes before the ``data-testid`` of each field (``field-<path>``,
      ``error-<path>``, ``group-<path>``).
    """
    form = _Form(
        values=values,
        choices=choices,
        errors=errors,
        on_change=on_change,
        on_toggle=on_toggle,
        on_blur=on_blur,
        disabled=disabled,
        id_prefix=id_prefix,
        testid_prefix=testid_prefix,
        heading_as=heading_as,
    )
    props = {"spacing": "3", "width": "100%", **props}
    return rx.vstack(rx.foreach(fields, lambda field: _row(form, field)), **props)


def _row(form: _Form, field: Any) -> rx.Component:
    return rx.cond(
        field.kind == "group",
        _group_heading(form, field),
        rx.box(
            rx.cond(
                (field.kind == "yesno") | (field.kind == "multiselect"),
                _option_group(form, field),
                _single(form, field),
            ),
            padding_left=rx.cond(field.in_group, "12px", "0"),
            border_left=rx.cond(field.in_group, "2px solid var(--gray-a5)", "none"),
            width="100%",
        ),
    )


def _ids(form: _Form, field: Any) -> tuple[Any, Any, Any]:
    prefix = form.id_prefix
    return (
        prefix + "-field-" + field.path,
        prefix + "-help-" + field.path,
        prefix + "-error-" + field.path,
    )


def _described_by(form: _Form, field: Any) -> Any:
    _, help_id, error_id = _ids(form, field)
    has_help = field.help != ""
    return rx.cond(
        form.errors.contains(field.path),
        rx.cond(has_help, help_id + " " + error_id, error_id),
        rx.cond(has_help, help_id, ""),
    )


def _invalid(form: _Form, field: Any) -> Any:
    return rx.cond(form.errors.contains(field.path), "true", "false")


def _label_content(field: Any) -> list[rx.Component]:
    return [
        field.label,
        rx.cond(
            field.required,
            rx.fragment(
                rx.el.span(" *", aria_hidden="true", color="var(--red-11)"),
                visually_hidden(" (required)"),
            ),
        ),
        rx.cond(
            field.unit != "",
            rx.fragment(
                " ",
                rx.text(field.unit, as_="span", size="1", color_scheme="gray", margin_left="4px"),
            ),
        ),
    ]


def _help(form: _Form, field: Any) -> rx.Component:
    _, help_id, _ = _ids(form, field)
    return rx.cond(
        field.help != "",
        rx.text(field.help, id=help_id, size="1", color_scheme="gray", margin_bottom="2px"),
    )


def _error(form: _Form, field: Any) -> rx.Component:
    _, _, error_id = _ids(form, field)
    return rx.cond(
        form.errors.contains(field.path),
        rx.text(
            form.errors[field.path],
            id=error_id,
            color_scheme="red",
            size="1",
            data_testid=form.testid_prefix + "error-" + field.path,
        ),
    )


def _group_heading(form: _Form, field: Any) -> rx.Component:
    return rx.box(
        rx.heading(field.label, as_=form.heading_as, size="3"),
        _help(form, field),
        margin_top="8px",
        width="100%",
        data_testid=form.testid_prefix + "group-" + field.path,
    )


def _single(form: _Form, field: Any) -> rx.Component:
    """A field with one control: its ``<label for>``, help, control and error."""
    control_id, _, _ = _ids(form, field)
    common = {
        "id": control_id,
        "default_value": form.values[field.path],
        "on_change": lambda value: form.on_change(field.path, value),
        "on_blur": form.on_blur(field.path),
        "disabled": form.disabled,
        "aria_invalid": _invalid(form, field),
        "aria_describedby": _described_by(form, field),
        "data_testid": form.testid_prefix + "field-" + field.path,
        "width": "100%",
    }
    control = rx.match(
        field.kind,
        ("textarea", rx.text_area(rows="3", **common)),
        (
            "select",
            rx.el.select(
                rx.el.option("", value=""),
                rx.foreach(field.options, lambda o: rx.el.option(o, value=o)),
                **common,
            ),
        ),
        ("number", rx.input(input_mode="decimal", **common)),
        ("date", rx.input(type="date", **common)),
        rx.input(**common),
    )
    return rx.fragment(
        field_label(*_label_content(field), html_for=control_id, display="block"),
        _help(form, field),
        control,
        _error(form, field),
    )


def _option_group(form: _Form, field: Any) -> rx.Component:
    """Yes/no radios or multiple-choice checkboxes in a fieldset named by its legend."""
    return rx.el.fieldset(
        rx.el.legend(*_label_content(field), class_name="rt-Text rt-r-size-2 rt-r-weight-medium"),
        _help(form, field),
        rx.cond(field.kind == "yesno", _yes_no(form, field), _checkboxes(form, field)),
        _error(form, field),
        custom_attrs={"role": rx.cond(field.kind == "yesno", "radiogroup", "group")},
        aria_invalid=_invalid(form, field),
        aria_describedby=_described_by(form, field),
        data_testid=form.testid_prefix + "field-" + field.path,
        border="none",
        margin="0",
        padding="0",
        min_width="0",
    )


def _choice(control: rx.Component, text: Any) -> rx.Component:
    return rx.el.label(
        control,
        text,
        class_name="rt-Text rt-r-size-2",
        display="inline-flex",
        align_items="center",
        gap="6px",
        margin_right="16px",
    )


def _radio(form: _Form, field: Any, value: str, text: str) -> rx.Component:
    control_id, _, _ = _ids(form, field)
    return _choice(
        rx.el.input(
            type="radio",
            name=control_id,
            id=control_id + "-" + (value or "unset"),
            value=value,
            default_checked=form.values[field.path] == value,
            on_change=lambda chosen: form.on_change(field.path, chosen),
            on_blur=form.on_blur(field.path),
            disabled=form.disabled,
        ),
        text,
    )


def _yes_no(form: _Form, field: Any) -> rx.Component:
    return rx.box(
        _radio(form, field, YES, "Yes"),
        _radio(form, field, NO, "No"),
        rx.cond(~field.required, _radio(form, field, "", "Not answered")),
        padding_y="2px",
    )


def _checkboxes(form: _Form, field: Any) -> rx.Component:
    control_id, _, _ = _ids(form, field)
    has_choices = form.choices.contains(field.path)
    return rx.flex(
        rx.foreach(
            field.options,
            lambda option, index: _choice(
                rx.el.input(
                    type="checkbox",
                    id=control_id + "-" + index.to_string(),
                    value=option,
                    default_checked=has_choices & form.choices[field.path].contains(option),
                    on_change=lambda on: form.on_toggle(field.path, option, on),
                    on_blur=form.on_blur(field.path),
                    disabled=form.disabled,
                    aria_invalid=_invalid(form, field),
                ),
                option,
            ),
        ),
        wrap="wrap",
        row_gap="4px",
        padding_y="2px",
    )
