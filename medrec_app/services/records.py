"""Medical records: creation and the read-only summary; the editor's save path comes next.

Every function takes the acting user and looks rows up through the actor's clinic, so
an id from another clinic is indistinguishable from one that does not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from medrec_app.domain.drawing import error_messages, parse_drawing
from medrec_app.domain.forms import parse_form_data
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import Appointment, MedicalRecord, MedicalRecordTemplate, Patient, User
from medrec_app.services import audit
from medrec_app.services.errors import NotFound, ServiceError, ValidationFailed


class RecordSummary(BaseModel):
    appointment_id: int
    starts_at: datetime
    patient_name: str
    patient_date_of_birth: str
    practitioner_name: str
    record_id: int | None
    template_name: str | None
    form_data: dict[str, Any]
    line_count: int
    shape_count: int
    background_type: str | None
    updated_at: datetime | None
    updated_by_name: str | None


def get_appointment(session: Session, actor: Actor, appointment_id: int) -> Appointment:
    """The appointment if it belongs to the actor's clinic, else ``NotFound``."""
    appointment = session.exec(
        select(Appointment).where(
            Appointment.calendar_event_id == appointment_id,
            Appointment.clinic_id == actor.clinic_id,
        )
    ).first()
    if appointment is None:
        raise NotFound("appointment")
    return appointment


def create_record(
    session: Session,
    actor: Actor,
    *,
    appointment_id: int,
    template_id: int | None,
    drawing_data: object,
    form_data: object,
) -> MedicalRecord:
    """Create the one record of an appointment from validated documents.

    Raises ``ValidationFailed`` with readable messages when a document is malformed, and
    ``NotFound`` when the appointment or template is not in the actor's clinic.
    """
    require(actor, Action.EDIT_RECORD)
    appointment = get_appointment(session, actor, appointment_id)
    if template_id is not None:
        template = session.get(MedicalRecordTemplate, template_id)
        if template is None or template.clinic_id != actor.clinic_id:
            raise NotFound("template")
    drawing, form = validate_documents(drawing_data, form_data)
    exists = session.exec(
        select(MedicalRecord.id).where(col(MedicalRecord.appointment_id) == appointment_id)
    ).first()
    if exists is not None:
        raise ServiceError("This appointment already has a record.")
    record = MedicalRecord(
        appointment_id=appointment_id,
        template_id=template_id,
        drawing_data=drawing,
        form_data=form,
        created_by_user_id=actor.user_id,
        updated_by_user_id=actor.user_id,
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor,
        "record.create",
        patient_id=appointment.patient_id,
        appointment_id=appointment_id,
        record_id=record.id,
    )
    return record


def validate_documents(drawing_data: object, form_data: object) -> tuple[dict, dict]:
    """Both documents checked by the domain models, or ``ValidationFailed``."""
    errors: list[str] = []
    drawing: dict = {}
    form: dict = {}
    try:
        drawing = parse_drawing(drawing_data).to_document()
    except ValueError as exc:
        errors += [f"drawing_data: {m}" for m in error_messages(exc)]
    try:
        form = parse_form_data(form_data)
    except ValueError as exc:
        errors += [f"form_data: {m}" for m in error_messages(exc)]
    if errors:
        raise ValidationFailed(errors)
    return drawing, form


def get_record_summary(session: Session, actor: Actor, appointment_id: int) -> RecordSummary:
    require(actor, Action.VIEW_RECORD)
    appointment = get_appointment(session, actor, appointment_id)
    patient = session.get(Patient, appointment.patient_id)
    practitioner = session.get(User, appointment.practitioner_id)
    assert patient is not None and practitioner is not None  # foreign keys guarantee both
    record = session.exec(
        select(MedicalRecord).where(col(MedicalRecord.appointment_id) == appointment_id)
    ).first()
    template = (
        session.get(MedicalRecordTemplate, record.template_id)
        if record and record.template_id
        else None
    )
    updated_by = (
        session.get(User, record.updated_by_user_id)
        if record and record.updated_by_user_id
        else None
    )
    drawing = record.drawing_data if record else {}
    audit.record(
        session,
        actor,
        "record.view",
        patient_id=patient.id,
        appointment_id=appointment_id,
        record_id=record.id if record else None,
    )
    return RecordSummary(
        appointment_id=appointment_id,
        starts_at=appointment.starts_at,
        patient_name=f"{patient.first_name} {patient.last_name}",
        patient_date_of_birth=patient.date_of_birth.isoformat(),
        practitioner_name=practitioner.full_name,
        record_id=record.id if record else None,
        template_name=template.name if template else None,
        form_data=record.form_data if record else {},
        line_count=len(drawing.get("lines", [])),
        shape_count=len(drawing.get("shapes", [])),
        background_type=drawing.get("backgroundType"),
        updated_at=record.updated_at if record else None,
        updated_by_name=updated_by.full_name if updated_by else None,
    )
