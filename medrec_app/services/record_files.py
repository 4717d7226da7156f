"""A record's files: its drawing background and its attachments (``medical_record_files``).

The background is set by a ``setBackground`` edit operation and lives in the drawing
(``backgroundFileId``/``backgroundType``/``pdfPageNumber``/``pdfNumPages``); the save path
calls :func:`keep_background_in_step`, which refuses a background that is not a file of
the record's patient of the right kind, and keeps the one ``background`` link row equal to
the drawing in the same transaction. Attachments are plain link rows (role
``attachment``). Every file is looked up through the record's patient inside the actor's
clinic, so another clinic's or another patient's file id answers "not found".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, delete, select

from medrec_app.domain.edits import SetBackground
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import Appointment, MedicalRecord, MedicalRecordFile, PatientFile
from medrec_app.services import audit
from medrec_app.services.errors import NotFound, ValidationFailed
from medrec_app.services.files import FileLink, PatientFilePublic, audited_link, patient_files
from medrec_app.settings import get_settings
from medrec_app.storage import BlobStore, get_store

PDF_TYPE = "application/pdf"
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
BACKGROUND_TYPES: dict[str, frozenset[str]] = {"image": IMAGE_TYPES, "pdf": frozenset({PDF_TYPE})}
"""The stored content types each ``backgroundType`` accepts."""
BACKGROUND = "background"
ATTACHMENT = "attachment"


class RecordFile(BaseModel):
    """A file of the record with a link issued for the actor (audited as ``file.view``)."""

    file: PatientFilePublic
    link: FileLink


class RecordFiles(BaseModel):
    background: RecordFile | None
    attachments: list[RecordFile]


class RecordFileList(BaseModel):
    background: PatientFilePublic | None
    attachments: list[PatientFilePublic]


def background_kind(file_type: str) -> str | None:
    """``"image"``, ``"pdf"`` or None: what a file of this type can be as a background."""
    return next((kind for kind, types in BACKGROUND_TYPES.items() if file_type in types), None)


def record_file_list(session: Session, actor: Actor, record_id: int) -> RecordFileList:
    """The record's background (or None) and attachments, oldest attachment first; no links."""
    require(actor, Action.VIEW_RECORD)
    require(actor, Action.VIEW_FILES)
    record_id, patient_id = _record_patient(session, actor, record_id)
    links = session.exec(
        select(MedicalRecordFile.patient_file_id, MedicalRecordFile.file_role)
        .where(MedicalRecordFile.medical_record_id == record_id)
        .order_by(col(MedicalRecordFile.created_at), col(MedicalRecordFile.id))
    ).all()
    by_id = {f.id: f for f in patient_files(session, patient_id, [i for i, _ in links])}
    listed = RecordFileList(background=None, attachments=[])
    for file_id, role in links:
        public = by_id.get(file_id)
        if public is not None and role == BACKGROUND:
            listed.background = public
        elif public is not None and role == ATTACHMENT:
            listed.attachments.append(public)
    return listed


def list_record_files(session: Session, actor: Actor, record_id: int) -> RecordFiles:
    """:func:`record_file_list` with a link for each file (each audited as ``file.view``)."""
    listed = record_file_list(session, actor, record_id)
    store = get_store(get_settings())

    def linked(public: PatientFilePublic) -> RecordFile:
        return _with_link(session, actor, record_id, public, store)

    return RecordFiles(
        background=linked(listed.background) if listed.background else None,
        attachments=[linked(f) for f in listed.attachments],
    )


def attachment_link(session: Session, actor: Actor, record_id: int, file_id: int) -> RecordFile:
    """A link to one of the record's attachments, issued now (audited as ``file.view``)."""
    require(actor, Action.VIEW_RECORD)
    require(actor, Action.VIEW_FILES)
    record_id, patient_id = _record_patient(session, actor, record_id)
    found = patient_files(session, patient_id, [file_id])
    if not found or _link(session, record_id, file_id, ATTACHMENT) is None:
        raise NotFound("attachment")
    return _with_link(session, actor, record_id, found[0], get_store(get_settings()))


def background_candidates(
    session: Session, actor: Actor, record_id: int
) -> list[PatientFilePublic]:
    """The patient's files that can be the record's background (images and PDFs), newest first."""
    require(actor, Action.VIEW_RECORD)
    require(actor, Action.VIEW_FILES)
    _, patient_id = _record_patient(session, actor, record_id)
    return [f for f in patient_files(session, patient_id) if background_kind(f.file_type)]


def attachable_files(session: Session, actor: Actor, record_id: int) -> list[PatientFilePublic]:
    """The patient's files not yet attached to the record, newest first."""
    require(actor, Action.VIEW_RECORD)
    require(actor, Action.VIEW_FILES)
    record_id, patient_id = _record_patient(session, actor, record_id)
    attached = set(
        session.exec(
            select(MedicalRecordFile.patient_file_id).where(
                MedicalRecordFile.medical_record_id == record_id,
                MedicalRecordFile.file_role == ATTACHMENT,
            )
        ).all()
    )
    return [f for f in patient_files(session, patient_id) if f.id not in attached]


def background_link(session: Session, actor: Actor, record_id: int, file_id: int) -> RecordFile:
    """A link to a background candidate of the record (the canvas asks when it needs one).

    ``NotFound`` unless the file is the record's patient's image or PDF.
    """
    require(actor, Action.VIEW_RECORD)
    require(actor, Action.VIEW_FILES)
    record_id, patient_id = _record_patient(session, actor, record_id)
    found = patient_files(session, patient_id, [file_id])
    if not found or not background_kind(found[0].file_type):
        raise NotFound("file")
    return _with_link(session, actor, record_id, found[0], get_store(get_settings()))


def attach_file(session: Session, actor: Actor, record_id: int, file_id: int) -> PatientFilePublic:
    """Attach one of the patient's files to the record; attaching it again changes nothing."""
    require(actor, Action.EDIT_RECORD)
    record_id, patient_id = _record_patient(session, actor, record_id)
    found = patient_files(session, patient_id, [file_id])
    if not found:
        raise NotFound("file")
    if _link(session, record_id, file_id, ATTACHMENT) is None:
        session.add(
            MedicalRecordFile(
                medical_record_id=record_id, patient_file_id=file_id, file_role=ATTACHMENT
            )
        )
        audit.record(
            session,
            actor,
            "record.attach",
            patient_id=patient_id,
            record_id=record_id,
            file_id=file_id,
        )
        session.flush()
    return found[0]


def detach_file(session: Session, actor: Actor, record_id: int, file_id: int) -> None:
    """Remove an attachment from the record (the file itself stays with the patient)."""
    require(actor, Action.EDIT_RECORD)
    record_id, patient_id = _record_patient(session, actor, record_id)
    link = _link(session, record_id, file_id, ATTACHMENT)
    if link is None:
        raise NotFound("attachment")
    session.delete(link)
    audit.record(
        session, actor, "record.detach", patient_id=patient_id, record_id=record_id, file_id=file_id
    )
    session.flush()


def keep_background_in_step(
    session: Session,
    actor: Actor,
    record: MedicalRecord,
    ops: Sequence[object],
    drawing: Mapping[str, Any],
) -> None:
    """The background rule of the save path, called before the new drawing is stored.

    Each ``setBackground`` with a file in ``ops`` must name the record's patient's file
    of the matching kind (and, for a PDF, a page within its page count), else
    ``ValidationFailed`` and the caller stores nothing. The record's one ``background``
    link then follows ``drawing`` (the document after the batch).
    """
    backgrounds = [op for op in ops if isinstance(op, SetBackground)]
    if not backgrounds:
        return
    assert record.id is not None
    patient_id = session.exec(
        select(Appointment.patient_id).where(Appointment.calendar_event_id == record.appointment_id)
    ).one()
    named = {op.background_file_id for op in backgrounds if op.background_file_id is not None}
    rows = _patient_file_rows(session, patient_id, named)
    problems = [
        problem
        for op in backgrounds
        if (problem := _background_problem(op.background_keys(), rows))
    ]
    if problems:
        raise ValidationFailed(list(dict.fromkeys(problems)))
    _set_background_link(session, actor, record.id, patient_id, drawing.get("backgroundFileId"))


def check_new_record_background(
    session: Session, actor: Actor, record: MedicalRecord, patient_id: int
) -> None:
    """The same rule for a record created with a background (``records.create_record``,
    used by importers and the API): ``ValidationFailed`` unless it is the patient's file
    of its kind; else the ``background`` link is written with the record."""
    drawing = record.drawing_data
    file_id = drawing.get("backgroundFileId")
    if not isinstance(file_id, int):
        return
    assert record.id is not None
    problem = _background_problem(drawing, _patient_file_rows(session, patient_id, [file_id]))
    if problem:
        raise ValidationFailed([f"drawing_data: {problem}"])
    _set_background_link(session, actor, record.id, patient_id, file_id)


def _background_problem(keys: Mapping[str, Any], rows: Mapping[int, PatientFile]) -> str | None:
    """What is wrong with a background (the drawing's four keys), or None."""
    file_id = keys.get("backgroundFileId")
    if file_id is None:
        return None
    row = rows.get(file_id)
    if row is None:
        return f"The background file {file_id} was not found among this patient's files."
    kind = background_kind(row.file_type)
    if kind is None:
        return "Only an image (JPEG, PNG, WebP) or a PDF can be a background."
    if kind != keys.get("backgroundType"):
        return f"File {row.id} is {'a PDF' if kind == 'pdf' else 'an image'}: set it as {kind!r}."
    if kind != "pdf":
        return None
    if row.page_count is None:
        return f"The page count of PDF {row.id} is not known, so it cannot be a background."
    page, pages = keys.get("pdfPageNumber") or 1, keys.get("pdfNumPages")
    if page > row.page_count:
        return f"Page {page} is beyond the {row.page_count} page(s) of PDF {row.id}."
    if pages is not None and pages != row.page_count:
        return f"pdfNumPages {pages} does not match the {row.page_count} page(s) of PDF {row.id}."
    return None


def _set_background_link(
    session: Session, actor: Actor, record_id: int, patient_id: int, file_id: object
) -> None:
    """Make the record's ``background`` link rows exactly ``file_id`` (none if None)."""
    wanted = file_id if isinstance(file_id, int) else None
    current = session.exec(
        select(MedicalRecordFile).where(
            MedicalRecordFile.medical_record_id == record_id,
            MedicalRecordFile.file_role == BACKGROUND,
        )
    ).all()
    if [row.patient_file_id for row in current] == ([wanted] if wanted else []):
        return
    session.exec(
        delete(MedicalRecordFile).where(
            col(MedicalRecordFile.medical_record_id) == record_id,
            col(MedicalRecordFile.file_role) == BACKGROUND,
        )
    )
    if wanted is not None:
        session.add(
            MedicalRecordFile(
                medical_record_id=record_id, patient_file_id=wanted, file_role=BACKGROUND
            )
        )
    audit.record(
        session,
        actor,
        "record.background",
        patient_id=patient_id,
        record_id=record_id,
        file_id=wanted,
        details={"cleared": wanted is None},
    )


def _record_patient(session: Session, actor: Actor, record_id: int) -> tuple[int, int]:
    """``(record_id, patient_id)`` of a record in the actor's clinic, else ``NotFound``.

    Reads ids only: the drawing of a large record is not decoded for this.
    """
    row = session.exec(
        select(MedicalRecord.id, Appointment.patient_id)
        .join(Appointment, col(Appointment.calendar_event_id) == col(MedicalRecord.appointment_id))
        .where(MedicalRecord.id == record_id, Appointment.clinic_id == actor.clinic_id)
    ).first()
    if row is None:
        raise NotFound("record")
    return row[0], row[1]


def _patient_file_rows(
    session: Session, patient_id: int, ids: Iterable[int]
) -> dict[int, PatientFile]:
    wanted = list(ids)
    if not wanted:
        return {}
    rows = session.exec(
        select(PatientFile).where(
            PatientFile.patient_id == patient_id, col(PatientFile.id).in_(wanted)
        )
    ).all()
    return {row.id: row for row in rows if row.id is not None}


def _with_link(
    session: Session, actor: Actor, record_id: int, public: PatientFilePublic, store: BlobStore
) -> RecordFile:
    row = session.get(PatientFile, public.id)
    assert row is not None  # just read in this transaction
    return RecordFile(file=public, link=audited_link(session, actor, row, store, record_id))


def _link(session: Session, record_id: int, file_id: int, role: str) -> MedicalRecordFile | None:
    return session.exec(
        select(MedicalRecordFile).where(
            MedicalRecordFile.medical_record_id == record_id,
            MedicalRecordFile.patient_file_id == file_id,
            MedicalRecordFile.file_role == role,
        )
    ).first()
