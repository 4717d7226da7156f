"""State of the patient pages: finding a patient, and one patient's chart (their details,
visits and files).

Handlers call the services as the signed-in user (``AuthState._call``); the services
check the clinic and the role. Ids from the browser are parsed with ``row_id`` and
answered with the same "not found" as a missing one. Search text and dates of birth stay
in page state, never in the URL.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import reflex as rx

from medrec_app.domain.file_types import file_type, type_label
from medrec_app.domain.formatting import (
    calendar_date,
    human_size,
    local_date,
    local_datetime,
    local_time,
    page_count_label,
)
from medrec_app.domain.permissions import Action, PermissionDenied, can
from medrec_app.pages.phone_link import PhoneLinkMixin
from medrec_app.services import appointments, files, patients, uploads
from medrec_app.services.errors import NotFound
from medrec_app.state import AuthState, row_id, service_event

MAX_QUERY_CHARS = 200


@dataclasses.dataclass
class PatientRow:
    patient_id: int
    name: str
    date_of_birth: str
    href: str


@dataclasses.dataclass
class DetailRow:
    label: str
    value: str
    testid: str


@dataclasses.dataclass
class VisitRow:
    appointment_id: int
    date: str
    time: str
    practitioner: str
    record_status: str
    href: str
    visit_type: str
    cancelled: bool


@dataclasses.dataclass
class FileRow:
    file_id: int
    name: str
    kind: str
    size: str
    pages: str
    uploaded_by: str
    uploaded_at: str
    thumbnail_url: str
    note: str
    """What the file's own header says that matters here (a DICOM file's patient name)."""
    note_is_warning: bool
    shown_by_display_image: bool
    """A type no browser shows (TIFF, DICOM): "Open" shows its display image, and the
    original has its own download button."""


def parse_birth_date(value: str) -> date | None:
    """``"1984-03-12"`` (what a date input sends) -> a date; ``""`` -> None.

    Raises ``ValueError`` with a sentence to show for anything else.
    """
    text = value.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("Enter the date of birth as a full date, e.g. 1984-03-12.") from None


def age_label(born: date, today: date) -> str:
    """Age in whole years ("41 years"); in months below two years, for the youngest."""
    months = (today.year - born.year) * 12 + today.month - born.month - (today.day < born.day)
    if months < 24:
        return "1 month" if months == 1 else f"{max(months, 0)} months"
    return f"{months // 12} years"


def clinic_today(zone: str) -> date:
    try:
        return datetime.now(ZoneInfo(zone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return datetime.now(ZoneInfo("UTC")).date()


def patient_id_in_path(path: str) -> int:
    """The patient id of a ``/patients/{id}`` address; ``NotFound`` if it names none."""
    return row_id(path.rstrip("/").rsplit("/", 1)[-1], "patient")


NOT_GIVEN = "Not given"


def detail_rows(patient: patients.PatientPublic, today: date) -> list[DetailRow]:
    """The chart's demographics, in the order the form asks for them."""
    born = f"{calendar_date(patient.date_of_birth)} ({age_label(patient.date_of_birth, today)})"
    shown = [
        ("Date of birth", born, "patient-dob"),
        ("Sex", (patient.sex or "").capitalize(), "detail-sex"),
        ("Phone", patient.phone, "detail-phone"),
        ("Email", patient.email, "detail-email"),
        ("Address", patient.address, "detail-address"),
        ("External id", patient.external_id, "detail-external-id"),
    ]
    return [DetailRow(label, value or NOT_GIVEN, testid) for label, value, testid in shown]


class PatientSearchState(AuthState):
    """``/patients``: patients of the clinic by name and date of birth."""

    results: list[PatientRow] = []
    searched: bool = False
    message: str = ""
    can_register: bool = False

    def _refused(self, message: str) -> None:
        self.results, self.message = [], message

    @service_event
    def load(self) -> None:
        actor = self._begin_page()
        self.can_register = can(actor.role, Action.REGISTER_PATIENT)
        self._search("", None)

    @service_event
    def search(self, form: dict[str, Any]) -> None:
        text = str(form.get("name") or "")[:MAX_QUERY_CHARS]
        try:
            born = parse_birth_date(str(form.get("date_of_birth") or "")[:MAX_QUERY_CHARS])
        except ValueError as exc:
            self.message = str(exc)
            return
        self._search(text, born)

    def _search(self, text: str, born: date | None) -> None:
        self.message = ""
        found = self._call(patients.search_patients, text, born)
        self.results = [
            PatientRow(
                patient_id=p.id,
                name=f"{p.last_name}, {p.first_name}",
                date_of_birth=calendar_date(p.date_of_birth),
                href=f"/patients/{p.id}",
            )
            for p in found
        ]
        self.searched = True


class PatientFilesState(PhoneLinkMixin, AuthState):
    """``/patients/[patient_id]``: the patient's chart: their details, their visits, and
    their files (upload, open, delete)."""

    status: str = "loading"  # loading | ready | not_found
    patient_name: str = ""
    date_of_birth: str = ""
    details: list[DetailRow] = []
    visits: list[VisitRow] = []
    visits_truncated: bool = False
    rows: list[FileRow] = []
    can_edit: bool = False
    can_upload: bool = False
    can_delete: bool = False
    upload_url: str = ""
    access_report_href: str = ""
    message: str = ""
    message_is_error: bool = False

    _patient_id: int = 0

    def _refused(self, message: str) -> None:
        self._say(message, error=True)

    @service_event
    def load(self) -> None:
        actor = self._begin_page()
        self._say("")
        self._reset_phone()
        self.can_edit = can(actor.role, Action.REGISTER_PATIENT)
        self.can_upload = can(actor.role, Action.UPLOAD_FILE)
        self.can_delete = can(actor.role, Action.DELETE_FILE)
        try:
            patient_id = patient_id_in_path(self.router.url.path)
            patient = self._call(patients.read_patient, patient_id)
            self._patient_id = patient_id
            self._show_visits()
            self._refresh()
        except (NotFound, PermissionDenied) as exc:
            # Show nothing of a patient the user cannot reach.
            self._patient_id, self.status, self.rows = 0, "not_found", []
            self.details, self.visits, self.visits_truncated = [], [], False
            self.patient_name = self.date_of_birth = self.upload_url = ""
            self._say(str(exc) if isinstance(exc, PermissionDenied) else "", error=True)
            return
        self._show_details(patient)
        self.upload_url = f"/api/patients/{patient_id}/files"
        self.access_report_href = f"/audit?patient={patient_id}"
        self.status = "ready"

    @service_event
    def details_changed(self) -> None:
        """The edit form saved: show the details as stored now."""
        if self._patient_id:
            self._show_details(self._call(patients.read_patient, self._patient_id))
            self._say("The details were saved.")

    def _show_details(self, patient: patients.PatientPublic) -> None:
        self.patient_name = f"{patient.first_name} {patient.last_name}"
        self.date_of_birth = calendar_date(patient.date_of_birth)
        self.details = detail_rows(patient, clinic_today(self.clinic_timezone))

    def _show_visits(self) -> None:
        listed = self._call(appointments.list_patient_visits, self._patient_id)
        zone = self.clinic_timezone
        self.visits = [
            VisitRow(
                appointment_id=v.appointment_id,
                date=local_date(v.starts_at, zone),
                time=local_time(v.starts_at, zone),
                practitioner=v.practitioner_name,
                record_status=v.record_status,
                href=f"/appointments/{v.appointment_id}",
                visit_type=v.visit_type or "",
                cancelled=v.status == "cancelled",
            )
            for v in listed.items
        ]
        self.visits_truncated = listed.truncated

    @service_event
    def uploaded(self, info: dict[str, Any]) -> None:
        """The widget says the server stored a file: list the files again."""
        self._refresh()

    @service_event
    def open_file(self, file_id: int) -> rx.event.EventSpec:
        """Issue a short-lived link now and open it in a new tab; the page never keeps it.
        A file no browser shows opens as its display image."""
        wanted = row_id(file_id, "file")
        shown = any(r.file_id == wanted and r.shown_by_display_image for r in self.rows)
        linked = self._call(files.issue_file_link, wanted, display=shown)
        return open_in_new_tab(linked.s3_url)

    @service_event
    def download_original(self, file_id: int) -> rx.event.EventSpec:
        """The file exactly as uploaded (a TIFF or DICOM file downloads)."""
        linked = self._call(files.issue_file_link, row_id(file_id, "file"))
        return open_in_new_tab(linked.s3_url)

    @service_event
    def delete_file(self, file_id: int) -> None:
        self._call(uploads.delete_patient_file, row_id(file_id, "file"))
        self._say("The file was deleted.")
        self._refresh()

    def _refresh(self) -> None:
        if not self._patient_id:
            return
        listed = self._call(files.list_files_with_preview_links, self._patient_id)
        zone = self.clinic_timezone
        self.rows = [
            FileRow(
                file_id=f.id,
                name=f.file_name,
                kind=type_label(f.file_type),
                size=human_size(f.file_size),
                pages=page_count_label(f.page_count),
                uploaded_by=f.uploaded_by_name,
                uploaded_at=local_datetime(f.created_at, zone),
                thumbnail_url=f.thumbnail_url or "",
                note=dicom_note(f.dicom),
                note_is_warning=bool(f.dicom and f.dicom.name_matches_patient is False),
                shown_by_display_image=_shown_by_display_image(f.file_type),
            )
            for f in listed
        ]

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message, self.message_is_error = text, error

    def _phone_patient_id(self) -> int:
        return self._patient_id

    def _phone_files_changed(self) -> None:
        self._refresh()


def dicom_note(dicom: files.DicomSummary | None) -> str:
    """What the file list says about a DICOM file's header: the name in it (and whether
    it is this patient's) and burned-in annotations."""
    if dicom is None:
        return ""
    parts = []
    if dicom.patient_name:
        parts.append(f"Name in the file: {dicom.patient_name}.")
    else:
        parts.append("The file names no patient.")
    if dicom.name_matches_patient is False:
        parts.append("This is not this patient's name: check that the file is theirs.")
    if dicom.burned_in_annotation:
        parts.append("The images may show patient details burned into the picture.")
    return " ".join(parts)


def _shown_by_display_image(mime: str) -> bool:
    known = file_type(mime)
    return known is not None and not known.browser_shows


def open_in_new_tab(url: str) -> rx.event.EventSpec:
    """Open ``url`` in a new tab that cannot reach back to this page (``noopener``).

    Reflex's own external redirect, not a script: the page's Content-Security-Policy
    forbids evaluating strings, which is how ``rx.call_script`` runs.
    """
    return rx.redirect(url, is_external=True)
