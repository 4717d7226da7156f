"""The editor's keepalive save route: what a closing tab posts must be saved, once."""

from __future__ import annotations

import uuid

import pytest
from starlette.testclient import TestClient

from medrec_app.api import build_api
from medrec_app.db import session_scope
from medrec_app.domain.permissions import Role
from medrec_app.models import MedicalRecord
from medrec_app.services import accounts
from medrec_app.services.records import editing
from tests.plugins.factories import PASSWORD

ORIGIN = "http://testserver"


def _client(clinic, role: Role) -> TestClient:
    with session_scope() as session:
        token = accounts.sign_in(session, clinic.emails[role], PASSWORD, "127.0.0.1")
    client = TestClient(build_api(), headers={"Origin": ORIGIN})
    client.cookies.set(accounts.SESSION_COOKIE, token)
    return client


def _record(clinic) -> int:
    with session_scope() as session:
        opened = editing.open_for_editing(
            session, clinic.actors[Role.PRACTITIONER], clinic.appointment_ids[0]
        )
    assert opened.record_id is not None
    return opened.record_id


def _line_op() -> dict:
    line = {"id": uuid.uuid4().hex[:12], "tool": "pen", "points": [1, 2, 30, 40]}
    line |= {"color": "#000000", "strokeWidth": 3}
    return {"op": "addLine", "opId": uuid.uuid4().hex, "line": line}


def _stored(record_id: int) -> tuple[int, dict]:
    with session_scope() as session:
        row = session.get(MedicalRecord, record_id)
        assert row is not None
        return row.revision, row.drawing_data


def test_posted_operations_are_saved_once_and_acknowledged(clinic_factory):
    clinic = clinic_factory()
    record_id = _record(clinic)
    client = _client(clinic, Role.PRACTITIONER)
    field = {"op": "setField", "opId": uuid.uuid4().hex, "path": "plan", "value": "Rest"}
    ops = [_line_op(), field]
    url = f"/api/medical-records/{record_id}/operations"
    first = client.post(url, json={"ops": ops})
    again = client.post(url, json={"ops": ops})
    assert first.status_code == 200, first.text
    assert set(first.json()["acked_op_ids"]) == {op["opId"] for op in ops}
    assert again.json()["revision"] == first.json()["revision"]
    revision, drawing = _stored(record_id)
    assert revision == first.json()["revision"]
    assert [line["id"] for line in drawing["lines"]] == [ops[0]["line"]["id"]]


def test_a_closing_tab_posts_yes_no_and_multiple_choice_drafts_with_their_types(clinic_factory):
    """The unload flush posts the form's kept drafts as they are queued: a yes/no's
    true/false and a multiple choice's list arrive and are stored as such; null clears."""
    clinic = clinic_factory()
    record_id = _record(clinic)
    client = _client(clinic, Role.PRACTITIONER)

    def set_field(path: str, value: object) -> dict:
        return {"op": "setField", "opId": uuid.uuid4().hex, "path": path, "value": value}

    url = f"/api/medical-records/{record_id}/operations"
    ops = [set_field("smoker", False), set_field("symptoms", ["Cough", "Fever"])]
    ops.append(set_field("vital_signs.taken", True))
    assert client.post(url, json={"ops": ops}).status_code == 200
    with session_scope() as session:
        row = session.get(MedicalRecord, record_id)
        assert row is not None
        assert row.form_data == {
            "smoker": False,
            "symptoms": ["Cough", "Fever"],
            "vital_signs": {"taken": True},
        }
    cleared = [set_field("symptoms", None), set_field("smoker", None)]
    assert client.post(url, json={"ops": cleared}).status_code == 200
    with session_scope() as session:
        row = session.get(MedicalRecord, record_id)
        assert row is not None and row.form_data == {"vital_signs": {"taken": True}}


def test_a_refused_operation_is_answered_and_the_others_are_saved(clinic_factory):
    clinic = clinic_factory()
    record_id = _record(clinic)
    client = _client(clinic, Role.PRACTITIONER)
    poisoned = {
        "op": "setBackground",
        "opId": uuid.uuid4().hex,
        "backgroundType": "image",
        "backgroundFileId": 2**40,
    }
    good = _line_op()
    response = client.post(
        f"/api/medical-records/{record_id}/operations", json={"ops": [poisoned, good]}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body["acked_op_ids"]) == {poisoned["opId"], good["opId"]}
    assert [r["op_id"] for r in body["refused"]] == [poisoned["opId"]]
    assert "backgroundFileId" in body["refused"][0]["message"]
    revision, drawing = _stored(record_id)
    assert revision == 1 and [line["id"] for line in drawing["lines"]] == [good["line"]["id"]]
    assert "backgroundFileId" not in drawing


@pytest.mark.parametrize(
    ("role", "origin", "body", "status"),
    [
        (Role.PRACTITIONER, "http://evil.example", {"ops": []}, 403),
        (Role.READ_ONLY, ORIGIN, {"ops": [_line_op()]}, 403),
        (Role.FRONT_DESK, ORIGIN, {"ops": [_line_op()]}, 403),
        (Role.PRACTITIONER, ORIGIN, {"nothing": 1}, 422),
        (Role.PRACTITIONER, ORIGIN, {"ops": {"op": "addLine"}}, 422),
        (Role.PRACTITIONER, ORIGIN, {"ops": [_line_op()] * 501}, 422),
        (Role.PRACTITIONER, ORIGIN, {"ops": [_line_op()] * 60_000}, 413),
    ],
)
def test_refused_posts_answer_a_message_and_change_nothing(
    clinic_factory, role, origin, body, status
):
    clinic = clinic_factory()
    record_id = _record(clinic)
    before = _stored(record_id)
    client = _client(clinic, role)
    response = client.post(
        f"/api/medical-records/{record_id}/operations", json=body, headers={"Origin": origin}
    )
    assert response.status_code == status
    assert response.json()["error"]["message"]
    assert _stored(record_id) == before


def test_another_clinics_record_and_no_session_are_refused(clinic_factory):
    a, b = clinic_factory(), clinic_factory()
    record_id = _record(a)
    before = _stored(record_id)
    url = f"/api/medical-records/{record_id}/operations"
    other = _client(b, Role.ADMIN).post(url, json={"ops": [_line_op()]})
    anonymous = TestClient(build_api(), headers={"Origin": ORIGIN}).post(
        url, json={"ops": [_line_op()]}
    )
    assert (other.status_code, anonymous.status_code) == (404, 401)
    assert _stored(record_id) == before
