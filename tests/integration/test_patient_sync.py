"""The booking system's patient upsert (issue 12, item 5) on real PostgreSQL: created,
updated, unchanged (nothing written), fields named, scoped to the clinic, one patient
from two writers at once, and CSV batches whose dry run writes nothing."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlmodel import col, func, select

from medrec_app.db import session_scope
from medrec_app.domain.csv_import import CsvRow
from medrec_app.domain.patient_details import problem_field
from medrec_app.domain.permissions import PermissionDenied, Role
from medrec_app.models import AuditEvent, Patient
from medrec_app.services import patient_sync, patients, unit_of_work
from medrec_app.services.errors import ValidationFailed

JANE = {
    "first_name": "Jane",
    "last_name": "Doe",
    "date_of_birth": "1984-03-12",
    "sex": "female",
    "phone": "+31 20 555 0199",
    "email": "jane@example.org",
    "address": "Keizersgracht 1\n1015 CJ Amsterdam",
}


def upsert(actor, external_id: str, values: dict) -> patient_sync.SyncResult:
    return unit_of_work.run(patient_sync.upsert_patient_by_external_id, actor, external_id, values)


def new_id() -> str:
    return f"BK-{uuid.uuid4().hex[:8]}"


def audit_of(patient_id: int) -> list[tuple[str, dict]]:
    with session_scope() as session:
        rows = session.exec(
            select(AuditEvent.action, AuditEvent.details)
            .where(AuditEvent.patient_id == patient_id)
            .order_by(col(AuditEvent.id))
        ).all()
    return [(action, details) for action, details in rows]


def patients_with(clinic_id: int, external_id: str) -> int:
    with session_scope() as session:
        return session.exec(
            select(func.count())
            .select_from(Patient)
            .where(Patient.clinic_id == clinic_id, Patient.external_id == external_id)
        ).one()


def test_created_then_unchanged_then_updated_with_the_audit_naming_fields_only(
    clinic_factory,
) -> None:
    clinic = clinic_factory()
    desk = clinic.actors[Role.FRONT_DESK]
    external_id = new_id()

    made = upsert(desk, external_id, JANE)
    assert made.outcome == "created"
    assert made.patient is not None
    assert (made.patient.external_id, made.patient.last_name) == (external_id, "Doe")
    assert made.patient.address == "Keizersgracht 1\n1015 CJ Amsterdam"
    patient_id = made.patient.id
    assert audit_of(patient_id) == [("patient.create", {"via": "api"})]

    again = upsert(desk, external_id, JANE)
    assert (again.outcome, again.patient.id if again.patient else None) == ("unchanged", patient_id)
    assert len(audit_of(patient_id)) == 1, "an unchanged sync writes no audit row"

    moved = upsert(desk, external_id, JANE | {"phone": "+31 20 555 0100", "email": None})
    assert (moved.outcome, moved.fields) == ("updated", ("phone", "email"))
    assert moved.patient is not None and moved.patient.email is None
    assert audit_of(patient_id)[-1] == (
        "patient.update",
        {"fields": ["phone", "email"], "via": "api"},
    )
    assert "555" not in str(audit_of(patient_id)), "no values in the audit"
    stored = unit_of_work.run(patients.read_patient, desk, patient_id)
    assert (stored.phone, stored.email) == ("+31 20 555 0100", None)
    assert patients_with(clinic.clinic_id, external_id) == 1


def test_a_field_left_out_is_cleared_and_whitespace_is_not_a_change(clinic_factory) -> None:
    desk = clinic_factory().actors[Role.PRACTITIONER]
    external_id = new_id()
    upsert(desk, external_id, JANE)
    same = upsert(desk, external_id, JANE | {"first_name": "  Jane ", "sex": "FEMALE"})
    assert same.outcome == "unchanged"
    without_address = {k: v for k, v in JANE.items() if k != "address"}
    cleared = upsert(desk, external_id, without_address)
    assert (cleared.outcome, cleared.fields) == ("updated", ("address",))


def test_the_same_external_id_in_another_clinic_is_another_patient(clinic_factory) -> None:
    ours, theirs = clinic_factory(), clinic_factory()
    external_id = new_id()
    mine = upsert(ours.actors[Role.FRONT_DESK], external_id, JANE)
    other = upsert(theirs.actors[Role.FRONT_DESK], external_id, JANE | {"first_name": "Joan"})
    assert other.outcome == "created"
    assert mine.patient and other.patient and mine.patient.id != other.patient.id
    ours_now = unit_of_work.run(patients.read_patient, ours.actors[Role.ADMIN], mine.patient.id)
    assert ours_now.first_name == "Jane", "their sync did not touch our patient"


def test_no_duplicate_warning_the_booking_system_decides(clinic_factory) -> None:
    desk = clinic_factory().actors[Role.FRONT_DESK]
    unit_of_work.run(patients.register_patient, desk, JANE)
    twin = upsert(desk, new_id(), JANE)
    assert twin.outcome == "created"


def test_every_bad_field_is_named_and_nothing_is_written(clinic_factory) -> None:
    clinic = clinic_factory()
    desk = clinic.actors[Role.FRONT_DESK]
    external_id = new_id()
    bad = JANE | {"email": "not-an-email", "date_of_birth": "2999-01-01", "sex": "f", "phone": "x"}
    with pytest.raises(ValidationFailed) as refused:
        upsert(desk, external_id, bad)
    fields = [problem_field(m)[0] for m in refused.value.messages]
    assert fields == ["date_of_birth", "sex", "phone", "email"]
    assert patients_with(clinic.clinic_id, external_id) == 0

    with pytest.raises(ValidationFailed) as no_id:
        upsert(desk, "  ", JANE)
    assert [problem_field(m)[0] for m in no_id.value.messages] == ["external_id"]
    with pytest.raises(ValidationFailed) as bad_id:
        upsert(desk, "has space", JANE | {"first_name": ""})
    assert [problem_field(m)[0] for m in bad_id.value.messages] == ["first_name", "external_id"]


def test_a_read_only_user_may_not_sync(clinic_factory) -> None:
    clinic = clinic_factory()
    external_id = new_id()
    with pytest.raises(PermissionDenied):
        upsert(clinic.actors[Role.READ_ONLY], external_id, JANE)
    assert patients_with(clinic.clinic_id, external_id) == 0


@pytest.mark.parametrize("attempt", range(3))
def test_two_writers_with_one_new_external_id_make_one_patient(clinic_factory, attempt) -> None:
    clinic = clinic_factory()
    external_id = new_id()
    start, outcomes, errors = threading.Barrier(2), [], []

    def writer(first_name: str) -> None:
        start.wait()
        try:
            done = upsert(
                clinic.actors[Role.FRONT_DESK], external_id, JANE | {"first_name": first_name}
            )
            outcomes.append(done.outcome)
        except Exception as error:  # any failure fails the test below
            errors.append(repr(error))

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("Ann", "Bea")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(outcomes) == ["created", "updated"]
    assert patients_with(clinic.clinic_id, external_id) == 1


def test_a_csv_batch_reports_each_row_and_its_dry_run_writes_nothing(clinic_factory) -> None:
    clinic = clinic_factory()
    desk = clinic.actors[Role.FRONT_DESK]
    kept, fresh = new_id(), new_id()
    upsert(desk, kept, JANE)
    rows = [
        CsvRow(2, {"external_id": kept, **JANE}),
        CsvRow(3, {"external_id": fresh, **JANE, "first_name": "Ann"}),
        CsvRow(4, {"external_id": new_id(), **JANE, "email": "nope"}),
        CsvRow(5, {"external_id": kept.lower() + "x", **JANE, "last_name": "Roe"}),
    ]
    with session_scope() as session:
        audit_before = session.exec(select(func.count()).select_from(AuditEvent)).one()
    planned = unit_of_work.run(patient_sync.import_patient_rows, desk, rows, dry_run=True)
    assert [(r.line, r.outcome) for r in planned] == [
        (2, "unchanged"),
        (3, "created"),
        (4, None),
        (5, "created"),
    ]
    assert planned[2].problems == (
        "email: 'nope' is not an email address (like name@clinic.example).",
    )
    assert patients_with(clinic.clinic_id, fresh) == 0
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(AuditEvent)).one() == audit_before

    done = unit_of_work.run(patient_sync.import_patient_rows, desk, rows)
    assert [r.outcome for r in done] == ["unchanged", "created", None, "created"]
    assert patients_with(clinic.clinic_id, fresh) == 1
    again = unit_of_work.run(patient_sync.import_patient_rows, desk, rows)
    assert [r.outcome for r in again] == ["unchanged", "unchanged", None, "unchanged"]
