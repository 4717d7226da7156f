"""Display derivatives through the upload service, on disk and on S3 (moto): the original
is stored and downloaded as uploaded, the editor background and the thumbnail are the
upright, metadata-free display image, and files without one still show the original.
HEIC and AVIF phone photos always have one."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from PIL import ExifTags, Image
from sqlmodel import col, select

from medrec_app.db import session_scope
from medrec_app.domain.file_types import AVIF, HEIC, JPEG, WEBP
from medrec_app.domain.permissions import Role
from medrec_app.models import AuditEvent, PatientFile
from medrec_app.services import files, uploads
from medrec_app.services.records import editing
from medrec_app.services.records import files as record_files
from medrec_app.storage import get_store
from tests.file_samples import store_patient_file
from tests.image_samples import (
    assert_upright,
    camera_exif,
    encode,
    exif_only_heic,
    percentile,
    phone_photo,
    sixteen_bit_xray,
    stored_for,
)
from tests.integration.test_patient_file_uploads import upload
from tests.plugins.stores import both_stores
from tests.support import http_request


@contextmanager
def fetcher() -> Iterator:
    """GET a link as the browser would: a local link through the app's file route, an S3
    link from the (moto) S3 endpoint itself."""
    from medrec_app.api import build_api
    from tests.support import serve_asgi

    with serve_asgi(build_api()) as base:
        yield lambda url: http_request(base + url if url.startswith("/") else url)


def row(file_id: int) -> PatientFile:
    with session_scope() as session:
        found = session.get(PatientFile, file_id)
        assert found is not None
        return found


def blob(key: str) -> bytes:
    with get_store().open(key) as stream:
        return stream.read()


def record_of(clinic) -> int:
    with session_scope() as session:
        opened = editing.open_for_editing(
            session, clinic.actors[Role.PRACTITIONER], clinic.appointment_ids[0]
        )
    assert opened.record_id is not None
    return opened.record_id


def background_link(clinic, record_id: int, file_id: int) -> str:
    with session_scope() as session:
        return record_files.issue_background_link(
            session, clinic.actors[Role.PRACTITIONER], record_id, file_id
        ).s3_url


@both_stores
def test_an_exif_6_webp_photo_shows_upright_everywhere_and_downloads_as_uploaded(
    store_env: str, clinic_factory
) -> None:
    clinic = clinic_factory()
    desk, patient_id = clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
    photo = encode(stored_for(6), WEBP, exif=camera_exif(6))

    file_id = upload(desk, patient_id, photo, "wound photo.webp").file_id

    stored = row(file_id)
    assert stored.s3_key == f"patients/{patient_id}/{file_id}.webp"
    assert stored.display_key == f"patients/{patient_id}/{file_id}.display.jpg"
    assert blob(stored.s3_key) == photo  # the original, byte for byte, EXIF and all
    assert_upright(Image.open(io.BytesIO(blob(stored.display_key))))
    assert b"PhoneMakerCo" not in blob(stored.display_key)
    thumbnail = Image.open(io.BytesIO(blob(stored.thumbnail_key or "")))
    assert thumbnail.width > thumbnail.height  # upright: the photo is landscape

    record_id = record_of(clinic)
    with session_scope() as session:
        download = files.issue_file_link(session, desk, file_id).s3_url
    with fetcher() as get:
        shown = get(background_link(clinic, record_id, file_id))
        original = get(download)
    assert shown.status == 200 and shown.headers["content-type"] == JPEG.mime
    assert_upright(Image.open(io.BytesIO(shown.body)))
    assert original.status == 200 and original.body == photo
    assert original.headers["content-type"] == WEBP.mime

    with session_scope() as session:
        variants = session.exec(
            select(AuditEvent.details).where(
                AuditEvent.file_id == file_id, col(AuditEvent.action) == "file.view"
            )
        ).all()
    assert {"variant": "display"} in variants


@both_stores
def test_a_16_bit_x_ray_has_a_lossless_display_image_with_real_contrast(
    store_env: str, clinic_factory
) -> None:
    clinic = clinic_factory()
    desk, patient_id = clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
    xray = sixteen_bit_xray()

    file_id = upload(desk, patient_id, xray, "chest.png").file_id

    stored = row(file_id)
    assert stored.display_key == f"patients/{patient_id}/{file_id}.display.png"
    assert blob(stored.s3_key) == xray
    for key in (stored.display_key, stored.thumbnail_key or ""):
        histogram = Image.open(io.BytesIO(blob(key))).convert("L").histogram()
        assert percentile(histogram, 0.95) - percentile(histogram, 0.05) > 100, key

    with session_scope() as session:
        uploads.delete_patient_file(session, desk, file_id)
    store = get_store()
    assert not any(
        store.exists(key) for key in (stored.s3_key, stored.display_key, stored.thumbnail_key)
    )


@both_stores
def test_an_image_every_browser_shows_alike_is_its_own_display_image(
    store_env: str, clinic_factory
) -> None:
    clinic = clinic_factory()
    desk, patient_id = clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
    plain = encode(stored_for(1), JPEG)

    file_id = upload(desk, patient_id, plain, "knee.jpg").file_id

    assert row(file_id).display_key is None
    with fetcher() as get:
        shown = get(background_link(clinic, record_of(clinic), file_id))
    assert shown.status == 200 and shown.body == plain


def test_a_file_stored_before_display_images_still_shows_its_original(clinic_factory) -> None:
    clinic = clinic_factory()
    photo = encode(stored_for(6), WEBP, exif=camera_exif(6))
    with session_scope() as session:
        file_id = store_patient_file(
            session,
            get_store(),
            patient_id=clinic.patient_ids[0],
            uploaded_by_user_id=clinic.actors[Role.FRONT_DESK].user_id,
            file_name="old.webp",
            file_type=WEBP.mime,
            data=photo,
        )
    with fetcher() as get:
        shown = get(background_link(clinic, record_of(clinic), file_id))
    assert shown.status == 200 and shown.body == photo


@pytest.mark.parametrize(
    ("kind", "name", "make"),
    [
        (HEIC, "IMG_4021.HEIC", lambda: phone_photo(HEIC, 6)),
        (HEIC, "wound.heif", lambda: exif_only_heic(6)),
        (AVIF, "rash.avif", lambda: phone_photo(AVIF, 6)),
    ],
    ids=["heic-irot", "heic-exif-only", "avif"],
)
@both_stores
def test_a_phone_photo_is_kept_as_uploaded_and_shown_upright_without_metadata(
    store_env: str, clinic_factory, kind, name: str, make
) -> None:
    clinic = clinic_factory()
    desk, patient_id = clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
    photo = make()

    uploaded = upload(desk, patient_id, photo, name)

    assert (uploaded.file_name, uploaded.file_type) == (name, kind.mime)
    stored = row(uploaded.file_id)
    assert stored.s3_key == f"patients/{patient_id}/{uploaded.file_id}.{kind.extension}"
    assert stored.display_key == f"patients/{patient_id}/{uploaded.file_id}.display.jpg"
    assert stored.file_size == len(photo)
    assert blob(stored.s3_key) == photo  # the original, byte for byte, GPS and all
    assert Image.open(io.BytesIO(blob(stored.s3_key))).getexif()[ExifTags.Base.Make]
    display = blob(stored.display_key)
    assert_upright(Image.open(io.BytesIO(display)))
    assert len(Image.open(io.BytesIO(display)).getexif()) == 0
    assert not re.search(rb"PhoneMakerCo|Model-X12|GPS|Exif|xmpmeta|ICC_PROFILE", display)
    thumbnail = blob(stored.thumbnail_key or "")
    assert Image.open(io.BytesIO(thumbnail)).width > Image.open(io.BytesIO(thumbnail)).height
    assert b"PhoneMakerCo" not in thumbnail

    with session_scope() as session:
        download = files.issue_file_link(session, desk, uploaded.file_id).s3_url
    with fetcher() as get:
        shown = get(background_link(clinic, record_of(clinic), uploaded.file_id))
        original = get(download)
    assert shown.status == 200 and shown.headers["content-type"] == JPEG.mime
    assert shown.body == display
    assert original.status == 200 and original.body == photo
    assert original.headers["content-type"] == kind.mime
