"""Exporting a record on real PostgreSQL and the real blob store (issue 14 items 4-6): the
PDF and PNG are patient files with the ``export`` role, hold the record's text, come
back unchanged for an unchanged record, and follow the roles."""

from __future__ import annotations

import io
import uuid

import pypdf
import pytest
from PIL import Image
from sqlmodel import select

from medrec_app.db import session_scope
from medrec_app.domain.permissions import PermissionDenied, Role
from medrec_app.models import AuditEvent, MedicalRecordFile, PatientFile
from medrec_app.services import unit_of_work
from medrec_app.services.errors import NotFound
from medrec_app.services.records import amendments, editing
from medrec_app.services.records.export import (
    MISSING_BACKGROUND,
    export_record,
    issue_export_link,
    record_exports,
)
from medrec_app.storage import get_store
from tests.file_samples import png_bytes, store_patient_file
from tests.integration.test_signing import IP, field_op, line_op, sign, started
from tests.plugins.factories import PASSWORD


def text_op(text: str) -> dict:
    return {
        "op": "putShape",
        "opId": uuid.uuid4().hex,
        "shape": {
            "id": uuid.uuid4().hex,
            "type": "text",
            "x": 40,
            "y": 400,
            "text": text,
            "color": "#111111",
            "strokeWidth": 20,
        },
    }


def background_op(file_id: int) -> dict:
    return {
        "op": "setBackground",
        "opId": uuid.uuid4().hex,
        "backgroundType": "image",
        "backgroundFileId": file_id,
    }


def with_background(clinic) -> tuple[editing.EditorRecord, int]:
    """A signed-ready record: a stroke, a text shape, the complaint, an x-ray below."""
    doctor = clinic.actors[Role.PRACTITIONER]
    with session_scope() as session:
        file_id = store_patient_file(
            session,
            get_store(),
            patient_id=clinic.patient_ids[0],
            uploaded_by_user_id=doctor.user_id,
            file_name="knee.png",
            file_type="image/png",
            data=png_bytes(),
        )
    opened = started(clinic)
    ops = [background_op(file_id), text_op("Effusion, medial side"), line_op(300)]
    with session_scope() as session:
        result = editing.save_operations(session, doctor, opened.record_id, ops)
    assert not result.refused
    return started(clinic), file_id


def pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def blob(file_id: int) -> bytes:
    with session_scope() as session:
        key = session.get(PatientFile, file_id).s3_key
    with get_store().open(key) as stream:
        return stream.read()


def export_links(record_id: int) -> list[tuple[int, str]]:
    with session_scope() as session:
        rows = session.exec(
            select(MedicalRecordFile.patient_file_id, MedicalRecordFile.file_role).where(
                MedicalRecordFile.medical_record_id == record_id
            )
        ).all()
    return [(file_id, role) for file_id, role in rows if role == "export"]


def test_a_signed_record_exports_as_a_pdf_and_png_holding_its_text(clinic_factory):
    clinic = clinic_factory()
    opened, _ = with_background(clinic)
    signature = sign(clinic, opened)

    made = unit_of_work.run(export_record, clinic.actors[Role.PRACTITIONER], opened.record_id)

    assert not made.reused and not made.notices
    assert made.pdf.file_type == "application/pdf" and made.png.file_type == "image/png"
    assert made.pdf.s3_url and made.png.s3_url
    assert sorted(export_links(opened.record_id)) == sorted(
        [(made.pdf.id, "export"), (made.png.id, "export")]
    )
    page_one, *written = pdf_text(blob(made.pdf.id))
    assert "Effusion, medial side" in page_one
    note = "\n".join(written)
    for expected in (
        "Visit note",
        "Pat Patient",
        "01 Jan 1980",
        "Chief complaint",
        "Sore knee",
        signature.sha256,
        "Signed by Practitioner",
    ):
        assert expected in note
    png = Image.open(io.BytesIO(blob(made.png.id)))
    assert png.size == (800, 600)
    with session_scope() as session:
        actions = session.exec(
            select(AuditEvent.action, AuditEvent.details).where(
                AuditEvent.record_id == opened.record_id, AuditEvent.action == "record.export"
            )
        ).all()
    assert [details["reused"] for _, details in actions] == [False]


def test_an_unchanged_record_exports_to_the_same_files_and_an_amendment_to_new_ones(
    clinic_factory,
):
    clinic = clinic_factory()
    opened, _ = with_background(clinic)
    sign(clinic, opened)
    doctor = clinic.actors[Role.PRACTITIONER]
    first = unit_of_work.run(export_record, doctor, opened.record_id)
    again = unit_of_work.run(export_record, clinic.actors[Role.FRONT_DESK], opened.record_id)

    assert again.reused and (again.pdf.id, again.png.id) == (first.pdf.id, first.png.id)
    assert len(export_links(opened.record_id)) == 2

    draft = unit_of_work.run(amendments.start_amendment, doctor, opened.record_id)
    saved = unit_of_work.run(
        amendments.save_amendment,
        doctor,
        draft.id,
        reason="Wrong side",
        text="The effusion is lateral, not medial.",
    )
    unit_of_work.run(
        amendments.sign_amendment,
        doctor,
        draft.id,
        password=PASSWORD,
        revision=saved.revision,
        ip=IP,
    )
    amended = unit_of_work.run(export_record, doctor, opened.record_id)

    assert not amended.reused and amended.pdf.id != first.pdf.id
    note = "\n".join(pdf_text(blob(amended.pdf.id))[1:])
    assert "Amendment 1" in note and "Reason: Wrong side" in note
    assert "The effusion is lateral, not medial." in note
    listed = unit_of_work.run(record_exports, clinic.actors[Role.READ_ONLY], opened.record_id)
    assert [f.id for f in listed][:2] == sorted([amended.pdf.id, amended.png.id], reverse=True)


def test_a_draft_exports_marked_as_not_signed(clinic_factory):
    clinic = clinic_factory()
    opened = started(clinic, complete=False)
    made = unit_of_work.run(export_record, clinic.actors[Role.PRACTITIONER], opened.record_id)
    note = "\n".join(pdf_text(blob(made.pdf.id))[1:])
    assert "Not signed: this is a draft" in note
    assert "—" in note  # the empty required field is shown empty, not left out


def test_only_roles_that_read_records_and_file_them_export_and_readers_open_exports(
    clinic_factory,
):
    clinic = clinic_factory()
    other = clinic_factory()
    opened = started(clinic)
    made = unit_of_work.run(export_record, clinic.actors[Role.ADMIN], opened.record_id)

    with pytest.raises(PermissionDenied):
        unit_of_work.run(export_record, clinic.actors[Role.READ_ONLY], opened.record_id)
    with pytest.raises(NotFound):
        unit_of_work.run(export_record, other.actors[Role.ADMIN], opened.record_id)
    opened_by_reader = unit_of_work.run(
        issue_export_link, clinic.actors[Role.READ_ONLY], opened.record_id, made.pdf.id
    )
    assert opened_by_reader.s3_url
    with pytest.raises(NotFound):
        unit_of_work.run(
            issue_export_link, other.actors[Role.READ_ONLY], opened.record_id, made.pdf.id
        )
    with session_scope() as session:
        attachment = store_patient_file(
            session,
            get_store(),
            patient_id=clinic.patient_ids[0],
            uploaded_by_user_id=clinic.actors[Role.ADMIN].user_id,
            file_name="not-an-export.png",
            file_type="image/png",
            data=png_bytes(),
        )
    with pytest.raises(NotFound):  # a patient file that is not this record's export
        unit_of_work.run(
            issue_export_link, clinic.actors[Role.READ_ONLY], opened.record_id, attachment
        )
    with session_scope() as session:
        refused = session.exec(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("%.denied"))  # type: ignore[attr-defined]
            .where(AuditEvent.user_id == clinic.actors[Role.READ_ONLY].user_id)
        ).all()
    assert refused  # the refused export is audited


def test_a_missing_background_is_said_on_the_page_and_the_export_still_made(clinic_factory):
    clinic = clinic_factory()
    opened, file_id = with_background(clinic)
    with session_scope() as session:
        key = session.get(PatientFile, file_id).s3_key
    get_store().delete(key)

    made = unit_of_work.run(export_record, clinic.actors[Role.PRACTITIONER], opened.record_id)

    assert made.notices == [MISSING_BACKGROUND]
    page_one = pdf_text(blob(made.pdf.id))[0]
    assert "could not be read from the file store" in page_one
    assert "Effusion, medial side" in page_one


def test_a_background_that_is_not_what_it_was_stored_as_is_said_on_the_page(clinic_factory):
    clinic = clinic_factory()
    opened, file_id = with_background(clinic)
    with session_scope() as session:
        row = session.get(PatientFile, file_id)
        get_store().put(row.s3_key, io.BytesIO(b"not a picture at all"), "image/png")

    made = unit_of_work.run(export_record, clinic.actors[Role.PRACTITIONER], opened.record_id)
    assert made.notices == [MISSING_BACKGROUND]


def test_a_field_op_after_export_makes_the_next_export_new(clinic_factory):
    clinic = clinic_factory()
    opened = started(clinic)
    doctor = clinic.actors[Role.PRACTITIONER]
    first = unit_of_work.run(export_record, doctor, opened.record_id)
    with session_scope() as session:
        editing.save_operations(
            session, doctor, opened.record_id, [field_op("chief_complaint", "Worse")]
        )
    second = unit_of_work.run(export_record, doctor, opened.record_id)
    assert not second.reused and second.pdf.id != first.pdf.id
    assert "Worse" in "\n".join(pdf_text(blob(second.pdf.id)))
