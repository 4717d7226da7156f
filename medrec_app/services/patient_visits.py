"""One patient's visits, as their chart lists them: newest first, with the practitioner
and how far the visit's record has got.

The patient is looked up within the actor's clinic, so another clinic's patient answers
"not found" like an id that does not exist. The list is audited as a read of that
patient (``patient.visits_list``), with ids only.
"""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import Appointment, MedicalRecord, Patient, User
from medrec_app.services import audit
from medrec_app.services.errors import NotFound

MAX_VISITS = 500

NOT_STARTED = "Not started"
IN_PROGRESS = "In progress"
SIGNED = "Signed"


class PatientVisit(BaseModel):
    appointment_id: int
    starts_at: AwareDatetime
    duration_minutes: int
    practitioner_name: str
    record_id: int | None
    record_status: str
    """``Not started`` (no record yet), ``In progress`` or ``Signed``."""
    visit_type: str | None = None
    status: str = "booked"
    """The appointment's: ``booked`` or ``cancelled`` (a cancelled visit keeps its record)."""


class PatientVisits(BaseModel):
    items: list[PatientVisit]
    """Newest first."""
    truncated: bool
    """True when the patient has more than ``MAX_VISITS`` visits (the oldest are left off)."""


def list_patient_visits(session: Session, actor: Actor, patient_id: int) -> PatientVisits:
    """The patient's visits in the actor's clinic, newest first; ``NotFound`` for a
    patient outside it."""
    require(actor, Action.VIEW_APPOINTMENTS)
    found = session.exec(
        select(Patient.id).where(Patient.id == patient_id, Patient.clinic_id == actor.clinic_id)
    ).first()
    if found is None:
        raise NotFound("patient")
    practitioner = aliased(User)
    rows = session.exec(
        select(Appointment, practitioner, MedicalRecord)
        .join(practitioner, col(practitioner.id) == col(Appointment.practitioner_id))
        .outerjoin(
            MedicalRecord,
            col(MedicalRecord.appointment_id) == col(Appointment.calendar_event_id),
        )
        .where(Appointment.clinic_id == actor.clinic_id, Appointment.patient_id == patient_id)
        .order_by(col(Appointment.starts_at).desc(), col(Appointment.calendar_event_id).desc())
        .limit(MAX_VISITS + 1)
    ).all()
    visits = [
        PatientVisit(
            appointment_id=appointment.calendar_event_id,
            starts_at=appointment.starts_at,
            duration_minutes=appointment.duration_minutes,
            practitioner_name=prac.full_name,
            record_id=record.id if record else None,
            record_status=record_status(record),
            visit_type=appointment.visit_type,
            status=appointment.status,
        )
        for appointment, prac, record in rows
    ]
    shown = visits[:MAX_VISITS]
    audit.record(
        session, actor, "patient.visits_list", patient_id=patient_id, details={"count": len(shown)}
    )
    return PatientVisits(items=shown, truncated=len(visits) > MAX_VISITS)


def record_status(record: MedicalRecord | None) -> str:
    if record is None:
        return NOT_STARTED
    return SIGNED if record.signed_at is not None else IN_PROGRESS
