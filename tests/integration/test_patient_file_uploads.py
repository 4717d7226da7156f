"""Uploading and deleting patient files through the service, on disk and on S3 (moto).

Faults are real: an S3 store pointed at a bucket that does not exist, and a deferred
constraint trigger that makes PostgreSQL refuse the commit.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlmodel import select

from medrec_app.db import session_scope
from medrec_app.domain.permissions import PermissionDenied, Role
from medrec_app.domain.uploads import check_upload
from medrec_app.models import AuditEvent, MedicalRecordFile, PatientFile
from medrec_app.services import files, uploads
from medrec_app.services.errors import FileInUse, NotFound, StorageUnavailable, UploadRefused
from medrec_app.services.pdf_layout import REPACK_MIN_PAGES
from medrec_app.services.records.create import MedicalRecordCreate, create_record
from medrec_app.settings import get_settings
from medrec_app.storage import BlobStore, LocalBlobStore, get_store
from tests import samples
from tests.file_samples import scanned_pdf_bytes
from tests.paged_samples import dicom_sample
from tests.plugins.signed import mark_signed
from tests.plugins.stores import both_stores, only_local, only_s3

COMMIT_FAILS = "commit-fails.png"


def upload(actor, patient_id: int, data: bytes, name: str):
    with session_scope() as session:
        return uploads.upload_patient_file(
            session,
            actor,
            patient_id,
            file_name=name,
            source=io.BytesIO(data),
        )


def stored_keys(patient_id: int) -> list[str]:
    """Every blob key under the patient's prefix, in whichever store is configured."""
    store = get_store()
    prefix = f"patients/{patient_id}/"
    if isinstance(store, LocalBlobStore):
        folder = store.root / prefix
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []
    listing = store.client.list_objects_v2(Bucket=store.bucket, Prefix=prefix)
    return sorted(o["Key"].removeprefix(prefix) for o in listing.get("Contents", []))


def file_rows(patient_id: int) -> list[PatientFile]:
    with session_scope() as session:
        return list(session.exec(select(PatientFile).where(PatientFile.patient_id == patient_id)))


def read_blob(store: BlobStore, key: str) -> bytes:
    with store.open(key) as stream:
        return stream.read()


@both_stores
def test_upload_list_link_delete(store_env: str, clinic_factory) -> None:
    clinic = clinic_factory()
    desk, patient_id = clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
    xray, report = samples.jpeg((300, 200)), samples.pdf(3)

    image = upload(desk, patient_id, xray, "../../knee xray.jpg")
    pdf = upload(desk, patient_id, report, "report.pdf")

    assert image.file_name == "knee xray.jpg"
    assert (image.file_type, image.file_size) == ("image/jpeg", len(xray))
    assert pdf.page_count == 3
    assert pdf.s3_url and pdf.file_type == "application/pdf"
    store = get_store()
    assert store.bucket == ("local" if store_env == "local" else get_settings().s3_bucket)
    with session_scope() as session:
        listed = files.list_files_with_preview_links(session, desk, patient_id)
        rows = {row.id: row for row in session.exec(select(PatientFile))}
    assert [f.id for f in listed] == [pdf.file_id, image.file_id]
    assert all(f.thumbnail_url for f in listed)
    assert read_blob(store, rows[image.file_id].s3_key) == xray
    assert read_blob(store, rows[pdf.file_id].s3_key) == report
    assert rows[pdf.file_id].s3_key == f"patients/{patient_id}/{pdf.file_id}.pdf"
    assert read_blob(store, rows[pdf.file_id].thumbnail_key)[8:12] == b"WEBP"

    with session_scope() as session:
        uploads.delete_patient_file(session, desk, image.file_id)
    assert [r.id for r in file_rows(patient_id)] == [pdf.file_id]
    assert stored_keys(patient_id) == sorted([f"{pdf.file_id}.pdf", f"{pdf.file_id}.thumb.webp"])
    with session_scope() as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.file_id == image.file_id).order_by(AuditEvent.id)
        ).all()
    # Upload, the link in the upload's answer, the listed thumbnail, the delete.
    assert [e.action for e in events] == ["file.upload", "file.view", "file.view", "file.delete"]
    assert all("knee" not in str(e.details) for e in events)


@only_s3
def test_blob_store_failure_leaves_no_row(store_env: str, clinic_factory, monkeypatch) -> None:
    clinic = clinic_factory()
    desk, patient_id = clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
    monkeypatch.setenv("MEDREC_S3_BUCKET", f"missing-{uuid.uuid4().hex[:12]}")
    get_settings.cache_clear()
    with pytest.raises(StorageUnavailable, match="Nothing was saved"):
        upload(desk, patient_id, samples.pdf(), "report.pdf")
    assert file_rows(patient_id) == []


@only_local
def test_local_store_failure_leaves_no_row(store_env: str, clinic_factory) -> None:
    clinic = clinic_factory()
    desk, patient_id = clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
    blocker = get_settings().files_dir / "patients" / str(patient_id)
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_bytes(b"a file where the patient's folder should be")
    with pytest.raises(StorageUnavailable):
        upload(desk, patient_id, samples.png(), "chart.png")
    assert file_rows(patient_id) == []


@pytest.fixture
def commit_refused(database_url: str) -> Iterator[None]:
    """PostgreSQL refuses, at commit time, any patient file named ``COMMIT_FAILS``."""
    with session_scope() as session:
        session.execute(
            text(
                """
                CREATE FUNCTION test_refuse_at_commit() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'refused at commit by test trigger'; END
                $$ LANGUAGE plpgsql;
                CREATE CONSTRAINT TRIGGER test_refuse_at_commit
                AFTER INSERT ON patient_files DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW WHEN (NEW.file_name = 'commit-fails.png')
                EXECUTE FUNCTION test_refuse_at_commit();
                """
            )
        )
    try:
        yield
    finally:
        with session_scope() as session:
            session.execute(text("DROP TRIGGER test_refuse_at_commit ON patient_files"))
            session.execute(text("DROP FUNCTION test_refuse_at_commit()"))


@both_stores
def test_commit_failure_removes_the_stored_blobs(
    store_env: str, clinic_factory, commit_refused: None
) -> None:
    clinic = clinic_factory()
    desk, patient_id = clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
    with pytest.raises(Exception, match="refused at commit by test trigger"):
        upload(desk, patient_id, samples.png(), COMMIT_FAILS)
    assert file_rows(patient_id) == []
    assert stored_keys(patient_id) == []
    # The same upload under another name goes through: the fault was the commit alone.
    upload(desk, patient_id, samples.png(), "chart.png")
    assert len(stored_keys(patient_id)) == 2


@both_stores
def test_bad_file_leaves_nothing(store_env: str, clinic_factory) -> None:
    clinic = clinic_factory()
    desk, patient_id = clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
    with pytest.raises(UploadRefused) as refused:
        upload(desk, patient_id, samples.HTML, "xray.jpg")
    assert refused.value.kind == "unsupported_type"
    assert "web page (HTML)" in str(refused.value)
    assert file_rows(patient_id) == []
    assert stored_keys(patient_id) == []


@only_local
def test_other_clinic_cannot_reach_files(store_env: str, clinic_factory) -> None:
    a, b = clinic_factory(), clinic_factory()
    uploaded = upload(a.actors[Role.FRONT_DESK], a.patient_ids[0], samples.png(), "a.png")
    intruder = b.actors[Role.ADMIN]
    for call in (
        lambda s: files.issue_file_link(s, intruder, uploaded.file_id),
        lambda s: uploads.delete_patient_file(s, intruder, uploaded.file_id),
        lambda s: uploads.upload_patient_file(
            s,
            intruder,
            a.patient_ids[0],
            file_name="x.png",
            source=io.BytesIO(samples.png()),
        ),
    ):
        with session_scope() as session, pytest.raises(NotFound):
            call(session)
    assert len(file_rows(a.patient_ids[0])) == 1


@only_local
def test_roles(store_env: str, clinic_factory) -> None:
    clinic = clinic_factory()
    patient_id = clinic.patient_ids[0]
    with pytest.raises(PermissionDenied, match="Read-only users may not upload"):
        upload(clinic.actors[Role.READ_ONLY], patient_id, samples.png(), "a.png")
    uploaded = upload(clinic.actors[Role.PRACTITIONER], patient_id, samples.png(), "a.png")
    with session_scope() as session, pytest.raises(PermissionDenied, match="delete"):
        uploads.delete_patient_file(session, clinic.actors[Role.PRACTITIONER], uploaded.file_id)


def _record_with(clinic, *, background_file_id: int | None = None) -> int:
    drawing = {"lines": [], "shapes": [], "stageSize": {"width": 800, "height": 600}}
    if background_file_id is not None:
        drawing |= {"backgroundType": "image", "backgroundFileId": background_file_id}
    appointment_id = clinic.appointment_ids.pop()
    with session_scope() as session:
        record = create_record(
            session,
            clinic.actors[Role.PRACTITIONER],
            MedicalRecordCreate(
                appointment_id=appointment_id,
                template_id=None,
                drawing_data=drawing,
                form_data={},
            ),
        )
        return record.id


def _sign(record_id: int) -> None:
    with session_scope() as session:
        mark_signed(session, record_id)


def _link(record_id: int, file_id: int) -> None:
    with session_scope() as session:
        session.add(MedicalRecordFile(medical_record_id=record_id, patient_file_id=file_id))


@only_local
def test_delete_respects_signed_records(store_env: str, clinic_factory) -> None:
    clinic = clinic_factory(appointments=3)
    desk, patient_id = clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
    attached, background, free = (
        upload(desk, patient_id, samples.png(), f"{n}.png").file_id
        for n in ("attached", "background", "free")
    )
    signed_attachment = _record_with(clinic)
    _link(signed_attachment, attached)
    _sign(signed_attachment)
    _sign(_record_with(clinic, background_file_id=background))
    unsigned = _record_with(clinic, background_file_id=free)
    _link(unsigned, free)

    for file_id in (attached, background):
        with session_scope() as session, pytest.raises(FileInUse, match="signed record"):
            uploads.delete_patient_file(session, desk, file_id)
    with session_scope() as session:
        uploads.delete_patient_file(session, desk, free)
    assert sorted(r.id for r in file_rows(patient_id)) == sorted([attached, background])
    with session_scope() as session:
        links = session.exec(select(MedicalRecordFile.patient_file_id)).all()
    assert free not in links and attached in links


def test_a_long_scan_is_stored_repacked_and_its_stored_size_is_recorded(clinic_factory) -> None:
    clinic = clinic_factory()
    desk, patient_id = clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
    scan = scanned_pdf_bytes(REPACK_MIN_PAGES, (64, 48))
    uploaded = upload(desk, patient_id, scan, "scan.pdf")
    with session_scope() as session:
        row = session.get(PatientFile, uploaded.file_id)
        assert row is not None
    stored = read_blob(get_store(), row.s3_key)
    assert b"/ObjStm" in stored and b"/ObjStm" not in scan
    assert (row.file_size, row.page_count) == (len(stored), REPACK_MIN_PAGES)


@both_stores
@pytest.mark.parametrize("damage", sorted(samples.damaged_pdfs()))
def test_damaged_pdf_is_stored_repaired_with_the_original_hash(
    store_env: str, clinic_factory, damage: str
) -> None:
    clinic = clinic_factory()
    desk, patient_id = clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
    original = samples.damaged_pdfs()[damage]

    uploaded = upload(desk, patient_id, original, "fax.pdf")

    (row,) = file_rows(patient_id)
    stored = read_blob(get_store(), row.s3_key)
    assert uploaded.page_count == 2 and stored != original
    assert row.file_size == len(stored)
    assert row.file_metadata == {
        "repaired_by": "qpdf",
        "original_sha256": hashlib.sha256(original).hexdigest(),
        "original_size": len(original),
    }
    # What is stored reads without any repair and passes the same checks.
    again = check_upload(io.BytesIO(stored), file_name="fax.pdf", limits=uploads.upload_limits())
    assert again.page_count == 2


@only_local
def test_pdf_after_leading_bytes_is_accepted_and_stored_from_its_header(
    store_env: str, clinic_factory
) -> None:
    clinic = clinic_factory()
    desk, patient_id = clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
    upload(desk, patient_id, samples.pdf_with_leading_bytes(600), "fax.pdf")
    (row,) = file_rows(patient_id)
    assert read_blob(get_store(), row.s3_key).startswith(b"%PDF-")
    assert row.file_metadata["original_size"] == 600 + len(samples.pdf(2))


@only_local
def test_good_pdf_is_stored_as_uploaded_without_repair_metadata(
    store_env: str, clinic_factory
) -> None:
    clinic = clinic_factory()
    desk, patient_id = clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
    form = samples.pdf_with_usage_rights()
    upload(desk, patient_id, form, "reader extended form.pdf")
    (row,) = file_rows(patient_id)
    assert read_blob(get_store(), row.s3_key) == form
    assert row.file_metadata == {}


def _damaged(data: bytes) -> bytes:
    """``data`` with a wrong ``startxref`` offset and no ``%%EOF``: read only by repair."""
    return data[: data.rfind(b"startxref")] + b"startxref\n12345\n"


@only_local
@pytest.mark.parametrize(
    ("data", "says"),
    [
        (_damaged(samples.pdf_with_document_js()), "The PDF contains JavaScript"),
        (_damaged(samples.pdf_with_embedded_file()), "The PDF carries embedded files"),
        (_damaged(samples.encrypted_pdf()), "The PDF is encrypted"),
        (b"%PDF-1.7\n" + b"\x00garbage" * 20, "The PDF is damaged (or not a real PDF)"),
    ],
)
def test_repair_does_not_let_unsafe_or_unreadable_pdfs_in(
    store_env: str, clinic_factory, data: bytes, says: str
) -> None:
    clinic = clinic_factory()
    desk, patient_id = clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
    with pytest.raises(UploadRefused) as refused:
        upload(desk, patient_id, data, "report.pdf")
    assert str(refused.value).startswith(says)
    assert file_rows(patient_id) == []
    assert stored_keys(patient_id) == []


@only_local
def test_dicom_without_an_image_is_refused_with_what_to_do(store_env: str, clinic_factory) -> None:
    """A real radiotherapy plan (pydicom's test file): DICOM, but no picture to show."""
    clinic = clinic_factory()
    desk, patient_id = clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
    with pytest.raises(UploadRefused) as refused:
        upload(desk, patient_id, dicom_sample("rtplan.dcm"), "IM0001")
    assert refused.value.kind == "invalid_content"
    assert str(refused.value).startswith("This DICOM file holds no image")
    assert file_rows(patient_id) == []
    assert stored_keys(patient_id) == []
