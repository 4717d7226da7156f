"""Booking, rescheduling and cancelling visits, and the booking system's upsert.

The front desk books on the page: the visit gets an id from medrec's own sequence (from
``FIRST_LOCAL_ID`` up). The booking system sends its own calendar ids with
``upsert_calendar_appointment``, as often as it likes: the same body twice changes nothing.
A practitioner's overlapping visit is a warning (``PossibleOverlap``) the page shows
before booking anyway; the API books and names the overlaps in its answer. A cancelled
visit keeps its row and its record. Every change locks the appointment row and reads it
fresh under the lock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import func, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from medrec_app.domain.bookings import (
    FIRST_LOCAL_ID,
    MAX_ID,
    MAX_MINUTES,
    MAX_VISIT_TYPE_CHARS,
    MIN_MINUTES,
    BookedIn,
    BookingRefused,
    BookingTimes,
    Status,
    check_times,
    local_start,
)
from medrec_app.domain.csv_import import CsvKind, CsvRow
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import Appointment, MedicalRecord, Patient, User
from medrec_app.services import audit
from medrec_app.services.appointments import (
    AppointmentPublic,
    clinic_zone,
    list_practitioners,
    read_appointment,
)
from medrec_app.services.csv_imports import RowResult
from medrec_app.services.errors import NotFound, ServiceError, ValidationFailed

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

_NEXT_LOCAL_ID = text("SELECT nextval('appointments_booked_here')")


class PossibleOverlap(ServiceError):
    """The practitioner has other booked visits in that time."""

    def __init__(self, overlaps: list[AppointmentPublic]) -> None:
        self.overlaps = overlaps
        super().__init__(
            f"The practitioner has {len(overlaps)} other visit(s) in this time. Book anyway "
            "only if the double booking is meant."
        )


class BookingConflict(ServiceError):
    """The change cannot be made to this appointment as it is (409)."""


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


def book_appointment(
    session: Session, actor: Actor, values: dict[str, Any], *, allow_overlap: bool = False
) -> AppointmentPublic:
    """A new visit of the actor's clinic booked here. ``values``: ``patient_id``,
    ``practitioner_id``, the start (``date`` and ``time`` in the clinic's zone, or
    ``starts_at``), ``duration_minutes`` (or ``ends_at``) and ``visit_type``."""
    require(actor, Action.BOOK_APPOINTMENT)
    patient_id = _patient(session, actor, values.get("patient_id"), problems := [])
    practitioner_id = _practitioner(session, actor, values.get("practitioner_id"), problems)
    times = _times(session, actor, values, problems)
    if problems:
        raise ValidationFailed(problems)
    assert patient_id and practitioner_id and times
    overlaps = _overlaps(session, actor, practitioner_id, times, None)
    if overlaps and not allow_overlap:
        raise PossibleOverlap(overlaps)
    appointment = Appointment(
        calendar_event_id=_free_local_id(session),
        clinic_id=actor.clinic_id,
        patient_id=patient_id,
        practitioner_id=practitioner_id,
        starts_at=times.starts_at,
        duration_minutes=times.duration_minutes,
        visit_type=times.visit_type,
        booked_in=BookedIn.MEDREC.value,
    )
    session.add(appointment)
    session.flush()
    _audit(session, actor, "appointment.create", appointment, overlaps)
    return read_appointment(session, actor, appointment.calendar_event_id)


def reschedule_appointment(
    session: Session,
    actor: Actor,
    appointment_id: int,
    values: dict[str, Any],
    *,
    allow_overlap: bool = False,
) -> AppointmentPublic:
    """Move a booked visit (start, length, practitioner, visit type); the patient stays."""
    require(actor, Action.BOOK_APPOINTMENT)
    appointment = _locked(session, actor, appointment_id)
    if appointment.status == Status.CANCELLED:
        raise BookingConflict("This visit is cancelled; book a new one instead.")
    practitioner_id = _practitioner(session, actor, values.get("practitioner_id"), problems := [])
    times = _times(session, actor, values, problems)
    if problems:
        raise ValidationFailed(problems)
    assert practitioner_id and times
    overlaps = _overlaps(session, actor, practitioner_id, times, appointment_id)
    if overlaps and not allow_overlap:
        raise PossibleOverlap(overlaps)
    changed = _apply(appointment, practitioner_id, times)
    if changed:
        session.add(appointment)
        session.flush()
        _audit(session, actor, "appointment.reschedule", appointment, overlaps, changed)
    return read_appointment(session, actor, appointment_id)


def cancel_appointment(session: Session, actor: Actor, appointment_id: int) -> AppointmentPublic:
    """Cancel a visit; its record, if any, stays. Cancelling twice changes nothing."""
    require(actor, Action.BOOK_APPOINTMENT)
    appointment = _locked(session, actor, appointment_id)
    if appointment.status != Status.CANCELLED:
        appointment.status = Status.CANCELLED.value
        session.add(appointment)
        session.flush()
        _audit(session, actor, "appointment.cancel", appointment, [])
    return read_appointment(session, actor, appointment_id)


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
    times = _times(session, actor, values, problems)
    status = _status(values.get("status"), problems)
    if problems:
        raise ValidationFailed(problems)
    assert patient_id and practitioner_id and times and status
    appointment = _locked_any(session, calendar_event_id)
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
            appointment = _locked_any(session, calendar_event_id)
            assert appointment is not None
        else:
            overlaps = _overlaps(session, actor, practitioner_id, times, calendar_event_id)
            _audit(session, actor, "appointment.create", appointment, overlaps)
            return _synced(session, actor, appointment, "created", overlaps)
    if appointment.clinic_id != actor.clinic_id or appointment.booked_in != BookedIn.CALENDAR:
        raise BookingConflict(
            "calendar_event_id: this id is already used by another appointment; "
            "send the booking system's own id for this visit."
        )
    changed = _apply(appointment, practitioner_id, times)
    if appointment.patient_id != patient_id:
        _patient_may_change(session, calendar_event_id)
        appointment.patient_id = patient_id
        changed.append("patient_id")
    if appointment.status != status.value:
        appointment.status = status.value
        changed.append("status")
    overlaps = _overlaps(session, actor, practitioner_id, times, calendar_event_id)
    if not changed:
        return _synced(session, actor, appointment, "unchanged", overlaps)
    session.add(appointment)
    session.flush()
    _audit(session, actor, "appointment.update", appointment, overlaps, changed)
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
        event_id = _as_id(values.pop("calendar_event_id", ""))
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


def _apply(appointment: Appointment, practitioner_id: int, times: BookingTimes) -> list[str]:
    wanted = {
        "practitioner_id": practitioner_id,
        "starts_at": times.starts_at,
        "duration_minutes": times.duration_minutes,
        "visit_type": times.visit_type,
    }
    changed = [name for name, value in wanted.items() if getattr(appointment, name) != value]
    for name in changed:
        setattr(appointment, name, wanted[name])
    return changed


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    appointment: Appointment,
    overlaps: list[AppointmentPublic],
    fields: list[str] | None = None,
) -> None:
    details: dict[str, Any] = {}
    if fields:
        details["fields"] = fields
    if overlaps:
        details["overlapping_ids"] = [o.appointment_id for o in overlaps]
    audit.record(
        session,
        actor,
        action,
        patient_id=appointment.patient_id,
        appointment_id=appointment.calendar_event_id,
        details=details,
    )


def _locked(session: Session, actor: Actor, appointment_id: int) -> Appointment:
    appointment = _locked_any(session, appointment_id)
    if appointment is None or appointment.clinic_id != actor.clinic_id:
        raise NotFound("appointment")
    return appointment


def _locked_any(session: Session, appointment_id: int) -> Appointment | None:
    if not 1 <= appointment_id <= MAX_ID:
        return None
    return session.exec(
        select(Appointment)
        .where(Appointment.calendar_event_id == appointment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _free_local_id(session: Session) -> int:
    """The next id of medrec's own range that no appointment holds yet."""
    while True:
        candidate = int(session.execute(_NEXT_LOCAL_ID).scalar_one())
        if session.get(Appointment, candidate) is None:
            return candidate


def _times(
    session: Session, actor: Actor, values: dict[str, Any], problems: list[str]
) -> BookingTimes | None:
    zone = clinic_zone(session, actor)
    if "starts_at" not in values:
        start = local_start(values.get("date"), values.get("time"), zone)
        if isinstance(start, str):
            problems.append(start)
            return None
        values = {**values, "starts_at": start}
    try:
        return check_times(values, datetime.now(zone).date())
    except BookingRefused as refused:
        problems.extend(refused.problems)
        return None


def _patient(session: Session, actor: Actor, value: Any, problems: list[str]) -> int | None:
    patient_id = _as_id(value)
    if patient_id is None:
        problems.append("Patient: choose the patient.")
        return None
    found = session.exec(
        select(Patient.id).where(Patient.id == patient_id, Patient.clinic_id == actor.clinic_id)
    ).first()
    if found is None:
        problems.append("Patient: no such patient in this clinic.")
    return found


def _practitioner(session: Session, actor: Actor, value: Any, problems: list[str]) -> int | None:
    practitioner_id = _as_id(value)
    if practitioner_id is None:
        problems.append("Practitioner: choose the practitioner.")
        return None
    if practitioner_id not in {p.id for p in list_practitioners(session, actor)}:
        problems.append("Practitioner: no such active practitioner in this clinic.")
        return None
    return practitioner_id


def _sync_patient(
    session: Session, actor: Actor, values: dict[str, Any], problems: list[str]
) -> int | None:
    external_id = values.get("patient_external_id")
    if external_id in (None, ""):
        return _patient(session, actor, values.get("patient_id"), problems)
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
        return _practitioner(session, actor, values.get("practitioner_id"), problems)
    found = session.exec(
        select(User.id).where(User.clinic_id == actor.clinic_id, func.lower(User.email) == email)
    ).first()
    if found is None:
        problems.append("practitioner_email: no user of this clinic has this email.")
        return None
    return _practitioner(session, actor, found, problems)


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


def _overlaps(
    session: Session,
    actor: Actor,
    practitioner_id: int,
    times: BookingTimes,
    except_id: int | None,
) -> list[AppointmentPublic]:
    ends = col(Appointment.starts_at) + func.make_interval(
        0, 0, 0, 0, 0, col(Appointment.duration_minutes)
    )
    ids = session.exec(
        select(Appointment.calendar_event_id).where(
            Appointment.clinic_id == actor.clinic_id,
            Appointment.practitioner_id == practitioner_id,
            Appointment.status == Status.BOOKED.value,
            col(Appointment.starts_at) < times.ends_at,
            ends > times.starts_at,
            Appointment.calendar_event_id != (except_id or 0),
        )
    ).all()
    return [read_appointment(session, actor, i) for i in sorted(ids)][:20]


def _as_id(value: Any) -> int | None:
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if 1 <= number <= MAX_ID else None
