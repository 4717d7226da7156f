"""The template builder page: name and description, the fields, background, preview,
versions and the diff between two of them."""

from __future__ import annotations

import reflex as rx

from medrec_app.components.confirm import confirm_button
from medrec_app.components.labels import field_label
from medrec_app.components.layout import signed_in_page
from medrec_app.components.messages import page_message
from medrec_app.components.sortable import sortable_rows
from medrec_app.components.table import data_table
from medrec_app.components.upload import upload_widget
from medrec_app.pages.templates.builder_state import (
    CHILD_TYPE_CHOICES,
    TYPE_CHOICES,
    BuilderState,
    ChangeView,
    VersionView,
)
from medrec_app.pages.templates.preview import preview
from medrec_app.pages.templates.rows import Row


def _text_input(row: Row, attribute: str, label: str, value: rx.Var, **props) -> rx.Component:
    control_id = f"row-{attribute}-" + row.uid
    return rx.vstack(
        field_label(label, html_for=control_id),
        rx.input(
            id=control_id,
            value=value,
            on_change=lambda v: BuilderState.set_row(row.uid, attribute, v),
            data_testid=f"row-{attribute}",
            **props,
        ),
        spacing="1",
    )


def _type_select(row: Row) -> rx.Component:
    control_id = "row-type-" + row.uid
    options = rx.cond(row.depth == 0, TYPE_CHOICES, CHILD_TYPE_CHOICES)
    return rx.vstack(
        field_label("Type", html_for=control_id),
        rx.el.select(
            rx.foreach(options, lambda o: rx.el.option(o["label"], value=o["value"])),
            id=control_id,
            value=row.type,
            on_change=lambda v: BuilderState.set_row(row.uid, "type", v),
            data_testid="row-type",
        ),
        spacing="1",
    )


def _row_buttons(row: Row) -> rx.Component:
    name = rx.cond(row.label != "", row.label, "this field")
    return rx.hstack(
        rx.el.span(
            "⠿",
            draggable=True,
            data_drag_handle="true",
            title="Drag to move",
            aria_hidden="true",
            cursor="grab",
            font_size="18px",
            padding_x="4px",
        ),
        rx.button(
            "↑",
            variant="soft",
            size="1",
            on_click=BuilderState.move_field(row.uid, -1),
            aria_label="Move " + name + " up",
            data_testid="row-up",
        ),
        rx.button(
            "↓",
            variant="soft",
            size="1",
            on_click=BuilderState.move_field(row.uid, 1),
            aria_label="Move " + name + " down",
            data_testid="row-down",
        ),
        rx.spacer(),
        rx.cond(
            row.type == "group",
            rx.button(
                "Add a field to the group",
                variant="soft",
                size="1",
                on_click=BuilderState.add_to_group(row.uid),
                aria_label="Add a field to " + name,
                data_testid="row-add-child",
            ),
        ),
        rx.button(
            "Remove",
            variant="soft",
            color_scheme="red",
            size="1",
            on_click=BuilderState.remove_field(row.uid),
            aria_label="Remove " + name,
            data_testid="row-remove",
        ),
        width="100%",
        align="center",
    )


def _key_input(row: Row) -> rx.Component:
    control_id = "row-key-" + row.uid
    hint_id = "row-key-hint-" + row.uid
    return rx.vstack(
        field_label("Key", html_for=control_id),
        rx.input(
            id=control_id,
            value=row.key,
            read_only=row.key_locked,
            on_change=lambda v: BuilderState.set_row(row.uid, "key", v),
            aria_describedby=hint_id,
            data_testid="row-key",
        ),
        rx.text(
            rx.cond(
                row.key_locked,
                "Records store values under this key, so it stays as it is.",
                "Lowercase letters, digits and _; made from the label until you type one.",
            ),
            id=hint_id,
            size="1",
            color="var(--gray-11)",
        ),
        spacing="1",
    )


def _number_settings(row: Row) -> rx.Component:
    return rx.hstack(
        _text_input(row, "unit", "Unit", row.unit, max_length=200),
        _text_input(row, "min_value", "Minimum", row.min_value, input_mode="decimal"),
        _text_input(row, "max_value", "Maximum", row.max_value, input_mode="decimal"),
        _text_input(row, "decimals", "Decimals", row.decimals, input_mode="numeric"),
        spacing="2",
        wrap="wrap",
    )


def _options(row: Row) -> rx.Component:
    control_id = "row-options-" + row.uid
    return rx.vstack(
        field_label("Options, one per line", html_for=control_id),
        rx.text_area(
            id=control_id,
            value=row.options,
            on_change=lambda v: BuilderState.set_row(row.uid, "options", v),
            rows="3",
            width="100%",
            data_testid="row-options",
        ),
        spacing="1",
        width="100%",
    )


def _row(row: Row) -> rx.Component:
    label_id = "row-label-" + row.uid
    required_id = "row-required-" + row.uid
    return rx.card(
        rx.vstack(
            _row_buttons(row),
            rx.hstack(
                rx.vstack(
                    field_label("Label", html_for=label_id),
                    rx.input(
                        id=label_id,
                        value=row.label,
                        on_change=lambda v: BuilderState.set_label(row.uid, v),
                        max_length=200,
                        data_testid="row-label",
                    ),
                    spacing="1",
                ),
                _key_input(row),
                _type_select(row),
                spacing="3",
                wrap="wrap",
                align="start",
            ),
            rx.cond(
                row.type != "group",
                rx.vstack(
                    rx.hstack(
                        rx.el.input(
                            type="checkbox",
                            id=required_id,
                            default_checked=row.required,
                            on_change=lambda v: BuilderState.set_row(row.uid, "required", v),
                            data_testid="row-required",
                        ),
                        field_label("Required", html_for=required_id),
                        align="center",
                        spacing="2",
                    ),
                    _text_input(row, "help", "Help text", row.help, max_length=500, width="100%"),
                    rx.cond((row.type == "select") | (row.type == "multiselect"), _options(row)),
                    rx.cond(row.type == "number", _number_settings(row)),
                    rx.cond(
                        (row.type == "text") | (row.type == "textarea"),
                        _text_input(
                            row,
                            "max_length",
                            "Longest answer (characters)",
                            row.max_length,
                            input_mode="numeric",
                        ),
                    ),
                    spacing="2",
                    width="100%",
                ),
            ),
            spacing="2",
            width="100%",
        ),
        margin_left=rx.cond(row.depth == 1, "32px", "0"),
        data_row_uid=row.uid,
        data_row_level=rx.cond(row.depth == 1, "child", "top"),
        data_testid="builder-row",
        width="calc(100% - " + rx.cond(row.depth == 1, "32px", "0px") + ")",
    )


def _add_buttons() -> rx.Component:
    return rx.hstack(
        rx.text("Add a field:", size="2", weight="medium"),
        rx.foreach(
            TYPE_CHOICES,
            lambda o: rx.button(
                o["label"],
                variant="soft",
                size="1",
                on_click=BuilderState.add_row(o["value"]),
                data_testid="add-" + o["value"],
            ),
        ),
        wrap="wrap",
        spacing="2",
        align="center",
    )


def _details() -> rx.Component:
    return rx.vstack(
        field_label("Name", html_for="template-name"),
        rx.input(
            id="template-name",
            value=BuilderState.name,
            on_change=BuilderState.set_name,
            max_length=200,
            width="100%",
            data_testid="template-name",
        ),
        field_label("Description", html_for="template-description"),
        rx.text_area(
            id="template-description",
            value=BuilderState.description,
            on_change=BuilderState.set_description,
            max_length=2000,
            rows="2",
            width="100%",
            data_testid="template-description",
        ),
        width="100%",
        spacing="1",
    )


def _actions() -> rx.Component:
    return rx.hstack(
        rx.button("Save draft", on_click=BuilderState.save_draft, data_testid="save-draft"),
        rx.button(
            "Publish",
            color_scheme="green",
            on_click=BuilderState.publish,
            data_testid="publish",
        ),
        rx.cond(
            BuilderState.is_draft,
            confirm_button(
                "Discard draft",
                "Discard the draft?",
                "Its changes are lost; the template goes back to its newest published version.",
                BuilderState.discard_draft,
                ("discard-draft", "confirm-discard-draft"),
                keep="Keep the draft",
            ),
        ),
        rx.spacer(),
        rx.badge(
            rx.cond(
                BuilderState.unsaved,
                "Unsaved changes",
                rx.cond(
                    BuilderState.is_draft,
                    "Draft of version " + BuilderState.editing_version.to_string(),
                    "Version " + BuilderState.editing_version.to_string() + " (published)",
                ),
            ),
            color_scheme=rx.cond(BuilderState.unsaved, "orange", "gray"),
            data_testid="builder-status",
        ),
        width="100%",
        align="center",
    )


def _problems() -> rx.Component:
    return rx.cond(
        BuilderState.problems.length() > 0,
        rx.el.ul(
            rx.foreach(BuilderState.problems, lambda p: rx.el.li(p)),
            data_testid="builder-problems",
            style={"color": "var(--red-11)", "padding_left": "20px"},
        ),
    )


def _background() -> rx.Component:
    return rx.vstack(
        rx.heading("Canvas background", as_="h2", size="4"),
        rx.text(
            "An image, or one page of a PDF, drawn under the canvas of every record made "
            "from this template. The eraser never touches it.",
            size="2",
        ),
        rx.cond(
            BuilderState.background_url != "",
            rx.hstack(
                rx.image(
                    src=BuilderState.background_url,
                    alt="The template's background",
                    max_width="240px",
                    border="1px solid var(--gray-6)",
                    data_testid="background-preview",
                ),
                rx.button(
                    "Remove background",
                    variant="soft",
                    color_scheme="red",
                    on_click=BuilderState.clear_background,
                    data_testid="clear-background",
                ),
                align="center",
            ),
        ),
        rx.hstack(
            field_label("Page of a PDF", html_for="background-page"),
            rx.input(
                id="background-page",
                value=BuilderState.background_page,
                on_change=BuilderState.set_background_page,
                input_mode="numeric",
                width="80px",
                data_testid="background-page",
            ),
            align="center",
        ),
        rx.box(
            upload_widget(
                BuilderState.background_upload_url,
                BuilderState.background_uploaded,
                max_concurrent=1,
            ),
            data_upload_url=BuilderState.background_upload_url,
            data_testid="background-upload",
            width="100%",
        ),
        width="100%",
        spacing="2",
    )


def _version_row(version: VersionView) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell("Version " + version.version.to_string()),
        rx.table.cell(version.state),
        rx.table.cell(version.published),
        rx.table.cell(version.published_by),
        rx.table.cell(version.records),
        data_testid="version-row",
    )


def _change_row(change: ChangeView) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.match(
                change.kind,
                ("added", rx.badge("Added", color_scheme="green")),
                ("removed", rx.badge("Removed", color_scheme="red")),
                rx.badge("Changed", color_scheme="orange"),
            )
        ),
        rx.table.row_header_cell(change.label),
        rx.table.cell(rx.code(change.path)),
        rx.table.cell(change.details),
        data_testid="change-row",
        data_kind=change.kind,
    )


def _version_select(label: str, control_id: str, value: rx.Var, on_change) -> rx.Component:
    return rx.hstack(
        field_label(label, html_for=control_id),
        rx.el.select(
            rx.foreach(
                BuilderState.version_numbers, lambda n: rx.el.option("Version " + n, value=n)
            ),
            id=control_id,
            value=value,
            on_change=on_change,
            data_testid=control_id,
        ),
        align="center",
    )


def _versions() -> rx.Component:
    return rx.vstack(
        rx.heading("Versions", as_="h2", size="4"),
        data_table(
            ["Version", "State", "Published", "By", "Records"],
            BuilderState.versions,
            _version_row,
            "versions-table",
        ),
        rx.hstack(
            _version_select(
                "Compare", "diff-from", BuilderState.diff_from, BuilderState.set_diff_from
            ),
            _version_select("with", "diff-to", BuilderState.diff_to, BuilderState.set_diff_to),
            rx.button(
                "Compare", variant="soft", on_click=BuilderState.compare, data_testid="compare"
            ),
            align="center",
            wrap="wrap",
        ),
        rx.cond(BuilderState.diff_note != "", rx.text(BuilderState.diff_note, size="2")),
        rx.cond(
            BuilderState.changes.length() > 0,
            data_table(
                ["Change", "Field", "Key", "What changed"],
                BuilderState.changes,
                _change_row,
                "diff-table",
            ),
        ),
        width="100%",
        spacing="3",
    )


def _builder() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.link("← All templates", href="/admin/templates", data_testid="back-to-templates"),
            rx.cond(BuilderState.is_default, rx.badge("Default", color_scheme="green")),
            rx.cond(BuilderState.archived, rx.badge("Archived", color_scheme="gray")),
            spacing="3",
            align="center",
        ),
        rx.heading(BuilderState.name, as_="h1", size="6"),
        page_message(
            BuilderState.message, "builder-message", is_error=BuilderState.message_is_error
        ),
        _problems(),
        _actions(),
        rx.flex(
            rx.vstack(
                _details(),
                rx.heading("Fields", as_="h2", size="4"),
                sortable_rows(
                    rx.foreach(BuilderState.rows, _row),
                    on_move=BuilderState.drop_field,
                    style={"display": "flex", "flexDirection": "column", "gap": "8px"},
                    data_testid="builder-rows",
                ),
                _add_buttons(),
                _background(),
                width=rx.breakpoints(initial="100%", md="55%"),
                spacing="3",
            ),
            rx.vstack(
                rx.heading("Preview", as_="h2", size="4"),
                rx.text(
                    "The form exactly as the record editor shows it. Try it: nothing here "
                    "is saved.",
                    size="2",
                ),
                preview(),
                width=rx.breakpoints(initial="100%", md="45%"),
                spacing="3",
                data_testid="template-preview",
            ),
            direction=rx.breakpoints(initial="column", md="row"),
            gap="24px",
            width="100%",
        ),
        _versions(),
        width="100%",
        spacing="4",
        data_testid="template-builder",
    )


def builder_page() -> rx.Component:
    return signed_in_page(
        rx.match(
            BuilderState.status,
            ("ready", _builder()),
            ("not_found", rx.text("There is no such template in your clinic.")),
            ("not_allowed", rx.text("Only administrators build templates.")),
            rx.text("Loading…"),
        ),
        max_width="1300px",
    )
