"""Creating an appointment's one record: the only place a record row is inserted.

Every caller creates here: the editor's first opening of a visit, the REST API, the
importer and the demo data. The appointment row is locked first, so two first openings
(two tabs, or a tab and a booking system) wait for each other and the second finds the
record the first made, instead of both inserting and one failing on the unique index.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from medrec_app.domain.draft_patch import BACKGROUND_KEYS, with_background
from medrec_app.domain.drawing import error_messages, parse_drawing
from medrec_app.domain.errors import DocumentError
from medrec_app.domain.forms import parse_form_data
from medrec_app.domain.ids import MAX_ID
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import Appointment, MedicalRecord
from medrec_app.services import audit
from medrec_app.services.errors import RecordExists, ValidationFailed
from medrec_app.services.records.files import (
    attach_file,
    background_problem,
    named_background,
    patient_file_rows,
    set_background_link,
)
from medrec_app.services.records.revisions import log_revision
from medrec_app.services.records.scope import get_appointment, record_of_appointment
from medrec_app.services.records.tail import recounted
from medrec_app.services.templates import version_for_new_record

DRAWING_DESCRIPTION = (
    "The spec's drawing document: `lines`, `shapes`, `stageSize`, `backgroundType`, "
    "`backgroundFileId`, `pdfPageNumber`, `pdfNumPages` (camelCase keys)."
)
FORM_DESCRIPTION = "Form field values by key; one level of groups (`vital_signs.bp`)."


class MedicalRecordCreate(BaseModel):
    """The spec's `POST /api/medical-records` request (JSON form)."""

    model_config = ConfigDict(extra="forbid")

    appointment_id: int = Field(
        ge=1, le=MAX_ID, description="The appointment's `calendar_event_id`."
    )
    template_id: int | None = Field(None, ge=1, le=MAX_ID)
    drawing_data: dict[str, Any] = Field(default_factory=dict, description=DRAWING_DESCRIPTION)
    form_data: dict[str, Any] = Field(default_factory=dict, description=FORM_DESCRIPTION)


def create_record(
    session: Session,
    actor: Actor,
    new: MedicalRecordCreate,
    attachment_file_ids: Sequence[int] = (),
) -> MedicalRecord:
    """Create the record of an appointment from the spec's documents.

    A ``backgroundFileId`` must name an image or PDF of the appointment's patient; its
    type fills a missing ``backgroundType`` (the spec's example sends only the id), and
    the record's ``background`` link is written with it. ``attachment_file_ids`` (files
    of the same patient) are attached. Raises ``NotFound`` for an appointment, template
    or file outside the actor's clinic, ``ValidationFailed`` with readable messages for
    a document that is refused, and ``RecordExists`` when the appointment has a record.
    """
    appointment_id = new.appointment_id
    appointment = _appointment_for_new_record(session, actor, new, lock=True)
    version = (
        version_for_new_record(session, actor, new.template_id)
        if new.template_id is not None
        else None
    )
    named = named_background(session, appointment.patient_id, new.drawing_data)
    try:
        drawing = with_background(new.drawing_data, named)
    except DocumentError as exc:
        raise ValidationFailed(exc.messages) from exc
    drawing, form = validate_documents(drawing, new.form_data)
    rows = patient_file_rows(session, appointment.patient_id, [named.id] if named else [])
    problem = background_problem(drawing, rows)
    if problem:
        raise ValidationFailed([f"drawing_data: {problem}"])
    _refuse_a_second_record(session, appointment_id)
    record = MedicalRecord(
        appointment_id=appointment_id,
        template_id=new.template_id,
        template_version_id=version.id if version else None,
        drawing_data=drawing,
        form_data=form,
        created_by_user_id=actor.user_id,
        updated_by_user_id=actor.user_id,
    )
    session.add(record)
    session.flush()
    recounted(session, record)
    assert record.id is not None
    # The starting documents are in no operation log: the history keeps them here.
    log_revision(session, actor, record, "created", documents=True)
    audit.record(
        session,
        actor,
        "record.create",
        patient_id=appointment.patient_id,
        appointment_id=appointment_id,
        record_id=record.id,
    )
    if drawing.get("backgroundFileId") is not None:
        set_background_link(
            session, actor, record.id, appointment.patient_id, drawing["backgroundFileId"]
        )
    for file_id in attachment_file_ids:
        attach_file(session, actor, record.id, file_id)
    return record


def check_new_record(session: Session, actor: Actor, new: MedicalRecordCreate) -> int:
    """Whether :func:`create_record` would accept this before files are uploaded for it.

    Returns the appointment's patient id; raises what ``create_record`` would raise.
    The drawing is checked without its background keys (the upload provides those).
    """
    appointment = _appointment_for_new_record(session, actor, new, lock=False)
    frame = {k: v for k, v in new.drawing_data.items() if k not in BACKGROUND_KEYS}
    validate_documents(frame, new.form_data)
    _refuse_a_second_record(session, new.appointment_id)
    return appointment.patient_id


def _appointment_for_new_record(
    session: Session, actor: Actor, new: MedicalRecordCreate, *, lock: bool
) -> Appointment:
    require(actor, Action.EDIT_RECORD)
    appointment = get_appointment(session, actor, new.appointment_id, lock=lock)
    if new.template_id is not None:
        version_for_new_record(session, actor, new.template_id)
    return appointment


def _refuse_a_second_record(session: Session, appointment_id: int) -> None:
    if record_of_appointment(session, appointment_id) is not None:
        raise RecordExists()


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
