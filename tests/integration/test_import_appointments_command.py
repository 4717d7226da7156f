"""``python -m medrec_app.cli import-csv appointments FILE`` as an operator runs it: the
booking system's export with its own ids, patients by their external id, practitioners
by email; a bad row among good ones, a dry run that writes nothing, and a second run
that changes nothing."""

from __future__ import annotations

import itertools
from pathlib import Path

from sqlmodel import col, select

from medrec_app.db import session_scope
from medrec_app.domain.permissions import Role
from medrec_app.models import Appointment, Patient
from tests.integration.test_import_csv_command import run_import as run_csv_import

HEADER = (
    "calendar_event_id,patient_external_id,practitioner_email,starts_at,duration_minutes,"
    "visit_type,status"
)
_ids = itertools.count(900_001, 10)


def run_import(path: Path, email: str, *options: str):
    return run_csv_import(path, email, *options, kind="appointments")


def stored(first_id: int) -> dict[int, Appointment]:
    with session_scope() as session:
        rows = session.exec(
            select(Appointment).where(
                col(Appointment.calendar_event_id).between(first_id, first_id + 9)
            )
        ).all()
    return {row.calendar_event_id: row for row in rows}


def test_an_export_imports_its_good_rows_once_and_names_the_bad_ones(clinic_factory, tmp_path):
    clinic = clinic_factory(appointments=0)
    with session_scope() as session:
        patient = session.get(Patient, clinic.patient_ids[0])
        patient.external_id = f"EXT-{clinic.clinic_id}"
        session.add(patient)
    first = next(_ids)
    doctor = clinic.emails[Role.PRACTITIONER]
    lines = [
        HEADER,
        f"{first},EXT-{clinic.clinic_id},{doctor},2027-01-04T09:00:00+01:00,30,Follow-up,",
        f"{first + 1},EXT-{clinic.clinic_id},{doctor},2027-01-04T09:30:00+01:00,20,,cancelled",
        f"{first + 2},EXT-{clinic.clinic_id},{doctor},2027-01-04 10:00,30,,",
        f"{first + 3},NOBODY,{doctor},2027-01-04T11:00:00+01:00,30,,",
        f"twelve,EXT-{clinic.clinic_id},{doctor},2027-01-04T12:00:00+01:00,30,,",
    ]
    path = tmp_path / "appointments.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())

    dry = run_import(path, clinic.emails[Role.FRONT_DESK], "--dry-run")
    assert dry.returncode == 1, dry.stderr
    assert "2 would be created" in dry.stdout
    assert stored(first) == {}

    done = run_import(path, clinic.emails[Role.FRONT_DESK])
    assert done.returncode == 1, done.stderr
    out = done.stdout
    assert "line 4: starts_at: give the time zone offset too" in out
    assert "line 5: patient_external_id: no patient of this clinic" in out
    assert "line 6: calendar_event_id: enter the booking system's id" in out
    assert "2 created, 0 updated, 0 unchanged, 3 refused (of 5 rows)" in out
    rows = stored(first)
    assert sorted(rows) == [first, first + 1]
    assert (rows[first].visit_type, rows[first].status) == ("Follow-up", "booked")
    assert (rows[first + 1].duration_minutes, rows[first + 1].status) == (20, "cancelled")

    again = run_import(path, clinic.emails[Role.FRONT_DESK])
    assert "0 created, 0 updated, 2 unchanged, 3 refused" in again.stdout
    assert {k: v.updated_at for k, v in stored(first).items()} == {
        k: v.updated_at for k, v in rows.items()
    }


def test_a_reader_cannot_import_appointments(clinic_factory, tmp_path) -> None:
    clinic = clinic_factory(appointments=0)
    path = tmp_path / "appointments.csv"
    path.write_text(HEADER + "\n")
    refused = run_import(path, clinic.emails[Role.READ_ONLY])
    assert refused.returncode == 2
    assert "was not imported" in refused.stderr
