"""Adding and deleting patient files: the blob and its row land together or not at all.

Long PDFs are stored repacked for fast first pages (``pdf_layout``), damaged ones
repaired (``pdf_repair``, the original's hash kept in ``file_metadata``); ``file_size``
is the size stored.

Upload order, so that a failure at any step leaves no trace: check the file; insert the
row and flush for its id; store the blob (and its display image and preview, see
``services/display.py``; the original is stored as uploaded) under keys built from ids; commit.
A failed store rolls the row back; a failed commit deletes the stored blobs. Both
functions therefore commit the session themselves.
"""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

from PIL import Image
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlmodel import Session, col, select

from medrec_app.domain.pdf_content import PdfEncrypted
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.domain.uploads import (
    ENCRYPTED_MESSAGE,
    PDF,
    CheckedFile,
    FileRefused,
    PdfNeedsRepair,
    Refusal,
    UploadLimits,
    check_upload,
    stream_size,
)
from medrec_app.models import Patient, PatientFile
from medrec_app.services import audit
from medrec_app.services.display import DisplayDerivative, render_display
from medrec_app.services.errors import FileInUse, NotFound, StorageUnavailable, UploadRefused
from medrec_app.services.files import THUMBNAIL_TYPE, issue_link
from medrec_app.services.patients import get_patient
from medrec_app.services.pdf_layout import repacked
from medrec_app.services.pdf_repair import original_facts, repaired
from medrec_app.services.thumbnails import render_thumbnail, thumbnail_of
from medrec_app.settings import get_settings
from medrec_app.storage import (
    BlobStore,
    get_store,
    patient_display_key,
    patient_file_key,
    patient_thumbnail_key,
)

log = logging.getLogger(__name__)


class UploadedFile(BaseModel):
    """What an upload answers (the spec's "return file_id and S3 URL")."""

    file_id: int
    file_name: str
    file_type: str
    file_size: int
    page_count: int | None
    s3_url: str = Field(description="A time-limited link to the stored file.")


def upload_limits() -> UploadLimits:
    settings = get_settings()
    return UploadLimits(
        max_bytes=settings.max_upload_bytes, max_image_pixels=settings.max_image_pixels
    )


def upload_patient_file(
    session: Session,
    actor: Actor,
    patient_id: int,
    *,
    file_name: str,
    source: BinaryIO,
    with_link: bool = True,
) -> UploadedFile:
    """Check ``source`` (seekable, on disk), store it for the patient and commit.

    ``with_link=False`` (a phone upload link, which may not read files) issues no link
    to the stored file, and so audits no view of it: ``s3_url`` is then empty.

    Raises ``UploadRefused`` (with the reason for the person), ``NotFound`` for a patient
    outside the actor's clinic, ``PermissionDenied``, or ``StorageUnavailable``.
    """
    staged = stage_patient_file(session, actor, patient_id, file_name=file_name, source=source)
    row = staged.row
    url = issue_link(session, actor, row).url if with_link else ""
    commit_or_remove(session, staged.keys)
    assert row.id is not None
    return UploadedFile(
        file_id=row.id,
        file_name=row.file_name,
        file_type=row.file_type,
        file_size=row.file_size,
        page_count=row.page_count,
        s3_url=url,
    )


def check_patient_file(source: BinaryIO, *, file_name: str) -> CheckedFile:
    """The upload checks alone, storing nothing (an import's dry run); ``UploadRefused``."""
    with ExitStack() as stack:
        try:
            return checked_upload(stack, source, file_name)[0]
        except FileRefused as refused:
            raise UploadRefused(refused.kind, refused.message) from None


@dataclass(frozen=True)
class StagedFile:
    """A checked file whose row is flushed and whose blobs are stored, not yet committed."""

    row: PatientFile
    keys: list[str]
    """The blobs put: remove them (:func:`remove_quietly`) if the transaction is not
    committed, or commit with :func:`commit_or_remove`."""


def stage_patient_file(
    session: Session,
    actor: Actor,
    patient_id: int,
    *,
    file_name: str,
    source: BinaryIO,
    accept: Callable[[CheckedFile], None] | None = None,
    preview: Image.Image | None = None,
) -> StagedFile:
    """:func:`upload_patient_file` up to the commit, for a caller that writes more in the
    same transaction (the demo importer): check, insert the row, store the blobs, audit.

    ``accept`` sees the checked file before anything is stored and may refuse it by
    raising. ``preview`` is a picture of the file the caller already has (an export's
    canvas), made the file's preview instead of rendering it again. The caller owns the
    rest: commit with :func:`commit_or_remove`, or roll back and :func:`remove_quietly`
    the ``keys``.
    """
    require(actor, Action.UPLOAD_FILE)
    patient = get_patient(session, actor, patient_id)
    with ExitStack() as stack:
        try:
            checked, source, metadata = checked_upload(stack, source, file_name)
        except FileRefused as refused:
            raise UploadRefused(refused.kind, refused.message) from None
        if accept is not None:
            accept(checked)
        stored = repacked(source, checked.page_count or 0) if checked.kind is PDF else None
        if stored is not None:
            source = stack.enter_context(stored)
            checked = replace(checked, size=stream_size(source))
        display = render_display(source, checked.kind)
        shown = preview if preview is not None else display.image if display else None
        thumbnail = (
            render_thumbnail(source, checked.kind.mime) if shown is None else thumbnail_of(shown)
        )
        row = _insert_row(
            session,
            actor,
            patient,
            checked,
            metadata,
            has_thumbnail=thumbnail is not None,
            display=display,
        )
        keys = _store_blobs(session, get_store(), row, source, thumbnail, display)
    audit.record(session, actor, "file.upload", patient_id=row.patient_id, file_id=row.id)
    return StagedFile(row, keys)


def checked_upload(
    stack: ExitStack, source: BinaryIO, file_name: str
) -> tuple[CheckedFile, BinaryIO, dict[str, Any]]:
    """The checked file, the bytes to store and their metadata; raises ``FileRefused``.

    A PDF that reads only after repair is repaired by qpdf, and the repaired copy must
    pass every check again: it is what is stored (its temporary file closes with
    ``stack``).
    """
    limits = upload_limits()
    try:
        return check_upload(source, file_name=file_name, limits=limits), source, {}
    except PdfNeedsRepair as needs_repair:
        try:
            fixed = repaired(source)
        except PdfEncrypted:
            raise FileRefused(Refusal.INVALID_CONTENT, ENCRYPTED_MESSAGE) from None
        if fixed is None:
            raise needs_repair from None
        stack.enter_context(fixed)
        checked = check_upload(fixed, file_name=file_name, limits=limits)
        return checked, fixed, original_facts(source)


def _insert_row(
    session: Session,
    actor: Actor,
    patient: Patient,
    checked: CheckedFile,
    metadata: dict[str, Any],
    *,
    has_thumbnail: bool,
    display: DisplayDerivative | None,
) -> PatientFile:
    """Insert under a placeholder key for the id, then set the keys built from ids."""
    row = PatientFile(
        patient_id=patient.id,
        file_name=checked.display_name,
        file_type=checked.kind.mime,
        file_size=checked.size,
        s3_key=f"pending/{uuid.uuid4().hex}",
        s3_bucket="",
        uploaded_by_user_id=actor.user_id,
        page_count=checked.page_count,
        file_metadata={**checked.metadata, **metadata},
    )
    session.add(row)
    session.flush()
    assert row.id is not None and patient.id is not None
    row.s3_key = patient_file_key(patient.id, row.id, checked.kind.extension)
    if has_thumbnail:
        row.thumbnail_key = patient_thumbnail_key(patient.id, row.id)
    if display is not None:
        row.display_key = patient_display_key(patient.id, row.id, display.file_type.extension)
    return row


def _store_blobs(
    session: Session,
    store: BlobStore,
    row: PatientFile,
    source: BinaryIO,
    thumbnail: bytes | None,
    display: DisplayDerivative | None,
) -> list[str]:
    """Put the file, its display image and its preview; on failure remove what was put
    and roll back."""
    row.s3_bucket = store.bucket
    keys: list[str] = []
    try:
        source.seek(0)
        store.put(row.s3_key, source, row.file_type)
        keys.append(row.s3_key)
        if thumbnail is not None and row.thumbnail_key:
            store.put(row.thumbnail_key, io.BytesIO(thumbnail), THUMBNAIL_TYPE)
            keys.append(row.thumbnail_key)
        if display is not None and row.display_key:
            store.put(row.display_key, io.BytesIO(display.data), display.file_type.mime)
            keys.append(row.display_key)
    except Exception as error:
        log.error("storing patient file %s failed: %s", row.id, type(error).__name__)
        session.rollback()
        remove_quietly(store, keys)
        raise StorageUnavailable() from None
    return keys


def commit_or_remove(session: Session, keys: list[str]) -> None:
    """Commit; if the commit fails, remove the blobs ``keys`` (stored for it) and re-raise."""
    try:
        session.commit()
    except BaseException:
        session.rollback()
        remove_quietly(get_store(), keys)
        raise


def remove_quietly(store: BlobStore, keys: list[str]) -> None:
    """Best-effort removal; a failure is logged (key only: ids, no names)."""
    for key in keys:
        try:
            store.delete(key)
        except Exception as error:
            log.error("could not remove blob %s: %s", key, type(error).__name__)


def delete_patient_file(session: Session, actor: Actor, file_id: int) -> None:
    """Delete the row (its record links cascade), then its blobs (the original, its display
    image and its preview); commits.

    Refused with ``FileInUse`` while a signed record links the file or draws on it.
    The row goes first: a blob left behind by a failed delete is unreachable, while a
    row without its blob would be a broken file in the list.
    """
    require(actor, Action.DELETE_FILE)
    row = _locked_file(session, actor, file_id)
    if signed_record_uses(session, actor, file_id):
        raise FileInUse()
    keys = [key for key in (row.s3_key, row.thumbnail_key, row.display_key) if key]
    session.delete(row)
    audit.record(session, actor, "file.delete", patient_id=row.patient_id, file_id=file_id)
    session.commit()
    remove_quietly(get_store(), keys)


def _locked_file(session: Session, actor: Actor, file_id: int) -> PatientFile:
    """The file row in the actor's clinic, locked against a concurrent delete."""
    row = session.exec(
        select(PatientFile)
        .join(Patient, col(Patient.id) == col(PatientFile.patient_id))
        .where(PatientFile.id == file_id, Patient.clinic_id == actor.clinic_id)
        .with_for_update(of=PatientFile)
    ).first()
    if row is None:
        raise NotFound("file")
    return row


_SIGNED_USE = text(
    """
    SELECT EXISTS (
        SELECT 1
        FROM medical_records r
        JOIN appointments a ON a.calendar_event_id = r.appointment_id
        WHERE a.clinic_id = :clinic_id
          AND r.signed_at IS NOT NULL
          AND (
              r.drawing_data -> 'backgroundFileId' = to_jsonb(CAST(:file_id AS bigint))
              OR EXISTS (
                  SELECT 1 FROM medical_record_files l
                  WHERE l.medical_record_id = r.id AND l.patient_file_id = :file_id
              )
          )
    )
    """
)


def signed_record_uses(session: Session, actor: Actor, file_id: int) -> bool:
    """Whether a signed record of the clinic links the file or has it as background."""
    params = {"clinic_id": actor.clinic_id, "file_id": file_id}
    return bool(session.execute(_SIGNED_USE, params).scalar())
