"""Layout of the patient pages: the search (and registering a patient), and one patient's
chart: their details (and editing them), their visits, their files with the upload widget."""

from __future__ import annotations

import reflex as rx

from medrec_app.components.labels import labelled, visually_hidden
from medrec_app.components.layout import signed_in_page
from medrec_app.components.messages import page_message
from medrec_app.components.table import data_table
from medrec_app.components.upload import upload_widget
from medrec_app.pages.patients.form import PatientFormState, patient_form_dialog
from medrec_app.pages.patients.state import (
    DetailRow,
    FileRow,
    PatientFilesState,
    PatientRow,
    PatientSearchState,
    VisitRow,
)
from medrec_app.pages.phone_link import add_from_phone

THUMB_PX = "64px"


def _search_form() -> rx.Component:
    return rx.el.form(
        rx.hstack(
            labelled(
                "Name",
                rx.input(
                    id="patient-name",
                    name="name",
                    placeholder="First or last name",
                    max_length=200,
                    auto_complete="off",
                    data_testid="patient-search-name",
                    width="280px",
                ),
                "patient-name",
            ),
            labelled(
                "Date of birth",
                rx.input(
                    id="patient-dob",
                    name="date_of_birth",
                    type="date",
                    data_testid="patient-search-dob",
                ),
                "patient-dob",
            ),
            rx.button("Search", type="submit", data_testid="patient-search-submit"),
            align="end",
            spacing="3",
            wrap="wrap",
        ),
        on_submit=PatientSearchState.search,
        reset_on_submit=False,
        margin_bottom="16px",
    )


def _patient_row(row: PatientRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(row.name, href=row.href, data_testid="patient-link")),
        rx.table.cell(row.date_of_birth),
        data_testid="patient-row",
        data_patient_id=row.patient_id,
    )


def patients_page() -> rx.Component:
    return signed_in_page(
        rx.hstack(
            rx.heading("Patients", size="6"),
            rx.spacer(),
            rx.cond(
                PatientSearchState.can_register,
                rx.button(
                    rx.icon("user-plus", size=16, aria_hidden="true"),
                    "Register patient",
                    on_click=PatientFormState.open_register,
                    data_testid="register-patient",
                ),
            ),
            align="center",
            width="100%",
            margin_bottom="16px",
        ),
        rx.cond(PatientSearchState.can_register, patient_form_dialog()),
        _search_form(),
        page_message(PatientSearchState.message, "patients-message", margin_bottom="12px"),
        rx.cond(
            PatientSearchState.searched,
            rx.cond(
                PatientSearchState.results.length() > 0,
                data_table(
                    ["Name", "Date of birth"],
                    PatientSearchState.results,
                    _patient_row,
                    "patient-results",
                ),
                rx.text("No patients match.", data_testid="patients-empty"),
            ),
            rx.spinner(),
        ),
    )


def _thumbnail(row: FileRow) -> rx.Component:
    return rx.cond(
        row.thumbnail_url != "",
        rx.image(
            src=row.thumbnail_url,
            alt="",
            width=THUMB_PX,
            height=THUMB_PX,
            object_fit="contain",
            background="var(--gray-3)",
            border_radius="4px",
            data_testid="file-thumbnail",
        ),
        rx.center(
            rx.icon("file", size=24, color="var(--gray-9)"),
            width=THUMB_PX,
            height=THUMB_PX,
            background="var(--gray-3)",
            border_radius="4px",
            data_testid="file-thumbnail-placeholder",
        ),
    )


def _delete_button(row: FileRow) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("Delete", color_scheme="red", variant="soft", data_testid="file-delete")
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete ", row.name, "?"),
            rx.alert_dialog.description(
                "The file is removed from the patient and from the unsigned records that "
                "use it. This cannot be undone."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Cancel", variant="soft", data_testid="cancel-delete")
                ),
                rx.alert_dialog.action(
                    rx.button(
                        "Delete",
                        color_scheme="red",
                        on_click=PatientFilesState.delete_file(row.file_id),
                        data_testid="confirm-delete",
                    )
                ),
                justify="end",
                spacing="3",
                margin_top="16px",
            ),
        ),
    )


def _file_row(row: FileRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(_thumbnail(row)),
        rx.table.row_header_cell(
            rx.text(row.name, data_testid="file-name"),
            rx.cond(
                row.note != "",
                rx.text(
                    row.note,
                    size="1",
                    color=rx.cond(row.note_is_warning, "var(--red-11)", "var(--gray-11)"),
                    weight=rx.cond(row.note_is_warning, "bold", "regular"),
                    data_testid="file-note",
                    data_warning=rx.cond(row.note_is_warning, "true", "false"),
                ),
            ),
        ),
        rx.table.cell(row.kind, data_testid="file-kind"),
        rx.table.cell(row.size, data_testid="file-size"),
        rx.table.cell(row.pages, data_testid="file-pages"),
        rx.table.cell(row.uploaded_by, data_testid="file-uploader"),
        rx.table.cell(row.uploaded_at, data_testid="file-date"),
        rx.table.cell(
            rx.hstack(
                rx.button(
                    "Open",
                    variant="soft",
                    on_click=PatientFilesState.open_file(row.file_id),
                    data_testid="file-open",
                ),
                rx.cond(
                    row.shown_by_display_image,
                    rx.button(
                        "Download original",
                        variant="soft",
                        color_scheme="gray",
                        on_click=PatientFilesState.download_original(row.file_id),
                        data_testid="file-download-original",
                    ),
                ),
                rx.cond(PatientFilesState.can_delete, _delete_button(row)),
                spacing="2",
            )
        ),
        align="center",
        data_testid="file-row",
        data_file_id=row.file_id,
        data_name=row.name,
    )


def _files() -> rx.Component:
    return rx.cond(
        PatientFilesState.rows.length() > 0,
        data_table(
            [
                visually_hidden("Preview"),
                "Name",
                "Type",
                "Size",
                "Pages",
                "Uploaded by",
                "Date",
                visually_hidden("Actions"),
            ],
            PatientFilesState.rows,
            _file_row,
            "files-table",
        ),
        rx.text("No files yet.", data_testid="files-empty"),
    )


def _detail(row: DetailRow) -> rx.Component:
    return rx.data_list.item(
        rx.data_list.label(row.label, color="var(--gray-11)"),
        rx.data_list.value(row.value, white_space="pre-line", data_testid=row.testid),
    )


def _details() -> rx.Component:
    return rx.data_list.root(
        rx.foreach(PatientFilesState.details, _detail),
        size="2",
        data_testid="patient-details",
    )


def _visit_row(row: VisitRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.link(row.date, " ", row.time, href=row.href, data_testid="visit-link")
        ),
        rx.table.cell(row.practitioner, data_testid="visit-practitioner"),
        rx.table.cell(
            row.visit_type,
            rx.cond(
                row.cancelled,
                rx.badge("Cancelled", color_scheme="red", margin_left="6px"),
            ),
            data_testid="visit-status",
        ),
        rx.table.cell(
            rx.badge(
                row.record_status,
                color_scheme=rx.match(
                    row.record_status, ("Signed", "blue"), ("In progress", "green"), "gray"
                ),
            ),
            data_testid="visit-record-status",
        ),
        data_testid="visit-row",
        data_appointment_id=row.appointment_id,
    )


def _visits() -> rx.Component:
    return rx.cond(
        PatientFilesState.visits.length() > 0,
        rx.vstack(
            data_table(
                ["Date and time", "Practitioner", "Visit", "Record"],
                PatientFilesState.visits,
                _visit_row,
                "patient-visits",
            ),
            rx.cond(
                PatientFilesState.visits_truncated,
                rx.text("Only the newest visits are shown.", size="2"),
            ),
            width="100%",
        ),
        rx.text("No visits yet.", data_testid="visits-empty"),
    )


def _patient() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(PatientFilesState.patient_name, size="6", data_testid="patient-name"),
            rx.spacer(),
            rx.cond(
                PatientFilesState.can_edit,
                rx.button(
                    rx.icon("pencil", size=16, aria_hidden="true"),
                    "Edit details",
                    variant="soft",
                    on_click=PatientFormState.open_edit,
                    data_testid="edit-patient",
                ),
            ),
            align="center",
            width="100%",
        ),
        rx.cond(PatientFilesState.can_edit, patient_form_dialog()),
        rx.cond(
            PatientFilesState.message != "",
            rx.callout(
                PatientFilesState.message,
                color_scheme=rx.cond(PatientFilesState.message_is_error, "red", "blue"),
                role="status",
                data_testid="files-message",
                width="100%",
            ),
        ),
        _details(),
        rx.heading("Visits", as_="h2", size="4", margin_top="8px"),
        _visits(),
        rx.heading("Files", as_="h2", size="4", margin_top="8px"),
        rx.cond(
            PatientFilesState.can_view_audit,
            rx.link(
                "Access report",
                href=PatientFilesState.access_report_href,
                data_testid="patient-access-report",
            ),
        ),
        rx.cond(
            PatientFilesState.can_upload,
            rx.vstack(
                upload_widget(
                    PatientFilesState.upload_url,
                    PatientFilesState.uploaded,
                    data_testid="upload-widget",
                    width="100%",
                ),
                add_from_phone(PatientFilesState),
                spacing="2",
                width="100%",
            ),
        ),
        _files(),
        spacing="4",
        width="100%",
    )


def patient_page() -> rx.Component:
    return signed_in_page(
        rx.link("← All patients", href="/patients", data_testid="back-to-patients"),
        rx.box(height="12px"),
        rx.match(
            PatientFilesState.status,
            ("ready", _patient()),
            (
                "not_found",
                rx.vstack(
                    rx.heading("Patient not found", size="6"),
                    rx.callout(
                        "The patient was not found.",
                        color_scheme="red",
                        data_testid="patient-not-found",
                    ),
                    rx.cond(
                        PatientFilesState.message != "",
                        rx.text(PatientFilesState.message, data_testid="files-message"),
                    ),
                ),
            ),
            rx.spinner(),
        ),
    )
