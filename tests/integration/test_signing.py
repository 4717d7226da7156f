"""Signing a record on real PostgreSQL: who may sign, what is checked, and that no write
path changes a signed record (issue 14 items 1-2)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from medrec_app.db import session_scope
from medrec_app.domain.forms import parse_template_schema
from medrec_app.domain.permissions import PermissionDenied, Role
from medrec_app.domain.signature import signature_hash
from medrec_app.models import AuditEvent, MedicalRecord, MedicalRecordFile
from medrec_app.services import demo_import, unit_of_work
from medrec_app.services.errors import NotFound, RecordSigned, SignInDelayed
from medrec_app.services.records import editing, template_choice
from medrec_app.services.records import files as record_files
from medrec_app.services.records.signing import SignRefused, sign_record
from medrec_app.services.templates import add_published_template
from medrec_app.storage import get_store
from tests.demo_exports import export_text, saved_state
from tests.file_samples import png_bytes, store_patient_file
from tests.plugins.factories import PASSWORD, make_clinic

IP = "203.0.113.9"


def line_op(x: int = 10) -> dict:
    return {
        "op": "addLine",
        "opId": uuid.uuid4().hex,
        "line": {
            "id": uuid.uuid4().hex,
            "tool": "pen",
            "points": [x, 10, x + 40, 50, x + 80, 20],
            "color": "#000000",
            "strokeWidth": 3,
        },
    }


def field_op(path: str, value: str | None) -> dict:
    return {"op": "setField", "opId": uuid.uuid4().hex, "path": path, "value": value}


def started(clinic, index: int = 0, *, complete: bool = True) -> editing.EditorRecord:
    """The visit's record with a stroke, and its required field filled when ``complete``."""
    actor = clinic.actors[Role.PRACTITIONER]
    with session_scope() as session:
        opened = editing.open_for_editing(session, actor, clinic.appointment_ids[index])
    ops = [line_op()] + ([field_op("chief_complaint", "Sore knee")] if complete else [])
    with session_scope() as session:
        editing.save_operations(session, actor, opened.record_id, ops)
    with session_scope() as session:
        return editing.open_for_editing(session, actor, clinic.appointment_ids[index])


def sign(clinic, opened: editing.EditorRecord, role=Role.PRACTITIONER, password=PASSWORD, **kw):
    return unit_of_work.run(
        sign_record,
        kw.pop("actor", clinic.actors[role]),
        opened.record_id,
        password=password,
        revision=kw.pop("revision", opened.revision),
        ip=IP,
    )


def stored(record_id: int) -> MedicalRecord:
    with session_scope() as session:
        record = session.get(MedicalRecord, record_id)
        session.expunge(record)
        return record


def audit_actions(record_id: int) -> list[tuple[str, dict]]:
    with session_scope() as session:
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.record_id == record_id).order_by(AuditEvent.id)
        ).all()
        return [(r.action, r.details or {}) for r in rows]


def test_the_visits_practitioner_signs_and_the_record_is_read_only_for_everyone(clinic_factory):
    clinic = clinic_factory()
    opened = started(clinic)
    signature = sign(clinic, opened)

    record = stored(opened.record_id)
    assert record.signed_by_user_id == clinic.actors[Role.PRACTITIONER].user_id
    assert record.signed_at == signature.signed_at
    assert record.signature_sha256 == signature.sha256
    assert signature.sha256 == signature_hash(record.drawing_data, record.form_data)
    assert record.revision == opened.revision + 1
    assert ("record.sign", {"sha256": signature.sha256, "revision": record.revision}) in (
        audit_actions(opened.record_id)
    )
    for role in Role:
        with session_scope() as session:
            shown = editing.open_for_editing(session, clinic.actors[role], opened.appointment_id)
        assert not shown.can_edit and not shown.can_sign
        assert shown.signature is not None and shown.signature.signer_name.startswith("Pract")


def test_a_wrong_password_is_refused_then_throttled_like_a_sign_in(clinic_factory):
    clinic = clinic_factory()
    opened = started(clinic)
    for _ in range(3):  # the free failures of the sign-in throttle
        with pytest.raises(SignRefused, match="password is not right"):
            sign(clinic, opened, password="not the password")
    with pytest.raises(SignInDelayed):
        sign(clinic, opened, password="not the password")
    with pytest.raises(SignInDelayed):  # the right password must wait too
        sign(clinic, opened)
    assert stored(opened.record_id).signed_at is None
    reasons = [d.get("reason") for a, d in audit_actions(opened.record_id) if a.endswith("denied")]
    assert reasons == ["wrong_password"] * 4


def test_only_the_visits_own_practitioner_may_sign(clinic_factory):
    clinic = clinic_factory()
    opened = started(clinic)
    with pytest.raises(SignRefused, match="Only the practitioner of this visit") as refused:
        sign(clinic, opened, role=Role.ADMIN)
    assert refused.value.reason == "not_their_visit"
    colleague = make_clinic().actors[Role.PRACTITIONER]  # another clinic: not found at all
    with pytest.raises(NotFound):
        sign(clinic, opened, actor=colleague)
    for role in (Role.FRONT_DESK, Role.READ_ONLY):
        with pytest.raises(PermissionDenied):
            sign(clinic, opened, role=role)
    assert stored(opened.record_id).signed_at is None
    reasons = [d.get("reason") for a, d in audit_actions(opened.record_id) if a.endswith("denied")]
    assert "not_their_visit" in reasons


def test_signing_twice_an_incomplete_form_and_a_stale_page_are_refused(clinic_factory):
    clinic = clinic_factory(appointments=2)
    incomplete = started(clinic, 1, complete=False)
    with pytest.raises(SignRefused, match="Chief complaint is required"):
        sign(clinic, incomplete)
    opened = started(clinic)
    with pytest.raises(SignRefused, match="changed after this page last saved"):
        sign(clinic, opened, revision=opened.revision - 1)
    first = sign(clinic, opened)
    with pytest.raises(SignRefused, match="signed already") as twice:
        sign(clinic, opened, revision=opened.revision + 1)
    assert twice.value.reason == "already_signed"
    assert stored(opened.record_id).signature_sha256 == first.sha256
    assert stored(incomplete.record_id).signed_at is None


def test_every_write_path_refuses_a_signed_record_and_changes_nothing(clinic_factory):
    clinic = clinic_factory()
    doctor = clinic.actors[Role.PRACTITIONER]
    opened = started(clinic)
    with session_scope() as session:
        attached = store_patient_file(
            session,
            get_store(),
            patient_id=clinic.patient_ids[0],
            uploaded_by_user_id=doctor.user_id,
            file_name="scan.png",
            file_type="image/png",
            data=png_bytes(),
        )
        record_files.attach_file(session, doctor, opened.record_id, attached)
        other = store_patient_file(
            session,
            get_store(),
            patient_id=clinic.patient_ids[0],
            uploaded_by_user_id=doctor.user_id,
            file_name="later.png",
            file_type="image/png",
            data=png_bytes(),
        )
    opened = started(clinic)  # the revision after the saves above
    sign(clinic, opened)
    before = stored(opened.record_id)

    ops = [line_op(200), field_op("chief_complaint", "Changed"), line_op(300)]
    with session_scope() as session:
        result = editing.save_operations(session, doctor, opened.record_id, ops)
    assert result.acked_op_ids == [op["opId"] for op in ops]
    assert [r.message for r in result.refused] == [RecordSigned.MESSAGE] * 3
    with pytest.raises(RecordSigned):
        unit_of_work.run(
            editing.save_draft,
            doctor,
            opened.record_id,
            drawing_patch=None,
            form_patch={"chief_complaint": "Changed"},
            expected_revision=None,
        )
    with session_scope() as session:
        template, _ = add_published_template(
            session, clinic.clinic_id, "Physio", parse_template_schema({"version": 1, "fields": []})
        )
        template_id = template.id
    with pytest.raises(RecordSigned):
        unit_of_work.run(template_choice.change_template, doctor, opened.record_id, template_id)
    with pytest.raises(RecordSigned):
        unit_of_work.run(record_files.attach_file, doctor, opened.record_id, other)
    with pytest.raises(RecordSigned):
        unit_of_work.run(record_files.detach_file, doctor, opened.record_id, attached)
    export = demo_import.read_export(export_text(saved_state(seed=9, lines=3)))
    for options in ({"merge": True}, {"merge": True, "dry_run": True}):
        with pytest.raises(RecordSigned):
            unit_of_work.run(
                demo_import.import_demo_export,
                clinic.actors[Role.ADMIN],
                opened.appointment_id,
                export,
                **options,
            )
    with pytest.raises(DBAPIError, match="is signed: it cannot change"), session_scope() as s:
        s.execute(
            text("UPDATE medical_records SET form_data = '{}' WHERE id = :r"),
            {"r": opened.record_id},
        )

    after = stored(opened.record_id)
    assert (after.drawing_data, after.form_data, after.template_version_id, after.revision) == (
        before.drawing_data,
        before.form_data,
        before.template_version_id,
        before.revision,
    )
    with session_scope() as session:
        links = session.exec(
            select(MedicalRecordFile.patient_file_id).where(
                MedicalRecordFile.medical_record_id == opened.record_id
            )
        ).all()
    assert links == [attached]


def test_a_save_that_waits_on_the_signing_lock_is_refused_after_it(clinic_factory):
    """The sign holds the record's row lock until it commits: a save arriving meanwhile
    waits, then finds the record signed, so no save lands after the signature."""
    clinic = clinic_factory()
    doctor = clinic.actors[Role.PRACTITIONER]
    opened = started(clinic)
    results: list[editing.SaveResult] = []

    def save_a_stroke() -> None:
        with session_scope() as session:
            results.append(editing.save_operations(session, doctor, opened.record_id, [line_op()]))

    saver = threading.Thread(target=save_a_stroke)
    with session_scope() as session:
        signature = sign_record(
            session, doctor, opened.record_id, password=PASSWORD, revision=opened.revision, ip=IP
        )
        saver.start()
        wait_for_a_lock_wait()
    saver.join(timeout=30)
    assert not saver.is_alive()
    (result,) = results
    assert [r.message for r in result.refused] == [RecordSigned.MESSAGE]
    record = stored(opened.record_id)
    assert record.signature_sha256 == signature.sha256
    assert signature.sha256 == signature_hash(record.drawing_data, record.form_data)
    assert len(record.drawing_data["lines"]) == 1


def wait_for_a_lock_wait(timeout_s: float = 30) -> None:
    """Until another backend waits on a row lock (the saver, behind the signing one)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with session_scope() as session:
            waiting = session.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            ).scalar_one()
        if waiting:
            return
        time.sleep(0.02)
    raise AssertionError("the save never waited on the record's lock")
