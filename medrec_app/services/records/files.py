"""A record's files: its drawing background and its attachments (``medical_record_files``).

The background is set by a ``setBackground`` edit operation and lives in the drawing
(``backgroundFileId``/``backgroundType``/``pdfPageNumber``/``pdfNumPages``). The save
path refuses, operation by operation, a background that is not a file of the record's
patient of the right kind (:func:`background_problems`), and keeps the one
``background`` link row equal to the drawing in the same transaction
(:func:`set_background_link`). Attachments are plain link rows (role ``attachment``);
attaching and detaching lock the record row like every other change of a record. Every
file is looked up through the record's patient inside the actor's clinic, so another
clinic's or another patient's file id answers "not found".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, delete, select

from medrec_app.domain.draft_patch import BackgroundFile
from medrec_app.domain.edits import Operation, SetBackground
from medrec_app.domain.file_types import background_kind
from medrec_app.domain.ids import parse_id
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import MedicalRecordFile, PatientFile
from medrec_app.services import audit
from medrec_app.services.errors import NotFound
from medrec_app.services.files import PatientFileLinked, PatientFilePublic, patient_files, with_link
from medrec_app.services.records.scope import RecordKeys, record_keys

BACKGROUND = "background"
ATTACHMENT = "attachment"


class RecordFileList(BaseModel):
    background: PatientFilePublic | None
    attachments: list[PatientFilePublic]


def list_record_files(session: Session, actor: Actor, record_id: int) -> RecordFileList:
    """The record's background (or None) and attachments, oldest attachment first; no links."""
    keys = _viewable(session, actor, record_id)
    links = session.exec(
        select(MedicalRecordFile.patient_file_id, MedicalRecordFile.file_role)
        .where(MedicalRecordFile.medical_record_id == keys.record_id)
        .order_by(col(MedicalRecordFile.created_at), col(MedicalRecordFile.id))
    ).all()
    by_id = {f.id: f for f in patient_files(session, keys.patient_id, [i for i, _ in links])}
    listed = RecordFileList(background=None, attachments=[])
    for file_id, role in links:
        found = by_id.get(file_id)
        if found is not None and role == BACKGROUND:
            listed.background = found
        elif found is not None and role == ATTACHMENT:
            listed.attachments.append(found)
    return listed


def issue_attachment_link(
    session: Session, actor: Actor, record_id: int, file_id: int
) -> PatientFileLinked:
    """One of the record's attachments with a link issued now (audited as ``file.view``)."""
    keys = _viewable(session, actor, record_id)
    found = patient_files(session, keys.patient_id, [file_id])
    if not found or _link(session, keys.record_id, file_id, ATTACHMENT) is None:
        raise NotFound("attachment")
    return with_link(session, actor, found[0], keys.record_id)


def background_candidates(
    session: Session, actor: Actor, record_id: int
) -> list[PatientFilePublic]:
    """The patient's files that can be the record's background (images, PDFs and paged
    images shown by their display image), newest first."""
    keys = _viewable(session, actor, record_id)
    return [f for f in patient_files(session, keys.patient_id) if f.background_type]


def attachable_files(session: Session, actor: Actor, record_id: int) -> list[PatientFilePublic]:
    """The patient's files not yet attached to the record, newest first."""
    keys = _viewable(session, actor, record_id)
    attached = set(
        session.exec(
            select(MedicalRecordFile.patient_file_id).where(
                MedicalRecordFile.medical_record_id == keys.record_id,
                MedicalRecordFile.file_role == ATTACHMENT,
            )
        ).all()
    )
    return [f for f in patient_files(session, keys.patient_id) if f.id not in attached]


def issue_background_link(
    session: Session, actor: Actor, record_id: int, file_id: int
) -> PatientFileLinked:
    """A background candidate of the record with a link to its display image (the canvas
    asks when it needs one): upright and 8-bit, drawn as is with no orientation of the
    browser's own; the original for files that need no display derivative.

    ``NotFound`` unless the file is the record's patient's image or PDF.
    """
    keys = _viewable(session, actor, record_id)
    found = patient_files(session, keys.patient_id, [file_id])
    if not found or not found[0].background_type:
        raise NotFound("file")
    return with_link(session, actor, found[0], keys.record_id, display=True)


def attach_file(session: Session, actor: Actor, record_id: int, file_id: int) -> PatientFilePublic:
    """Attach one of the patient's files to the record; attaching it again changes nothing."""
    require(actor, Action.EDIT_RECORD)
    keys = record_keys(session, actor, record_id, writable=True)
    found = patient_files(session, keys.patient_id, [file_id])
    if not found:
        raise NotFound("file")
    if _link(session, keys.record_id, file_id, ATTACHMENT) is None:
        session.add(
            MedicalRecordFile(
                medical_record_id=keys.record_id, patient_file_id=file_id, file_role=ATTACHMENT
            )
        )
        audit.record(
            session,
            actor,
            "record.attach",
            patient_id=keys.patient_id,
            record_id=keys.record_id,
            file_id=file_id,
        )
        session.flush()
    return found[0]


def detach_file(session: Session, actor: Actor, record_id: int, file_id: int) -> None:
    """Remove an attachment from the record (the file itself stays with the patient)."""
    require(actor, Action.EDIT_RECORD)
    keys = record_keys(session, actor, record_id, writable=True)
    link = _link(session, keys.record_id, file_id, ATTACHMENT)
    if link is None:
        raise NotFound("attachment")
    session.delete(link)
    audit.record(
        session,
        actor,
        "record.detach",
        patient_id=keys.patient_id,
        record_id=keys.record_id,
        file_id=file_id,
    )
    session.flush()


def background_problems(
    session: Session, patient_id: int, ops: Sequence[Operation]
) -> dict[str, str]:
    """What is wrong with each ``setBackground`` in ``ops``, by ``opId`` (none: ``{}``).

    Each must name the patient's file of the matching kind and, for a PDF, a page within
    its page count.
    """
    backgrounds = [op for op in ops if isinstance(op, SetBackground)]
    named = {op.background_file_id for op in backgrounds if op.background_file_id is not None}
    rows = patient_file_rows(session, patient_id, named)
    return {
        op.op_id: problem
        for op in backgrounds
        if (problem := background_problem(op.background_keys(), rows))
    }


def named_background(
    session: Session, patient_id: int, drawing: Mapping[str, Any]
) -> BackgroundFile | None:
    """The patient's image or PDF that ``drawing["backgroundFileId"]`` names, or None.

    Another patient's or clinic's file, one of another type and an id no row can have
    all give None, which the caller refuses with one message for all of them.
    """
    raw = drawing.get("backgroundFileId") if isinstance(drawing, Mapping) else None
    file_id = parse_id(raw) if isinstance(raw, int) else None
    row = patient_file_rows(session, patient_id, [file_id]).get(file_id) if file_id else None
    kind = background_kind(row.file_type, row.display_key) if row is not None else None
    if row is None or kind is None:
        return None
    return BackgroundFile(id=file_id, background_type=kind, page_count=row.page_count)


def background_problem(keys: Mapping[str, Any], rows: Mapping[int, PatientFile]) -> str | None:
    """What is wrong with a background (a drawing's four keys), or None."""
    file_id = keys.get("backgroundFileId")
    if file_id is None:
        return None
    row = rows.get(file_id)
    if row is None:
        return f"The background file {file_id} was not found among this patient's files."
    kind = background_kind(row.file_type, row.display_key)
    if kind is None:
        return f"File {row.id} cannot be shown, so it cannot be a background."
    if kind != keys.get("backgroundType"):
        return f"File {row.id} is {'a PDF' if kind == 'pdf' else 'an image'}: set it as {kind!r}."
    if kind != "pdf":
        return None
    if row.page_count is None:
        return f"The page count of file {row.id} is not known, so it cannot be a background."
    page, pages = keys.get("pdfPageNumber") or 1, keys.get("pdfNumPages")
    if page > row.page_count:
        return f"Page {page} is beyond the {row.page_count} page(s) of file {row.id}."
    if pages is not None and pages != row.page_count:
        return f"pdfNumPages {pages} does not match the {row.page_count} page(s) of file {row.id}."
    return None


def set_background_link(
    session: Session, actor: Actor, record_id: int, patient_id: int, file_id: object
) -> None:
    """Make the record's ``background`` link rows exactly ``file_id`` (none if None)."""
    wanted = file_id if isinstance(file_id, int) else None
    current = session.exec(
        select(MedicalRecordFile.patient_file_id).where(
            MedicalRecordFile.medical_record_id == record_id,
            MedicalRecordFile.file_role == BACKGROUND,
        )
    ).all()
    if list(current) == ([wanted] if wanted else []):
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


def patient_file_rows(
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


def _viewable(session: Session, actor: Actor, record_id: int) -> RecordKeys:
    """The record's keys if the actor may see the record and its files."""
    require(actor, Action.VIEW_RECORD)
    require(actor, Action.VIEW_FILES)
    return record_keys(session, actor, record_id)


def _link(session: Session, record_id: int, file_id: int, role: str) -> MedicalRecordFile | None:
    return session.exec(
        select(MedicalRecordFile).where(
            MedicalRecordFile.medical_record_id == record_id,
            MedicalRecordFile.patient_file_id == file_id,
            MedicalRecordFile.file_role == role,
        )
    ).first()
