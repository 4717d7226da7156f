"""A record's background and attachments: the file rules of the save path, the link rows
kept in step, attach and detach, scoping and audit, on the real database and file store."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlmodel import col, select

from medrec_app.db import session_scope
from medrec_app.domain.permissions import PermissionDenied, Role
from medrec_app.models import AuditEvent, MedicalRecord, MedicalRecordFile, Patient
from medrec_app.services.errors import NotFound, ValidationFailed
from medrec_app.services.records import editing
from medrec_app.services.records import files as record_files
from medrec_app.services.records.create import MedicalRecordCreate, create_record
from medrec_app.storage import get_store
from tests.file_samples import pdf_bytes, png_bytes, store_patient_file
from tests.support import http_request


def _file(clinic, kind: str, patient_id: int | None = None) -> int:
    data, file_type, pages = {
        "pdf": (pdf_bytes(3), "application/pdf", 3),
        "png": (png_bytes(), "image/png", None),
    }[kind]
    with session_scope() as session:
        return store_patient_file(
            session,
            get_store(),
            patient_id=patient_id or clinic.patient_ids[0],
            uploaded_by_user_id=clinic.actors[Role.FRONT_DESK].user_id,
            file_name=f"scan-{kind}.{kind}",
            file_type=file_type,
            data=data,
            page_count=pages,
        )


def _record(clinic) -> int:
    with session_scope() as session:
        opened = editing.open_for_editing(
            session, clinic.actors[Role.PRACTITIONER], clinic.appointment_ids[0]
        )
    assert opened.record_id is not None
    return opened.record_id


def _set_background(clinic, record_id: int, **keys) -> editing.SaveResult:
    """Save one setBackground; a refusal of it raises ``ValidationFailed`` here."""
    op = {"op": "setBackground", "opId": uuid.uuid4().hex, "backgroundType": None} | keys
    with session_scope() as session:
        result = editing.save_operations(session, clinic.actors[Role.PRACTITIONER], record_id, [op])
    if result.refused:
        raise ValidationFailed([r.message for r in result.refused])
    return result


def _stored(record_id: int) -> tuple[dict, int, list[tuple[int, str]]]:
    with session_scope() as session:
        record = session.get(MedicalRecord, record_id)
        links = session.exec(
            select(MedicalRecordFile.patient_file_id, MedicalRecordFile.file_role)
            .where(MedicalRecordFile.medical_record_id == record_id)
            .order_by(col(MedicalRecordFile.id))
        ).all()
    assert record is not None
    return record.drawing_data, record.revision, [tuple(link) for link in links]


def _actions(record_id: int) -> list[tuple[str, int | None]]:
    with session_scope() as session:
        rows = session.exec(
            select(AuditEvent.action, AuditEvent.file_id)
            .where(AuditEvent.record_id == record_id)
            .order_by(col(AuditEvent.id))
        ).all()
    return [tuple(row) for row in rows]


def test_a_pdf_page_becomes_the_background_with_one_link_kept_in_step(clinic_factory):
    clinic = clinic_factory()
    pdf, png = _file(clinic, "pdf"), _file(clinic, "png")
    record_id = _record(clinic)

    _set_background(
        clinic, record_id, backgroundType="pdf", backgroundFileId=pdf, pdfPageNumber=2,
        pdfNumPages=3,
    )  # fmt: skip
    drawing, _, links = _stored(record_id)
    assert drawing["backgroundFileId"] == pdf and drawing["pdfPageNumber"] == 2
    assert links == [(pdf, "background")]

    _set_background(
        clinic, record_id, backgroundType="pdf", backgroundFileId=pdf, pdfPageNumber=3,
        pdfNumPages=3,
    )  # fmt: skip
    _set_background(clinic, record_id, backgroundType="image", backgroundFileId=png)
    drawing, _, links = _stored(record_id)
    assert drawing["backgroundType"] == "image" and "pdfPageNumber" not in drawing
    assert links == [(png, "background")]

    _set_background(clinic, record_id)  # "none"
    drawing, _, links = _stored(record_id)
    assert "backgroundFileId" not in drawing and links == []
    changes = [a for a in _actions(record_id) if a[0] == "record.background"]
    assert [file_id for _, file_id in changes] == [pdf, png, None]


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"backgroundType": "image", "pdf": True}, "is a PDF"),
        ({"backgroundType": "pdf", "png": True, "pdfPageNumber": 1, "pdfNumPages": 1}, "image"),
        ({"backgroundType": "pdf", "pdf": True, "pdfPageNumber": 4, "pdfNumPages": 4}, "beyond"),
        ({"backgroundType": "pdf", "pdf": True, "pdfPageNumber": 2, "pdfNumPages": 9}, "match"),
    ],
)
def test_a_background_of_the_wrong_kind_or_page_is_refused_and_nothing_stored(
    clinic_factory, keys, message
):
    clinic = clinic_factory()
    files = {"pdf": _file(clinic, "pdf"), "png": _file(clinic, "png")}
    record_id = _record(clinic)
    before = _stored(record_id)
    kind = "pdf" if keys.pop("pdf", False) else "png" if keys.pop("png", False) else ""
    with pytest.raises(ValidationFailed, match=message):
        _set_background(clinic, record_id, backgroundFileId=files[kind], **keys)
    assert _stored(record_id) == before


def test_files_of_another_clinic_or_patient_cannot_be_a_background(clinic_factory):
    clinic, other = clinic_factory(), clinic_factory()
    with session_scope() as session:
        sibling = Patient(
            clinic_id=clinic.clinic_id, first_name="Sib", last_name="Ling",
            date_of_birth=date(1990, 5, 5),
        )  # fmt: skip
        session.add(sibling)
        session.flush()
        sibling_id = sibling.id
    foreign = _file(other, "png")
    sibling_file = _file(clinic, "png", patient_id=sibling_id)
    record_id = _record(clinic)
    before = _stored(record_id)
    messages = []
    for file_id in (foreign, sibling_file, 2_000_000_000):
        with pytest.raises(ValidationFailed) as refused:
            _set_background(clinic, record_id, backgroundType="image", backgroundFileId=file_id)
        messages.append(str(refused.value).replace(str(file_id), "N"))
    assert len(set(messages)) == 1 and "not found" in messages[0]
    assert _stored(record_id) == before
    actor = clinic.actors[Role.PRACTITIONER]
    for file_id in (foreign, sibling_file):
        with session_scope() as session, pytest.raises(NotFound):
            record_files.issue_background_link(session, actor, record_id, file_id)
        with session_scope() as session, pytest.raises(NotFound):
            record_files.attach_file(session, actor, record_id, file_id)
    with session_scope() as session:
        candidates = record_files.background_candidates(session, actor, record_id)
    assert candidates == []


def test_attach_list_and_detach_are_scoped_and_audited(clinic_factory):
    clinic, other = clinic_factory(), clinic_factory()
    pdf, png = _file(clinic, "pdf"), _file(clinic, "png")
    record_id = _record(clinic)
    practitioner, reader = clinic.actors[Role.PRACTITIONER], clinic.actors[Role.READ_ONLY]
    _set_background(clinic, record_id, backgroundType="image", backgroundFileId=png)
    with session_scope() as session:
        record_files.attach_file(session, practitioner, record_id, pdf)
        record_files.attach_file(session, practitioner, record_id, pdf)  # again: no change
        record_files.attach_file(session, practitioner, record_id, png)
    with session_scope() as session:
        listed = record_files.list_record_files(session, reader, record_id)
        attachable = record_files.attachable_files(session, practitioner, record_id)
        candidates = record_files.background_candidates(session, practitioner, record_id)
        linked = record_files.issue_attachment_link(session, reader, record_id, pdf)
    assert listed.background is not None and listed.background.id == png
    assert [a.id for a in listed.attachments] == [pdf, png]
    assert attachable == []
    assert {c.id for c in candidates} == {pdf, png}
    assert linked.file_type == "application/pdf" and linked.s3_url.startswith("/files/")

    with session_scope() as session, pytest.raises(PermissionDenied):
        record_files.attach_file(session, reader, record_id, pdf)
    for actor in other.actors.values():
        with session_scope() as session, pytest.raises(NotFound):
            record_files.list_record_files(session, actor, record_id)
    with session_scope() as session, pytest.raises(NotFound):
        record_files.detach_file(session, other.actors[Role.ADMIN], record_id, pdf)

    with session_scope() as session:
        record_files.detach_file(session, practitioner, record_id, pdf)
    with session_scope() as session, pytest.raises(NotFound):
        record_files.detach_file(session, practitioner, record_id, pdf)
    for actor, file_id in ((reader, pdf), (other.actors[Role.ADMIN], png)):
        with session_scope() as session, pytest.raises(NotFound):
            record_files.issue_attachment_link(session, actor, record_id, file_id)
    with session_scope() as session:
        opened = record_files.issue_attachment_link(session, reader, record_id, png)
    assert opened.id == png and opened.s3_url.startswith("/files/")
    _, _, links = _stored(record_id)
    assert links == [(png, "background"), (png, "attachment")]
    actions = [a for a in _actions(record_id) if a[0] not in ("record.open", "record.create")]
    assert actions == [
        ("record.background", png),
        ("record.save", None),
        ("record.attach", pdf),
        ("record.attach", png),
        ("file.view", pdf),
        ("record.detach", pdf),
        ("file.view", png),
    ]


def test_a_background_link_serves_the_file_with_its_type(clinic_factory):
    from medrec_app.api import build_api
    from tests.support import serve_asgi

    clinic = clinic_factory()
    pdf = _file(clinic, "pdf")
    record_id = _record(clinic)
    with session_scope() as session:
        item = record_files.issue_background_link(
            session, clinic.actors[Role.READ_ONLY], record_id, pdf
        )
    with serve_asgi(build_api()) as base:
        whole = http_request(base + item.s3_url)
        part = http_request(base + item.s3_url, headers={"Range": "bytes=0-99"})
    assert whole.status == 200 and whole.headers["content-type"] == "application/pdf"
    assert whole.body.startswith(b"%PDF")
    assert part.status == 206 and len(part.body) == 100


def test_a_record_created_with_a_background_follows_the_same_rule(clinic_factory):
    clinic, other = clinic_factory(), clinic_factory()
    pdf, foreign = _file(clinic, "pdf"), _file(other, "pdf")
    actor = clinic.actors[Role.PRACTITIONER]

    def create(appointment_id: int, file_id: int, page: int) -> int:
        drawing = {
            "backgroundType": "pdf",
            "backgroundFileId": file_id,
            "pdfPageNumber": page,
            "pdfNumPages": 3,
        }
        with session_scope() as session:
            record = create_record(
                session,
                actor,
                MedicalRecordCreate(
                    appointment_id=appointment_id,
                    template_id=None,
                    drawing_data=drawing,
                    form_data={},
                ),
            )
            return record.id

    for file_id, page, message in ((foreign, 1, "no such"), (pdf, 4, "outside|beyond")):
        with pytest.raises(ValidationFailed, match=message):
            create(clinic.appointment_ids[1], file_id, page)
    with session_scope() as session:
        created = session.exec(
            select(MedicalRecord.id).where(
                MedicalRecord.appointment_id == clinic.appointment_ids[1]
            )
        ).all()
    assert created == []
    record_id = create(clinic.appointment_ids[1], pdf, 2)
    assert _stored(record_id)[2] == [(pdf, "background")]
