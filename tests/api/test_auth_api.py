"""Who may call the API: tokens (valid, revoked, expired, disabled user, rate-limited),
the cookie session beside them, and 403/404 by role and clinic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from medrec_app.db import session_scope
from medrec_app.domain.permissions import Role
from medrec_app.models import MedicalRecordTemplate
from medrec_app.services import accounts, people, tokens
from tests.api.conftest import issue_token
from tests.api.support import PDF_BYTES, audit_rows, store_patient_file
from tests.plugins.factories import PASSWORD


def bearer(api_server, secret: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{api_server.url}/api", headers={"Authorization": f"Bearer {secret}"}
    )


def assert_401(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer mrt_not-a-real-token"},
        {"Authorization": "Bearer " + "x" * 5000},
    ],
)
def test_requests_without_a_valid_credential_answer_401(anonymous, headers):
    for path in ("/appointments", "/medical-records/1", "/templates"):
        assert_401(anonymous.get(path, headers=headers))
    assert_401(anonymous.post("/medical-records", json={"appointment_id": 1}, headers=headers))


def test_revoked_and_expired_tokens_and_disabled_users_stop_working(api_server, api_clinic):
    clinic = api_clinic(appointments=1)
    admin = clinic.data.actors[Role.ADMIN]
    secret = issue_token(clinic.data, Role.FRONT_DESK)
    with bearer(api_server, secret) as client:
        assert client.get("/appointments").status_code == 200
        with session_scope() as session:
            token_id = tokens.list_tokens(session, admin)[0].id
            tokens.revoke_token(session, admin, token_id)
        assert_401(client.get("/appointments"))

    expiring = issue_token(
        clinic.data, Role.READ_ONLY, expires_at=datetime.now(UTC) + timedelta(hours=1)
    )
    with bearer(api_server, expiring) as client:
        assert client.get("/appointments").status_code == 200
        with session_scope() as session:
            session.execute(
                text(
                    "UPDATE api_tokens SET expires_at = now() - interval '1 second' "
                    "WHERE prefix = :p"
                ),
                {"p": expiring[:12]},
            )
        assert_401(client.get("/appointments"))

    with bearer(api_server, issue_token(clinic.data, Role.PRACTITIONER)) as client:
        assert client.get("/appointments").status_code == 200
        with session_scope() as session:
            people.disable_user(session, admin, clinic.data.actors[Role.PRACTITIONER].user_id)
        assert_401(client.get("/appointments"))
    revocations = [
        e for e in audit_rows(clinic_id=clinic.data.clinic_id) if e.action == "api_token.revoke"
    ]
    assert len(revocations) == 1 and revocations[0].details["token_id"] == token_id


def test_a_token_over_its_rate_limit_gets_429_with_retry_after(api_server, clinic):
    secret = issue_token(clinic.data, Role.READ_ONLY, rate_limit_per_minute=3)
    statuses, retry_after = [], None
    with bearer(api_server, secret) as client:
        for _ in range(10):
            response = client.get("/templates")
            statuses.append(response.status_code)
            if response.status_code == 429:
                retry_after = int(response.headers["retry-after"])
                assert response.json()["error"]["code"] == "rate_limited"
                break
    assert 429 in statuses and 0 < retry_after <= 60
    # Three per minute: a fourth in the same minute is refused (at most one minute edge).
    assert statuses.count(200) <= 6


def test_the_cookie_session_works_and_needs_our_origin_to_write(api_server, clinic):
    with session_scope() as session:
        cookie = accounts.sign_in(session, clinic.data.emails[Role.PRACTITIONER], PASSWORD, "")
    cookies = {accounts.SESSION_COOKIE: cookie}
    with httpx.Client(base_url=f"{api_server.url}/api", cookies=cookies) as browser:
        assert browser.get("/appointments").status_code == 200
        body = {"appointment_id": clinic.take_appointment()}
        refused = browser.post(
            "/medical-records", json=body, headers={"Origin": "http://evil.example"}
        )
        assert refused.status_code == 403
        created = browser.post("/medical-records", json=body, headers={"Origin": api_server.url})
        assert created.status_code == 201, created.text


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.READ_ONLY])
def test_roles_that_may_not_edit_get_403_and_may_read(clinic, role):
    record = clinic[Role.PRACTITIONER].post(
        "/medical-records", json={"appointment_id": clinic.take_appointment()}
    )
    record_id = record.json()["id"]
    client = clinic[role]
    denied = client.post("/medical-records", json={"appointment_id": clinic.take_appointment()})
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"
    patched = client.patch(
        f"/medical-records/{record_id}/draft",
        json={"form_data": {"notes": "x"}},
        headers={"If-Match": '"0"'},
    )
    assert patched.status_code == 403
    assert client.get(f"/medical-records/{record_id}").status_code == 200


@pytest.mark.parametrize("role", list(Role))
def test_another_clinics_ids_answer_404_like_missing_ones(clinic, other_clinic, role):
    theirs = other_clinic[Role.PRACTITIONER].post(
        "/medical-records", json={"appointment_id": other_clinic.take_appointment()}
    )
    assert theirs.status_code == 201
    their_record = theirs.json()["id"]
    missing = 2_000_000_000
    client = clinic[role]

    reads = [client.get(f"/medical-records/{i}") for i in (their_record, missing)]
    assert [r.status_code for r in reads] == [404, 404]
    assert reads[0].json() == reads[1].json()

    if role in (Role.ADMIN, Role.PRACTITIONER):
        patches = [
            client.patch(
                f"/medical-records/{i}/draft",
                json={"form_data": {"notes": "x"}},
                headers={"If-Match": '"0"'},
            )
            for i in (their_record, missing)
        ]
        assert [p.status_code for p in patches] == [404, 404]
        assert patches[0].json() == patches[1].json()
        their_appointment = other_clinic.take_appointment()
        creates = [
            client.post("/medical-records", json={"appointment_id": i})
            for i in (their_appointment, missing)
        ]
        assert [c.status_code for c in creates] == [404, 404]
        assert creates[0].json() == creates[1].json()

    listed = client.get("/appointments", params={"limit": 500}).json()["items"]
    assert not {a["appointment_id"] for a in listed} & set(other_clinic.data.appointment_ids)
    found = client.get("/patients", params={"q": "pat"}).json()
    assert not {p["id"] for p in found} & set(other_clinic.data.patient_ids)
    assert theirs.json()["id"] not in {a["record_id"] for a in listed}


def test_another_clinics_template_and_file_ids_are_refused_like_missing_ones(clinic, other_clinic):
    with session_scope() as session:
        template = MedicalRecordTemplate(clinic_id=other_clinic.data.clinic_id, name="Theirs")
        session.add(template)
        session.flush()
        their_template = template.id
    client = clinic[Role.PRACTITIONER]
    appointment_id = clinic.take_appointment()
    by_template = [
        client.post("/medical-records", json={"appointment_id": appointment_id, "template_id": i})
        for i in (their_template, 2_000_000_000)
    ]
    assert [r.status_code for r in by_template] == [404, 404]
    assert by_template[0].json() == by_template[1].json()

    their_file = store_patient_file(
        other_clinic.data.patient_ids[0], other_clinic.data.actors[Role.ADMIN].user_id
    )
    by_file = [
        client.post(
            "/medical-records",
            json={"appointment_id": appointment_id, "drawing_data": {"backgroundFileId": i}},
        )
        for i in (their_file, 2_000_000_000)
    ]
    assert [r.status_code for r in by_file] == [422, 422]
    assert by_file[0].json() == by_file[1].json()


@pytest.mark.parametrize("role", list(Role))
def test_another_clinics_patients_and_files_answer_404_like_missing_ones(
    clinic, other_clinic, role
):
    their_patient = other_clinic.data.patient_ids[0]
    their_file = store_patient_file(their_patient, other_clinic.data.actors[Role.ADMIN].user_id)
    missing = 2_000_000_000
    client = clinic[role]
    pairs = [
        [client.get(f"/patients/{i}/files") for i in (their_patient, missing)],
        [client.get(f"/files/{i}") for i in (their_file, missing)],
    ]
    if role != Role.READ_ONLY:
        upload = {"file": ("scan.pdf", PDF_BYTES, "application/pdf")}
        pairs.append(
            [client.post(f"/patients/{i}/files", files=upload) for i in (their_patient, missing)]
        )
    if role in (Role.ADMIN, Role.FRONT_DESK):
        pairs.append([client.delete(f"/files/{i}") for i in (their_file, missing)])
    for theirs, absent in pairs:
        assert (theirs.status_code, absent.status_code) == (404, 404), theirs.text
        assert theirs.json() == absent.json()
    assert other_clinic[Role.ADMIN].get(f"/files/{their_file}").status_code == 200


def test_forwarding_headers_from_an_untrusted_peer_change_nothing(api_server, clinic):
    """Without MEDREC_TRUSTED_PROXIES a client cannot claim another address or HTTPS."""
    email = clinic.data.emails[Role.READ_ONLY]
    forged = {"X-Forwarded-For": "198.51.100.99", "X-Forwarded-Proto": "https"}
    response = httpx.post(
        f"{api_server.url}/auth/sign-in",
        data={"email": email, "password": PASSWORD},
        headers={"Origin": api_server.url, **forged},
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "secure" not in [part.strip() for part in cookie.split(";")]
    assert "strict-transport-security" not in response.headers
    user_id = clinic.data.actors[Role.READ_ONLY].user_id
    assert audit_rows(action="auth.sign_in", user_id=user_id)[-1].ip == "127.0.0.1"
    other = clinic.take_appointment()
    denied = clinic[Role.FRONT_DESK].post(
        "/medical-records",
        json={"appointment_id": other, "form_data": {}, "drawing_data": {"lines": []}},
        headers=forged,
    )
    assert denied.status_code == 403
    [row] = audit_rows(
        action="edit_record.denied", user_id=clinic.data.actors[Role.FRONT_DESK].user_id
    )[-1:]
    assert row.ip == "127.0.0.1" and row.details["outcome"] == "forbidden"
