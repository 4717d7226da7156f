"""A record's history on real PostgreSQL (issue 14 item 7): every write path leaves a
history whose replay gives exactly what was stored at each revision."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import text
from sqlmodel import select

from medrec_app.db import session_scope
from medrec_app.domain.forms import parse_template_schema
from medrec_app.domain.permissions import Role
from medrec_app.models import AuditEvent, MedicalRecordRevision
from medrec_app.services import demo_import, unit_of_work
from medrec_app.services.errors import NotFound, ValidationFailed
from medrec_app.services.records import amendments, editing, history, template_choice
from medrec_app.services.records.create import MedicalRecordCreate, create_record
from medrec_app.services.templates import add_published_template
from medrec_app.storage import get_store
from tests.demo_exports import export_text, saved_state
from tests.file_samples import png_bytes, store_patient_file
from tests.integration.test_signing import IP, field_op, line_op, sign, started
from tests.plugins.drawings import stored
from tests.plugins.factories import PASSWORD

T = 1_700_000_000_000


def shape_op(shape_id: str, x: int, at: int) -> dict:
    shape = {"id": shape_id, "type": "rect", "x": x, "y": 10, "width": 40, "height": 30}
    shape |= {"color": "#ff0000", "strokeWidth": 2}
    return {"op": "putShape", "opId": uuid.uuid4().hex, "at": at, "shape": shape}


def delete_op(at: int, line_ids=(), shape_ids=()) -> dict:
    return {
        "op": "deleteElements",
        "opId": uuid.uuid4().hex,
        "at": at,
        "lineIds": list(line_ids),
        "shapeIds": list(shape_ids),
    }


class Recorder:
    """What the record held after each write, by revision, to compare the history with."""

    def __init__(self, record_id: int) -> None:
        self.record_id = record_id
        self.seen: dict[int, tuple[dict, dict]] = {}
        self.take()

    def take(self) -> int:
        with session_scope() as session:
            drawing, form, revision = stored(session, record_id=self.record_id)
        self.seen[revision] = (drawing, form)
        return revision

    def check(self, actor) -> history.RecordHistory:
        """Every revision taken is rebuilt exactly, and the head is what is stored."""
        listed = unit_of_work.run(history.record_history, actor, self.record_id)
        head = self.take()
        assert listed.head_revision == head
        assert [e.revision for e in listed.revisions] == list(range(head, -1, -1))
        assert all(e.kept for e in listed.revisions)
        for revision, (drawing, form) in self.seen.items():
            at = unit_of_work.run(history.record_at_revision, actor, self.record_id, revision)
            assert (at.drawing_data, at.form_data) == (drawing, form), revision
        return listed


def save(actor, record_id: int, ops: list[dict]) -> editing.SaveResult:
    return unit_of_work.run(editing.save_operations, actor, record_id, ops)


def kinds(listed: history.RecordHistory) -> list[str]:
    return [e.kind for e in reversed(listed.revisions)]


def test_editor_saves_replay_exactly_also_when_changes_lose_to_newer_ones(clinic_factory):
    clinic = clinic_factory()
    doctor = clinic.actors[Role.PRACTITIONER]
    opened = started(clinic)  # first opening (created), then a stroke and a field
    seen = Recorder(opened.record_id)
    record_id = opened.record_id
    save(doctor, record_id, [shape_op("s1", 100, T + 2000), field_op("plan", "newer")])
    seen.take()
    # Both lose to the newer edits above: logged (and acknowledged), never applied.
    stale = field_op("plan", "older") | {"at": T + 1000}
    result = save(doctor, record_id, [shape_op("s1", 5, T + 1000), stale])
    assert len(result.acked_op_ids) == 2
    seen.take()
    # A delete of s1 and s2 older than s2's last move removes s1 only.
    save(doctor, record_id, [shape_op("s2", 200, T + 5000), line_op(30)])
    seen.take()
    save(doctor, record_id, [delete_op(T + 3000, shape_ids=["s1", "s2"])])
    seen.take()
    # One operation refused for a rule (a field where a group would go): not logged.
    group = field_op("vitals.bp", "120/80")
    result = save(doctor, record_id, [group, field_op("vitals", "flat"), line_op(60)])
    assert len(result.refused) == 1
    seen.take()
    # Re-sent operations (the browser re-sends until acknowledged) are no new change.
    save(doctor, record_id, [group])
    seen.take()

    listed = seen.check(doctor)
    assert [s["id"] for s in seen.seen[max(seen.seen)][0]["shapes"]] == ["s2"]
    outdated = next(e for e in listed.revisions if e.outdated)
    assert (outdated.operations, outdated.outdated) == (0, 2)
    assert kinds(listed)[:2] == ["created", "edited"]
    assert listed.revisions[-1].user_name == listed.revisions[0].user_name
    assert listed.kept_since is None and listed.amendments == []


def test_rest_create_and_draft_updates_replay_exactly(clinic_factory):
    clinic = clinic_factory()
    doctor = clinic.actors[Role.PRACTITIONER]
    drawing = {
        "lines": [
            {
                "id": "l1",
                "tool": "pen",
                "points": [1, 2, 30, 40],
                "color": "#000000",
                "strokeWidth": 3,
            }
        ],
        "stageSize": {"width": 800, "height": 600},
    }
    new = MedicalRecordCreate(
        appointment_id=clinic.appointment_ids[0],
        drawing_data=drawing,
        form_data={"chief_complaint": "Knee", "vitals": {"bp": "120/80"}},
    )
    record_id = unit_of_work.run(create_record, doctor, new).id
    seen = Recorder(record_id)
    for drawing_patch, form_patch in (
        (None, {"plan": "Rest", "vitals": {"pulse": "70"}}),
        ({"lines": []}, {"chief_complaint": None}),
        ({"shapes": [shape_op("s1", 10, T)["shape"]]}, None),
    ):
        unit_of_work.run(
            editing.save_draft,
            doctor,
            record_id,
            drawing_patch=drawing_patch,
            form_patch=form_patch,
            expected_revision=None,
        )
        seen.take()
    listed = seen.check(doctor)
    assert kinds(listed) == ["created", "edited", "edited", "edited"]


def test_template_change_import_background_and_signature_replay_exactly(clinic_factory):
    clinic = clinic_factory()
    doctor, admin = clinic.actors[Role.PRACTITIONER], clinic.actors[Role.ADMIN]
    with session_scope() as session:  # opened while the clinic has one template
        opened = editing.open_for_editing(session, doctor, clinic.appointment_ids[0])
    with session_scope() as session:
        template, _ = add_published_template(
            session,
            clinic.clinic_id,
            "Physio",
            parse_template_schema(
                {"version": 1, "fields": [{"key": "rom", "label": "Range", "type": "text"}]}
            ),
        )
        template_id = template.id
    record_id = opened.record_id
    seen = Recorder(record_id)
    unit_of_work.run(template_choice.change_template, doctor, record_id, template_id)
    seen.take()
    export = demo_import.read_export(export_text(saved_state(seed=3, lines=12, shapes=3)))
    unit_of_work.run(demo_import.import_demo_export, admin, clinic.appointment_ids[0], export)
    seen.take()
    with session_scope() as session:
        file_id = store_patient_file(
            session,
            get_store(),
            patient_id=clinic.patient_ids[0],
            uploaded_by_user_id=doctor.user_id,
            file_name="knee.png",
            file_type="image/png",
            data=png_bytes(),
        )
    background = {"op": "setBackground", "opId": uuid.uuid4().hex}
    background |= {"backgroundType": "image", "backgroundFileId": file_id}
    save(doctor, record_id, [background, field_op("rom", "Full")])
    seen.take()
    with session_scope() as session:
        opened = editing.open_for_editing(session, doctor, clinic.appointment_ids[0])
    sign(clinic, opened)
    seen.take()

    listed = seen.check(doctor)
    assert kinds(listed)[:2] == ["created", "template"]
    assert "imported" in kinds(listed)
    assert kinds(listed)[-2:] == ["edited", "signed"]
    assert [e.signed for e in listed.revisions] == [True] + [False] * listed.head_revision
    at_template = unit_of_work.run(history.record_at_revision, doctor, record_id, 0)
    assert (
        at_template.form_schema
        != unit_of_work.run(history.record_at_revision, doctor, record_id, 1).form_schema
    )  # each revision is shown with the template it followed


def test_amendment_points_are_listed_after_the_signature(clinic_factory):
    clinic = clinic_factory()
    opened = started(clinic)
    sign(clinic, opened)
    author = clinic.actors[Role.PRACTITIONER]
    draft = unit_of_work.run(amendments.start_amendment, author, opened.record_id)
    draft = unit_of_work.run(
        amendments.save_amendment, author, draft.id, reason="Typo", text="Left knee."
    )
    unit_of_work.run(
        amendments.sign_amendment,
        author,
        draft.id,
        password=PASSWORD,
        revision=draft.revision,
        ip=IP,
    )
    listed = unit_of_work.run(history.record_history, author, opened.record_id)
    assert [(a.reason, a.author_name) for a in listed.amendments] == [
        ("Typo", listed.revisions[0].user_name)
    ]
    assert listed.revisions[0].signed and listed.revisions[0].kind == "signed"


def test_two_writers_at_once_still_replay_exactly(clinic_factory):
    clinic = clinic_factory()
    doctor, admin = clinic.actors[Role.PRACTITIONER], clinic.actors[Role.ADMIN]
    record_id = started(clinic).record_id
    errors: list[BaseException] = []

    def writer(actor, offset: int) -> None:
        try:
            for n in range(8):
                at = T + offset + n * 10
                ops = [shape_op("shared", offset + n, at), line_op(n), field_op("plan", f"{n}")]
                if n % 3 == 2:
                    ops.append(delete_op(at, shape_ids=["shared"]))
                save(actor, record_id, ops)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(a, o)) for a, o in ((doctor, 0), (admin, 5))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seen = Recorder(record_id)
    listed = seen.check(doctor)
    assert listed.head_revision == 1 + 16
    for revision in range(listed.head_revision + 1):  # every one rebuilds without a gap
        unit_of_work.run(history.record_at_revision, doctor, record_id, revision)


def test_bad_revisions_and_other_clinics_are_refused_clearly(clinic_factory):
    clinic, other = clinic_factory(), clinic_factory()
    opened = started(clinic)
    doctor = clinic.actors[Role.PRACTITIONER]
    for bad in (-1, True, "1", 1.5, 2**31, 2**63, 10**30):
        with pytest.raises(ValidationFailed, match="revision: "):
            unit_of_work.run(history.record_at_revision, doctor, opened.record_id, bad)
    for missing in (opened.revision + 1, 2**31 - 1):
        with pytest.raises(NotFound, match="revision"):
            unit_of_work.run(history.record_at_revision, doctor, opened.record_id, missing)
    stranger = other.actors[Role.ADMIN]
    with pytest.raises(NotFound, match="record"):
        unit_of_work.run(history.record_history, stranger, opened.record_id)
    with pytest.raises(NotFound, match="record"):
        unit_of_work.run(history.record_at_revision, stranger, opened.record_id, 0)


def test_every_role_reads_history_and_each_read_is_audited(clinic_factory):
    clinic = clinic_factory()
    opened = started(clinic)
    for role in Role:
        actor = clinic.actors[role]
        listed = unit_of_work.run(history.record_history, actor, opened.record_id)
        assert listed.head_revision == opened.revision
        unit_of_work.run(history.record_at_revision, actor, opened.record_id, 0)
        unit_of_work.run(history.drawing_at_revision, actor, opened.record_id, 1)
    with session_scope() as session:
        rows = session.exec(
            select(AuditEvent.action, AuditEvent.user_id, AuditEvent.details).where(
                AuditEvent.record_id == opened.record_id,
                AuditEvent.action.in_(  # type: ignore[attr-defined]
                    ["record.history_view", "record.revision_view", "record.revision_drawing_read"]
                ),
            )
        ).all()
    assert len(rows) == 3 * len(Role)
    assert {r.user_id for r in rows} == {a.user_id for a in clinic.actors.values()}
    reads = {(r.action, r.details["revision"]) for r in rows if r.action != "record.history_view"}
    assert reads == {("record.revision_view", 0), ("record.revision_drawing_read", 1)}


def test_revisions_from_before_history_was_kept_say_so(clinic_factory):
    """A record as migration 0018 finds it: saves without revision rows and with ops of
    unknown outcome. Its old revisions are listed but not shown; new ones replay exactly."""
    clinic = clinic_factory()
    doctor = clinic.actors[Role.PRACTITIONER]
    opened = started(clinic)
    save(doctor, opened.record_id, [line_op(70)])
    with session_scope() as session:
        params = {"r": opened.record_id}
        session.execute(
            text("DELETE FROM medical_record_revisions WHERE medical_record_id = :r"), params
        )
        session.execute(
            text("UPDATE medical_record_ops SET applied = NULL WHERE medical_record_id = :r"),
            params,
        )
        session.execute(
            text(
                "INSERT INTO medical_record_revisions (medical_record_id, revision, kind, "
                "user_id, template_version_id, drawing_data, form_data) "
                "SELECT id, revision, 'kept', updated_by_user_id, template_version_id, "
                "drawing_data, form_data FROM medical_records WHERE id = :r"
            ),
            params,
        )
    seen = Recorder(opened.record_id)
    kept_from = max(seen.seen)
    save(doctor, opened.record_id, [line_op(90), field_op("plan", "Later")])
    seen.take()
    listed = unit_of_work.run(history.record_history, doctor, opened.record_id)
    assert [e.kept for e in listed.revisions] == [True, True] + [False] * kept_from
    assert [e.kind for e in listed.revisions][-1:] == ["created"]
    assert {e.kind for e in listed.revisions[2:-1]} == {"not_kept"}
    assert listed.kept_since is not None
    assert all(e.user_name for e in listed.revisions)
    for revision in range(kept_from):
        with pytest.raises(history.RevisionNotKept, match="not kept: medrec did not keep"):
            unit_of_work.run(history.record_at_revision, doctor, opened.record_id, revision)
    for revision, (drawing, form) in seen.seen.items():
        at = unit_of_work.run(history.record_at_revision, doctor, opened.record_id, revision)
        assert (at.drawing_data, at.form_data) == (drawing, form)


def test_a_save_adds_one_small_revision_row_and_no_copy_of_the_drawing(clinic_factory):
    clinic = clinic_factory()
    doctor = clinic.actors[Role.PRACTITIONER]
    opened = started(clinic)
    save(doctor, opened.record_id, [line_op(5)])
    with session_scope() as session:
        rows = session.exec(
            select(MedicalRecordRevision).where(
                MedicalRecordRevision.medical_record_id == opened.record_id
            )
        ).all()
    assert [(r.revision, r.kind, r.drawing_data is not None) for r in rows] == [
        (0, "created", True),
        (1, "edited", False),
        (2, "edited", False),
    ]
