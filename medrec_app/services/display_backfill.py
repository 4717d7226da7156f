"""Display images for files stored before display images existed (an operator's command).

Files uploaded before migration 0008 have no display derivative: an EXIF-turned WebP
photo is drawn sideways, a 16-bit x-ray nearly black. ``make_missing_display_images``
goes through them, oldest first, one file per transaction: the row is locked and read
fresh, the original read from the store, the display image and a new preview made with
the upload's own rules (``services/display.py``) and stored under keys built from ids,
and the row updated. A file that needs no derivative (already shown the same way
everywhere) is left as it is; one that fails is reported by id and skipped, the others
go on. Nothing of the original changes. Run it again at any time: it picks up only
files still without one.

Each file given a display image is audited as ``file.display_made`` (no user: the
operator's command), with the clinic and patient.
"""

from __future__ import annotations

import io
import logging
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from medrec_app.domain.file_types import file_type
from medrec_app.models import Patient, PatientFile
from medrec_app.services import audit, unit_of_work
from medrec_app.services.display import display_types, render_display
from medrec_app.services.files import THUMBNAIL_TYPE
from medrec_app.services.thumbnails import thumbnail_of
from medrec_app.services.uploads import remove_quietly
from medrec_app.storage import BlobStore, get_store, patient_display_key, patient_thumbnail_key

log = logging.getLogger(__name__)
_COPY_CHUNK = 1024 * 1024


@dataclass
class BackfillReport:
    made: int = 0
    not_needed: int = 0
    failed: list[int] = field(default_factory=list)


def make_missing_display_images(
    *, progress: Callable[[str], None] = lambda _: None
) -> BackfillReport:
    """Give every file that lacks one its display image, one transaction per file."""
    report, after, store = BackfillReport(), 0, get_store()
    while (file_id := unit_of_work.run(next_candidate, after)) is not None:
        after = file_id
        written: list[str] = []
        try:
            made = unit_of_work.run(backfill_one, store, file_id, written)
        except Exception as error:
            log.error("no display image for file %s: %s", file_id, type(error).__name__)
            remove_quietly(store, written)
            report.failed.append(file_id)
            continue
        if made:
            report.made += 1
            progress(f"file {file_id}: display image made")
        else:
            report.not_needed += 1
    return report


def next_candidate(session: Session, after: int) -> int | None:
    """The next file (by id) without a display image, of a type that can have one."""
    return session.exec(
        select(PatientFile.id)
        .where(
            col(PatientFile.display_key).is_(None),
            col(PatientFile.id) > after,
            col(PatientFile.file_type).in_(display_types()),
        )
        .order_by(col(PatientFile.id))
        .limit(1)
    ).first()


def backfill_one(session: Session, store: BlobStore, file_id: int, written: list[str]) -> bool:
    """Lock the row, read it fresh, make and store the display image (its keys added to
    ``written``, for the caller to remove if the transaction fails); whether one was made."""
    row = session.exec(
        select(PatientFile).where(PatientFile.id == file_id).with_for_update()
    ).first()
    kind = file_type(row.file_type) if row is not None else None
    if row is None or row.display_key is not None or kind is None:
        return False
    with tempfile.SpooledTemporaryFile(max_size=8 * _COPY_CHUNK) as copy:
        with store.open(row.s3_key) as original:
            shutil.copyfileobj(original, copy, _COPY_CHUNK)
        display = render_display(copy, kind)
    if display is None:
        return False
    row.display_key = patient_display_key(row.patient_id, file_id, display.file_type.extension)
    written.append(row.display_key)
    store.put(row.display_key, io.BytesIO(display.data), display.file_type.mime)
    thumbnail = thumbnail_of(display.image)
    if thumbnail is not None:
        # The same key when the file had a preview: the new one replaces it in place.
        row.thumbnail_key = patient_thumbnail_key(row.patient_id, file_id)
        store.put(row.thumbnail_key, io.BytesIO(thumbnail), THUMBNAIL_TYPE)
    session.add(row)
    patient = session.get(Patient, row.patient_id)
    audit.record(
        session,
        None,
        "file.display_made",
        clinic_id=patient.clinic_id if patient else None,
        patient_id=row.patient_id,
        file_id=file_id,
    )
    return True
