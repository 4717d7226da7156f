"""The clinic's appointment list, as the first page shows it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import Appointment, MedicalRecord, Patient, User
from medrec_app.services import audit

DEFAULT_LIMIT = 200


class AppointmentRow(BaseModel):
    appointment_id: int
    starts_at: datetime
    duration_minutes: int
    patient_id: int
    patient_name: str
    practitioner_name: str
    record_id: int | None
    record_updated_at: datetime | None

    @property
    def record_status(self) -> str:
        return "In progress" if self.record_id is not None else "Not started"


def list_appointments(
    session: Session,
    actor: Actor,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[AppointmentRow]:
    """The actor's clinic's appointments, newest first, optionally within [start, end)."""
    require(actor, Action.VIEW_APPOINTMENTS)
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
        .limit(max(1, min(limit, 1000)))
    )
    if start is not None:
        query = query.where(col(Appointment.starts_at) >= start)
    if end is not None:
        query = query.where(col(Appointment.starts_at) < end)
    rows = [
        AppointmentRow(
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
    audit.record(session, actor, "appointments.list", details={"count": len(rows)})
    return rows
