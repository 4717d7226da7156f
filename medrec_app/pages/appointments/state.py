"""State of the day list: which day and whose visits, and the booking form.

The form books a new visit or moves one (``form_mode``). A possible double booking is
shown with the other visits and booked only after "Book anyway". The day and the filter
live in the page's state, so a reload starts again from today.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

import reflex as rx

from medrec_app.domain.bookings import DURATION_CHOICES, VISIT_TYPES
from medrec_app.domain.formatting import calendar_date, local_day, local_time
from medrec_app.domain.permissions import Action, can
from medrec_app.services import appointments, bookings, patients
from medrec_app.services.appointments import AppointmentPublic
from medrec_app.services.errors import ValidationFailed
from medrec_app.state import AuthState, row_id, service_event

ALL = "all"
MAX_QUERY_CHARS = 200
FORM_FIELDS = ("practitioner_id", "date", "time", "duration_minutes", "visit_type")


@dataclasses.dataclass
class AppointmentView:
    appointment_id: int
    time: str
    ends: str
    patient: str
    practitioner: str
    practitioner_id: int
    visit_type: str
    cancelled: bool
    status: str
    href: str
    day: str
    duration: str


@dataclasses.dataclass
class Choice:
    value: str
    label: str


class AppointmentsState(AuthState):
    day: str = ""
    day_label: str = ""
    practitioner: str = ALL
    practitioners: list[Choice] = []
    rows: list[AppointmentView] = []
    loaded: bool = False
    can_book: bool = False
    message: str = ""
    message_is_error: bool = False

    form_open: bool = False
    form_mode: str = "book"
    form_key: int = 0
    editing_id: int = 0
    editing_patient: str = ""
    f_practitioner: str = ""
    f_date: str = ""
    f_time: str = "09:00"
    f_duration: str = "30"
    f_visit_type: str = VISIT_TYPES[0]
    visit_types: list[str] = list(VISIT_TYPES)
    durations: list[str] = [str(m) for m in DURATION_CHOICES]
    patient_matches: list[Choice] = []
    patient_id: str = ""
    patient_label: str = ""
    form_problems: list[str] = []
    overlaps: list[str] = []

    _pending: dict[str, Any] = {}

    def _refused(self, message: str) -> None:
        self._say(message, error=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message, self.message_is_error = text, error

    @service_event
    def load(self) -> None:
        actor = self._begin_page()
        self.can_book = can(actor.role, Action.BOOK_APPOINTMENT)
        self.form_open, self.day, self.practitioner = False, "", ""
        self._say("")
        self._show(None, None, everyone=False)

    def _show(self, day: date | None, practitioner_id: int | None, *, everyone: bool) -> None:
        found = self._call(
            appointments.list_day, day, practitioner_id=practitioner_id, everyone=everyone
        )
        zone = self.clinic_timezone
        self.day = found.day.isoformat()
        self.day_label = found.day.strftime("%A %d %B %Y")
        self.practitioner = str(found.practitioner_id) if found.practitioner_id else ALL
        self.practitioners = [Choice(str(p.id), p.name) for p in found.practitioners]
        self.rows = [_view(row, zone) for row in found.items]
        self.loaded = True

    def _chosen(self) -> int | None:
        return None if self.practitioner == ALL else row_id(self.practitioner, "practitioner")

    def _reload(self) -> None:
        chosen = self._chosen()
        self._show(date.fromisoformat(self.day), chosen, everyone=chosen is None)

    @service_event
    def go_to_day(self, value: str) -> None:
        try:
            day = date.fromisoformat(str(value)[:10])
        except ValueError:
            self._say("Day: enter a full date, like 2026-12-01.", error=True)
            return
        self._say("")
        self.day = day.isoformat()
        self._reload()

    @service_event
    def step_day(self, days: int) -> None:
        self._say("")
        try:
            step = timedelta(days=max(-1, min(1, int(days))))
            self.day = (date.fromisoformat(self.day) + step).isoformat()
        except (TypeError, ValueError, OverflowError):
            self._say("Day: there is no day before or after this one.", error=True)
            return
        self._reload()

    @service_event
    def today(self) -> None:
        self._say("")
        chosen = self._chosen()
        self._show(None, chosen, everyone=chosen is None)

    @service_event
    def choose_practitioner(self, value: str) -> None:
        self._say("")
        self.practitioner = ALL if value == ALL else str(row_id(value, "practitioner"))
        self._reload()

    # --- the booking form -------------------------------------------------------------

    def _open(self, mode: str, *, duration: str, visit_type: str) -> None:
        """The form, fresh; its menus hold the visit's own length and type even when they
        are not among the usual ones (a calendar may send any)."""
        self.form_open, self.form_mode = True, mode
        self.form_key += 1
        self.form_problems, self.overlaps, self._pending = [], [], {}
        self.patient_matches = []
        self.f_duration, self.f_visit_type = duration, visit_type
        self.durations = _with([str(m) for m in DURATION_CHOICES], duration)
        self.visit_types = _with(list(VISIT_TYPES), visit_type)
        self._say("")

    @rx.event
    def open_booking(self) -> None:
        self._open("book", duration="30", visit_type=VISIT_TYPES[0])
        self.editing_id, self.editing_patient = 0, ""
        self.patient_id = self.patient_label = ""
        self.f_practitioner = self.practitioner if self.practitioner != ALL else ""
        self.f_date, self.f_time = self.day, "09:00"

    @rx.event
    def open_reschedule(self, appointment_id: int) -> None:
        row = next((r for r in self.rows if r.appointment_id == appointment_id), None)
        if row is None:
            return
        self._open("reschedule", duration=row.duration, visit_type=row.visit_type)
        self.editing_id, self.editing_patient = row.appointment_id, row.patient
        self.f_practitioner = str(row.practitioner_id)
        self.f_date, self.f_time = row.day, row.time

    @rx.event
    def close_form(self) -> None:
        self.form_open, self._pending, self.overlaps = False, {}, []

    @service_event
    def find_patients(self, text: str) -> None:
        text = str(text or "")[:MAX_QUERY_CHARS]
        if not text.strip():
            self.patient_matches = []
            return
        found = self._call(patients.search_patients, text, None)
        self.patient_matches = [
            Choice(str(p.id), f"{p.last_name}, {p.first_name} · {calendar_date(p.date_of_birth)}")
            for p in found[:10]
        ]

    @rx.event
    def choose_patient(self, patient_id: str, label: str) -> None:
        self.patient_id, self.patient_label = str(patient_id), str(label)[:300]
        self.patient_matches = []

    @service_event
    def submit(self, form: dict[str, Any]) -> None:
        values = {name: str(form.get(name) or "")[:MAX_QUERY_CHARS] for name in FORM_FIELDS}
        self._pending = values
        self._save(allow_overlap=False)

    @service_event
    def book_anyway(self) -> None:
        if self._pending:
            self._save(allow_overlap=True)

    def _save(self, *, allow_overlap: bool) -> None:
        self.form_problems, self.overlaps = [], []
        values = dict(self._pending)
        try:
            if self.form_mode == "reschedule":
                saved = self._call(
                    bookings.reschedule_appointment,
                    self.editing_id,
                    values,
                    allow_overlap=allow_overlap,
                )
                said = f"The visit of {saved.patient_name} was moved."
            else:
                saved = self._call(
                    bookings.book_appointment,
                    values | {"patient_id": self.patient_id},
                    allow_overlap=allow_overlap,
                )
                said = f"{saved.patient_name} is booked."
        except bookings.PossibleOverlap as warning:
            zone = self.clinic_timezone
            self.overlaps = [
                f"{local_time(o.starts_at, zone)} {o.patient_name}" for o in warning.overlaps
            ]
            return
        except ValidationFailed as refused:
            self.form_problems = refused.messages
            return
        self.form_open, self._pending = False, {}
        self.day = local_day(saved.starts_at, self.clinic_timezone).isoformat()
        self._reload()
        self._say(said)

    @service_event
    def cancel(self, appointment_id: int) -> None:
        cancelled = self._call(bookings.cancel_appointment, row_id(appointment_id, "appointment"))
        self._reload()
        self._say(f"The visit of {cancelled.patient_name} is cancelled; any record it has is kept.")


def _with(choices: list[str], current: str) -> list[str]:
    return choices if not current or current in choices else [*choices, current]


def _view(row: AppointmentPublic, zone: str) -> AppointmentView:
    ends = row.starts_at + timedelta(minutes=row.duration_minutes)
    cancelled = row.status == "cancelled"
    return AppointmentView(
        appointment_id=row.appointment_id,
        time=local_time(row.starts_at, zone),
        ends=local_time(ends, zone),
        patient=row.patient_name,
        practitioner=row.practitioner_name,
        practitioner_id=row.practitioner_id,
        visit_type=row.visit_type or "",
        cancelled=cancelled,
        status="Cancelled" if cancelled else row.record_status,
        href=f"/appointments/{row.appointment_id}",
        day=local_day(row.starts_at, zone).isoformat(),
        duration=str(row.duration_minutes),
    )
