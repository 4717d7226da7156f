"""A record as the REST API reads it: the spec's ``GET /api/medical-records/{id}`` shape.

The two documents stay the JSON text PostgreSQL holds: a drawing can be megabytes, and
decoding it only to encode it again for the answer would be most of a read's work. They
are carried as ``orjson.Fragment`` (JSON inserted as it is) and the model is written out
by :func:`record_json`.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from pydantic import AwareDatetime, BaseModel, Field, WithJsonSchema
from sqlalchemy import Text, cast
from sqlmodel import Session, col, select

from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import (
    Appointment,
    MedicalRecord,
    MedicalRecordFile,
    PatientFile,
    TemplateVersion,
)
from medrec_app.services import audit
from medrec_app.services.errors import NotFound
from medrec_app.services.files import issue_link
from medrec_app.services.records.create import (
    DRAWING_DESCRIPTION,
    FORM_DESCRIPTION,
    MedicalRecordCreate,
    create_record,
)
from medrec_app.services.records.scope import in_clinic
from medrec_app.services.records.tail import drawing_as_stored

StoredJson = Annotated[Any, WithJsonSchema({"type": "object", "additionalProperties": True})]
"""A document as stored: JSON text, written out unchanged (``orjson.Fragment``)."""


class RecordFileLink(BaseModel):
    """A file of the record, with a time-limited link (the spec's `s3_url`)."""

    id: int
    file_name: str
    s3_url: str = Field(description="A time-limited link to the file.")
    file_type: str


class MedicalRecordPublic(BaseModel):
    """The spec's `GET /api/medical-records/{id}` response."""

    id: int
    appointment_id: int
    template_id: int | None = Field(description="The template the record follows, if any.")
    template_version: int | None = Field(
        description=(
            "The version of that template the record was made with; `form_data` matches "
            "it (`GET /api/templates/{template_id}/versions/{template_version}`)."
        )
    )
    drawing_data: StoredJson = Field(description=DRAWING_DESCRIPTION)
    form_data: StoredJson = Field(description=FORM_DESCRIPTION)
    background_file: RecordFileLink | None
    attachment_files: list[RecordFileLink]
    created_at: AwareDatetime
    updated_at: AwareDatetime


class RecordRead(BaseModel):
    """The record, and its revision (the API's ``ETag``)."""

    record: MedicalRecordPublic
    revision: int


def read_record(session: Session, actor: Actor, record_id: int) -> RecordRead:
    """The record with links to its background and attachments; audited as a read."""
    require(actor, Action.VIEW_RECORD)
    row = session.execute(
        in_clinic(
            select(
                MedicalRecord.id,
                MedicalRecord.appointment_id,
                MedicalRecord.template_id,
                TemplateVersion.version.label("template_version"),
                MedicalRecord.revision,
                MedicalRecord.drawing_revision,
                MedicalRecord.tail_bytes,
                MedicalRecord.created_at,
                MedicalRecord.updated_at,
                cast(col(MedicalRecord.drawing_data), Text).label("drawing_json"),
                cast(col(MedicalRecord.form_data), Text).label("form_json"),
                col(MedicalRecord.drawing_data)["backgroundFileId"].astext.label("drawn_id"),
                Appointment.patient_id,
            ),
            actor,
            record_id,
        ).outerjoin(
            TemplateVersion, col(TemplateVersion.id) == col(MedicalRecord.template_version_id)
        )
    ).first()
    if row is None:
        raise NotFound("record")
    linked = session.exec(
        select(MedicalRecordFile.file_role, PatientFile)
        .join(PatientFile, col(PatientFile.id) == col(MedicalRecordFile.patient_file_id))
        .where(MedicalRecordFile.medical_record_id == row.id)
        .order_by(col(MedicalRecordFile.id))
    ).all()
    audit.record(
        session,
        actor,
        "record.read",
        patient_id=row.patient_id,
        appointment_id=row.appointment_id,
        record_id=row.id,
    )
    # The drawing names the background in use; older background links are history.
    background = next(
        (f for role, f in linked if role == "background" and str(f.id) == row.drawn_id), None
    )
    attachments = [f for role, f in linked if role == "attachment"]

    def link(file: PatientFile) -> RecordFileLink:
        assert file.id is not None
        url = issue_link(session, actor, file, row.id).url
        return RecordFileLink(
            id=file.id, file_name=file.file_name, s3_url=url, file_type=file.file_type
        )

    record = MedicalRecordPublic(
        id=row.id,
        appointment_id=row.appointment_id,
        template_id=row.template_id,
        template_version=row.template_version,
        drawing_data=drawing_as_stored(
            session, row.id, row.drawing_json, row.drawing_revision, row.tail_bytes
        ),
        form_data=orjson.Fragment(row.form_json),
        background_file=link(background) if background else None,
        attachment_files=[link(f) for f in attachments],
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
    return RecordRead(record=record, revision=row.revision)


def record_json(record: MedicalRecordPublic, *, link_base: str = "") -> bytes:
    """The record as JSON, in the spec's key order; relative file links made absolute
    with ``link_base`` (the local store signs links relative to the app)."""

    def absolute(file: RecordFileLink) -> dict[str, Any]:
        out = file.model_dump()
        if file.s3_url.startswith("/"):
            out["s3_url"] = link_base + file.s3_url
        return out

    background = record.background_file
    return orjson.dumps(
        {
            "id": record.id,
            "appointment_id": record.appointment_id,
            "template_id": record.template_id,
            "template_version": record.template_version,
            "drawing_data": record.drawing_data,
            "form_data": record.form_data,
            "background_file": absolute(background) if background else None,
            "attachment_files": [absolute(f) for f in record.attachment_files],
            "created_at": record.created_at,
            "updated_at": record.updated_at,
        }
    )


def create_and_read(
    session: Session, actor: Actor, new: MedicalRecordCreate, attachment_file_ids: list[int]
) -> RecordRead:
    """Create the record and read it back as the API answers, in one transaction."""
    created = create_record(session, actor, new, attachment_file_ids)
    assert created.id is not None
    session.flush()
    return read_record(session, actor, created.id)
