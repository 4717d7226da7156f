"""``cli display-images``: files stored before display images existed get one, on disk and on
S3 (moto); originals stay as they are, a file that fails is reported and skipped alone."""

from __future__ import annotations

import io

from PIL import Image
from sqlmodel import col, select

from medrec_app.db import session_scope
from medrec_app.domain.file_types import JPEG, PNG, WEBP
from medrec_app.domain.permissions import Role
from medrec_app.models import AuditEvent
from medrec_app.services import display_backfill
from medrec_app.storage import get_store
from tests.file_samples import store_patient_file
from tests.image_samples import assert_upright, camera_exif, encode, sixteen_bit_xray, stored_for
from tests.integration.test_display_uploads import blob, row
from tests.plugins.stores import both_stores


def stored_before_display_images(clinic, name: str, mime: str, data: bytes) -> int:
    """A file as uploads stored it before migration 0008: the original only."""
    with session_scope() as session:
        return store_patient_file(
            session,
            get_store(),
            patient_id=clinic.patient_ids[0],
            uploaded_by_user_id=clinic.actors[Role.FRONT_DESK].user_id,
            file_name=name,
            file_type=mime,
            data=data,
        )


@both_stores
def test_old_files_get_their_display_image_and_nothing_else_changes(
    store_env: str, clinic_factory
) -> None:
    clinic = clinic_factory()
    photo = encode(stored_for(6), WEBP, exif=camera_exif(6))
    xray = sixteen_bit_xray()
    plain = encode(stored_for(1), JPEG)
    turned = stored_before_display_images(clinic, "wound.webp", WEBP.mime, photo)
    deep = stored_before_display_images(clinic, "chest.png", PNG.mime, xray)
    safe = stored_before_display_images(clinic, "knee.jpg", JPEG.mime, plain)
    lost = stored_before_display_images(clinic, "lost.png", PNG.mime, xray)
    get_store().delete(row(lost).s3_key)  # its blob is gone: this file must fail alone

    said: list[str] = []
    report = display_backfill.make_missing_display_images(progress=said.append)

    assert lost in report.failed
    assert {turned, deep, safe}.isdisjoint(report.failed)
    assert f"file {turned}: display image made" in said
    assert_upright(Image.open(io.BytesIO(blob(row(turned).display_key or ""))))
    assert Image.open(io.BytesIO(blob(row(deep).display_key or ""))).mode == "L"
    thumbnail = Image.open(io.BytesIO(blob(row(turned).thumbnail_key or "")))
    assert thumbnail.width > thumbnail.height  # the preview is upright too
    assert blob(row(turned).s3_key) == photo and blob(row(deep).s3_key) == xray
    assert row(safe).display_key is None  # shown alike everywhere: no derivative needed
    assert row(lost).display_key is None
    with session_scope() as session:
        audited = session.exec(
            select(AuditEvent.file_id, AuditEvent.clinic_id, AuditEvent.user_id).where(
                col(AuditEvent.action) == "file.display_made",
                col(AuditEvent.file_id).in_([turned, deep, safe, lost]),
            )
        ).all()
    assert sorted(audited) == sorted(
        [(turned, clinic.clinic_id, None), (deep, clinic.clinic_id, None)]
    )

    again = display_backfill.make_missing_display_images()
    assert lost in again.failed
    assert row(turned).display_key is not None
    with session_scope() as session:
        made_twice = session.exec(
            select(AuditEvent.id).where(
                col(AuditEvent.action) == "file.display_made", AuditEvent.file_id == turned
            )
        ).all()
    assert len(made_twice) == 1
