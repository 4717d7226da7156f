"""Clinics built through the real services, one per test, so tests never share rows."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest

from medrec_app.db import session_scope
from medrec_app.domain.permissions import Actor, Role
from medrec_app.models import Appointment, Patient
from medrec_app.services import accounts

PASSWORD = "correct horse battery"
_event_ids = itertools.count(1_000_000)  # each test session has its own database


@dataclass
class ClinicData:
    clinic_id: int
    actors: dict[Role, Actor]
    emails: dict[Role, str]
    patient_ids: list[int] = field(default_factory=list)
    appointment_ids: list[int] = field(default_factory=list)


def make_clinic(name: str = "Test clinic", appointments: int = 3) -> ClinicData:
    tag = uuid.uuid4().hex[:8]
    with session_scope() as session:
        admin = accounts.create_clinic_with_admin(
            session,
            clinic_name=f"{name} {tag}",
            email=f"admin-{tag}@test.example",
            full_name="Admin",
            password=PASSWORD,
        )
        admin_actor = Actor(admin.id, admin.clinic_id, Role.ADMIN)
        data = ClinicData(admin.clinic_id, {Role.ADMIN: admin_actor}, {Role.ADMIN: admin.email})
        for role in (Role.PRACTITIONER, Role.FRONT_DESK, Role.READ_ONLY):
            user = accounts.create_user(
                session,
                admin_actor,
                email=f"{role.value}-{tag}@test.example",
                full_name=f"{role.value.title()} {tag}",
                role=role,
                password=PASSWORD,
            )
            data.actors[role] = Actor(user.id, user.clinic_id, role)
            data.emails[role] = user.email
        patient = Patient(
            clinic_id=data.clinic_id,
            first_name="Pat",
            last_name=f"Patient{tag}",
            date_of_birth=date(1980, 1, 1),
        )
        session.add(patient)
        session.flush()
        data.patient_ids.append(patient.id)
        start = datetime.now(UTC).replace(microsecond=0)
        for i in range(appointments):
            event_id = next(_event_ids)
            session.add(
                Appointment(
                    calendar_event_id=event_id,
                    clinic_id=data.clinic_id,
                    patient_id=patient.id,
                    practitioner_id=data.actors[Role.PRACTITIONER].user_id,
                    starts_at=start - timedelta(days=i),
                )
            )
            data.appointment_ids.append(event_id)
    return data


@pytest.fixture
def clinic_factory(database_url: str) -> Callable[..., ClinicData]:
    return make_clinic
