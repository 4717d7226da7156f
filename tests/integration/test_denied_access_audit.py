"""A refused request leaves exactly one ``*.denied`` audit row, with who, what and where,
although the refused call's own transaction is rolled back."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from medrec_app.db import session_scope
from medrec_app.domain.permissions import PermissionDenied, Role
from medrec_app.models import AuditEvent
from medrec_app.services import accounts, audit, patients, unit_of_work
from medrec_app.services.errors import NotFound
from medrec_app.services.records import editing
from medrec_app.services.records.create import MedicalRecordCreate, create_record
from tests.plugins.factories import PASSWORD

DRAWING = {"lines": [], "shapes": [], "stageSize": {"width": 800, "height": 600}}


def _rows_since(last_id: int) -> list[AuditEvent]:
    with session_scope() as session:
        return list(
            session.exec(
                select(AuditEvent).where(col(AuditEvent.id) > last_id).order_by(AuditEvent.id)
            ).all()
        )


def _last_audit_id() -> int:
    with session_scope() as session:
        return session.exec(select(AuditEvent.id).order_by(col(AuditEvent.id).desc())).first() or 0


def test_a_cross_clinic_read_leaves_one_denied_row_with_the_ip(clinic_factory):
    a, b = clinic_factory(), clinic_factory()
    actor = a.actors[Role.PRACTITIONER]
    before = _last_audit_id()
    with audit.client_address("198.51.100.7"), pytest.raises(NotFound):
        unit_of_work.run(patients.read_patient, actor, b.patient_ids[0])
    [row] = _rows_since(before)
    assert row.action == "patient.denied"
    assert (row.clinic_id, row.user_id, row.ip) == (a.clinic_id, actor.user_id, "198.51.100.7")
    assert row.details["outcome"] == "not_found"
    assert row.details["service"] == "patients.read_patient"
    assert row.details["asked"] == {"patient_id": b.patient_ids[0]}
    assert row.patient_id is None  # the other clinic's id is in what was asked, not linked


def test_a_role_refusal_leaves_one_denied_row(clinic_factory):
    a = clinic_factory()
    actor = a.actors[Role.FRONT_DESK]
    new = MedicalRecordCreate(
        appointment_id=a.appointment_ids[0], template_id=None, drawing_data=DRAWING, form_data={}
    )
    before = _last_audit_id()
    with audit.client_address("203.0.113.4"), pytest.raises(PermissionDenied):
        unit_of_work.run(create_record, actor, new)
    [row] = _rows_since(before)
    assert row.action == "edit_record.denied"
    assert (row.user_id, row.ip, row.details["outcome"]) == (
        actor.user_id,
        "203.0.113.4",
        "forbidden",
    )


def test_a_page_call_with_a_session_token_names_the_signed_in_user(clinic_factory):
    a, b = clinic_factory(), clinic_factory()
    token = unit_of_work.run(accounts.sign_in, a.emails[Role.READ_ONLY], PASSWORD, "192.0.2.1")
    before = _last_audit_id()
    with audit.client_address("192.0.2.1"), pytest.raises(NotFound):
        unit_of_work.run_as(token, editing.open_for_editing, b.appointment_ids[0])
    [row] = _rows_since(before)
    assert row.action == "appointment.denied"
    assert row.user_id == a.actors[Role.READ_ONLY].user_id
    assert row.details["asked"] == {"appointment_id": b.appointment_ids[0]}


def test_an_allowed_call_writes_no_denied_row_and_carries_the_ip(clinic_factory):
    a = clinic_factory()
    before = _last_audit_id()
    with audit.client_address("192.0.2.9"):
        unit_of_work.run(
            editing.open_for_editing, a.actors[Role.PRACTITIONER], a.appointment_ids[0]
        )
    rows = _rows_since(before)
    assert rows and not [r for r in rows if r.action.endswith(".denied")]
    assert {r.ip for r in rows} == {"192.0.2.9"}
