"""Finding patients and reading their files' metadata and links, within one clinic."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlmodel import select

from medrec_app.db import session_scope
from medrec_app.domain.permissions import Role
from medrec_app.models import AuditEvent, PatientFile
from medrec_app.services import files, patients
from medrec_app.services.errors import NotFound
from medrec_app.storage import get_store, patient_file_key


def _stored_file(clinic, name: str = "knee.png") -> int:
    patient_id = clinic.patient_ids[0]
    uploader = clinic.actors[Role.FRONT_DESK].user_id
    with session_scope() as session:
        row = PatientFile(
            patient_id=patient_id,
            file_name=name,
            file_type="image/png",
            file_size=4,
            s3_key=f"pending-{name}",
            s3_bucket="local",
            uploaded_by_user_id=uploader,
        )
        session.add(row)
        session.flush()
        row.s3_key = patient_file_key(patient_id, row.id, "png")
        get_store().put(row.s3_key, io.BytesIO(b"\x89PNG"), "image/png")
        return row.id


def test_search_matches_name_prefixes_and_birth_date_in_the_clinic_only(clinic_factory):
    a, b = clinic_factory(), clinic_factory()
    with session_scope() as session:
        own = patients.get_patient(session, a.actors[Role.FRONT_DESK], a.patient_ids[0])
        word = own.last_name[:9].upper()
        found = patients.search_patients(session, a.actors[Role.FRONT_DESK], f"pa {word}")
        by_dob = patients.search_patients(
            session, a.actors[Role.FRONT_DESK], word, date_of_birth=date(1980, 1, 1)
        )
        wrong_dob = patients.search_patients(
            session, a.actors[Role.FRONT_DESK], word, date_of_birth=date(1990, 1, 1)
        )
        wildcard = patients.search_patients(session, a.actors[Role.FRONT_DESK], "%")
    assert [p.id for p in found] == [own.id]
    assert [p.id for p in by_dob] == [own.id]
    assert wrong_dob == []
    assert not {p.id for p in wildcard} & set(b.patient_ids)


def test_files_list_and_link_are_scoped_and_audited(clinic_factory):
    a, b = clinic_factory(), clinic_factory()
    file_id = _stored_file(a)
    reader = a.actors[Role.READ_ONLY]
    with session_scope() as session:
        listed = files.list_patient_files(session, reader, a.patient_ids[0])
        link = files.issue_file_link(session, reader, file_id)
    assert [f.id for f in listed] == [file_id]
    assert listed[0].uploaded_by_name.startswith("Front_Desk")
    assert link.file_type == "image/png" and link.s3_url
    with session_scope() as session:
        actions = session.exec(select(AuditEvent.action).where(AuditEvent.file_id == file_id)).all()
    assert actions == ["file.view"]
    for call in (
        lambda s: files.issue_file_link(s, b.actors[Role.ADMIN], file_id),
        lambda s: files.list_patient_files(s, b.actors[Role.ADMIN], a.patient_ids[0]),
    ):
        with session_scope() as session, pytest.raises(NotFound):
            call(session)
