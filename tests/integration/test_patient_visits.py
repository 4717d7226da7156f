"""A patient's visits as their chart lists them (issue 12, item 3), on real PostgreSQL:
only the actor's clinic, newest first, each with its practitioner and record status, and
the list audited as a read of that patient."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import col, select

from medrec_app.db import session_scope
from medrec_app.domain.permissions import PermissionDenied, Role
from medrec_app.models import Appointment, AuditEvent, Patient, User
from medrec_app.services import appointments, unit_of_work
from medrec_app.services.appointments import AppointmentPublic
from medrec_app.services.errors import NotFound
from medrec_app.services.records.create import MedicalRecordCreate, create_record
from tests.plugins.factories import _event_ids
from tests.plugins.signed import mark_signed

DRAWING = {"lines": [], "shapes": [], "stageSize": {"width": 800, "height": 600}}


def visits(actor, patient_id: int) -> list[AppointmentPublic]:
    return unit_of_work.run(appointments.list_patient_visits, actor, patient_id).items


def start_record(actor, appointment_id: int) -> int:
    new = MedicalRecordCreate(
        appointment_id=appointment_id, template_id=None, drawing_data=DRAWING, form_data={}
    )
    return unit_of_work.run(create_record, actor, new).id


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_the_visits_newest_first_with_practitioner_and_record_status(
    clinic_factory, role
) -> None:
    clinic = clinic_factory(appointments=3)  # now, a day ago, two days ago
    doctor = clinic.actors[Role.PRACTITIONER]
    newest, middle, oldest = clinic.appointment_ids
    signed = start_record(doctor, oldest)
    started = start_record(doctor, middle)
    with session_scope() as session:
        mark_signed(session, signed)

    listed = visits(clinic.actors[role], clinic.patient_ids[0])

    assert [v.appointment_id for v in listed] == [newest, middle, oldest]
    assert [v.record_status for v in listed] == ["Not started", "In progress", "Signed"]
    assert [v.record_id for v in listed] == [None, started, signed]
    with session_scope() as session:
        name = session.get(User, doctor.user_id).full_name
    assert [v.practitioner_name for v in listed] == [name] * 3
    starts = [v.starts_at for v in listed]
    assert starts == sorted(starts, reverse=True)


def test_a_visit_booked_later_for_an_earlier_time_sorts_by_its_time(clinic_factory) -> None:
    clinic = clinic_factory(appointments=2)
    with session_scope() as session:
        late_entry = next(_event_ids)
        session.add(
            Appointment(
                calendar_event_id=late_entry,
                clinic_id=clinic.clinic_id,
                patient_id=clinic.patient_ids[0],
                practitioner_id=clinic.actors[Role.PRACTITIONER].user_id,
                starts_at=datetime.now(UTC) - timedelta(days=30),
            )
        )
    listed = visits(clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0])
    assert [v.appointment_id for v in listed] == [*clinic.appointment_ids, late_entry]


def test_only_this_patients_visits(clinic_factory) -> None:
    clinic = clinic_factory(appointments=2)
    with session_scope() as session:
        other = Patient(
            clinic_id=clinic.clinic_id,
            first_name="Other",
            last_name="Person",
            date_of_birth=date(1990, 1, 1),
        )
        session.add(other)
        session.flush()
        other_id = other.id
    assert visits(clinic.actors[Role.FRONT_DESK], other_id) == []
    assert len(visits(clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0])) == 2


def test_another_clinics_patient_is_not_found_like_a_missing_one(clinic_factory) -> None:
    ours, theirs = clinic_factory(), clinic_factory()
    messages = []
    for patient_id in (theirs.patient_ids[0], 2_000_000_000):
        with pytest.raises(NotFound) as refused:
            visits(ours.actors[Role.ADMIN], patient_id)
        messages.append(str(refused.value))
    assert messages == ["The patient was not found."] * 2
    with session_scope() as session:
        rows = session.exec(
            select(AuditEvent.action, AuditEvent.details)
            .where(AuditEvent.user_id == ours.actors[Role.ADMIN].user_id)
            .where(col(AuditEvent.action).startswith("patient."))
            .order_by(col(AuditEvent.id))
        ).all()
    assert [action for action, _ in rows] == ["patient.denied"] * 2  # no visits_list row
    assert rows[0][1]["service"] == "appointments.list_patient_visits"
    assert rows[0][1]["asked"] == {"patient_id": theirs.patient_ids[0]}


def test_the_list_is_audited_as_a_read_of_the_patient_with_ids_only(clinic_factory) -> None:
    clinic = clinic_factory(appointments=2)
    reader = clinic.actors[Role.READ_ONLY]
    visits(reader, clinic.patient_ids[0])
    with session_scope() as session:
        rows = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "patient.visits_list")
            .where(AuditEvent.patient_id == clinic.patient_ids[0])
            .order_by(col(AuditEvent.id))
        ).all()
    assert [(r.user_id, r.clinic_id, r.details) for r in rows] == [
        (reader.user_id, clinic.clinic_id, {"count": 2})
    ]


def test_the_service_checks_the_role(clinic_factory) -> None:
    clinic = clinic_factory()
    no_role = dataclasses.replace(clinic.actors[Role.READ_ONLY], role="nobody")
    with pytest.raises(PermissionDenied):
        visits(no_role, clinic.patient_ids[0])


def test_a_cancelled_visit_stays_on_the_chart_with_its_record(clinic_factory) -> None:
    from medrec_app.services import bookings

    clinic = clinic_factory(appointments=2)
    newest, older = clinic.appointment_ids
    record_id = start_record(clinic.actors[Role.PRACTITIONER], older)
    unit_of_work.run(bookings.cancel_appointment, clinic.actors[Role.FRONT_DESK], older)

    listed = visits(clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0])
    assert [(v.appointment_id, v.status, v.record_id) for v in listed] == [
        (newest, "booked", None),
        (older, "cancelled", record_id),
    ]
