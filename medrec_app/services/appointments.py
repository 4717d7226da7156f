"""The clinic's appointment list, as the first page shows it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import Appointment, Clinic, MedicalRecord, Patient, User
from medrec_app.services import audit

DEFAULT_LIMIT = 200
MAX_LIMIT = 1000


class AppointmentPublic(BaseModel):
    appointment_id: int = Field(
        description="The `calendar_event_id`; the record's `appointment_id`."
    )
    starts_at: AwareDatetime
    duration_minutes: int
    patient_id: int
    patient_name: str
    practitioner_name: str
    record_id: int | None = Field(description="The appointment's record, if it has one.")
    record_updated_at: AwareDatetime | None

    @property
    def record_status(self) -> str:
        return "In progress" if self.record_id is not None else "Not started"


class AppointmentList(BaseModel):
    items: list[AppointmentPublic] = Field(description="Newest first.")
    truncated: bool = Field(description="True when more appointments match than `limit`.")


def list_appointments(
    session: Session,
    actor: Actor,
    *,
    first_day: date | None = None,
    last_day: date | None = None,
    limit: int = DEFAULT_LIMIT,
) -> AppointmentList:
    """The actor's clinic's appointments, newest first, at most ``limit``.

    ``first_day`` and ``last_day`` (inclusive) are days in the clinic's time zone.
    """
    require(actor, Action.VIEW_APPOINTMENTS)
    clinic = session.get(Clinic, actor.clinic_id)
    zone = ZoneInfo(clinic.timezone if clinic else "UTC")
    start = _day_start(first_day, zone)
    after_last = last_day + timedelta(days=1) if last_day and last_day < date.max else None
    end = _day_start(after_last, zone)
    limit = max(1, min(limit, MAX_LIMIT))
    practitioner = aliased(User)
    query = (
        select(Appointment, Patient, practitioner, MedicalRecord)
        .join(Patient, col(Patient.id) == col(Appointment.patient_id))
        .join(practitioner, col(practitioner.id) == col(Appointment.practitioner_id))
        .outerjoin(
            MedicalRecord,
            col(MedicalRecord.appointment_id) == col(Appointment.calendar_event_id),
        )
        .where(Appointment.clinic_id == actor.clinic_id)
        .order_by(col(Appointment.starts_at).desc(), col(Appointment.calendar_event_id).desc())
        .limit(limit + 1)
    )
    if start is not None:
        query = query.where(col(Appointment.starts_at) >= start)
    if end is not None:
        query = query.where(col(Appointment.starts_at) < end)
    rows = [
        AppointmentPublic(
            appointment_id=appt.calendar_event_id,
            starts_at=appt.starts_at,
            duration_minutes=appt.duration_minutes,
            patient_id=patient.id,
            patient_name=f"{patient.last_name}, {patient.first_name}",
            practitioner_name=prac.full_name,
            record_id=record.id if record else None,
            record_updated_at=record.updated_at if record else None,
        )
        for appt, patient, prac, record in session.exec(query).all()
    ]
    shown = rows[:limit]
    audit.record(session, actor, "appointments.list", details={"count": len(shown)})
    return AppointmentList(items=shown, truncated=len(rows) > limit)


def _day_start(day: date | None, zone: ZoneInfo) -> datetime | None:
    return datetime.combine(day, time(), tzinfo=zone) if day else None
