"""Reading the audit trail on real PostgreSQL: filters, pages, the clinic's rows only, the
patient's access report complete, and every reading itself audited."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from medrec_app.db import session_scope
from medrec_app.domain.permissions import PermissionDenied, Role
from medrec_app.models import AuditEvent, Clinic, PatientFile
from medrec_app.services import accounts, audit, audit_trail, files, patients, unit_of_work
from medrec_app.services.errors import NotFound, ValidationFailed
from medrec_app.services.records import editing
from medrec_app.storage import get_store, patient_file_key


def _line_op() -> dict:
    return {
        "op": "addLine",
        "opId": uuid.uuid4().hex,
        "line": {
            "id": uuid.uuid4().hex,
            "tool": "pen",
            "points": [10, 10, 50, 50],
            "color": "#000000",
            "strokeWidth": 3,
        },
    }


def _stored_file(clinic) -> int:
    patient_id = clinic.patient_ids[0]
    with session_scope() as session:
        row = PatientFile(
            patient_id=patient_id,
            file_name="knee.png",
            file_type="image/png",
            file_size=4,
            s3_key=f"pending-{uuid.uuid4().hex}",
            s3_bucket="local",
            uploaded_by_user_id=clinic.actors[Role.FRONT_DESK].user_id,
        )
        session.add(row)
        session.flush()
        row.s3_key = patient_file_key(patient_id, row.id, "png")
        get_store().put(row.s3_key, io.BytesIO(b"\x89PNG"), "image/png")
        return row.id


def _visit(clinic) -> tuple[int, int]:
    """A practitioner opens the first visit and draws on it; the front desk opens a
    file. Returns (record_id, file_id)."""
    doctor = clinic.actors[Role.PRACTITIONER]
    with audit.client_address("192.0.2.44"):
        opened = unit_of_work.run(editing.open_for_editing, doctor, clinic.appointment_ids[0])
        unit_of_work.run(editing.save_operations, doctor, opened.record_id, [_line_op()])
        file_id = _stored_file(clinic)
        unit_of_work.run(files.issue_file_link, clinic.actors[Role.FRONT_DESK], file_id)
        unit_of_work.run(
            patients.read_patient, clinic.actors[Role.FRONT_DESK], clinic.patient_ids[0]
        )
    return opened.record_id, file_id


def _list(clinic, role=Role.ADMIN, **filters):
    return unit_of_work.run(audit_trail.list_audit, clinic.actors[role], filters, page_size=200)


def _all_pages(clinic, page_size: int, **filters) -> list[audit_trail.AuditRow]:
    rows, cursor = [], None
    while True:
        page = unit_of_work.run(
            audit_trail.list_audit,
            clinic.actors[Role.ADMIN],
            filters,
            cursor=cursor,
            page_size=page_size,
        )
        rows.extend(page.rows)
        if page.next_cursor is None:
            return rows
        cursor = page.next_cursor


def _audit_rows_of(user_id: int, action: str) -> list[AuditEvent]:
    with session_scope() as session:
        return list(
            session.exec(
                select(AuditEvent)
                .where(AuditEvent.user_id == user_id, AuditEvent.action == action)
                .order_by(col(AuditEvent.id))
            ).all()
        )


def test_the_patient_filter_finds_record_and_file_rows_that_name_only_their_ids(clinic_factory):
    clinic = clinic_factory()
    record_id, file_id = _visit(clinic)
    # Rows that carry only the record's or the file's id, not the patient's.
    with session_scope() as session:
        audit.record(session, clinic.actors[Role.READ_ONLY], "record.read", record_id=record_id)
        audit.record(session, clinic.actors[Role.READ_ONLY], "file.view", file_id=file_id)

    rows = _list(clinic, patient=str(clinic.patient_ids[0])).rows
    by_action = {(r.action, r.user_id) for r in rows}
    doctor, desk, auditor = (clinic.actors[r].user_id for r in Role if r != Role.ADMIN)
    for expected in [
        ("record.open", doctor),
        ("record.save", doctor),
        ("file.view", desk),
        ("patient.read", desk),
        ("record.read", auditor),
        ("file.view", auditor),
    ]:
        assert expected in by_action
    assert {r.patient_id for r in rows} == {clinic.patient_ids[0]}
    assert all(r.patient_name.startswith("Patient") for r in rows)
    saved = next(r for r in rows if r.action == "record.save")
    assert (saved.ip, saved.user_role, saved.outcome) == ("192.0.2.44", "practitioner", "done")
    only_record = next(r for r in rows if r.action == "record.read")
    assert only_record.record_id == record_id and only_record.patient_id == clinic.patient_ids[0]
    # Newest first.
    assert [r.occurred_at for r in rows] == sorted((r.occurred_at for r in rows), reverse=True)


def test_the_access_report_sums_up_each_person_and_lists_the_rows(clinic_factory):
    clinic = clinic_factory()
    record_id, _ = _visit(clinic)
    with session_scope() as session:
        audit.record(session, clinic.actors[Role.READ_ONLY], "record.read", record_id=record_id)
    report = unit_of_work.run(
        audit_trail.access_report, clinic.actors[Role.READ_ONLY], clinic.patient_ids[0]
    )
    people = {p.user_role: p for p in report.people}
    assert set(people) == {"practitioner", "front_desk", "read_only"}
    assert {"record.open", "record.save"} <= set(people["practitioner"].actions)
    assert people["practitioner"].ips == ["192.0.2.44"]
    assert people["practitioner"].accesses >= 3  # open, drawing read or save, ...
    assert people["read_only"].actions == ["record.read"]
    assert report.patient_name.startswith("Patient")
    assert {r.action for r in report.page.rows} >= {"record.open", "file.view", "record.read"}


def test_another_clinics_rows_never_appear(clinic_factory):
    a, b = clinic_factory(), clinic_factory()
    _visit(b)
    rows = _all_pages(a, 200)
    assert rows and {r.user_id for r in rows} <= {actor.user_id for actor in a.actors.values()}
    with pytest.raises(NotFound, match="patient"):
        _list(a, patient=str(b.patient_ids[0]))
    with pytest.raises(NotFound, match="user"):
        _list(a, user=str(b.actors[Role.PRACTITIONER].user_id))
    with pytest.raises(NotFound, match="patient"):
        unit_of_work.run(audit_trail.access_report, a.actors[Role.ADMIN], b.patient_ids[0])
    report = unit_of_work.run(audit_trail.export_audit, a.actors[Role.ADMIN], {}, max_rows=100_000)
    exported_users = {row["user_id"] for row in csv.DictReader(io.StringIO(report.csv))}
    assert str(b.actors[Role.PRACTITIONER].user_id) not in exported_users


def test_user_action_and_refusal_filters(clinic_factory):
    clinic = clinic_factory()
    _visit(clinic)
    with pytest.raises(PermissionDenied):
        unit_of_work.run(editing.save_operations, clinic.actors[Role.FRONT_DESK], 1, [_line_op()])
    doctor = clinic.actors[Role.PRACTITIONER].user_id
    mine = _list(clinic, user=str(doctor)).rows
    assert mine and {r.user_id for r in mine} == {doctor}
    saves = _list(clinic, action="record.save").rows
    assert saves and {r.action for r in saves} == {"record.save"}
    records = _list(clinic, action="record.").rows
    assert {r.action for r in records} >= {"record.open", "record.save"}
    assert all(r.action.startswith("record.") for r in records)
    refused = _list(clinic, action="*.denied").rows
    assert [r.action for r in refused] == ["edit_record.denied"]
    assert refused[0].outcome == "refused"


def test_days_are_the_clinics_own(clinic_factory):
    clinic = clinic_factory()
    with session_scope() as session:
        session.get(Clinic, clinic.clinic_id).timezone = "Pacific/Auckland"
        # 23:30 UTC on 1 March is 12:30 on 2 March in Auckland (UTC+13).
        session.add(
            AuditEvent(
                clinic_id=clinic.clinic_id,
                user_id=clinic.actors[Role.PRACTITIONER].user_id,
                action="record.open",
                occurred_at=datetime(2025, 3, 1, 23, 30, tzinfo=UTC),
            )
        )
    assert len(_list(clinic, **{"from": "2025-03-02", "to": "2025-03-02"}).rows) == 1
    assert _list(clinic, **{"from": "2025-03-01", "to": "2025-03-01"}).rows == []
    assert len(_list(clinic, to="2025-03-02").rows) == 1
    assert _list(clinic, **{"from": "2025-03-03", "to": "2025-03-05"}).rows == []


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"from": "2025-02-30"}, "From:"),
        ({"to": "yesterday"}, "To:"),
        ({"from": "2025-03-05", "to": "2025-03-01"}, "To:"),
        ({"patient": "12a"}, "Patient:"),
        ({"user": "-3"}, "User:"),
        ({"action": "record.open; drop"}, "Action:"),
    ],
)
def test_bad_filters_are_refused_naming_the_field(clinic_factory, filters, field):
    clinic = clinic_factory()
    with pytest.raises(ValidationFailed) as refused:
        _list(clinic, **filters)
    assert refused.value.messages[0].startswith(field)


def test_pages_follow_each_other_without_gaps_or_repeats(clinic_factory):
    clinic = clinic_factory()
    _visit(clinic)
    everything = _list(clinic).rows
    # Rows written in one transaction share their time: pages break ties by id.
    assert len({r.occurred_at for r in everything}) < len(everything)
    paged = _all_pages(clinic, 2)
    # Each page is itself audited (audit.view), newer than what it lists.
    listed = [r.id for r in paged if r.action != "audit.view"]
    assert listed == [r.id for r in everything if r.action != "audit.view"]
    assert len(set(r.id for r in paged)) == len(paged)
    with pytest.raises(ValidationFailed, match="Page:"):
        unit_of_work.run(audit_trail.list_audit, clinic.actors[Role.ADMIN], {}, cursor="yesterday")


def test_page_size_is_bounded(clinic_factory):
    clinic = clinic_factory()
    for _ in range(3):
        _visit(clinic)
    page = unit_of_work.run(audit_trail.list_audit, clinic.actors[Role.ADMIN], {}, page_size=10_000)
    assert len(page.rows) <= audit_trail.MAX_PAGE_SIZE
    one = unit_of_work.run(audit_trail.list_audit, clinic.actors[Role.ADMIN], {}, page_size=0)
    assert len(one.rows) == 1 and one.next_cursor is not None


def test_front_desk_is_refused_and_the_refusal_is_audited(clinic_factory):
    clinic = clinic_factory()
    desk = clinic.actors[Role.FRONT_DESK]
    for service, args in [
        (audit_trail.list_audit, ({},)),
        (audit_trail.access_report, (clinic.patient_ids[0],)),
        (audit_trail.export_audit, ({},)),
    ]:
        with pytest.raises(PermissionDenied, match="view the audit log"):
            unit_of_work.run(service, desk, *args)
    denied = _audit_rows_of(desk.user_id, "view_audit.denied")
    assert len(denied) == 3
    assert denied[1].details["asked"] == {"patient_id": clinic.patient_ids[0]}
    # ... and an auditor sees that refusal.
    refusals = _list(clinic, Role.READ_ONLY, action="*.denied", user=str(desk.user_id)).rows
    assert [r.action for r in refusals] == ["view_audit.denied"] * 3


def test_practitioners_may_not_read_it_and_read_only_users_may(clinic_factory):
    clinic = clinic_factory()
    with pytest.raises(PermissionDenied):
        _list(clinic, Role.PRACTITIONER)
    assert _list(clinic, Role.READ_ONLY).rows


def test_every_reading_is_audited_with_the_filters_ids(clinic_factory):
    clinic = clinic_factory()
    auditor = clinic.actors[Role.READ_ONLY]
    patient = clinic.patient_ids[0]
    doctor = clinic.actors[Role.PRACTITIONER].user_id
    filters = {
        "patient": str(patient),
        "user": str(doctor),
        "action": "record.",
        "from": "2025-01-01",
    }
    unit_of_work.run(audit_trail.list_audit, auditor, filters)
    unit_of_work.run(audit_trail.access_report, auditor, patient)
    unit_of_work.run(audit_trail.export_audit, auditor, {"patient": str(patient)})
    [view] = _audit_rows_of(auditor.user_id, "audit.view")
    assert view.details == {
        "patient_id": patient,
        "user_id": doctor,
        "action": "record.",
        "from": "2025-01-01",
        "rows": 0,
        "next_page": False,
    }
    assert view.patient_id is None  # reading about a patient is not an access to them
    [report] = _audit_rows_of(auditor.user_id, "audit.access_report")
    assert report.details["patient_id"] == patient
    [export] = _audit_rows_of(auditor.user_id, "audit.export")
    assert export.details["patient_id"] == patient and export.details["truncated"] is False


def test_the_export_is_csv_with_escaped_cells_and_says_when_it_is_cut(clinic_factory):
    clinic = clinic_factory()
    admin = clinic.actors[Role.ADMIN]
    with session_scope() as session:
        sneaky = accounts.create_user(
            session,
            admin,
            email=f"sneaky-{uuid.uuid4().hex[:6]}@test.example",
            full_name='=HYPERLINK("http://evil.example")',
            role=Role.PRACTITIONER,
            password=None,
        )
    with session_scope() as session:
        audit.record(
            session,
            None,
            "auth.sign_in",
            clinic_id=clinic.clinic_id,
            user_id=sneaky.id,
            ip="192.0.2.5",
        )
    export = unit_of_work.run(audit_trail.export_audit, admin, {"user": str(sneaky.id)})
    rows = list(csv.reader(io.StringIO(export.csv)))
    assert rows[0] == list(audit_trail.CSV_HEADER)
    assert rows[1][2] == '\'=HYPERLINK("http://evil.example")'
    assert rows[1][4:7] == ["auth.sign_in", "done", ""]
    assert rows[1][0].endswith("+00:00")
    assert not export.truncated and export.rows == 1

    cut = unit_of_work.run(audit_trail.export_audit, admin, {}, max_rows=2)
    cut_rows = list(csv.reader(io.StringIO(cut.csv)))
    assert cut.truncated and len(cut_rows) == 1 + 2 + 1
    assert cut_rows[-1][0].startswith("Only the newest 2 rows were exported")
