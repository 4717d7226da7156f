"""``PUT /api/patients/by-external-id/{id}`` over HTTP: 201 then 200 with nothing written,
each bad field named in a 422, a read-only user's token refused, another clinic's id
another patient, and concurrent PUTs of one new id making one patient."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from medrec_app.domain.permissions import Role
from tests.api.conftest import issue_token
from tests.api.support import audit_rows
from tests.api.test_openapi import check

JANE = {
    "first_name": "Jane",
    "last_name": "Doe",
    "date_of_birth": "1984-03-12",
    "sex": "female",
    "phone": "+31 20 555 0199",
    "email": "jane@example.org",
    "address": "Keizersgracht 1\n1015 CJ Amsterdam",
}
PATH = "/patients/by-external-id/{external_id}"


def new_id() -> str:
    return f"BK-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def document(api_server) -> dict:
    return httpx.get(f"{api_server.url}/api/openapi.json", timeout=30).json()


def test_put_creates_then_answers_200_and_writes_nothing_the_second_time(clinic, document):
    client = clinic[Role.FRONT_DESK]
    external_id = new_id()
    created = client.put(f"/patients/by-external-id/{external_id}", json=JANE)
    assert created.status_code == 201, created.text
    check(document, created, PATH, "put")
    body = created.json()
    assert body["outcome"] == "created"
    assert {k: body[k] for k in JANE} == JANE
    assert body["external_id"] == external_id
    patient_id = body["id"]
    rows = audit_rows(patient_id=patient_id)
    assert [(r.action, r.details["via"]) for r in rows] == [("patient.create", "api")]
    assert "api_token_id" in rows[0].details

    again = client.put(f"/patients/by-external-id/{external_id}", json=JANE)
    assert again.status_code == 200
    check(document, again, PATH, "put")
    assert (again.json()["id"], again.json()["outcome"]) == (patient_id, "unchanged")
    assert len(audit_rows(patient_id=patient_id)) == 1, "the same body wrote nothing"

    changed = client.put(
        f"/patients/by-external-id/{external_id}", json=JANE | {"phone": "+31 20 555 0100"}
    )
    assert (changed.status_code, changed.json()["outcome"]) == (200, "updated")
    assert changed.json()["phone"] == "+31 20 555 0100"
    assert audit_rows(patient_id=patient_id)[-1].details["fields"] == ["phone"]
    found = client.get("/patients", params={"q": "jane doe"}).json()
    assert [p["id"] for p in found if p["external_id"] == external_id] == [patient_id]


def test_an_external_id_with_a_slash_is_one_id(clinic):
    client = clinic[Role.PRACTITIONER]
    external_id = f"clinic/{uuid.uuid4().hex[:6]}"
    made = client.put(f"/patients/by-external-id/{external_id}", json=JANE)
    assert (made.status_code, made.json()["external_id"]) == (201, external_id)


def test_each_bad_field_is_named_in_the_422(clinic, document):
    client = clinic[Role.FRONT_DESK]
    refused = client.put(
        "/patients/by-external-id/has space",
        json=JANE | {"date_of_birth": "2999-01-01", "email": "nope", "sex": "f"},
    )
    assert refused.status_code == 422
    check(document, refused, PATH, "put")
    details = refused.json()["error"]["details"]
    assert [d["path"] for d in details] == ["date_of_birth", "sex", "email", "external_id"]
    assert details[0]["message"] == "it is in the future."

    missing = client.put(f"/patients/by-external-id/{new_id()}", json={"first_name": "Jane"})
    assert missing.status_code == 422
    assert {d["path"] for d in missing.json()["error"]["details"]} == {
        "last_name",
        "date_of_birth",
    }
    extra = client.put(f"/patients/by-external-id/{new_id()}", json=JANE | {"external_id": "other"})
    assert (extra.status_code, extra.json()["error"]["details"][0]["path"]) == (
        422,
        "external_id",
    )
    wrong_type = client.put(f"/patients/by-external-id/{new_id()}", json=JANE | {"phone": 31})
    assert [d["path"] for d in wrong_type.json()["error"]["details"]] == ["phone"]


def test_a_read_only_users_token_is_refused_403(clinic, document):
    external_id = new_id()
    denied = clinic[Role.READ_ONLY].put(f"/patients/by-external-id/{external_id}", json=JANE)
    assert denied.status_code == 403
    check(document, denied, PATH, "put")
    found = clinic[Role.ADMIN].get("/patients", params={"q": "jane"}).json()
    assert external_id not in [p["external_id"] for p in found]


def test_another_clinics_same_external_id_is_another_patient(clinic, other_clinic):
    external_id = new_id()
    ours = clinic[Role.FRONT_DESK].put(f"/patients/by-external-id/{external_id}", json=JANE)
    theirs = other_clinic[Role.FRONT_DESK].put(
        f"/patients/by-external-id/{external_id}", json=JANE | {"first_name": "Joan"}
    )
    assert (ours.status_code, theirs.status_code) == (201, 201)
    assert ours.json()["id"] != theirs.json()["id"]
    again = clinic[Role.FRONT_DESK].put(f"/patients/by-external-id/{external_id}", json=JANE)
    assert again.json()["outcome"] == "unchanged", "their PUT did not touch our patient"


@pytest.mark.parametrize("attempt", range(3))
def test_concurrent_puts_of_one_new_external_id_make_one_patient(api_server, clinic, attempt):
    external_id = new_id()
    writers = 4
    start = threading.Barrier(writers)
    token = issue_token(clinic.data, Role.FRONT_DESK, rate_limit_per_minute=100_000)
    clients = [
        httpx.Client(
            base_url=f"{api_server.url}/api",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        for _ in range(writers)
    ]

    def put(n: int) -> httpx.Response:
        start.wait()
        return clients[n].put(
            f"/patients/by-external-id/{external_id}", json=JANE | {"first_name": f"Writer{n}"}
        )

    try:
        with ThreadPoolExecutor(writers) as pool:
            answers = list(pool.map(put, range(writers)))
    finally:
        for client in clients:
            client.close()
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201], [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    rows = audit_rows(patient_id=answers[0].json()["id"])
    assert [r.action for r in rows].count("patient.create") == 1
