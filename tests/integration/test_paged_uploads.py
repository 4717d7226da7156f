"""DICOM and TIFF through the upload service, on disk and on S3 (moto): the original is kept
and downloads as uploaded, the display image lies under the canvas (a PNG, or a PDF of
the pages with its page count checked by the save path), and the file list says whose
name the DICOM header carries."""

from __future__ import annotations

import io
import uuid

import pypdfium2
import pytest
from PIL import Image

from medrec_app.db import session_scope
from medrec_app.domain.file_types import DICOM, PDF, PNG, TIFF
from medrec_app.domain.permissions import Role
from medrec_app.models import MedicalRecord, Patient
from medrec_app.services import files
from medrec_app.services.records import editing
from tests.integration.test_display_uploads import (
    background_link,
    blob,
    fetcher,
    record_of,
    row,
)
from tests.integration.test_patient_file_uploads import upload
from tests.paged_samples import dicom_sample, dicom_variant, fax_tiff
from tests.plugins.stores import both_stores, only_local


def set_background(clinic, record_id: int, **keys) -> list[str]:
    """Save one setBackground as the practitioner; the refusal messages (none: saved)."""
    op = {"op": "setBackground", "opId": uuid.uuid4().hex} | keys
    with session_scope() as session:
        result = editing.save_operations(session, clinic.actors[Role.PRACTITIONER], record_id, [op])
    return [r.message for r in result.refused]


def listed(clinic, file_id: int) -> files.PatientFilePublic:
    with session_scope() as session:
        found = files.list_patient_files(
            session, clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
        )
    return next(f for f in found if f.id == file_id)


@both_stores
def test_a_multi_frame_dicom_is_a_paged_background_and_downloads_as_uploaded(
    store_env: str, clinic_factory
) -> None:
    clinic = clinic_factory()
    desk, patient_id = clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
    loop = dicom_sample("examples_ybr_color.dcm")

    file_id = upload(desk, patient_id, loop, "IM000001").file_id

    stored = row(file_id)
    assert (stored.file_name, stored.file_type, stored.page_count) == (
        "IM000001.dcm",
        DICOM.mime,
        30,
    )
    assert stored.display_key == f"patients/{patient_id}/{file_id}.display.pdf"
    assert blob(stored.s3_key) == loop
    assert len(pypdfium2.PdfDocument(blob(stored.display_key))) == 30
    assert Image.open(io.BytesIO(blob(stored.thumbnail_key or ""))).width > 0

    shown = listed(clinic, file_id)
    assert shown.background_type == "pdf"
    assert shown.dicom is not None and shown.dicom.modality == "US"

    record_id = record_of(clinic)
    assert (
        set_background(
            clinic,
            record_id,
            backgroundType="pdf",
            backgroundFileId=file_id,
            pdfPageNumber=12,
            pdfNumPages=30,
        )
        == []
    )
    with session_scope() as session:
        drawing = session.get(MedicalRecord, record_id).drawing_data
        download = files.issue_file_link(session, desk, file_id).s3_url
    assert (drawing["backgroundFileId"], drawing["pdfPageNumber"]) == (file_id, 12)
    assert set_background(
        clinic,
        record_id,
        backgroundType="pdf",
        backgroundFileId=file_id,
        pdfPageNumber=31,
        pdfNumPages=31,
    ) == [f"Page 31 is beyond the 30 page(s) of file {file_id}."]

    with fetcher() as get:
        background = get(background_link(clinic, record_id, file_id))
        original = get(download)
    assert background.status == 200 and background.headers["content-type"] == PDF.mime
    assert original.status == 200 and original.body == loop
    assert original.headers["content-type"] == DICOM.mime
    assert original.headers["content-disposition"].startswith("attachment")


@only_local
def test_a_single_frame_dicom_is_an_image_background(store_env: str, clinic_factory) -> None:
    clinic = clinic_factory()
    desk, patient_id = clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
    file_id = upload(desk, patient_id, dicom_sample("CT_small.dcm"), "ct.dcm").file_id
    stored = row(file_id)
    assert stored.display_key == f"patients/{patient_id}/{file_id}.display.png"
    assert listed(clinic, file_id).background_type == "image"
    assert set_background(
        clinic, record_of(clinic), backgroundType="pdf", backgroundFileId=file_id
    ) == [f"File {file_id} is an image: set it as 'image'."]
    assert (
        set_background(clinic, record_of(clinic), backgroundType="image", backgroundFileId=file_id)
        == []
    )
    with fetcher() as get:
        background = get(background_link(clinic, record_of(clinic), file_id))
    assert background.headers["content-type"] == PNG.mime


@pytest.mark.parametrize(
    ("name_in_file", "matches"),
    [("Patient{tag}^Pat", True), ("Lestrade^G", False), ("", None)],
)
@only_local
def test_the_file_list_shows_whose_name_the_dicom_header_carries(
    store_env: str, clinic_factory, name_in_file: str, matches: bool | None
) -> None:
    clinic = clinic_factory()
    desk, patient_id = clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
    with session_scope() as session:
        last_name = session.get(Patient, patient_id).last_name
    tag = last_name.removeprefix("Patient")

    def named(ds) -> None:
        ds.PatientName = name_in_file.format(tag=tag)
        ds.BurnedInAnnotation = "YES"

    file_id = upload(desk, patient_id, dicom_variant("CT_small.dcm", named), "ct.dcm").file_id

    summary = listed(clinic, file_id).dicom
    assert summary is not None
    assert summary.name_matches_patient is matches
    assert summary.patient_name == (
        f"{last_name}, Pat" if matches else name_in_file.replace("^", ", ") or None
    )
    assert summary.burned_in_annotation is True
    assert summary.pixel_spacing_mm == [0.661468, 0.661468]


@both_stores
def test_a_fax_tiff_is_stored_as_sent_and_shown_as_its_pages(
    store_env: str, clinic_factory
) -> None:
    clinic = clinic_factory()
    desk, patient_id = clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
    fax = fax_tiff(3)

    file_id = upload(desk, patient_id, fax, "referral fax.tif").file_id

    stored = row(file_id)
    assert (stored.file_type, stored.page_count) == (TIFF.mime, 3)
    assert blob(stored.s3_key) == fax
    assert len(pypdfium2.PdfDocument(blob(stored.display_key or ""))) == 3
    assert listed(clinic, file_id).dicom is None
    with session_scope() as session:
        shown = files.issue_file_link(session, desk, file_id, display=True).s3_url
    with fetcher() as get:
        opened = get(shown)
    assert opened.headers["content-type"] == PDF.mime
    assert opened.headers["content-disposition"].startswith("inline")
