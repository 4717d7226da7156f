"""Patient files: listing, lookup and the time-limited links that are the only way to them.

Files are reached only through links issued here after a permission check. Every
function that issues a link says so in its name (``issue_*``, ``*_with_preview_links``),
and each link it issues is audited as the user viewing that file. Every lookup goes
through the patient's clinic, so another clinic's file id answers "not found".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from pydantic import AwareDatetime, BaseModel, Field
from sqlmodel import Session, col, select

from medrec_app.domain.dicom_image import names_match
from medrec_app.domain.file_types import BackgroundKind, background_kind, file_type, stored_type
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import Patient, PatientFile, User
from medrec_app.services import audit
from medrec_app.services.errors import NotFound
from medrec_app.services.patients import get_patient
from medrec_app.settings import get_settings
from medrec_app.storage import get_store

THUMBNAIL_TYPE = "image/webp"


class PatientFilePublic(BaseModel):
    """A patient file as pages and the API show it (no storage key, no bucket)."""

    id: int
    patient_id: int
    file_name: str
    file_type: str
    file_size: int
    page_count: int | None
    background_type: BackgroundKind | None = Field(
        None,
        description='What the file is under a record\'s drawing ("image" or "pdf", the '
        "drawing's backgroundType), or null when it cannot be a background.",
    )
    uploaded_by_user_id: int
    uploaded_by_name: str
    created_at: datetime | None
    dicom: DicomSummary | None = None
    thumbnail_url: str | None = Field(
        None, description="A time-limited link to a small preview image, if there is one."
    )


class DicomSummary(BaseModel):
    """What a DICOM file's header says that the front desk and clinicians should see."""

    patient_name: str | None = Field(description="The patient's name as the file has it.")
    name_matches_patient: bool | None = Field(
        description="Whether that name is this patient's (null: the file names nobody)."
    )
    burned_in_annotation: bool | None = Field(
        description="The header says the pixels show burned-in text such as a name (null: "
        "not said)."
    )
    pixel_spacing_mm: list[float] | None = Field(description="Row and column spacing.")
    spacing_at: str | None = Field(description='"patient" or "detector" (not calibrated).')
    modality: str | None
    study_date: str | None


class PatientFileLinked(PatientFilePublic):
    """A patient file with a time-limited link to its content."""

    s3_url: str
    s3_url_expires_at: AwareDatetime


class SignedLink(BaseModel):
    url: str
    expires_at: AwareDatetime


def list_patient_files(session: Session, actor: Actor, patient_id: int) -> list[PatientFilePublic]:
    """The patient's files, newest first (no links)."""
    get_patient(session, actor, patient_id)
    audit.record(session, actor, "patient.files_list", patient_id=patient_id)
    return patient_files(session, patient_id)


def list_files_with_preview_links(
    session: Session, actor: Actor, patient_id: int
) -> list[PatientFilePublic]:
    """The patient's files, newest first, each with a link to its preview image if it has
    one; every preview link issued is audited as viewing that file."""
    listed = list_patient_files(session, actor, patient_id)
    rows = session.exec(
        select(PatientFile).where(
            col(PatientFile.id).in_([f.id for f in listed]),
            col(PatientFile.thumbnail_key).is_not(None),
        )
    ).all()
    previews = {row.id: issue_preview_link(session, actor, row) for row in rows}
    return [f.model_copy(update={"thumbnail_url": previews.get(f.id)}) for f in listed]


def issue_preview_link(session: Session, actor: Actor, row: PatientFile) -> str | None:
    """A link to the file's preview image, audited as viewing the file; None without one."""
    if not row.thumbnail_key:
        return None
    audit.record(
        session,
        actor,
        "file.view",
        patient_id=row.patient_id,
        file_id=row.id,
        details={"variant": "thumbnail"},
    )
    return get_store().url_for(
        row.thumbnail_key,
        expires_in=get_settings().file_url_ttl_seconds,
        content_type=THUMBNAIL_TYPE,
    )


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
    patient = session.get(Patient, patient_id)
    return [public(row, name, patient) for row, name in session.exec(query).all()]


def issue_file_link(
    session: Session, actor: Actor, file_id: int, *, display: bool = False
) -> PatientFileLinked:
    """The file with a link for ``file_url_ttl_seconds`` (and one to its preview, as the
    list has); each link audited as viewing the file. ``display`` links to its display
    image instead, for a type that a browser cannot show as stored (TIFF, DICOM)."""
    row = scoped_file(session, actor, file_id)
    uploader = session.get(User, row.uploaded_by_user_id)
    found = public(
        row, uploader.full_name if uploader else "", session.get(Patient, row.patient_id)
    )
    found.thumbnail_url = issue_preview_link(session, actor, row)
    return with_link(session, actor, found, display=display)


def with_link(
    session: Session,
    actor: Actor,
    found: PatientFilePublic,
    record_id: int | None = None,
    *,
    display: bool = False,
) -> PatientFileLinked:
    """``found`` (a file the caller has checked ``actor`` may see) with a link to it: to
    the file as uploaded, or with ``display`` to its display image (the canvas
    background), which is the original when the file has no display derivative."""
    row = session.get(PatientFile, found.id)
    assert row is not None  # just read in this transaction
    if display and row.display_key:
        link = issue_display_link(session, actor, row, record_id)
    else:
        link = issue_link(session, actor, row, record_id)
    return PatientFileLinked(
        **found.model_dump(), s3_url=link.url, s3_url_expires_at=link.expires_at
    )


def issue_link(
    session: Session, actor: Actor, row: PatientFile, record_id: int | None = None
) -> SignedLink:
    """A signed link to a file the caller has checked ``actor`` may see, audited as
    ``file.view``; it fixes the type and whether the browser shows or downloads it.

    The link names the file by its storage key only: ``stored_file_name`` names the
    download when a local link is used, and S3 answers with a generic name.
    """
    audit.record(
        session, actor, "file.view", patient_id=row.patient_id, file_id=row.id, record_id=record_id
    )
    ttl = get_settings().file_url_ttl_seconds
    url = get_store().url_for(
        row.s3_key,
        expires_in=ttl,
        content_type=row.file_type,
        # Types a browser shows without running anything of ours; anything else downloads.
        as_attachment=not _browser_shows(row.file_type),
    )
    return SignedLink(url=url, expires_at=datetime.now(UTC) + timedelta(seconds=ttl))


def issue_display_link(
    session: Session, actor: Actor, row: PatientFile, record_id: int | None = None
) -> SignedLink:
    """A signed link to the file's display derivative (``row.display_key`` must be set),
    audited as ``file.view`` of the file's display variant."""
    assert row.display_key
    shown = stored_type(row.display_key)
    assert shown is not None  # keys are built from an accepted type's extension
    audit.record(
        session,
        actor,
        "file.view",
        patient_id=row.patient_id,
        file_id=row.id,
        record_id=record_id,
        details={"variant": "display"},
    )
    ttl = get_settings().file_url_ttl_seconds
    url = get_store().url_for(row.display_key, expires_in=ttl, content_type=shown.mime)
    return SignedLink(url=url, expires_at=datetime.now(UTC) + timedelta(seconds=ttl))


def stored_file_name(session: Session, key: str) -> str | None:
    """The name the file stored under ``key`` was uploaded with, or None (a preview or a
    template background, which have no row of their own); not audited.

    For the local file route, which serves a link already issued (and audited) here: the
    signature on the link is the permission, the key its scope.
    """
    return session.exec(select(PatientFile.file_name).where(PatientFile.s3_key == key)).first()


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


def public(row: PatientFile, uploaded_by_name: str, patient: Patient | None) -> PatientFilePublic:
    assert row.id is not None
    return PatientFilePublic(
        id=row.id,
        patient_id=row.patient_id,
        file_name=row.file_name,
        file_type=row.file_type,
        file_size=row.file_size,
        page_count=row.page_count,
        background_type=background_kind(row.file_type, row.display_key),
        uploaded_by_user_id=row.uploaded_by_user_id,
        uploaded_by_name=uploaded_by_name,
        created_at=row.created_at,
        dicom=_dicom_summary(row, patient),
    )


def _dicom_summary(row: PatientFile, patient: Patient | None) -> DicomSummary | None:
    facts = (row.file_metadata or {}).get("dicom")
    if not isinstance(facts, dict):
        return None
    matches = None
    if patient is not None:
        matches = names_match(
            facts.get("patient_family_name"),
            facts.get("patient_given_name"),
            patient.first_name,
            patient.last_name,
        )
    return DicomSummary(
        patient_name=facts.get("patient_name"),
        name_matches_patient=matches,
        burned_in_annotation=facts.get("burned_in_annotation"),
        pixel_spacing_mm=facts.get("pixel_spacing_mm"),
        spacing_at=facts.get("spacing_at"),
        modality=facts.get("modality"),
        study_date=facts.get("study_date"),
    )


def _browser_shows(mime: str) -> bool:
    known = file_type(mime)
    return known is not None and known.browser_shows
