"""Phone upload links: issuing, expiry, stopping, limits, audit, and that they open nothing else.

The routes run through the real ASGI app, database and local store; the clock the links
are checked against is moved with ``monkeypatch`` on ``phone_links._now``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from medrec_app.api import build_api
from medrec_app.db import session_scope
from medrec_app.domain.permissions import PermissionDenied, Role
from medrec_app.models import AuditEvent, PatientFile, PhoneUploadLink
from medrec_app.services import people, phone_links, unit_of_work
from medrec_app.services.errors import NotFound
from tests import samples

ORIGIN = "http://testserver"


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(build_api(), base_url=ORIGIN) as test_client:
        yield test_client


def issue(clinic, role=Role.FRONT_DESK, patient_id=None) -> phone_links.NewPhoneLink:
    return unit_of_work.run(
        phone_links.issue_phone_link,
        clinic.actors[role],
        patient_id if patient_id is not None else clinic.patient_ids[0],
    )


def send(client: TestClient, secret: str, data: bytes | None = None, name: str = "IMG_1.jpg"):
    body = samples.jpeg() if data is None else data
    return client.post(f"/phone/{secret}/files", files={"file": (name, body, "image/jpeg")})


def files_of(patient_id: int) -> list[PatientFile]:
    with session_scope() as session:
        return list(session.exec(select(PatientFile).where(PatientFile.patient_id == patient_id)))


def move_clock(monkeypatch, by: timedelta) -> None:
    moved = datetime.now(UTC) + by
    monkeypatch.setattr(phone_links, "_now", lambda: moved)


def message(answer) -> str:
    return answer.json()["error"]["message"]


def test_a_phone_uploads_as_the_issuer_and_the_secret_is_stored_only_hashed(client, clinic_factory):
    clinic = clinic_factory(appointments=0)
    patient_id = clinic.patient_ids[0]
    link = issue(clinic)
    assert link.secret.startswith("mrp_") and len(link.secret) > 40
    assert timedelta(minutes=14) < link.expires_at - datetime.now(UTC) <= timedelta(minutes=15)
    with session_scope() as session:
        row = session.get(PhoneUploadLink, link.link_id)
        assert link.secret not in " ".join(str(v) for v in row.model_dump().values())
        assert row.token_hash == hashlib.sha256(link.secret.encode()).hexdigest()

    page = client.get(f"/phone/{link.secret}")
    assert page.status_code == 200 and 'capture="environment"' in page.text
    assert '<script src="/phone/upload.js"' in page.text and "Pat" not in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert client.get("/phone/upload.js").status_code == 200

    answer = send(client, link.secret)
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"status": "uploaded"}  # no link to the file, no id
    (stored,) = files_of(patient_id)
    desk = clinic.actors[Role.FRONT_DESK]
    assert stored.uploaded_by_user_id == desk.user_id and stored.file_type == "image/jpeg"
    with session_scope() as session:
        audited = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "file.upload", AuditEvent.file_id == stored.id
            )
        ).one()
        created = session.exec(
            select(AuditEvent).where(AuditEvent.action == "phone_link.create")
        ).all()
        views = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "file.view", AuditEvent.file_id == stored.id
            )
        ).all()
    assert audited.user_id == desk.user_id and audited.clinic_id == clinic.clinic_id
    assert audited.details == {"via": "phone_link", "link_id": link.link_id}
    assert views == []  # the phone was given no link to the file
    assert [(a.user_id, a.patient_id) for a in created if a.clinic_id == clinic.clinic_id] == [
        (desk.user_id, patient_id)
    ]


def test_an_expired_link_is_refused_on_the_page_and_for_uploads(
    client, clinic_factory, monkeypatch
):
    clinic = clinic_factory(appointments=0)
    link = issue(clinic)
    move_clock(monkeypatch, timedelta(minutes=14, seconds=50))
    assert send(client, link.secret).status_code == 201
    move_clock(monkeypatch, timedelta(minutes=15, seconds=1))
    page = client.get(f"/phone/{link.secret}")
    assert page.status_code == 410 and "has expired" in page.text
    refused = send(client, link.secret)
    assert refused.status_code == 410 and "has expired" in message(refused)
    assert len(files_of(clinic.patient_ids[0])) == 1


def test_a_stopped_link_is_refused_at_once(client, clinic_factory):
    clinic = clinic_factory(appointments=0)
    link = issue(clinic)
    unit_of_work.run(phone_links.revoke_phone_link, clinic.actors[Role.PRACTITIONER], link.link_id)
    refused = send(client, link.secret)
    assert refused.status_code == 410 and "was stopped" in message(refused)
    assert client.get(f"/phone/{link.secret}").status_code == 410
    assert files_of(clinic.patient_ids[0]) == []


def test_a_disabled_issuer_s_links_stop_working(client, clinic_factory):
    clinic = clinic_factory(appointments=0)
    link = issue(clinic)
    desk = clinic.actors[Role.FRONT_DESK]
    unit_of_work.run(people.disable_user, clinic.actors[Role.ADMIN], desk.user_id)
    assert send(client, link.secret).status_code == 410


@pytest.mark.parametrize(
    "secret", ["mrp_" + "A" * 43, "nope", "mrp_" + "x" * 200, "mrp_%2e%2e", "upload.jsx"]
)
def test_a_wrong_secret_is_not_found(client, clinic_factory, secret):
    issue(clinic_factory(appointments=0))
    page = client.get(f"/phone/{secret}")
    assert page.status_code == 404 and "not valid" in page.text
    answer = send(client, secret)
    assert answer.status_code == 404 and "not valid" in message(answer)


def test_a_link_reaches_only_its_own_clinic_s_patients(clinic_factory):
    mine, theirs = clinic_factory(appointments=0), clinic_factory(appointments=0)
    with pytest.raises(NotFound):
        issue(mine, patient_id=theirs.patient_ids[0])
    link = issue(theirs)
    with pytest.raises(NotFound):
        unit_of_work.run(phone_links.revoke_phone_link, mine.actors[Role.FRONT_DESK], link.link_id)
    with pytest.raises(NotFound):
        unit_of_work.run(phone_links.phone_link_status, mine.actors[Role.FRONT_DESK], link.link_id)


def test_read_only_users_cannot_issue_links(clinic_factory):
    with pytest.raises(PermissionDenied):
        issue(clinic_factory(appointments=0), role=Role.READ_ONLY)


def test_uploads_are_limited_per_minute_and_per_link(client, clinic_factory, monkeypatch):
    clinic = clinic_factory(appointments=0)
    link = issue(clinic)
    tiny = samples.png()
    minute = timedelta(minutes=1)
    # Refused files count too: a link holder cannot hammer the checks.
    for _ in range(phone_links.MAX_UPLOADS_PER_MINUTE):
        assert send(client, link.secret, samples.TEXT).status_code == 415
    limited = send(client, link.secret, tiny)
    assert limited.status_code == 429 and "Too many files in a minute" in message(limited)
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    uploaded = 0
    for step in range(1, 4):
        move_clock(monkeypatch, minute * step)
        for _ in range(phone_links.MAX_UPLOADS_PER_MINUTE):
            uploaded += send(client, link.secret, tiny).status_code == 201
    assert uploaded == phone_links.MAX_UPLOADS - phone_links.MAX_UPLOADS_PER_MINUTE
    move_clock(monkeypatch, minute * 5)
    used_up = send(client, link.secret, tiny)
    assert used_up.status_code == 429 and "has taken its 30 files" in message(used_up)
    assert len(files_of(clinic.patient_ids[0])) == uploaded


def test_the_link_opens_nothing_but_its_upload(client, clinic_factory):
    clinic = clinic_factory(appointments=0)
    patient_id = clinic.patient_ids[0]
    link = issue(clinic)
    assert send(client, link.secret).status_code == 201
    (stored,) = files_of(patient_id)
    bearer = {"Authorization": f"Bearer {link.secret}"}
    for path in (
        f"/api/patients/{patient_id}/files",
        f"/api/files/{stored.id}",
        f"/phone/{link.secret}/files",
        f"/phone/{link.secret}/files/{stored.id}",
    ):
        assert client.get(path, headers=bearer).status_code in (401, 404, 405), path
    assert client.delete(f"/phone/{link.secret}/files").status_code == 405
    cookie_jar = dict(client.cookies)
    assert cookie_jar == {}  # the phone is never given a session


def test_the_desk_sees_when_files_change_and_when_the_link_ends(clinic_factory, monkeypatch):
    clinic = clinic_factory(appointments=0)
    desk = clinic.actors[Role.FRONT_DESK]
    link = issue(clinic)
    before = unit_of_work.run(phone_links.phone_link_status, desk, link.link_id)
    use = unit_of_work.run(phone_links.claim_upload, link.secret)
    assert use.actor.user_id == desk.user_id and use.patient_id == clinic.patient_ids[0]
    with TestClient(build_api(), base_url=ORIGIN) as client:
        assert send(client, link.secret).status_code == 201
    after = unit_of_work.run(phone_links.phone_link_status, desk, link.link_id)
    assert before.active and after.active and before.files_mark != after.files_mark
    move_clock(monkeypatch, timedelta(minutes=16))
    assert not unit_of_work.run(phone_links.phone_link_status, desk, link.link_id).active


def test_the_phone_page_says_how_long_and_for_how_many_files_the_link_works(
    client, clinic_factory, monkeypatch
):
    link = issue(clinic_factory())
    assert send(client, link.secret).status_code == 201
    page = client.get(f"/phone/{link.secret}")
    assert "This link works for 15 more minutes and up to 29 more files." in page.text
    move_clock(monkeypatch, timedelta(minutes=14, seconds=30))
    page = client.get(f"/phone/{link.secret}")
    assert "This link works for 1 more minute and up to 29 more files." in page.text
