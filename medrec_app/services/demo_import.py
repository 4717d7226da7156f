"""Importing a save of the browser-only demo into an appointment's record.

One export (checked by ``domain/demo_export.py``) becomes the record's drawing: the
background's bytes are decoded into a temporary file and go through the upload checks
and store of every patient file (``services/uploads.py``), and the lines, shapes, stage
size and background go in through the editor's one save path
(``records/editing.save_draft``), so the record is what the editor would have saved.
Nothing base64 reaches the database.

All or nothing: the record (created with the clinic's default template when the visit
has none), the file row, its blobs, the saves, the ``record_imports`` row and the audit
rows commit together; when anything is refused the transaction is rolled back and the
blobs already stored are removed. A save imported into the same record before is
recognised by its content hash and skipped. A dry run runs every check and stores
nothing.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, BinaryIO, Literal

from pydantic import BaseModel
from sqlmodel import Session, col, select

from medrec_app.domain.demo_export import (
    DemoExport,
    declared_type_problem,
    decode_data_url,
    page_problem,
    parse_export,
)
from medrec_app.domain.drawing import has_content
from medrec_app.domain.edits import MAX_OPS_PER_BATCH
from medrec_app.domain.errors import DocumentError
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.domain.uploads import CheckedFile
from medrec_app.models import Appointment, MedicalRecord, Patient, RecordImport, User
from medrec_app.services import audit, templates, uploads
from medrec_app.services.errors import (
    RecordSigned,
    ServiceError,
    UploadRefused,
    ValidationFailed,
)
from medrec_app.services.records import editing
from medrec_app.services.records.scope import (
    get_appointment,
    record_of_appointment,
    writable_record,
)
from medrec_app.services.records.tail import current_drawing
from medrec_app.settings import get_settings
from medrec_app.storage import get_store

Outcome = Literal["imported", "duplicate", "would_import"]
IMPORTABLE_LIMIT = 500
"""Appointments offered by the import page (the most recent without content)."""


class RecordHasContent(ServiceError):
    """The record already holds a drawing or form values; an import would mix them."""

    def __init__(self) -> None:
        super().__init__(
            "The appointment's record already has content. Import into a visit without "
            "one, or add the drawing to what is there with --merge (the page's 'Add to "
            "existing content')."
        )


class ImportResult(BaseModel):
    """What one import did, or (``would_import``) would do."""

    outcome: Outcome
    appointment_id: int
    record_id: int | None
    """None in a dry run for a visit without a record yet."""
    new_record: bool
    file_id: int | None
    background_type: str | None
    pdf_page_number: int | None
    lines: int
    shapes: int
    notes: list[str] = []

    def sentence(self) -> str:
        """One line for the command's output and the page's table."""
        if self.outcome == "duplicate":
            return f"already imported into record {self.record_id}; nothing new was created"
        what = f"{self.lines} line(s), {self.shapes} shape(s)"
        if self.background_type == "pdf":
            what += f", PDF background (page {self.pdf_page_number})"
        elif self.background_type == "image":
            what += ", image background"
        record = "a new record" if self.new_record else f"record {self.record_id}"
        done = "would import" if self.outcome == "would_import" else "imported"
        return f"{done} {what} into {record}" + "".join(f"; {n}" for n in self.notes)


class ImportableAppointment(BaseModel):
    """A visit the import page offers as a target: no record yet, or an empty one."""

    appointment_id: int
    starts_at: datetime
    patient_name: str
    practitioner_name: str


def read_export(raw: str | bytes) -> DemoExport:
    """One export checked against today's upload limit; ``ValidationFailed`` if refused."""
    try:
        return parse_export(raw, max_file_bytes=get_settings().max_upload_bytes)
    except DocumentError as exc:
        raise ValidationFailed(exc.messages) from None


def import_demo_export(
    session: Session,
    actor: Actor,
    appointment_id: int,
    export: DemoExport,
    *,
    merge: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Import ``export`` into the appointment's record; commits (see the module doc).

    Raises ``NotFound`` for an appointment outside the actor's clinic, ``PermissionDenied``
    for anyone who may not import, ``RecordHasContent`` for a record with content unless
    ``merge``, ``ValidationFailed``/``UploadRefused`` for an export refused, with the
    reason; nothing is then stored.
    """
    require(actor, Action.IMPORT_RECORDS)
    appointment = get_appointment(session, actor, appointment_id)
    record = record_of_appointment(session, appointment_id)
    result = _result(export, appointment_id, record)
    if record is not None and _refuse_or_skip(session, record, export, merge=merge):
        return result.model_copy(update={"outcome": "duplicate"})
    if record is not None and record.signed_at is not None:
        raise RecordSigned()
    with tempfile.TemporaryFile() as spool:
        if export.background is not None:
            decode_data_url(export.background, spool)
        if dry_run:
            if export.background is not None:
                spool.seek(0)
                with _naming(export):
                    checked = uploads.check_patient_file(spool, file_name=export.file_name)
                _accept(export)(checked)
            return result.model_copy(update={"outcome": "would_import"})
        return _import(session, actor, appointment, record, export, spool, result, merge=merge)


def _import(
    session: Session,
    actor: Actor,
    appointment: Appointment,
    record: MedicalRecord | None,
    export: DemoExport,
    spool: BinaryIO,
    result: ImportResult,
    *,
    merge: bool,
) -> ImportResult:
    keys: list[str] = []
    try:
        record_id = record.id if record is not None else _new_record(session, actor, appointment)
        assert record_id is not None
        # Checked again under the record's lock: another import of the same visit may
        # have committed since (two workers, two admins).
        locked, _ = writable_record(session, actor, record_id)
        if _refuse_or_skip(session, locked, export, merge=merge):
            session.rollback()
            return result.model_copy(
                update={"outcome": "duplicate", "record_id": record_id, "new_record": False}
            )
        file_id = None
        page_count = None
        if export.background is not None:
            spool.seek(0)
            with _naming(export):
                staged = uploads.stage_patient_file(
                    session,
                    actor,
                    appointment.patient_id,
                    file_name=export.file_name,
                    source=spool,
                    accept=_accept(export),
                )
            keys = staged.keys
            file_id, page_count = staged.row.id, staged.row.page_count
        for patch in drawing_patches(export, file_id, page_count):
            editing.save_draft(
                session,
                actor,
                record_id,
                drawing_patch=patch,
                form_patch=None,
                expected_revision=None,
                kind="imported",
            )
        session.add(
            RecordImport(
                medical_record_id=record_id,
                content_hash=export.content_hash,
                saved_at=export.saved_at,
                imported_by_user_id=actor.user_id,
            )
        )
        audit.record(
            session,
            actor,
            "record.import",
            patient_id=appointment.patient_id,
            appointment_id=appointment.calendar_event_id,
            record_id=record_id,
            file_id=file_id,
            details={"saved_at": export.saved_at, "merge": merge},
        )
        session.flush()
    except BaseException:
        session.rollback()
        uploads.remove_quietly(get_store(), keys)
        raise
    uploads.commit_or_remove(session, keys)
    return result.model_copy(
        update={"outcome": "imported", "record_id": record_id, "file_id": file_id}
    )


def _new_record(session: Session, actor: Actor, appointment: Appointment) -> int | None:
    """Create the visit's record through the one create path, with the clinic's default
    template (its only one, if it has no default); no ``record.open`` audit row, since
    nobody opened it."""
    choices = templates.list_templates(session, actor)
    default = next((c.id for c in choices if c.is_default), choices[0].id if choices else None)
    return editing.first_record(session, actor, appointment.calendar_event_id, default).id


@contextmanager
def _naming(export: DemoExport) -> Iterator[None]:
    """An upload refusal of the background, prefixed with the key that held it."""
    try:
        yield
    except UploadRefused as refused:
        assert export.background is not None
        raise UploadRefused(refused.kind, f"{export.background.field}: {refused}") from None


def _accept(export: DemoExport) -> Callable[[CheckedFile], None]:
    """The import's own checks of the decoded file, after the upload checks passed."""

    def check(checked: CheckedFile) -> None:
        assert export.background is not None
        problems = [
            problem
            for problem in (
                declared_type_problem(export.background, checked.kind),
                page_problem(export, checked.page_count),
            )
            if problem
        ]
        if problems:
            raise ValidationFailed(problems)

    return check


def drawing_patches(
    export: DemoExport, file_id: int | None, page_count: int | None
) -> list[dict[str, Any]]:
    """The draft updates that put the export into a record, each within one save's
    limit of operations: the stage and background first, then lines, then shapes."""
    first: dict[str, Any] = {"stageSize": export.stage_size}
    if file_id is not None:
        first["backgroundFileId"] = file_id
        if export.background_type == "pdf":
            first["pdfPageNumber"] = export.pdf_page_number or 1
            first["pdfNumPages"] = page_count
    patches = [first]
    count = 2 if file_id is not None else 1  # setStage, setBackground
    for key, elements in (("lines", export.lines), ("shapes", export.shapes)):
        for element in elements:
            if count >= MAX_OPS_PER_BATCH:
                patches.append({})
                count = 0
            patches[-1].setdefault(key, []).append(element)
            count += 1
    return patches


def _refuse_or_skip(
    session: Session, record: MedicalRecord, export: DemoExport, *, merge: bool
) -> bool:
    """True when the record has this export already; ``RecordHasContent`` when it has
    other content and ``merge`` is off."""
    if _imported_before(session, record, export.content_hash):
        return True
    if not merge and has_content(current_drawing(session, record), record.form_data):
        raise RecordHasContent()
    return False


def _imported_before(session: Session, record: MedicalRecord, content_hash: str) -> bool:
    return (
        session.exec(
            select(RecordImport.id).where(
                RecordImport.medical_record_id == record.id,
                RecordImport.content_hash == content_hash,
            )
        ).first()
        is not None
    )


def _result(export: DemoExport, appointment_id: int, record: MedicalRecord | None) -> ImportResult:
    return ImportResult(
        outcome="would_import",
        appointment_id=appointment_id,
        record_id=record.id if record is not None else None,
        new_record=record is None,
        file_id=None,
        background_type=export.background_type,
        pdf_page_number=export.pdf_page_number,
        lines=len(export.lines),
        shapes=len(export.shapes),
        notes=export.notes,
    )


def importable_appointments(session: Session, actor: Actor) -> list[ImportableAppointment]:
    """The clinic's visits whose record is missing or empty, newest first (a few hundred)."""
    require(actor, Action.IMPORT_RECORDS)
    rows = session.exec(
        select(Appointment, Patient, User, MedicalRecord)
        .join(Patient, col(Patient.id) == col(Appointment.patient_id))
        .join(User, col(User.id) == col(Appointment.practitioner_id))
        .outerjoin(
            MedicalRecord,
            col(MedicalRecord.appointment_id) == col(Appointment.calendar_event_id),
        )
        .where(Appointment.clinic_id == actor.clinic_id)
        .order_by(col(Appointment.starts_at).desc())
        .limit(IMPORTABLE_LIMIT * 4)
    ).all()
    found = [
        ImportableAppointment(
            appointment_id=appointment.calendar_event_id,
            starts_at=appointment.starts_at,
            patient_name=f"{patient.first_name} {patient.last_name}",
            practitioner_name=practitioner.full_name,
        )
        for appointment, patient, practitioner, record in rows
        if record is None or not has_content(current_drawing(session, record), record.form_data)
    ]
    return found[:IMPORTABLE_LIMIT]
