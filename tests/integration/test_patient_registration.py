"""Registering and editing patients (issue 12, item 3) on real PostgreSQL: within the
clinic, duplicate warning, an external id unique in the clinic even under two desks at
once, audit rows that name fields and never values."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlmodel import col, select

from medrec_app.db import session_scope
from medrec_app.domain.permissions import PermissionDenied, Role
from medrec_app.models import AuditEvent
from medrec_app.services import patients, unit_of_work
from medrec_app.services.errors import NotFound, ValidationFailed

JANE = {"first_name": "Jane", "last_name": "Doe", "date_of_birth": "1984-03-12"}


def register(actor, values: dict, **options):
    return unit_of_work.run(patients.register_patient, actor, values, **options)


def test_the_front_desk_registers_a_patient_and_edits_them(clinic_factory) -> None:
    clinic = clinic_factory()
    desk = clinic.actors[Role.FRONT_DESK]
    made = register(desk, JANE | {"phone": "+31 20 555 0199", "external_id": "MRN-1"})
    assert (made.first_name, made.phone, made.external_id) == ("Jane", "+31 20 555 0199", "MRN-1")
    found = unit_of_work.run(patients.search_patients, desk, "doe")
    assert made.id in [p.id for p in found]

    changed = unit_of_work.run(
        patients.update_patient,
        desk,
        made.id,
        JANE | {"phone": "+31 20 555 0100", "email": "jane@example.org", "external_id": "MRN-1"},
    )
    assert (changed.phone, changed.email) == ("+31 20 555 0100", "jane@example.org")
    with session_scope() as session:
        rows = session.exec(
            select(AuditEvent.action, AuditEvent.details)
            .where(AuditEvent.patient_id == made.id)
            .order_by(col(AuditEvent.id))
        ).all()
    assert rows[0][0] == "patient.create"
    assert ("patient.update", {"fields": ["phone", "email"]}) in rows
    assert "555" not in str(rows) and "jane@" not in str(rows)  # no values in the audit


def test_same_name_and_birth_date_asks_first(clinic_factory) -> None:
    desk = clinic_factory().actors[Role.FRONT_DESK]
    first = register(desk, JANE)
    with pytest.raises(patients.PossibleDuplicate) as duplicate:
        register(desk, JANE | {"first_name": "JANE"})
    assert [m.id for m in duplicate.value.matches] == [first.id]
    second = register(desk, JANE, allow_duplicate=True)
    assert second.id != first.id


def test_an_external_id_is_unique_within_the_clinic_only(clinic_factory) -> None:
    ours, theirs = clinic_factory(), clinic_factory()
    register(ours.actors[Role.FRONT_DESK], JANE | {"external_id": "MRN-7"})
    with pytest.raises(ValidationFailed) as taken:
        register(
            ours.actors[Role.FRONT_DESK],
            {"first_name": "Joe", "last_name": "Bloggs", "date_of_birth": "1990-01-01"}
            | {"external_id": "MRN-7"},
        )
    assert taken.value.messages == [
        "External id: 'MRN-7' is already used by another patient of this clinic."
    ]
    assert register(theirs.actors[Role.FRONT_DESK], JANE | {"external_id": "MRN-7"}).id


def test_two_desks_registering_one_external_id_at_once_make_one_patient(clinic_factory) -> None:
    clinic = clinic_factory()
    external_id = f"MRN-{uuid.uuid4().hex[:6]}"
    start, outcomes = threading.Barrier(2), []

    def desk_registers(first_name: str) -> None:
        start.wait()
        try:
            register(
                clinic.actors[Role.FRONT_DESK],
                JANE | {"first_name": first_name, "external_id": external_id},
            )
            outcomes.append("registered")
        except ValidationFailed as refused:
            outcomes.append(refused.messages[0])

    threads = [threading.Thread(target=desk_registers, args=(n,)) for n in ("Ann", "Bea")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted(
        ["registered", f"External id: {external_id!r} is already used by another patient of "
         "this clinic."]
    )  # fmt: skip


def test_bad_details_change_nothing(clinic_factory) -> None:
    desk = clinic_factory().actors[Role.FRONT_DESK]
    made = register(desk, JANE)
    with pytest.raises(ValidationFailed) as refused:
        unit_of_work.run(
            patients.update_patient, desk, made.id, JANE | {"date_of_birth": "2999-01-01"}
        )
    assert refused.value.messages == ["Date of birth: it is in the future."]
    assert unit_of_work.run(patients.read_patient, desk, made.id).date_of_birth.year == 1984


def test_roles_and_clinics_are_checked(clinic_factory) -> None:
    ours, theirs = clinic_factory(), clinic_factory()
    with pytest.raises(PermissionDenied):
        register(ours.actors[Role.READ_ONLY], JANE)
    assert register(ours.actors[Role.PRACTITIONER], JANE | {"last_name": "Roe"}).id
    with pytest.raises(NotFound):
        unit_of_work.run(
            patients.update_patient, theirs.actors[Role.FRONT_DESK], ours.patient_ids[0], JANE
        )
