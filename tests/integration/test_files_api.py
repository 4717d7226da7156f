"""The patient-file REST routes through the real ASGI app, database and local store."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest
from openapi_spec_validator import validate
from sqlmodel import select
from starlette.testclient import TestClient

from medrec_app.api import build_api
from medrec_app.db import session_scope
from medrec_app.domain.permissions import Role
from medrec_app.models import PatientFile
from medrec_app.services import accounts
from medrec_app.settings import get_settings
from tests import samples
from tests.plugins.factories import PASSWORD

ORIGIN = "http://testserver"


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(build_api(), base_url=ORIGIN) as test_client:
        yield test_client


def sign_in(client: TestClient, email: str) -> None:
    client.cookies.clear()
    answer = client.post(
        "/auth/sign-in",
        data={"email": email, "password": PASSWORD},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] in ("/", "/patients")
    assert client.cookies.get(accounts.SESSION_COOKIE)


def post_file(client: TestClient, patient_id: int, name: str, data: bytes, declared: str, **kw):
    return client.post(
        f"/api/patients/{patient_id}/files",
        files={"file": (name, data, declared)},
        headers={"Origin": ORIGIN, **kw.pop("headers", {})},
        **kw,
    )


def error_of(answer) -> tuple[int, str, str]:
    body = answer.json()["error"]
    return answer.status_code, body["code"], body["message"]


def open_temp_files() -> list[str]:
    """Temporary files this process holds open (spooled uploads are unlinked at once)."""
    folder = tempfile.gettempdir()
    targets = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            targets.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
    return [t for t in targets if t.startswith(folder)]


def rows_of(patient_id: int) -> list[PatientFile]:
    with session_scope() as session:
        return list(session.exec(select(PatientFile).where(PatientFile.patient_id == patient_id)))


def test_upload_list_get_download_delete(client: TestClient, clinic_factory) -> None:
    clinic = clinic_factory()
    patient_id = clinic.patient_ids[0]
    sign_in(client, clinic.emails[Role.FRONT_DESK])
    report = samples.pdf(3)

    answer = post_file(client, patient_id, "../../report.pdf", report, "application/pdf")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert set(body) == {"file_id", "file_name", "file_type", "file_size", "page_count", "s3_url"}
    assert body["file_name"] == "report.pdf" and body["page_count"] == 3
    assert (body["file_type"], body["file_size"]) == ("application/pdf", len(report))

    listed = client.get(f"/api/patients/{patient_id}/files").json()
    assert [f["id"] for f in listed] == [body["file_id"]]
    assert client.get(listed[0]["thumbnail_url"]).content[8:12] == b"WEBP"
    detail = client.get(f"/api/files/{body['file_id']}").json()
    # The file on its own carries its preview link, as the list does.
    assert client.get(detail["thumbnail_url"]).content[8:12] == b"WEBP"
    download = client.get(detail["s3_url"])
    assert download.content == report
    assert download.headers["content-type"] == "application/pdf"

    assert (
        client.delete(f"/api/files/{body['file_id']}", headers={"Origin": ORIGIN}).status_code
        == 204
    )
    assert client.get(f"/api/files/{body['file_id']}").status_code == 404


def test_refusals_answer_with_their_status_and_leave_nothing(client, clinic_factory) -> None:
    clinic = clinic_factory()
    patient_id = clinic.patient_ids[0]
    sign_in(client, clinic.emails[Role.FRONT_DESK])
    temp_before = set(os.listdir(tempfile.gettempdir()))
    open_before = open_temp_files()

    html = post_file(client, patient_id, "xray.jpg", samples.HTML, "image/jpeg")
    assert error_of(html)[:2] == (415, "unsupported_media_type")
    assert "web page (HTML)" in error_of(html)[2]
    # Over 1 MB, so the parser spools it to a temporary file on disk.
    big_text = post_file(client, patient_id, "notes.pdf", samples.TEXT * 50_000, "application/pdf")
    assert error_of(big_text)[:2] == (415, "unsupported_media_type")
    svg = post_file(client, patient_id, "x.svg", samples.SVG, "image/svg+xml")
    assert error_of(svg)[:2] == (415, "unsupported_media_type")
    broken = post_file(client, patient_id, "xray.jpg", samples.truncated_jpeg(), "image/jpeg")
    assert error_of(broken)[:2] == (422, "validation_failed")
    assert "damaged or incomplete" in error_of(broken)[2]
    scripted = post_file(
        client, patient_id, "r.pdf", samples.pdf_with_document_js(), "application/pdf"
    )
    assert error_of(scripted)[0] == 422 and "JavaScript" in error_of(scripted)[2]
    not_multipart = client.post(
        f"/api/patients/{patient_id}/files",
        content=samples.png(),
        headers={"Origin": ORIGIN, "Content-Type": "image/png"},
    )
    assert error_of(not_multipart)[0] == 415
    two_parts = client.post(
        f"/api/patients/{patient_id}/files",
        files={"file": ("a.png", samples.png(), "image/png")},
        data={"note": "x"},
        headers={"Origin": ORIGIN},
    )
    assert error_of(two_parts)[0] == 400

    assert rows_of(patient_id) == []
    assert not (get_settings().files_dir / "patients" / str(patient_id)).exists()
    assert set(os.listdir(tempfile.gettempdir())) <= temp_before
    assert open_temp_files() == open_before


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setenv("MEDREC_MAX_UPLOAD_BYTES", "100000")
    get_settings.cache_clear()
    yield 100_000
    monkeypatch.undo()
    get_settings.cache_clear()


def test_too_large_by_length_and_by_stream(client, clinic_factory, small_limit: int) -> None:
    clinic = clinic_factory()
    patient_id = clinic.patient_ids[0]
    sign_in(client, clinic.emails[Role.FRONT_DESK])
    big = samples.png() + b"\0" * (small_limit * 2)

    by_length = post_file(client, patient_id, "big.png", big, "image/png")
    assert error_of(by_length)[:2] == (413, "too_large")
    assert "larger than the 97 KB limit" in error_of(by_length)[2]

    def chunks() -> Iterator[bytes]:
        boundary = b"--b0undary"
        yield boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="big.png"'
        yield b"\r\nContent-Type: image/png\r\n\r\n"
        for _ in range(40):
            yield b"\0" * 10_000  # 400 KB in all, with no Content-Length
        yield b"\r\n" + boundary + b"--\r\n"

    streamed = client.post(
        f"/api/patients/{patient_id}/files",
        content=chunks(),
        headers={"Origin": ORIGIN, "Content-Type": "multipart/form-data; boundary=b0undary"},
    )
    assert "content-length" not in streamed.request.headers
    assert error_of(streamed)[:2] == (413, "too_large")
    # Just under the body limit but over the file limit: the service refuses it.
    near = samples.png() + b"\0" * (small_limit + 1000)
    assert error_of(post_file(client, patient_id, "n.png", near, "image/png"))[0] == 413
    assert rows_of(patient_id) == []


def test_authentication_roles_clinics_and_origin(client, clinic_factory) -> None:
    a, b = clinic_factory(), clinic_factory()
    patient_id = a.patient_ids[0]
    png = samples.png()

    client.cookies.clear()
    assert error_of(post_file(client, patient_id, "a.png", png, "image/png"))[0] == 401
    assert client.get(f"/api/patients/{patient_id}/files").status_code == 401

    sign_in(client, a.emails[Role.READ_ONLY])
    denied = post_file(client, patient_id, "a.png", png, "image/png")
    assert error_of(denied)[:2] == (403, "forbidden")
    assert "Read-only users may not upload patient files" in error_of(denied)[2]

    sign_in(client, a.emails[Role.FRONT_DESK])
    cross_site = post_file(
        client, patient_id, "a.png", png, "image/png", headers={"Origin": "http://evil.example"}
    )
    assert error_of(cross_site)[:2] == (403, "forbidden")
    file_id = post_file(client, patient_id, "a.png", png, "image/png").json()["file_id"]

    sign_in(client, b.emails[Role.ADMIN])
    assert error_of(post_file(client, patient_id, "a.png", png, "image/png"))[0] == 404
    assert client.get(f"/api/patients/{patient_id}/files").status_code == 404
    assert error_of(client.get(f"/api/files/{file_id}"))[:2] == (404, "not_found")
    assert client.delete(f"/api/files/{file_id}", headers={"Origin": ORIGIN}).status_code == 404
    assert [r.id for r in rows_of(patient_id)] == [file_id]


def test_openapi_documents_the_multipart_body(client) -> None:
    document = client.get("/api/openapi.json").json()
    upload = document["paths"]["/patients/{patient_id}/files"]["post"]
    schema = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["properties"]["file"]["format"] == "binary"
    assert {"201", "401", "403", "404", "413", "415", "422"} <= set(upload["responses"])
    assert "/files/{file_id}" in document["paths"]
    validate(document)
