"""Clinic scoping and roles: another clinic's id answers "not found", never the row."""

from __future__ import annotations

import pytest
from sqlmodel import select

from medrec_app.db import session_scope
from medrec_app.domain.permissions import PermissionDenied, Role
from medrec_app.models import AuditEvent
from medrec_app.services import appointments
from medrec_app.services.errors import NotFound, ValidationFailed
from medrec_app.services.records import editing
from medrec_app.services.records.create import MedicalRecordCreate, create_record

FORM = {"chief_complaint": "Headache", "vital_signs": {"bp": "120/80"}}
DRAWING = {"lines": [], "shapes": [], "stageSize": {"width": 800, "height": 600}}


def test_appointment_list_holds_only_the_actors_clinic_newest_first(clinic_factory):
    a, b = clinic_factory(appointments=3), clinic_factory(appointments=2)
    with session_scope() as session:
        rows = appointments.list_appointments(session, a.actors[Role.READ_ONLY]).items
    ids = [r.appointment_id for r in rows]
    assert set(a.appointment_ids) <= set(ids)
    assert not set(b.appointment_ids) & set(ids)
    starts = [r.starts_at for r in rows]
    assert starts == sorted(starts, reverse=True)


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_its_own_clinic_and_not_another(clinic_factory, role):
    a, b = clinic_factory(), clinic_factory()
    with session_scope() as session:
        summary = editing.open_for_editing(session, a.actors[role], a.appointment_ids[0])
    assert summary.appointment_id == a.appointment_ids[0]
    with session_scope() as session, pytest.raises(NotFound) as err:
        editing.open_for_editing(session, a.actors[role], b.appointment_ids[0])
    assert "not found" in str(err.value)


def test_an_unknown_id_and_another_clinics_id_look_the_same(clinic_factory):
    a, b = clinic_factory(), clinic_factory()
    messages = []
    for appointment_id in (b.appointment_ids[0], 2_000_000_000):
        with session_scope() as session, pytest.raises(NotFound) as err:
            editing.open_for_editing(session, a.actors[Role.ADMIN], appointment_id)
        messages.append(str(err.value))
    assert messages[0] == messages[1]


def test_practitioner_creates_a_record_and_the_summary_shows_it(clinic_factory):
    a = clinic_factory()
    practitioner = a.actors[Role.PRACTITIONER]
    with session_scope() as session:
        record = create_record(
            session,
            practitioner,
            MedicalRecordCreate(
                appointment_id=a.appointment_ids[0],
                template_id=None,
                drawing_data=DRAWING,
                form_data=FORM,
            ),
        )
    with session_scope() as session:
        summary = editing.open_for_editing(session, a.actors[Role.READ_ONLY], a.appointment_ids[0])
        actions = session.exec(
            select(AuditEvent.action).where(AuditEvent.record_id == record.id)
        ).all()
    assert summary.record_id == record.id
    assert summary.form_data == FORM
    assert {"record.create", "record.open"} <= set(actions)


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.READ_ONLY])
def test_roles_without_edit_cannot_create_records(clinic_factory, role):
    a = clinic_factory()
    with session_scope() as session, pytest.raises(PermissionDenied):
        create_record(
            session,
            a.actors[role],
            MedicalRecordCreate(
                appointment_id=a.appointment_ids[0],
                template_id=None,
                drawing_data=DRAWING,
                form_data=FORM,
            ),
        )


def test_creating_a_record_for_another_clinics_appointment_is_not_found(clinic_factory):
    a, b = clinic_factory(), clinic_factory()
    with session_scope() as session, pytest.raises(NotFound):
        create_record(
            session,
            a.actors[Role.PRACTITIONER],
            MedicalRecordCreate(
                appointment_id=b.appointment_ids[0],
                template_id=None,
                drawing_data=DRAWING,
                form_data=FORM,
            ),
        )


def test_invalid_documents_are_refused_with_messages_and_nothing_stored(clinic_factory):
    a = clinic_factory()
    bad_drawing = {
        "lines": [{"tool": "laser", "points": [1, 2, 3], "color": "#000", "strokeWidth": 2}]
    }
    with session_scope() as session, pytest.raises(ValidationFailed) as err:
        create_record(
            session,
            a.actors[Role.PRACTITIONER],
            MedicalRecordCreate(
                appointment_id=a.appointment_ids[0],
                template_id=None,
                drawing_data=bad_drawing,
                form_data={"notes": "a\x00b"},
            ),
        )
    text = " ".join(err.value.messages)
    assert "drawing_data" in text and "form_data" in text
    with session_scope() as session:
        summary = editing.open_for_editing(session, a.actors[Role.READ_ONLY], a.appointment_ids[0])
    assert summary.record_id is None
