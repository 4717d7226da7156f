"""The last visit under this one, and marks carried from it, on real PostgreSQL: which
record is the last visit, who may see it (audited), and that unconfirmed carried marks
hold up signing (issue 16 item 4)."""

from __future__ import annotations

import uuid

import orjson
import pytest
from sqlmodel import select

from medrec_app.db import session_scope
from medrec_app.domain.permissions import Role
from medrec_app.models import AuditEvent
from medrec_app.services import unit_of_work
from medrec_app.services.errors import NotFound
from medrec_app.services.records import amendments, editing
from medrec_app.services.records.previous_visit import previous_visit
from medrec_app.services.records.signing import SignRefused
from tests.integration.test_signing import IP, field_op, line_op, sign
from tests.plugins.factories import PASSWORD


def opened(clinic, index: int) -> editing.EditorRecord:
    actor = clinic.actors[Role.PRACTITIONER]
    with session_scope() as session:
        return editing.open_for_editing(session, actor, clinic.appointment_ids[index])


def save(clinic, record: editing.EditorRecord, ops: list[dict]) -> editing.EditorRecord:
    actor = clinic.actors[Role.PRACTITIONER]
    with session_scope() as session:
        result = editing.save_operations(session, actor, record.record_id, ops)
    assert result.refused == []
    with session_scope() as session:
        return editing.open_for_editing(session, actor, record.appointment_id)


def test_the_last_visit_is_the_latest_earlier_record_of_the_patient(clinic_factory):
    clinic = clinic_factory(appointments=3)  # today, yesterday, two days ago
    today, yesterday, older = opened(clinic, 0), opened(clinic, 1), opened(clinic, 2)
    save(clinic, yesterday, [line_op(30)])
    save(clinic, older, [line_op(60)])
    reader = clinic.actors[Role.READ_ONLY]

    found = unit_of_work.run(previous_visit, reader, today.record_id)
    assert found["recordId"] == yesterday.record_id
    assert found["drawing"]["lines"][0]["points"][0] == 30
    assert len(found["visitDate"]) == 10
    assert unit_of_work.run(previous_visit, reader, older.record_id) == {"recordId": None}
    with session_scope() as session:
        audited = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "record.drawing_read",
                AuditEvent.record_id == yesterday.record_id,
                AuditEvent.user_id == reader.user_id,
            )
        ).all()
    assert [e.details for e in audited] == [{"shown_under_record": today.record_id}]


def test_the_last_visit_is_shown_with_its_signed_amendments_drawings(clinic_factory):
    """A mark added by a signed amendment is part of the last visit as it stands; one in
    an amendment not yet signed is not."""
    clinic = clinic_factory(appointments=2)
    doctor = clinic.actors[Role.PRACTITIONER]
    today = opened(clinic, 0)
    earlier = save(clinic, opened(clinic, 1), [line_op(30), field_op("chief_complaint", "Knee")])
    sign(clinic, earlier)

    def amend(points_from: int, *, signed: bool) -> None:
        draft = unit_of_work.run(amendments.start_amendment, doctor, earlier.record_id)
        stroke = line_op(points_from)
        assert not unit_of_work.run(
            amendments.save_amendment_drawing, doctor, draft.id, [stroke]
        ).refused
        if signed:
            saved = unit_of_work.run(
                amendments.save_amendment, doctor, draft.id, reason="Missed", text="Marked."
            )
            unit_of_work.run(
                amendments.sign_amendment,
                doctor,
                draft.id,
                password=PASSWORD,
                revision=saved.revision,
                ip=IP,
            )

    amend(120, signed=True)
    amend(240, signed=False)
    found = unit_of_work.run(previous_visit, clinic.actors[Role.READ_ONLY], today.record_id)
    assert found["recordId"] == earlier.record_id
    assert [line["points"][0] for line in found["drawing"]["lines"]] == [30, 120]
    ids = [line["id"] for line in found["drawing"]["lines"]]
    assert len(set(ids)) == 2


def test_another_clinic_sees_no_last_visit_of_this_one(clinic_factory):
    clinic, other = clinic_factory(appointments=2), clinic_factory(appointments=1)
    today = opened(clinic, 0)
    opened(clinic, 1)
    with pytest.raises(NotFound):
        unit_of_work.run(previous_visit, other.actors[Role.PRACTITIONER], today.record_id)


def carried_line(record_id: int, *, confirmed: bool) -> dict:
    op = line_op(90)
    kind = "from" if confirmed else "carried"
    op["line"]["id"] = f"{kind}.{record_id}.20261112.line-{uuid.uuid4().hex}"
    return op


def test_a_record_with_unconfirmed_carried_marks_is_not_signed(clinic_factory):
    clinic = clinic_factory(appointments=2)
    earlier = opened(clinic, 1)
    record = save(
        clinic,
        opened(clinic, 0),
        [
            carried_line(earlier.record_id, confirmed=False),
            carried_line(earlier.record_id, confirmed=True),
            field_op("chief_complaint", "Review"),
        ],
    )
    with pytest.raises(SignRefused) as refused:
        sign(clinic, record)
    assert refused.value.reason == "carried_unconfirmed"
    assert "1 mark carried forward from the visit of 12 Nov 2026" in str(refused.value)

    with session_scope() as session:
        actor = clinic.actors[Role.PRACTITIONER]
        _, stored = editing.load_drawing(session, actor, record.record_id)
    drawing = orjson.loads(orjson.dumps(stored))  # passed through as text when it can be
    pending = next(line for line in drawing["lines"] if line["id"].startswith("carried."))
    confirmed = {**pending, "id": pending["id"].replace("carried.", "from.", 1)}
    record = save(
        clinic,
        record,
        [
            {"op": "deleteElements", "opId": uuid.uuid4().hex, "lineIds": [pending["id"]]},
            {"op": "addLine", "opId": uuid.uuid4().hex, "line": confirmed},
        ],
    )
    assert sign(clinic, record).sha256
