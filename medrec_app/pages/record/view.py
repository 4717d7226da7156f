"""The record editor's layout: form fields, canvas, save status, refusals, template picker."""

from __future__ import annotations

import reflex as rx

from medrec_app.components.canvas import canvas
from medrec_app.components.labels import field_label
from medrec_app.components.layout import signed_in_page
from medrec_app.components.template_form import template_form
from medrec_app.components.unload_flush import unload_flush
from medrec_app.components.upload import upload_widget
from medrec_app.pages.phone_link import add_from_phone
from medrec_app.pages.record import columns
from medrec_app.pages.record.amend_view import amendments_panel
from medrec_app.pages.record.export_view import exports_panel
from medrec_app.pages.record.history_view import history_button
from medrec_app.pages.record.sign_view import sign_button, signature_line
from medrec_app.pages.record.state import EditorState


def _refusal() -> rx.Component:
    """Changes the server refused, until dismissed (the others were saved)."""
    return rx.callout.root(
        rx.hstack(
            rx.callout.text(EditorState.refusal),
            rx.spacer(),
            rx.button(
                "Dismiss",
                size="1",
                variant="soft",
                color_scheme="red",
                on_click=EditorState.dismiss_refusal,
                aria_label="Dismiss the message about refused changes",
            ),
            align="center",
            width="100%",
        ),
        color_scheme="red",
        role="alert",
        width="100%",
        data_testid="save-refusal",
    )


def _editor() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.vstack(
                rx.heading(EditorState.patient_name, size="6", data_testid="record-patient"),
                rx.text(
                    EditorState.visit_time,
                    " · ",
                    EditorState.practitioner_name,
                    rx.cond(
                        EditorState.template_name != "",
                        rx.fragment(
                            " · ",
                            EditorState.template_name,
                            ", version ",
                            EditorState.template_version.to_string(),
                        ),
                    ),
                    color_scheme="gray",
                    size="2",
                    data_testid="record-template",
                ),
                rx.cond(EditorState.template_choices.length() > 0, _template_switch()),
                spacing="1",
            ),
            rx.spacer(),
            rx.cond(EditorState.record_id > 0, history_button()),
            rx.cond(EditorState.can_sign, sign_button()),
            rx.cond(
                ~EditorState.can_edit & (EditorState.signed_text == ""),
                rx.badge("Read only", color_scheme="gray"),
            ),
            rx.badge(
                EditorState.save_label,
                color_scheme=rx.match(
                    EditorState.save_status,
                    ("retrying", "orange"),
                    ("saved", "green"),
                    "gray",
                ),
                data_testid="save-status",
                data_state=EditorState.save_status,
            ),
            width="100%",
            align="center",
        ),
        rx.cond(EditorState.signed_text != "", signature_line()),
        rx.cond(EditorState.refusal != "", _refusal()),
        rx.flex(
            template_form(
                EditorState.fields,
                EditorState.values,
                EditorState.choices,
                EditorState.shown_errors,
                on_change=EditorState.set_field,
                on_toggle=EditorState.toggle_choice,
                on_blur=EditorState.touch_field,
                disabled=~EditorState.can_edit,
                id_prefix="record",
                key=EditorState.form_loaded,
                width=columns.width("34%"),
                data_testid="record-form",
            ),
            rx.vstack(
                _background_picker(),
                canvas(
                    record_key=EditorState.record_key,
                    document_url=EditorState.document_url,
                    background_url=EditorState.background_url,
                    file_background_id=EditorState.file_background_id,
                    file_background_type=EditorState.file_background_type,
                    file_background_url=EditorState.file_background_url,
                    background_request=EditorState.background_request,
                    read_only=~EditorState.can_draw,
                    layers_url=EditorState.layers_url,
                    previous_url=EditorState.previous_visit_url,
                    locked_color=rx.cond(EditorState.draft_id > 0, EditorState.amend_colour, ""),
                    background_locked=EditorState.signed_text != "",
                    acked_op_ids=EditorState.acked_op_ids,
                    reload_request=EditorState.drawing_reload,
                    on_ops=EditorState.receive_ops,
                    on_background_needed=EditorState.need_background,
                    on_pending_change=EditorState.canvas_pending_changed,
                ),
                rx.cond(
                    EditorState.can_draw,
                    unload_flush(
                        record_id=EditorState.record_id.to_string(),
                        canvas_key=EditorState.record_key,
                        flush_url=EditorState.operations_url,
                    ),
                ),
                _attachments(),
                exports_panel(),
                width=columns.width("66%"),
                spacing="3",
            ),
            direction=columns.direction(),
            gap="24px",
            width="100%",
        ),
        rx.cond(EditorState.signed_text != "", amendments_panel()),
        width="100%",
        spacing="4",
        data_testid="record-editor",
    )


def _background_picker() -> rx.Component:
    """Editors pick the background from the patient's images and PDFs; others see it."""
    return rx.hstack(
        rx.cond(
            EditorState.can_edit,
            field_label("Background", html_for="background-select"),
            rx.text("Background", size="2", weight="medium"),
        ),
        rx.cond(
            EditorState.can_edit,
            rx.el.select(
                rx.el.option("None", value="none"),
                rx.foreach(
                    EditorState.background_choices,
                    lambda c: rx.el.option(c["label"], value=c["id"]),
                ),
                value=EditorState.background_choice,
                on_change=EditorState.choose_background,
                id="background-select",
                data_testid="background-select",
            ),
            rx.text(EditorState.background_label, size="2", data_testid="background-name"),
        ),
        rx.cond(
            EditorState.upload_url != "",
            rx.popover.root(
                rx.popover.trigger(
                    rx.button("Upload…", variant="soft", size="1", data_testid="background-upload")
                ),
                rx.popover.content(
                    rx.text("A new image or PDF for this patient, as the background.", size="2"),
                    upload_widget(
                        upload_url=EditorState.upload_url,
                        on_uploaded=EditorState.background_uploaded,
                    ),
                    width="420px",
                ),
            ),
        ),
        align="center",
        spacing="2",
    )


def _attachment(item: dict[str, str]) -> rx.Component:
    return rx.hstack(
        rx.button(
            item["name"],
            variant="ghost",
            size="2",
            on_click=EditorState.open_attachment(item["id"]),
            title="Open in a new tab",
            data_testid="attachment-open",
        ),
        rx.badge(item["kind"], color_scheme="gray"),
        rx.spacer(),
        rx.cond(
            EditorState.can_edit,
            rx.cond(
                EditorState.confirm_detach == item["id"],
                rx.hstack(
                    rx.text("Detach this file from the record?", size="2"),
                    rx.button(
                        "Detach",
                        size="1",
                        color_scheme="red",
                        on_click=EditorState.detach,
                        data_testid="detach-confirm",
                    ),
                    rx.button(
                        "Cancel",
                        size="1",
                        variant="soft",
                        on_click=EditorState.cancel_detach,
                        data_testid="detach-cancel",
                    ),
                    align="center",
                ),
                rx.button(
                    "Detach",
                    size="1",
                    variant="soft",
                    on_click=EditorState.ask_detach(item["id"]),
                    data_testid="detach",
                ),
            ),
        ),
        width="100%",
        align="center",
        data_testid="attachment",
    )


def _attachments() -> rx.Component:
    """The record's attachments (each opens in a new tab) and, for editors, attach."""
    return rx.vstack(
        rx.heading("Attachments", as_="h2", size="3"),
        rx.cond(
            EditorState.attachments.length() > 0,
            rx.vstack(rx.foreach(EditorState.attachments, _attachment), width="100%"),
            rx.text("No files attached.", size="2", color_scheme="gray"),
        ),
        rx.cond(
            EditorState.can_edit,
            rx.hstack(
                rx.el.select(
                    rx.el.option("Choose a patient file…", value=""),
                    rx.foreach(
                        EditorState.attach_choices,
                        lambda c: rx.el.option(c["label"], value=c["id"]),
                    ),
                    value=EditorState.chosen_attachment,
                    on_change=EditorState.choose_attachment,
                    aria_label="Patient file to attach",
                    data_testid="attach-select",
                ),
                rx.button(
                    "Attach",
                    size="1",
                    on_click=EditorState.attach,
                    disabled=EditorState.chosen_attachment == "",
                    data_testid="attach",
                ),
                rx.cond(EditorState.upload_url != "", add_from_phone(EditorState, size="1")),
                align="center",
                wrap="wrap",
            ),
        ),
        width="100%",
        spacing="2",
        data_testid="attachments",
    )


def _template_select(control_id: str) -> rx.Component:
    return rx.el.select(
        rx.foreach(EditorState.template_choices, lambda c: rx.el.option(c["name"], value=c["id"])),
        value=EditorState.chosen_template,
        on_change=EditorState.choose_template,
        id=control_id,
        data_testid=control_id,
    )


def _template_switch() -> rx.Component:
    """Another template, while the record is still empty."""
    return rx.hstack(
        field_label("Use another template", html_for="template-switch"),
        _template_select("template-switch"),
        rx.button(
            "Switch",
            size="1",
            variant="soft",
            on_click=EditorState.switch_template,
            data_testid="switch-template",
        ),
        align="center",
        spacing="2",
    )


def _template_picker() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Start the record", size="4"),
            field_label("Choose the template for this visit.", html_for="template-select"),
            _template_select("template-select"),
            rx.button(
                "Start record", on_click=EditorState.start_record, data_testid="start-record"
            ),
            spacing="3",
        ),
        max_width="420px",
    )


def record_page() -> rx.Component:
    return signed_in_page(
        rx.link("← Appointments", href="/", data_testid="back-to-appointments"),
        rx.match(
            EditorState.status,
            ("ready", _editor()),
            ("choose_template", _template_picker()),
            (
                "not_started",
                rx.vstack(
                    rx.heading("No record yet", size="6"),
                    rx.callout(
                        "No record has been started for this appointment yet.",
                        data_testid="record-empty",
                    ),
                ),
            ),
            (
                "not_found",
                rx.vstack(
                    rx.heading("Appointment not found", size="6"),
                    rx.callout(
                        "Not found: this appointment does not exist or is not in your clinic.",
                        color_scheme="red",
                        data_testid="not-found",
                    ),
                ),
            ),
            rx.spinner(),
        ),
        max_width="1400px",
    )
