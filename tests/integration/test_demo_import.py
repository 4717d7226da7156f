"""Importing saves of the browser-only demo into records, on the real PostgreSQL and the
local file store: round trips compared element by element, every refusal with its
message and nothing stored (rows and blobs counted before and after), the same save
twice, ``merge``, another clinic's visit and a dry run."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import col, func, select

from medrec_app.db import session_scope
from medrec_app.domain.drawing import MAX_SHAPES
from medrec_app.domain.file_types import JPEG
from medrec_app.domain.permissions import PermissionDenied, Role
from medrec_app.models import (
    AuditEvent,
    MedicalRecord,
    MedicalRecordFile,
    MedicalRecordOp,
    MedicalRecordTemplate,
    PatientFile,
    RecordImport,
)
from medrec_app.services import demo_import, unit_of_work
from medrec_app.services.demo_import import RecordHasContent
from medrec_app.services.errors import NotFound, UploadRefused, ValidationFailed
from medrec_app.storage import LocalBlobStore, get_store
from tests import samples
from tests.demo_exports import export_text, saved_state
from tests.file_samples import png_bytes, scanned_pdf_bytes
from tests.image_samples import camera_exif, encode, stored_for


def run_import(actor, appointment_id: int, state: dict[str, Any], **options):
    export = demo_import.read_export(export_text(state))
    return unit_of_work.run(
        demo_import.import_demo_export, actor, appointment_id, export, **options
    )


@dataclass(frozen=True)
class Counts:
    records: int
    files: int
    links: int
    imports: int
    ops: int
    audit: int
    blobs: int


def counts(clinic) -> Counts:
    patient_id = clinic.patient_ids[0]
    with session_scope() as session:
        record_ids = session.exec(
            select(MedicalRecord.id).where(
                col(MedicalRecord.appointment_id).in_(clinic.appointment_ids)
            )
        ).all()

        def count(model, *where) -> int:
            return session.exec(select(func.count()).select_from(model).where(*where)).one()

        result = Counts(
            records=len(record_ids),
            files=count(PatientFile, PatientFile.patient_id == patient_id),
            links=count(
                MedicalRecordFile, col(MedicalRecordFile.medical_record_id).in_(record_ids)
            ),
            imports=count(RecordImport, col(RecordImport.medical_record_id).in_(record_ids)),
            ops=count(MedicalRecordOp, col(MedicalRecordOp.medical_record_id).in_(record_ids)),
            audit=count(AuditEvent, AuditEvent.clinic_id == clinic.clinic_id),
            blobs=len(blob_keys(patient_id)),
        )
    return result


def blob_keys(patient_id: int) -> list[str]:
    store = get_store()
    assert isinstance(store, LocalBlobStore)
    folder = store.root / f"patients/{patient_id}"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def record_of(appointment_id: int) -> MedicalRecord:
    with session_scope() as session:
        record = session.exec(
            select(MedicalRecord).where(MedicalRecord.appointment_id == appointment_id)
        ).one()
    return record


def without_ids(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in line.items() if k != "id"} for line in lines]


def assert_nothing_base64_stored(record_id: int) -> None:
    with session_scope() as session:
        stored = session.execute(
            text(
                "SELECT r.drawing_data::text || r.form_data::text || "
                "coalesce(string_agg(o.op::text, ''), '') FROM medical_records r "
                "LEFT JOIN medical_record_ops o ON o.medical_record_id = r.id "
                "WHERE r.id = :id GROUP BY r.id"
            ),
            {"id": record_id},
        ).scalar_one()
    assert "base64" not in stored and "data:" not in stored


def exif_rotated_photo() -> bytes:
    """A phone photo stored turned, with EXIF orientation 6 (and GPS) saying so."""
    return encode(stored_for(6), JPEG, exif=camera_exif(6).tobytes())


IMAGES = {
    "png": ("image/png", png_bytes()),
    "exif-rotated-jpeg": ("image/jpeg", exif_rotated_photo()),
}


@pytest.mark.parametrize("image", sorted(IMAGES))
def test_an_image_save_round_trips_element_by_element(clinic_factory, image: str) -> None:
    clinic = clinic_factory()
    admin, appointment_id = clinic.actors[Role.ADMIN], clinic.appointment_ids[0]
    mime, data = IMAGES[image]
    state = saved_state(seed=3, lines=30, shapes=8, image=(mime, data))

    result = run_import(admin, appointment_id, state)

    assert (result.outcome, result.new_record, result.lines, result.shapes) == (
        "imported",
        True,
        30,
        8,
    )
    record = record_of(appointment_id)
    drawing = record.drawing_data
    assert without_ids(drawing["lines"]) == state["lines"]
    assert all(re.fullmatch(r"line-[0-9a-f-]{36}", line["id"]) for line in drawing["lines"])
    assert len({line["id"] for line in drawing["lines"]}) == 30
    assert drawing["shapes"] == state["shapes"]
    assert drawing["stageSize"] == state["stageSize"]
    assert drawing["backgroundType"] == "image"
    assert drawing["backgroundFileId"] == result.file_id
    assert "pdfPageNumber" not in drawing and "pdfNumPages" not in drawing
    with session_scope() as session:
        stored = session.get(PatientFile, result.file_id)
        link = session.exec(
            select(MedicalRecordFile.file_role).where(
                MedicalRecordFile.medical_record_id == record.id,
                MedicalRecordFile.patient_file_id == result.file_id,
            )
        ).one()
        default = session.exec(
            select(MedicalRecordTemplate.id).where(
                MedicalRecordTemplate.clinic_id == clinic.clinic_id,
                col(MedicalRecordTemplate.is_default),
            )
        ).first()
        audit = session.exec(
            select(AuditEvent).where(
                AuditEvent.record_id == record.id, AuditEvent.action == "record.import"
            )
        ).one()
    assert stored is not None and stored.patient_id == clinic.patient_ids[0]
    assert (stored.file_type, stored.file_name) == (
        mime,
        f"demo background.{JPEG.extension}" if mime == JPEG.mime else "demo background.png",
    )
    with get_store().open(stored.s3_key) as blob:
        assert blob.read() == data, "the original bytes, as the demo held them"
    assert link == "background"
    assert record.template_id == default
    assert (audit.user_id, audit.file_id, audit.appointment_id) == (
        admin.user_id,
        result.file_id,
        appointment_id,
    )
    assert audit.details == {"saved_at": "2025-01-15T10:30:00.000Z", "merge": False}
    assert_nothing_base64_stored(record.id)


def test_a_scanned_pdf_save_keeps_its_page(clinic_factory) -> None:
    clinic = clinic_factory()
    admin, appointment_id = clinic.actors[Role.ADMIN], clinic.appointment_ids[0]
    scan = scanned_pdf_bytes(3, (600, 800))
    state = saved_state(seed=4, lines=12, shapes=5, pdf=scan, pdf_name="intake scan", page=2)

    result = run_import(admin, appointment_id, state)

    drawing = record_of(appointment_id).drawing_data
    assert without_ids(drawing["lines"]) == state["lines"]
    assert drawing["shapes"] == state["shapes"]
    assert (drawing["backgroundType"], drawing["backgroundFileId"]) == ("pdf", result.file_id)
    assert (drawing["pdfPageNumber"], drawing["pdfNumPages"]) == (2, 3)
    with session_scope() as session:
        stored = session.get(PatientFile, result.file_id)
    assert stored is not None
    assert (stored.file_type, stored.file_name, stored.page_count) == (
        "application/pdf",
        "intake scan.pdf",
        3,
    )


def test_a_save_without_background_stores_no_file(clinic_factory) -> None:
    clinic = clinic_factory()
    admin, appointment_id = clinic.actors[Role.ADMIN], clinic.appointment_ids[0]
    before = counts(clinic)
    state = saved_state(seed=5, lines=700, shapes=0)  # more than one save's 500 operations

    result = run_import(admin, appointment_id, state)

    record = record_of(appointment_id)
    assert without_ids(record.drawing_data["lines"]) == state["lines"]
    assert "backgroundType" not in record.drawing_data
    assert result.file_id is None
    after = counts(clinic)
    assert (after.records, after.files, after.blobs, after.imports) == (
        before.records + 1,
        before.files,
        before.blobs,
        before.imports + 1,
    )


BAD_FILES = {
    "png declared, jpeg bytes": (
        {"image": ("image/png", samples.jpeg())},
        ValidationFailed,
        "backgroundImageDataUrl: says it is 'image/png', but its bytes are a JPEG image "
        "(image/jpeg); the export was changed or damaged",
    ),
    "page beyond the pdf": (
        {"pdf": samples.pdf(3), "page": 5, "pages": None},
        ValidationFailed,
        "pdfPageNumber: page 5 is beyond the PDF, which has 3 pages",
    ),
    "script in the pdf": (
        {"pdf": samples.pdf_with_document_js()},
        UploadRefused,
        "pdfFileDataUrl: The PDF contains JavaScript",
    ),
    "not an image at all": (
        {"image": ("image/png", b"MZ\x90\x00 an exe, not a picture" * 20)},
        UploadRefused,
        "backgroundImageDataUrl: medrec cannot tell what kind of file this is",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_refused_background_leaves_nothing_behind(clinic_factory, case: str) -> None:
    clinic = clinic_factory()
    admin, appointment_id = clinic.actors[Role.ADMIN], clinic.appointment_ids[0]
    options, error, message = BAD_FILES[case]
    before = counts(clinic)

    with pytest.raises(error) as caught:
        run_import(admin, appointment_id, saved_state(**options))

    assert str(caught.value).startswith(message)
    assert counts(clinic) == before, "no record, file row, blob, link, import or audit row"


def test_a_save_refused_after_its_file_was_stored_removes_the_file_and_its_blobs(
    clinic_factory,
) -> None:
    """The record's limits are only known when the drawing is merged, after the background
    is stored: the refusal must take the stored blobs and the row with it."""
    clinic = clinic_factory()
    admin, appointment_id = clinic.actors[Role.ADMIN], clinic.appointment_ids[0]
    run_import(admin, appointment_id, saved_state(seed=6, lines=0, shapes=MAX_SHAPES - 100))
    before = counts(clinic)
    state = saved_state(seed=7, lines=0, shapes=200, image=("image/png", png_bytes()))

    with pytest.raises(ValidationFailed) as caught:
        run_import(admin, appointment_id, state, merge=True)

    assert f"the limit is {MAX_SHAPES}" in str(caught.value)
    assert counts(clinic) == before
    assert len(record_of(appointment_id).drawing_data["shapes"]) == MAX_SHAPES - 100


def test_the_same_save_twice_creates_nothing_new(clinic_factory) -> None:
    clinic = clinic_factory()
    admin, appointment_id = clinic.actors[Role.ADMIN], clinic.appointment_ids[0]
    state = saved_state(seed=8, image=("image/png", png_bytes()))
    first = run_import(admin, appointment_id, state)
    before, revision = counts(clinic), record_of(appointment_id).revision

    # The same save, as another export of it would write it: other key order and spacing.
    again = json.loads(json.dumps(dict(reversed(list(state.items())))))
    second = run_import(admin, appointment_id, again)
    third = run_import(admin, appointment_id, state, merge=True)

    assert first.outcome == "imported"
    assert (second.outcome, second.record_id) == ("duplicate", first.record_id)
    assert third.outcome == "duplicate"
    assert "already imported" in second.sentence()
    assert counts(clinic) == before
    assert record_of(appointment_id).revision == revision


def test_a_record_with_content_is_refused_unless_merging(clinic_factory) -> None:
    clinic = clinic_factory()
    admin, appointment_id = clinic.actors[Role.ADMIN], clinic.appointment_ids[0]
    first = saved_state(seed=9, lines=3, shapes=2)
    run_import(admin, appointment_id, first)
    second = saved_state(seed=10, lines=4, shapes=1, image=("image/png", png_bytes()))
    before = counts(clinic)

    with pytest.raises(RecordHasContent) as caught:
        run_import(admin, appointment_id, second)
    assert "already has content" in str(caught.value) and "--merge" in str(caught.value)
    assert counts(clinic) == before

    merged = run_import(admin, appointment_id, second, merge=True)
    drawing = record_of(appointment_id).drawing_data
    assert (merged.outcome, merged.new_record) == ("imported", False)
    assert without_ids(drawing["lines"]) == first["lines"] + second["lines"]
    assert drawing["shapes"] == first["shapes"] + second["shapes"]
    assert drawing["backgroundFileId"] == merged.file_id


def test_another_clinics_appointment_is_not_found_and_nothing_is_stored(clinic_factory) -> None:
    ours, theirs = clinic_factory(), clinic_factory()
    before = counts(theirs)
    with pytest.raises(NotFound) as caught:
        run_import(
            ours.actors[Role.ADMIN],
            theirs.appointment_ids[0],
            saved_state(image=("image/png", png_bytes())),
        )
    assert str(caught.value) == "The appointment was not found."
    assert counts(theirs) == before


def test_only_admins_import(clinic_factory) -> None:
    clinic = clinic_factory()
    before = counts(clinic)
    with pytest.raises(PermissionDenied):
        run_import(clinic.actors[Role.PRACTITIONER], clinic.appointment_ids[0], saved_state())
    assert counts(clinic).records == before.records


def test_a_dry_run_checks_everything_and_stores_nothing(clinic_factory) -> None:
    clinic = clinic_factory()
    admin, appointment_id = clinic.actors[Role.ADMIN], clinic.appointment_ids[0]
    before = counts(clinic)
    scan = scanned_pdf_bytes(2, (500, 700))

    result = run_import(admin, appointment_id, saved_state(pdf=scan, page=2), dry_run=True)
    assert (result.outcome, result.new_record, result.record_id) == ("would_import", True, None)
    assert result.sentence().startswith("would import 5 line(s), 4 shape(s), PDF background")
    with pytest.raises(ValidationFailed, match="page 3 is beyond the PDF"):
        run_import(admin, appointment_id, saved_state(pdf=scan, page=3), dry_run=True)
    with pytest.raises(ValidationFailed, match="its bytes are a JPEG image"):
        run_import(
            admin, appointment_id, saved_state(image=("image/png", samples.jpeg())), dry_run=True
        )

    assert counts(clinic) == before


def test_the_import_page_offers_visits_without_content(clinic_factory) -> None:
    clinic = clinic_factory()
    admin = clinic.actors[Role.ADMIN]
    run_import(admin, clinic.appointment_ids[1], saved_state())
    offered = unit_of_work.run(demo_import.importable_appointments, admin)
    assert [a.appointment_id for a in offered] == [
        clinic.appointment_ids[0],
        clinic.appointment_ids[2],
    ]
