"""The editor's save path on real PostgreSQL: open, apply operations, merge, refuse."""

from __future__ import annotations

import threading
import uuid

import orjson
import pytest
from sqlmodel import select

from medrec_app.db import session_scope
from medrec_app.domain.forms import parse_template_schema
from medrec_app.domain.permissions import PermissionDenied, Role
from medrec_app.models import AuditEvent, MedicalRecordOp
from medrec_app.services.errors import NotFound, ValidationFailed
from medrec_app.services.records import editing
from medrec_app.services.templates import add_published_template


def line_op(x: int = 10, line_id: str | None = None) -> dict:
    return {
        "op": "addLine",
        "opId": uuid.uuid4().hex,
        "line": {
            "id": line_id or uuid.uuid4().hex,
            "tool": "pen",
            "points": [x, 10, x + 40, 50, x + 80, 20],
            "color": "#000000",
            "strokeWidth": 3,
        },
    }


def field_op(path: str, value: str | None) -> dict:
    return {"op": "setField", "opId": uuid.uuid4().hex, "path": path, "value": value}


def open_record(clinic, role=Role.PRACTITIONER, index=0) -> editing.EditorRecord:
    with session_scope() as session:
        return editing.open_for_editing(session, clinic.actors[role], clinic.appointment_ids[index])


def save(clinic, record_id: int, ops: list, role=Role.PRACTITIONER) -> editing.SaveResult:
    with session_scope() as session:
        return editing.save_operations(session, clinic.actors[role], record_id, ops)


def drawing(clinic, record_id: int) -> tuple[int, dict]:
    with session_scope() as session:
        revision, stored = editing.load_drawing(session, clinic.actors[Role.READ_ONLY], record_id)
    return revision, orjson.loads(orjson.dumps(stored))  # passed through as text when it can be


def test_first_opening_by_a_practitioner_creates_the_record_once(clinic_factory):
    clinic = clinic_factory()
    first, second = open_record(clinic), open_record(clinic)
    assert first.record_id is not None and first.record_id == second.record_id
    assert first.can_edit and first.revision == 0
    assert first.form_schema["fields"][0]["key"] == "chief_complaint"


def test_viewers_cannot_create_a_record_by_opening_it(clinic_factory):
    clinic = clinic_factory()
    for role in (Role.FRONT_DESK, Role.READ_ONLY):
        opened = open_record(clinic, role)
        assert opened.record_id is None and not opened.can_edit


def test_operations_are_saved_with_a_new_revision_and_an_audit_row(clinic_factory):
    clinic = clinic_factory()
    record_id = open_record(clinic).record_id
    ops = [line_op(), field_op("chief_complaint", "Knee pain")]
    ops.append(field_op("vital_signs.bp", "120/80"))
    result = save(clinic, record_id, ops)
    assert result.revision == 1
    assert result.acked_op_ids == [op["opId"] for op in ops]
    revision, document = drawing(clinic, record_id)
    assert revision == 1 and len(document["lines"]) == 1
    reopened = open_record(clinic, Role.READ_ONLY)
    assert reopened.form_data == {"chief_complaint": "Knee pain", "vital_signs": {"bp": "120/80"}}
    with session_scope() as session:
        saves = session.exec(
            select(AuditEvent.details).where(
                AuditEvent.record_id == record_id, AuditEvent.action == "record.save"
            )
        ).all()
    assert saves == [{"revision": 1, "operations": 3}]


def test_a_resent_operation_is_applied_once(clinic_factory):
    clinic = clinic_factory()
    record_id = open_record(clinic).record_id
    op = line_op()
    save(clinic, record_id, [op])
    again = save(clinic, record_id, [op])
    assert again.revision == 1 and again.acked_op_ids == [op["opId"]]
    assert len(drawing(clinic, record_id)[1]["lines"]) == 1
    with session_scope() as session:
        logged = session.exec(
            select(MedicalRecordOp.op_id).where(MedicalRecordOp.medical_record_id == record_id)
        ).all()
    assert logged == [op["opId"]]


def test_a_large_batch_is_logged_in_the_order_it_was_applied(clinic_factory):
    """The log is what history replays: each operation once, in order, as applied, and
    one that lost to a newer edit marked so."""
    clinic = clinic_factory()
    record_id = open_record(clinic).record_id
    newer = field_op("chief_complaint", "Newer") | {"at": 2_000_000_000_000}
    save(clinic, record_id, [newer])
    older = field_op("chief_complaint", "Older") | {"at": 1_000_000_000_000}
    ops = [line_op(x) for x in range(300)] + [older]
    ops.insert(150, field_op("notes", "Ice, rest"))
    assert save(clinic, record_id, ops).acked_op_ids == [op["opId"] for op in ops]
    with session_scope() as session:
        logged = session.exec(
            select(MedicalRecordOp)
            .where(MedicalRecordOp.medical_record_id == record_id, MedicalRecordOp.revision == 2)
            .order_by(MedicalRecordOp.id)
        ).all()
    assert [row.op_id for row in logged] == [op["opId"] for op in ops]
    assert [row.applied for row in logged] == [True] * 301 + [False]
    assert logged[0].op == ops[0] and logged[150].op == ops[150]
    assert {row.user_id for row in logged} == {clinic.actors[Role.PRACTITIONER].user_id}


def test_two_tabs_saving_at_once_keep_every_stroke(clinic_factory):
    clinic = clinic_factory()
    record_id = open_record(clinic).record_id
    tab_a = [line_op(x) for x in range(0, 200, 10)]
    tab_b = [line_op(x) for x in range(300, 500, 10)]
    errors: list[BaseException] = []

    def run(ops: list) -> None:
        try:
            for op in ops:
                save(clinic, record_id, [op])
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(ops,)) for ops in (tab_a, tab_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    revision, document = drawing(clinic, record_id)
    ids = {line["id"] for line in document["lines"]}
    assert ids == {op["line"]["id"] for op in tab_a + tab_b}
    assert revision == len(tab_a) + len(tab_b)


def test_an_invalid_operation_is_refused_alone_and_the_others_are_saved(clinic_factory):
    clinic = clinic_factory()
    record_id = open_record(clinic).record_id
    save(clinic, record_id, [line_op()])
    good, bad, plan = line_op(), line_op(), field_op("plan", "Rest")
    bad["line"]["points"] = [1, 2, 3]
    result = save(clinic, record_id, [good, bad, plan])
    assert [(r.op_id, "even" in r.message) for r in result.refused] == [(bad["opId"], True)]
    assert set(result.acked_op_ids) == {good["opId"], bad["opId"], plan["opId"]}
    revision, document = drawing(clinic, record_id)
    assert revision == 2
    assert [line["id"] for line in document["lines"]][1:] == [good["line"]["id"]]
    assert open_record(clinic, Role.READ_ONLY).form_data == {"plan": "Rest"}


def test_an_operation_breaking_a_document_rule_is_refused_alone(clinic_factory):
    clinic = clinic_factory()
    record_id = open_record(clinic).record_id
    save(clinic, record_id, [field_op("vital_signs.bp", "120/80")])
    group_clash = field_op("vital_signs", "a value where a group is")
    result = save(clinic, record_id, [group_clash, line_op()])
    assert [r.op_id for r in result.refused] == [group_clash["opId"]]
    assert "group" in result.refused[0].message
    assert len(drawing(clinic, record_id)[1]["lines"]) == 1


def test_a_batch_that_is_not_a_list_of_operations_is_refused_whole(clinic_factory):
    clinic = clinic_factory()
    record_id = open_record(clinic).record_id
    for bad_batch in ({"op": "addLine"}, ["x"] * 501):
        with pytest.raises(ValidationFailed):
            save(clinic, record_id, bad_batch)
    assert drawing(clinic, record_id)[0] == 0


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.READ_ONLY])
def test_roles_without_edit_are_refused(clinic_factory, role):
    clinic = clinic_factory()
    record_id = open_record(clinic).record_id
    with pytest.raises(PermissionDenied):
        save(clinic, record_id, [line_op()], role=role)
    assert drawing(clinic, record_id)[0] == 0


def test_another_clinics_record_is_not_found_for_every_call(clinic_factory):
    a, b = clinic_factory(), clinic_factory()
    record_b = open_record(b).record_id
    with pytest.raises(NotFound):
        save(a, record_b, [line_op()])
    with session_scope() as session, pytest.raises(NotFound):
        editing.load_drawing(session, a.actors[Role.ADMIN], record_b)
    with session_scope() as session, pytest.raises(NotFound):
        editing.open_for_editing(session, a.actors[Role.PRACTITIONER], b.appointment_ids[0])


def _add_template(clinic, name: str, is_default: bool) -> int:
    with session_scope() as session:
        schema = parse_template_schema(
            {"fields": [{"key": "range_of_motion", "label": "Range of motion", "type": "text"}]}
        )
        template, _ = add_published_template(
            session, clinic.clinic_id, name, schema, is_default=is_default
        )
        return template.id


def test_with_several_templates_the_practitioner_picks_one(clinic_factory):
    clinic, other = clinic_factory(), clinic_factory()
    general = _add_template(clinic, "General", is_default=True)
    physio = _add_template(clinic, "Physio", is_default=False)
    foreign = _add_template(other, "Foreign", is_default=True)

    offered = open_record(clinic)
    assert offered.record_id is None
    assert [(c.id, c.name) for c in offered.template_choices] == [
        (general, "General"),
        (physio, "Physio"),
    ]
    with session_scope() as session, pytest.raises(NotFound):
        editing.open_for_editing(
            session, clinic.actors[Role.PRACTITIONER], clinic.appointment_ids[0], foreign
        )
    with session_scope() as session:
        opened = editing.open_for_editing(
            session, clinic.actors[Role.PRACTITIONER], clinic.appointment_ids[0], physio
        )
    assert opened.record_id is not None and opened.template_name == "Physio"
    assert opened.form_schema["fields"][0]["key"] == "range_of_motion"
    assert open_record(clinic).record_id == opened.record_id  # no second choice


def _shape_op(shape_id: str, x: int, at: int) -> dict:
    shape = {"id": shape_id, "type": "rect", "x": x, "y": 10, "width": 40, "height": 30}
    shape |= {"color": "#ff0000", "strokeWidth": 2}
    return {"op": "putShape", "opId": uuid.uuid4().hex, "at": at, "shape": shape}


def test_an_older_change_arriving_later_does_not_overwrite_a_newer_one(clinic_factory):
    """A tab that was offline re-sends old edits: the colleague's newer ones stay."""
    clinic = clinic_factory()
    record_id = open_record(clinic).record_id
    t = 1_700_000_000_000
    save(clinic, record_id, [_shape_op("s1", 100, t + 2000), field_op("plan", "newer")])
    stale_field = field_op("plan", "older") | {"at": t + 1000}
    result = save(clinic, record_id, [_shape_op("s1", 5, t + 1000), stale_field])
    _, document = drawing(clinic, record_id)
    with session_scope() as session:
        opened = editing.open_for_editing(
            session, clinic.actors[Role.PRACTITIONER], clinic.appointment_ids[0]
        )
    assert [s["x"] for s in document["shapes"]] == [100]
    assert opened.form_data["plan"] == "newer"
    assert len(result.acked_op_ids) == 2  # dropped, yet acknowledged: not sent again


def test_a_deleted_shape_is_not_brought_back_by_an_older_move(clinic_factory):
    clinic = clinic_factory()
    record_id = open_record(clinic).record_id
    t = 1_700_000_000_000
    save(clinic, record_id, [_shape_op("s1", 100, t)])
    delete = {"op": "deleteElements", "opId": uuid.uuid4().hex, "at": t + 3000}
    save(clinic, record_id, [delete | {"shapeIds": ["s1"]}])
    save(clinic, record_id, [_shape_op("s1", 300, t + 2000)])
    assert drawing(clinic, record_id)[1].get("shapes", []) == []
    save(clinic, record_id, [_shape_op("s1", 400, t + 4000)])
    assert [s["x"] for s in drawing(clinic, record_id)[1]["shapes"]] == [400]
