"""Booking, rescheduling and cancelling visits, and the checks every way in shares.

The front desk books on the page: the visit gets an id from medrec's own sequence (from
``FIRST_LOCAL_ID`` up); the booking system's own ids come in through
``services/appointment_sync.py``, which uses the checks below. A practitioner's
overlapping visit is a warning (``PossibleOverlap``) the page shows before booking
anyway. A cancelled visit keeps its row and its record. Every change locks the
appointment row and reads it fresh under the lock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from medrec_app.domain.bookings import (
    BookedIn,
    BookingRefused,
    BookingTimes,
    Status,
    check_times,
    local_start,
)
from medrec_app.domain.ids import parse_id
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import Appointment, Patient
from medrec_app.services import audit
from medrec_app.services.appointments import (
    AppointmentPublic,
    list_overlapping,
    list_practitioners,
    read_appointment,
)
from medrec_app.services.clinic_time import clinic_zone
from medrec_app.services.errors import NotFound, ServiceError, ValidationFailed

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


def book_appointment(
    session: Session, actor: Actor, values: dict[str, Any], *, allow_overlap: bool = False
) -> AppointmentPublic:
    """A new visit of the actor's clinic booked here. ``values``: ``patient_id``,
    ``practitioner_id``, the start (``date`` and ``time`` in the clinic's zone, or
    ``starts_at``), ``duration_minutes`` (or ``ends_at``) and ``visit_type``."""
    require(actor, Action.BOOK_APPOINTMENT)
    patient_id = checked_patient(session, actor, values.get("patient_id"), problems := [])
    practitioner_id = checked_practitioner(session, actor, values.get("practitioner_id"), problems)
    times = checked_times(session, actor, values, problems)
    if problems:
        raise ValidationFailed(problems)
    assert patient_id and practitioner_id and times
    overlaps = overlapping(session, actor, practitioner_id, times, None)
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
    audit_change(session, actor, "appointment.create", appointment, overlaps)
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
    practitioner_id = checked_practitioner(
        session, actor, values.get("practitioner_id"), problems := []
    )
    times = checked_times(session, actor, values, problems)
    if problems:
        raise ValidationFailed(problems)
    assert practitioner_id and times
    overlaps = overlapping(session, actor, practitioner_id, times, appointment_id)
    if overlaps and not allow_overlap:
        raise PossibleOverlap(overlaps)
    changed = apply_changes(appointment, practitioner_id, times)
    if changed:
        session.add(appointment)
        session.flush()
        audit_change(session, actor, "appointment.reschedule", appointment, overlaps, changed)
    return read_appointment(session, actor, appointment_id)


def cancel_appointment(session: Session, actor: Actor, appointment_id: int) -> AppointmentPublic:
    """Cancel a visit; its record, if any, stays. Cancelling twice changes nothing."""
    require(actor, Action.BOOK_APPOINTMENT)
    appointment = _locked(session, actor, appointment_id)
    if appointment.status != Status.CANCELLED:
        appointment.status = Status.CANCELLED.value
        session.add(appointment)
        session.flush()
        audit_change(session, actor, "appointment.cancel", appointment, [])
    return read_appointment(session, actor, appointment_id)


def apply_changes(appointment: Appointment, practitioner_id: int, times: BookingTimes) -> list[str]:
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


def audit_change(
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
    appointment = locked_appointment(session, appointment_id)
    if appointment is None or appointment.clinic_id != actor.clinic_id:
        raise NotFound("appointment")
    return appointment


def locked_appointment(session: Session, appointment_id: int) -> Appointment | None:
    if parse_id(appointment_id) is None:
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


def checked_times(
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


def checked_patient(session: Session, actor: Actor, value: Any, problems: list[str]) -> int | None:
    patient_id = parse_id(value)
    if patient_id is None:
        problems.append("Patient: choose the patient.")
        return None
    found = session.exec(
        select(Patient.id).where(Patient.id == patient_id, Patient.clinic_id == actor.clinic_id)
    ).first()
    if found is None:
        problems.append("Patient: no such patient in this clinic.")
    return found


def checked_practitioner(
    session: Session, actor: Actor, value: Any, problems: list[str]
) -> int | None:
    practitioner_id = parse_id(value)
    if practitioner_id is None:
        problems.append("Practitioner: choose the practitioner.")
        return None
    if practitioner_id not in {p.id for p in list_practitioners(session, actor)}:
        problems.append("Practitioner: no such active practitioner in this clinic.")
        return None
    return practitioner_id


def overlapping(
    session: Session,
    actor: Actor,
    practitioner_id: int,
    times: BookingTimes,
    except_id: int | None,
) -> list[AppointmentPublic]:
    return list_overlapping(
        session, actor, practitioner_id, times.starts_at, times.ends_at, except_id=except_id
    )
