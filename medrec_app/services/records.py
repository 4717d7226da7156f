"""Medical records: the appointment lookup every record function starts from, and creation.

The editor's open/read/save path is in ``services/editing.py``.

Every function takes the acting user and looks rows up through the actor's clinic, so
an id from another clinic is indistinguishable from one that does not exist.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from medrec_app.domain.drawing import error_messages, parse_drawing
from medrec_app.domain.forms import parse_form_data
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import Appointment, MedicalRecord, MedicalRecordTemplate
from medrec_app.services import audit, record_files
from medrec_app.services.errors import NotFound, ServiceError, ValidationFailed


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
    record_files.check_new_record_background(session, actor, record, appointment.patient_id)
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
