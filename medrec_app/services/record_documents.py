"""Whole records for the REST API: create from the spec's request, read in its response
shape, and apply a draft update (merge rule in ``domain/draft_patch.py``).

Writes go through the one save path: creation through ``records.create_record``, draft
updates as edit operations through ``editing.save_operations``. Every lookup is scoped
to the actor's clinic; another clinic's id answers ``NotFound`` like a missing one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Text, cast
from sqlmodel import Session, col, select

from medrec_app.domain.draft_patch import BACKGROUND_KEYS, BackgroundFile, draft_operations
from medrec_app.domain.errors import DocumentError
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import (
    Appointment,
    MedicalRecord,
    MedicalRecordFile,
    MedicalRecordTemplate,
    Patient,
    PatientFile,
)
from medrec_app.services import audit, editing, record_files, records
from medrec_app.services.errors import (
    NotFound,
    RevisionMismatch,
    ServiceError,
    ValidationFailed,
)
from medrec_app.services.files import audited_link
from medrec_app.settings import get_settings
from medrec_app.storage import get_store


class FileRef(BaseModel):
    """A file of the record, with a time-limited link (the spec's ``s3_url``)."""

    id: int
    file_name: str
    s3_url: str
    file_type: str


class RecordDocument(BaseModel):
    """A record in the spec's ``GET /api/medical-records/{id}`` shape, plus its revision.

    The two documents are the JSON text PostgreSQL holds: a drawing can be megabytes, and
    decoding it only to encode it again for the answer would be most of a read's work.
    """

    id: int
    appointment_id: int
    drawing_json: str
    form_json: str
    background_file: FileRef | None
    attachment_files: list[FileRef]
    created_at: datetime
    updated_at: datetime
    revision: int


class DraftSaved(BaseModel):
    id: int
    revision: int
    updated_at: datetime | None


def check_new_record(
    session: Session,
    actor: Actor,
    *,
    appointment_id: int,
    template_id: int | None,
    drawing_data: dict[str, Any],
    form_data: dict[str, Any],
) -> int:
    """Whether ``create_record`` would accept this, before files are uploaded for it.

    Returns the appointment's patient id; raises what ``create_record`` would raise.
    The drawing is checked without its background keys (the upload provides those).
    """
    require(actor, Action.EDIT_RECORD)
    appointment = records.get_appointment(session, actor, appointment_id)
    if template_id is not None:
        template = session.get(MedicalRecordTemplate, template_id)
        if template is None or template.clinic_id != actor.clinic_id:
            raise NotFound("template")
    frame = {k: v for k, v in drawing_data.items() if k not in BACKGROUND_KEYS}
    records.validate_documents(frame, form_data)
    if session.exec(
        select(MedicalRecord.id).where(col(MedicalRecord.appointment_id) == appointment_id)
    ).first():
        raise ServiceError("This appointment already has a record.")
    return appointment.patient_id


def create_record(
    session: Session,
    actor: Actor,
    *,
    appointment_id: int,
    template_id: int | None,
    drawing_data: dict[str, Any],
    form_data: dict[str, Any],
    attachment_file_ids: Sequence[int] = (),
) -> MedicalRecord:
    """Create the appointment's record from the spec's request.

    A ``backgroundFileId`` must name a file of the appointment's patient; its type fills
    a missing ``backgroundType`` (the spec's example sends only the id). The background
    link is written by ``records.create_record``; ``attachment_file_ids`` (files of the
    same patient) are attached through ``record_files.attach_file``.
    """
    require(actor, Action.EDIT_RECORD)
    appointment = records.get_appointment(session, actor, appointment_id)
    background = _background_for(session, actor, appointment.patient_id, drawing_data)
    if background is not None:
        drawing_data = _with_background(drawing_data, background)
    record = records.create_record(
        session,
        actor,
        appointment_id=appointment_id,
        template_id=template_id,
        drawing_data=drawing_data,
        form_data=form_data,
    )
    assert record.id is not None
    for file_id in attachment_file_ids:
        record_files.attach_file(session, actor, record.id, file_id)
    return record


def read_record(session: Session, actor: Actor, record_id: int) -> RecordDocument:
    """The record with links to its background and attachments; audited as a read."""
    require(actor, Action.VIEW_RECORD)
    record = session.execute(
        select(
            MedicalRecord.id,
            MedicalRecord.appointment_id,
            MedicalRecord.revision,
            MedicalRecord.created_at,
            MedicalRecord.updated_at,
            cast(col(MedicalRecord.drawing_data), Text).label("drawing_json"),
            cast(col(MedicalRecord.form_data), Text).label("form_json"),
            col(MedicalRecord.drawing_data)["backgroundFileId"].astext.label("drawn_id"),
            Appointment.patient_id,
        )
        .join(Appointment, col(Appointment.calendar_event_id) == col(MedicalRecord.appointment_id))
        .where(MedicalRecord.id == record_id, Appointment.clinic_id == actor.clinic_id)
    ).first()
    if record is None:
        raise NotFound("record")
    rows = session.exec(
        select(MedicalRecordFile.file_role, PatientFile)
        .join(PatientFile, col(PatientFile.id) == col(MedicalRecordFile.patient_file_id))
        .where(MedicalRecordFile.medical_record_id == record.id)
        .order_by(col(MedicalRecordFile.id))
    ).all()
    audit.record(
        session,
        actor,
        "record.read",
        patient_id=record.patient_id,
        appointment_id=record.appointment_id,
        record_id=record.id,
    )
    backgrounds = [f for role, f in rows if role == "background"]
    # The drawing names the background in use; older background links are history.
    background = next((f for f in backgrounds if str(f.id) == record.drawn_id), None)
    attachments = [f for role, f in rows if role == "attachment"]
    shown = ([background] if background else []) + attachments
    refs = _file_refs(session, actor, shown, record.id)
    return RecordDocument(
        id=record.id,
        appointment_id=record.appointment_id,
        drawing_json=record.drawing_json,
        form_json=record.form_json,
        background_file=refs[0] if background else None,
        attachment_files=refs[1:] if background else refs,
        created_at=record.created_at,
        updated_at=record.updated_at,
        revision=record.revision,
    )


def record_revision(session: Session, actor: Actor, record_id: int) -> int:
    """The record's current revision (for a precondition answer)."""
    require(actor, Action.VIEW_RECORD)
    return _scoped(session, actor, record_id)[0].revision


def save_draft(
    session: Session,
    actor: Actor,
    record_id: int,
    *,
    drawing_patch: dict[str, Any] | None,
    form_patch: dict[str, Any] | None,
    expected_revision: int,
) -> DraftSaved:
    """Apply a draft update if the record is still at ``expected_revision``.

    Raises ``RevisionMismatch`` (nothing saved) when it is not, ``ValidationFailed``
    with path-first messages when the patch or its result is refused.
    """
    require(actor, Action.EDIT_RECORD)
    record, patient_id = _scoped(session, actor, record_id)
    if record.revision != expected_revision:
        raise RevisionMismatch(record.revision)
    background = _background_for(session, actor, patient_id, drawing_patch or {})
    try:
        ops = draft_operations(
            record.drawing_data,
            record.form_data,
            drawing_patch,
            form_patch,
            background_file=background,
        )
    except DocumentError as exc:
        raise ValidationFailed(exc.messages) from exc
    result = editing.save_operations(
        session, actor, record_id, ops, expected_revision=expected_revision
    )
    return DraftSaved(id=record_id, revision=result.revision, updated_at=result.updated_at)


def _scoped(session: Session, actor: Actor, record_id: int) -> tuple[MedicalRecord, int]:
    row = session.exec(
        select(MedicalRecord, Appointment.patient_id)
        .join(Appointment, col(Appointment.calendar_event_id) == col(MedicalRecord.appointment_id))
        .where(MedicalRecord.id == record_id, Appointment.clinic_id == actor.clinic_id)
    ).first()
    if row is None:
        raise NotFound("record")
    return row[0], row[1]


def _background_for(
    session: Session, actor: Actor, patient_id: int, drawing: dict[str, Any]
) -> BackgroundFile | None:
    """The file a drawing's ``backgroundFileId`` names, if it is this patient's.

    An id of another patient or clinic, or of a file that cannot be a background,
    raises ``ValidationFailed``: the same answer as an id that does not exist.
    """
    file_id = drawing.get("backgroundFileId") if isinstance(drawing, dict) else None
    if file_id is None:
        return None
    missing = ValidationFailed(
        ["drawing_data.backgroundFileId: no such image or PDF file for this patient"]
    )
    if isinstance(file_id, bool) or not isinstance(file_id, int) or not 0 < file_id < 2**31:
        raise missing
    row = _patient_file(session, actor, patient_id, file_id)
    kind = record_files.background_kind(row.file_type) if row else None
    if row is None or kind is None:
        raise missing
    return BackgroundFile(id=file_id, background_type=kind, page_count=row.page_count)


def _patient_file(
    session: Session, actor: Actor, patient_id: int, file_id: int
) -> PatientFile | None:
    """The file if it is the patient's, in the actor's clinic."""
    row = session.exec(
        select(PatientFile)
        .join(Patient, col(Patient.id) == col(PatientFile.patient_id))
        .where(
            PatientFile.id == file_id,
            PatientFile.patient_id == patient_id,
            Patient.clinic_id == actor.clinic_id,
        )
    ).first()
    return row


def _with_background(drawing: dict[str, Any], background: BackgroundFile) -> dict[str, Any]:
    given = drawing.get("backgroundType")
    if given is not None and given != background.background_type:
        raise ValidationFailed(
            [
                f"drawing_data.backgroundType: the file is {background.background_type!r}, "
                f"not {given!r}"
            ]
        )
    result = {**drawing, "backgroundType": background.background_type}
    if background.background_type == "pdf" and background.page_count:
        result.setdefault("pdfNumPages", background.page_count)
        result.setdefault("pdfPageNumber", 1)
    return result


def _file_refs(
    session: Session, actor: Actor, rows: list[PatientFile], record_id: int
) -> list[FileRef]:
    """Links for the files; each link issued is audited as viewing that file."""
    store = get_store(get_settings())
    refs = []
    for row in rows:
        link = audited_link(session, actor, row, store, record_id)
        refs.append(
            FileRef(
                id=link.file_id, file_name=row.file_name, s3_url=link.url, file_type=row.file_type
            )
        )
    return refs
