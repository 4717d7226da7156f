"""Patient files: listing, lookup and the time-limited links that are the only way to them.

Files are reached only through links issued here after a permission check; issuing a
link is audited as the user viewing the file. Every lookup goes through the patient's
clinic, so another clinic's file id answers "not found".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel
from sqlmodel import Session, col, select

from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import Patient, PatientFile, User
from medrec_app.services import audit
from medrec_app.services.errors import NotFound
from medrec_app.services.patients import get_patient
from medrec_app.settings import get_settings
from medrec_app.storage import BlobStore, get_store

# Types a browser shows without running anything of ours; anything else is a download.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"})
THUMBNAIL_TYPE = "image/webp"


class PatientFilePublic(BaseModel):
    """A patient file as the UI and the API show it (no storage key, no bucket)."""

    id: int
    patient_id: int
    file_name: str
    file_type: str
    file_size: int
    page_count: int | None
    uploaded_by_user_id: int
    uploaded_by_name: str
    created_at: datetime | None
    has_thumbnail: bool


class FileLink(BaseModel):
    file_id: int
    file_name: str
    file_type: str
    url: str
    expires_at: datetime


def list_patient_files(session: Session, actor: Actor, patient_id: int) -> list[PatientFilePublic]:
    """The patient's files, newest first."""
    get_patient(session, actor, patient_id)
    audit.record(session, actor, "patient.files_list", patient_id=patient_id)
    return patient_files(session, patient_id)


def patient_files(
    session: Session, patient_id: int, ids: Sequence[int] | None = None
) -> list[PatientFilePublic]:
    """The patient's files (only ``ids`` if given), newest first; not audited.

    For callers that found the patient through the actor's clinic already.
    """
    query = (
        select(PatientFile, User.full_name)
        .join(User, col(User.id) == col(PatientFile.uploaded_by_user_id))
        .where(PatientFile.patient_id == patient_id)
        .order_by(col(PatientFile.created_at).desc(), col(PatientFile.id).desc())
    )
    if ids is not None:
        if not ids:
            return []
        query = query.where(col(PatientFile.id).in_(list(ids)))
    return [public(row, name) for row, name in session.exec(query).all()]


def get_file(session: Session, actor: Actor, file_id: int) -> PatientFilePublic:
    row = scoped_file(session, actor, file_id)
    uploader = session.get(User, row.uploaded_by_user_id)
    return public(row, uploader.full_name if uploader else "")


def file_link(session: Session, actor: Actor, file_id: int) -> FileLink:
    """A link to the file for ``file_url_ttl_seconds``; audited as viewing the file."""
    row = scoped_file(session, actor, file_id)
    return audited_link(session, actor, row, get_store(get_settings()))


def audited_link(
    session: Session, actor: Actor, row: PatientFile, store: BlobStore, record_id: int | None = None
) -> FileLink:
    """A link to a file the caller has checked ``actor`` may see, audited as ``file.view``."""
    audit.record(
        session, actor, "file.view", patient_id=row.patient_id, file_id=row.id, record_id=record_id
    )
    return link_for(row, store)


def thumbnail_links(
    session: Session, actor: Actor, files: list[PatientFilePublic]
) -> dict[int, str]:
    """Preview-image links for the listed files that have one, keyed by file id.

    The caller has listed these files for the actor (``list_patient_files``); each
    preview issued is audited as viewing that file.
    """
    require(actor, Action.VIEW_FILES)
    ids = [f.id for f in files if f.has_thumbnail]
    if not ids:
        return {}
    rows = session.exec(
        select(PatientFile)
        .join(Patient, col(Patient.id) == col(PatientFile.patient_id))
        .where(col(PatientFile.id).in_(ids), Patient.clinic_id == actor.clinic_id)
    ).all()
    settings = get_settings()
    store = get_store(settings)
    links: dict[int, str] = {}
    for row in rows:
        if not row.thumbnail_key:
            continue
        audit.record(
            session,
            actor,
            "file.view",
            patient_id=row.patient_id,
            file_id=row.id,
            details={"variant": "thumbnail"},
        )
        links[row.id] = store.url_for(
            row.thumbnail_key,
            expires_in=settings.file_url_ttl_seconds,
            content_type=THUMBNAIL_TYPE,
        )
    return links


def scoped_file(session: Session, actor: Actor, file_id: int) -> PatientFile:
    """The file row if its patient is in the actor's clinic, else ``NotFound``."""
    require(actor, Action.VIEW_FILES)
    row = session.exec(
        select(PatientFile)
        .join(Patient, col(Patient.id) == col(PatientFile.patient_id))
        .where(PatientFile.id == file_id, Patient.clinic_id == actor.clinic_id)
    ).first()
    if row is None:
        raise NotFound("file")
    return row


def link_for(row: PatientFile, store: BlobStore) -> FileLink:
    """A signed link to ``row``'s blob, with its stored type and original name."""
    ttl = get_settings().file_url_ttl_seconds
    assert row.id is not None
    return FileLink(
        file_id=row.id,
        file_name=row.file_name,
        file_type=row.file_type,
        url=store.url_for(
            row.s3_key,
            expires_in=ttl,
            content_type=row.file_type,
            download_name=row.file_name,
            as_attachment=row.file_type not in INLINE_TYPES,
        ),
        expires_at=datetime.now(UTC) + timedelta(seconds=ttl),
    )


def public(row: PatientFile, uploaded_by_name: str) -> PatientFilePublic:
    assert row.id is not None
    return PatientFilePublic(
        id=row.id,
        patient_id=row.patient_id,
        file_name=row.file_name,
        file_type=row.file_type,
        file_size=row.file_size,
        page_count=row.page_count,
        uploaded_by_user_id=row.uploaded_by_user_id,
        uploaded_by_name=uploaded_by_name,
        created_at=row.created_at,
        has_thumbnail=bool(row.thumbnail_key),
    )
