"""The booking system's appointments: upserted by its calendar id, cancelled, imported.

The booking system sends its own calendar ids as often as it likes (``PUT
/api/appointments/{id}``, ``cli import-csv appointments``): the same body twice changes
nothing. Overlaps are booked and named, never refused: the calendar has decided.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from medrec_app.domain.bookings import (
    FIRST_LOCAL_ID,
    MAX_MINUTES,
    MAX_VISIT_TYPE_CHARS,
    MIN_MINUTES,
    BookedIn,
    Status,
)
from medrec_app.domain.csv_import import CsvKind, CsvRow
from medrec_app.domain.ids import MAX_ID, parse_id
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import Appointment, MedicalRecord, Patient, User
from medrec_app.services.appointments import AppointmentPublic, read_appointment
from medrec_app.services.bookings import (
    BookingConflict,
    apply_changes,
    audit_change,
    cancel_appointment,
    checked_patient,
    checked_practitioner,
    checked_times,
    locked_appointment,
    overlapping,
)
from medrec_app.services.csv_imports import RowResult
from medrec_app.services.errors import NotFound, ValidationFailed

APPOINTMENT_CSV = CsvKind(
    "appointments",
    (
        "calendar_event_id",
        "patient_external_id",
        "practitioner_email",
        "starts_at",
        "duration_minutes",
        "visit_type",
        "status",
    ),
    key="calendar_event_id",
    optional=frozenset({"visit_type", "status"}),
)
# The page's field names in a refusal, and the import file's column for each.
_COLUMN_OF = {
    "Start": "starts_at",
    "Duration": "duration_minutes",
    "End": "duration_minutes",
    "Visit type": "visit_type",
    "Patient": "patient_external_id",
    "Practitioner": "practitioner_email",
}


class AppointmentUpsert(BaseModel):
    """The booking system's appointment: the body of `PUT /api/appointments/{id}`."""

    model_config = ConfigDict(extra="forbid")

    patient_external_id: str | None = Field(
        None, max_length=100, description="The patient's external id (or send `patient_id`)."
    )
    patient_id: int | None = Field(None, ge=1, le=MAX_ID)
    practitioner_email: str | None = Field(
        None, max_length=254, description="The practitioner's sign-in email (or send the id)."
    )
    practitioner_id: int | None = Field(None, ge=1, le=MAX_ID)
    starts_at: AwareDatetime
    duration_minutes: int | None = Field(
        None, description=f"{MIN_MINUTES} to {MAX_MINUTES}; or send `ends_at`."
    )
    ends_at: AwareDatetime | None = None
    visit_type: str | None = Field(None, max_length=MAX_VISIT_TYPE_CHARS)
    status: Literal["booked", "cancelled"] = "booked"


class AppointmentSynced(BaseModel):
    appointment: AppointmentPublic
    outcome: Literal["created", "updated", "unchanged"]
    overlapping_appointment_ids: list[int] = Field(
        description="The practitioner's other booked visits in that time (booked anyway)."
    )


def upsert_calendar_appointment(
    session: Session, actor: Actor, calendar_event_id: int, values: dict[str, Any]
) -> AppointmentSynced:
    """Create or update the booking system's appointment ``calendar_event_id``.

    ``values``: ``patient_id`` or ``patient_external_id``, ``practitioner_id`` or
    ``practitioner_email``, ``starts_at``, ``duration_minutes`` or ``ends_at``,
    ``visit_type``, ``status``. Overlaps are booked and named, never refused.
    """
    require(actor, Action.BOOK_APPOINTMENT)
    if not 1 <= calendar_event_id < FIRST_LOCAL_ID:
        raise ValidationFailed(
            [
                f"calendar_event_id: from 1 to {FIRST_LOCAL_ID - 1:,}; ids from "
                f"{FIRST_LOCAL_ID:,} up are those of visits booked in medrec."
            ]
        )
    problems: list[str] = []
    patient_id = _sync_patient(session, actor, values, problems)
    practitioner_id = _sync_practitioner(session, actor, values, problems)
    times = checked_times(session, actor, values, problems)
    status = _status(values.get("status"), problems)
    if problems:
        raise ValidationFailed(problems)
    assert patient_id and practitioner_id and times and status
    appointment = locked_appointment(session, calendar_event_id)
    if appointment is None:
        appointment = Appointment(
            calendar_event_id=calendar_event_id,
            clinic_id=actor.clinic_id,
            patient_id=patient_id,
            practitioner_id=practitioner_id,
            starts_at=times.starts_at,
            duration_minutes=times.duration_minutes,
            visit_type=times.visit_type,
            status=status.value,
        )
        try:
            with session.begin_nested():
                session.add(appointment)
                session.flush()
        except IntegrityError:  # the same new id from a concurrent request: update it
            appointment = locked_appointment(session, calendar_event_id)
            assert appointment is not None
        else:
            overlaps = overlapping(session, actor, practitioner_id, times, calendar_event_id)
            audit_change(session, actor, "appointment.create", appointment, overlaps)
            return _synced(session, actor, appointment, "created", overlaps)
    if appointment.clinic_id != actor.clinic_id or appointment.booked_in != BookedIn.CALENDAR:
        raise BookingConflict(
            "calendar_event_id: this id is already used by another appointment; "
            "send the booking system's own id for this visit."
        )
    changed = apply_changes(appointment, practitioner_id, times)
    if appointment.patient_id != patient_id:
        _patient_may_change(session, calendar_event_id)
        appointment.patient_id = patient_id
        changed.append("patient_id")
    if appointment.status != status.value:
        appointment.status = status.value
        changed.append("status")
    overlaps = overlapping(session, actor, practitioner_id, times, calendar_event_id)
    if not changed:
        return _synced(session, actor, appointment, "unchanged", overlaps)
    session.add(appointment)
    session.flush()
    audit_change(session, actor, "appointment.update", appointment, overlaps, changed)
    return _synced(session, actor, appointment, "updated", overlaps)


def import_appointment_rows(
    session: Session, actor: Actor, rows: list[CsvRow], *, dry_run: bool = False
) -> list[RowResult]:
    """Upsert the rows of an ``APPOINTMENT_CSV`` file through the API's upsert, each in a
    savepoint: a refused row is reported and the others go on. ``dry_run`` rolls each
    row back after checking it."""
    require(actor, Action.BOOK_APPOINTMENT)
    results = []
    for row in rows:
        values = {k: v for k, v in row.values.items() if v.strip()}
        event_id = parse_id(values.pop("calendar_event_id", "").strip())
        if event_id is None:
            problem = "calendar_event_id: enter the booking system's id, a whole number."
            results.append(RowResult(row.line, problems=(problem,)))
            continue
        try:
            with session.begin_nested() as row_savepoint:
                synced = upsert_calendar_appointment(session, actor, event_id, values)
                if dry_run:
                    row_savepoint.rollback()
            results.append(RowResult(row.line, synced.outcome))
        except ValidationFailed as refused:
            results.append(RowResult(row.line, problems=tuple(map(_column, refused.messages))))
        except (BookingConflict, NotFound) as refused:
            results.append(RowResult(row.line, problems=(f"calendar_event_id: {refused}",)))
    return results


def _column(message: str) -> str:
    label, sep, rest = message.partition(": ")
    return f"{_COLUMN_OF[label]}: {rest}" if sep and label in _COLUMN_OF else message


def cancel_calendar_appointment(
    session: Session, actor: Actor, calendar_event_id: int
) -> AppointmentPublic:
    """The API's DELETE: cancel (never delete) the appointment; any record stays."""
    return cancel_appointment(session, actor, calendar_event_id)


def _synced(
    session: Session,
    actor: Actor,
    appointment: Appointment,
    outcome: str,
    overlaps: list[AppointmentPublic],
) -> AppointmentSynced:
    return AppointmentSynced(
        appointment=read_appointment(session, actor, appointment.calendar_event_id),
        outcome=outcome,  # type: ignore[arg-type]
        overlapping_appointment_ids=[o.appointment_id for o in overlaps],
    )


def _sync_patient(
    session: Session, actor: Actor, values: dict[str, Any], problems: list[str]
) -> int | None:
    external_id = values.get("patient_external_id")
    if external_id in (None, ""):
        return checked_patient(session, actor, values.get("patient_id"), problems)
    found = session.exec(
        select(Patient.id).where(
            Patient.clinic_id == actor.clinic_id, Patient.external_id == str(external_id)
        )
    ).first()
    if found is None:
        problems.append(
            "patient_external_id: no patient of this clinic has this external id; "
            "send the patient first (PUT /api/patients/by-external-id/...)."
        )
    return found


def _sync_practitioner(
    session: Session, actor: Actor, values: dict[str, Any], problems: list[str]
) -> int | None:
    email = str(values.get("practitioner_email") or "").strip().lower()
    if not email:
        return checked_practitioner(session, actor, values.get("practitioner_id"), problems)
    found = session.exec(
        select(User.id).where(User.clinic_id == actor.clinic_id, func.lower(User.email) == email)
    ).first()
    if found is None:
        problems.append("practitioner_email: no user of this clinic has this email.")
        return None
    return checked_practitioner(session, actor, found, problems)


def _status(value: Any, problems: list[str]) -> Status | None:
    try:
        return Status(str(value or Status.BOOKED.value))
    except ValueError:
        problems.append("status: 'booked' or 'cancelled'.")
        return None


def _patient_may_change(session: Session, appointment_id: int) -> None:
    if session.exec(
        select(MedicalRecord.id).where(MedicalRecord.appointment_id == appointment_id)
    ).first():
        raise BookingConflict(
            "This appointment has a record, so its patient cannot change; cancel it and "
            "book the other patient under a new calendar id."
        )
