"""The record editor's save path: open a record, read its drawing, apply edit operations.

One save path for every client: the Reflex editor, the REST API and the importer all
send operations (``domain/edits.py``) here. A save locks the record row, skips
operations it has applied before (the browser re-sends until acknowledged), applies the
rest to the *latest* stored documents, so concurrent editors merge rather than
overwrite, and writes the documents, the operation log and one audit row in one
transaction.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from medrec_app.domain.conflicts import newest_wins
from medrec_app.domain.edits import apply_operations, parse_operations
from medrec_app.domain.errors import DocumentError, error_messages
from medrec_app.domain.forms import DEFAULT_TEMPLATE_SCHEMA
from medrec_app.domain.permissions import Action, Actor, can, require
from medrec_app.models import (
    Appointment,
    MedicalRecord,
    MedicalRecordOp,
    MedicalRecordTemplate,
    Patient,
    User,
)
from medrec_app.services import audit, record_files
from medrec_app.services.errors import NotFound, RevisionMismatch, ValidationFailed
from medrec_app.services.records import create_record, get_appointment
from medrec_app.settings import get_settings
from medrec_app.storage import get_store


class TemplateChoice(BaseModel):
    id: int
    name: str
    is_default: bool


class EditorRecord(BaseModel):
    """What the editor page needs to open a record.

    ``template_choices`` is set, and no record created, when an editor opens a visit
    without a record in a clinic that has several templates: they pick one first.
    """

    record_id: int | None
    template_choices: list[TemplateChoice] = []
    appointment_id: int
    revision: int
    starts_at: datetime
    patient_id: int
    patient_name: str
    practitioner_name: str
    template_name: str
    form_schema: dict[str, Any]
    form_data: dict[str, Any]
    background_url: str
    can_edit: bool
    updated_at: datetime | None


class SaveResult(BaseModel):
    revision: int
    acked_op_ids: list[str]
    updated_at: datetime | None


def open_for_editing(
    session: Session, actor: Actor, appointment_id: int, template_id: int | None = None
) -> EditorRecord:
    """The appointment's record; the first opening by an editor creates it.

    A new record uses ``template_id`` if given (one of the clinic's templates), else the
    clinic's only or default template; with several templates and none given, nothing is
    created and the choices come back. Users who may not edit see the record if it
    exists, and an empty, read-only one if it does not.
    """
    require(actor, Action.VIEW_RECORD)
    appointment = get_appointment(session, actor, appointment_id)
    can_edit = can(actor.role, Action.EDIT_RECORD)
    record = _record_for(session, appointment_id, lock=False)
    choices: list[TemplateChoice] = []
    if record is None and can_edit:
        choices = list_templates(session, actor)
        if template_id is not None:
            if template_id not in {c.id for c in choices}:
                raise NotFound("template")
            record = _create(session, actor, appointment, template_id)
        elif len(choices) <= 1:
            record = _create(session, actor, appointment, choices[0].id if choices else None)
    template = _template(session, actor, record.template_id if record else None)
    patient = session.get(Patient, appointment.patient_id)
    practitioner = session.get(User, appointment.practitioner_id)
    assert patient is not None and practitioner is not None  # foreign keys
    audit.record(
        session,
        actor,
        "record.open",
        patient_id=patient.id,
        appointment_id=appointment_id,
        record_id=record.id if record else None,
    )
    return EditorRecord(
        record_id=record.id if record else None,
        template_choices=choices if record is None else [],
        appointment_id=appointment_id,
        revision=record.revision if record else 0,
        starts_at=appointment.starts_at,
        patient_id=appointment.patient_id,
        patient_name=f"{patient.first_name} {patient.last_name}",
        practitioner_name=practitioner.full_name,
        template_name=template.name if template else "",
        form_schema=template.form_schema if template else DEFAULT_TEMPLATE_SCHEMA.to_document(),
        form_data=record.form_data if record else {},
        background_url=_template_background_url(template),
        can_edit=can_edit,
        updated_at=record.updated_at if record else None,
    )


def load_drawing(session: Session, actor: Actor, record_id: int) -> tuple[int, dict[str, Any]]:
    """The record's revision and drawing document."""
    require(actor, Action.VIEW_RECORD)
    record = _scoped_record(session, actor, record_id, lock=False)
    audit.record(
        session,
        actor,
        "record.drawing_read",
        appointment_id=record.appointment_id,
        record_id=record.id,
    )
    return record.revision, record.drawing_data


def save_operations(
    session: Session,
    actor: Actor,
    record_id: int,
    raw_ops: object,
    *,
    expected_revision: int | None = None,
) -> SaveResult:
    """Apply edit operations to the latest stored record; returns the new revision.

    Raises ``ValidationFailed`` (nothing stored) when an operation is malformed, the
    result would break a document rule or a background is not the patient's file of its
    kind (``record_files.keep_background_in_step``, which also keeps the background
    link), ``NotFound`` for another clinic's record and ``PermissionDenied`` for roles
    that may not edit. With ``expected_revision`` (the REST API's ``If-Match``) the save
    happens only if the record is still at that revision, checked under the row lock;
    otherwise ``RevisionMismatch``.
    """
    require(actor, Action.EDIT_RECORD)
    try:
        ops = parse_operations(raw_ops)
    except DocumentError as exc:
        raise ValidationFailed(error_messages(exc)) from exc
    record = _scoped_record(session, actor, record_id, lock=True)
    if expected_revision is not None and record.revision != expected_revision:
        raise RevisionMismatch(record.revision)
    ids = [op.op_id for op in ops]
    seen = set(
        session.exec(
            select(MedicalRecordOp.op_id).where(
                MedicalRecordOp.medical_record_id == record.id, col(MedicalRecordOp.op_id).in_(ids)
            )
        ).all()
    )
    fresh = [op for op in ops if op.op_id not in seen]
    if not fresh:
        return SaveResult(revision=record.revision, acked_op_ids=ids, updated_at=record.updated_at)
    newer, clock = newest_wins(fresh, record.edit_clock, int(time.time() * 1000))
    try:
        drawing, form = apply_operations(record.drawing_data, record.form_data, newer)
    except DocumentError as exc:
        raise ValidationFailed(error_messages(exc)) from exc
    record_files.keep_background_in_step(session, actor, record, newer, drawing)
    record.drawing_data, record.form_data, record.edit_clock = drawing, form, clock
    record.revision += 1
    record.updated_by_user_id = actor.user_id
    session.add(record)
    session.add_all(
        MedicalRecordOp(
            medical_record_id=record.id,
            revision=record.revision,
            op_id=op.op_id,
            user_id=actor.user_id,
            op=op.model_dump(mode="json", by_alias=True, exclude_unset=True),
        )
        for op in fresh
    )
    audit.record(
        session,
        actor,
        "record.save",
        appointment_id=record.appointment_id,
        record_id=record.id,
        details={"revision": record.revision, "operations": len(fresh)},
    )
    session.flush()
    # Only the trigger-set timestamp: refreshing the row would decode the drawing again.
    updated_at = session.exec(
        select(MedicalRecord.updated_at).where(MedicalRecord.id == record.id)
    ).one()
    return SaveResult(revision=record.revision, acked_op_ids=ids, updated_at=updated_at)


def _record_for(session: Session, appointment_id: int, *, lock: bool) -> MedicalRecord | None:
    query = select(MedicalRecord).where(col(MedicalRecord.appointment_id) == appointment_id)
    return session.exec(query.with_for_update() if lock else query).first()


def _scoped_record(session: Session, actor: Actor, record_id: int, *, lock: bool) -> MedicalRecord:
    query = (
        select(MedicalRecord)
        .join(Appointment, col(Appointment.calendar_event_id) == col(MedicalRecord.appointment_id))
        .where(MedicalRecord.id == record_id, Appointment.clinic_id == actor.clinic_id)
    )
    if lock:
        query = query.with_for_update(of=MedicalRecord)
    record = session.exec(query).first()
    if record is None:
        raise NotFound("record")
    return record


def _create(
    session: Session, actor: Actor, appointment: Appointment, template_id: int | None
) -> MedicalRecord:
    """Create the record under a lock on the appointment, so two first openings agree."""
    session.exec(
        select(Appointment)
        .where(Appointment.calendar_event_id == appointment.calendar_event_id)
        .with_for_update()
    ).one()
    existing = _record_for(session, appointment.calendar_event_id, lock=False)
    if existing is not None:
        return existing
    return create_record(
        session,
        actor,
        appointment_id=appointment.calendar_event_id,
        template_id=template_id,
        drawing_data={},
        form_data={},
    )


def list_templates(session: Session, actor: Actor) -> list[TemplateChoice]:
    """The clinic's templates, newest version of each name, the default first."""
    rows = session.exec(
        select(MedicalRecordTemplate)
        .where(MedicalRecordTemplate.clinic_id == actor.clinic_id)
        .order_by(col(MedicalRecordTemplate.version).desc())
    ).all()
    newest: dict[str, MedicalRecordTemplate] = {}
    for row in rows:
        newest.setdefault(row.name, row)
    choices = [
        TemplateChoice(id=t.id, name=t.name, is_default=t.is_default) for t in newest.values()
    ]
    return sorted(choices, key=lambda c: (not c.is_default, c.name))


def _template(
    session: Session, actor: Actor, template_id: int | None
) -> MedicalRecordTemplate | None:
    if template_id is None:
        return None
    template = session.get(MedicalRecordTemplate, template_id)
    return template if template and template.clinic_id == actor.clinic_id else None


def _template_background_url(template: MedicalRecordTemplate | None) -> str:
    if template is None or not template.background_file_key:
        return ""
    settings = get_settings()
    return get_store(settings).url_for(
        template.background_file_key,
        expires_in=settings.file_url_ttl_seconds,
        content_type=template.background_file_type or "application/octet-stream",
    )
