"""The record endpoints over HTTP: create, read, draft update, their failures and audit."""

from __future__ import annotations

import http.client
import io
import json
import uuid
from datetime import datetime

import httpx
import pypdf
import pytest

from medrec_app.db import session_scope
from medrec_app.domain.permissions import Role
from medrec_app.models import MedicalRecordFile, Patient
from medrec_app.services import template_builder
from tests import samples
from tests.api.support import PDF_BYTES, PNG_BYTES, audit_rows, store_patient_file
from tests.plugins.signed import mark_signed

SPEC_KEYS = {
    "id",
    "appointment_id",
    "template_id",
    "template_version",
    "drawing_data",
    "form_data",
    "background_file",
    "attachment_files",
    "created_at",
    "updated_at",
}


def line(line_id: str | None = None, x: int = 10) -> dict:
    return {
        "id": line_id or uuid.uuid4().hex[:12],
        "tool": "pen",
        "points": [x, 10, x + 40, 50, x + 80, 20],
        "color": "#000000",
        "strokeWidth": 3,
    }


def create(client: httpx.Client, appointment_id: int, **body) -> httpx.Response:
    return client.post("/medical-records", json={"appointment_id": appointment_id, **body})


def patch(client: httpx.Client, record_id: int, etag: str | None, body: dict) -> httpx.Response:
    headers = {"If-Match": etag} if etag is not None else {}
    return client.patch(f"/medical-records/{record_id}/draft", json=body, headers=headers)


def assert_error(response: httpx.Response, status: int, path: str | None = None) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"} and error["message"]
    if path is not None:
        assert path in [d["path"] for d in error["details"]], error
    return error


def test_create_returns_201_and_the_record_in_the_spec_shape(clinic):
    appointment_id = clinic.take_appointment()
    drawing = {"lines": [line("l1")], "stageSize": {"width": 800, "height": 600}}
    form = {"chief_complaint": "Knee pain", "vital_signs": {"bp": "120/80"}}
    response = create(
        clinic[Role.PRACTITIONER], appointment_id, drawing_data=drawing, form_data=form
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == SPEC_KEYS
    assert body["appointment_id"] == appointment_id
    assert body["form_data"] == form and body["drawing_data"]["lines"][0]["id"] == "l1"
    assert body["background_file"] is None and body["attachment_files"] == []
    for key in ("created_at", "updated_at"):
        assert datetime.fromisoformat(body[key]).tzinfo is not None
    assert response.headers["etag"] == '"0"'
    assert response.headers["location"] == f"/api/medical-records/{body['id']}"

    read = clinic[Role.READ_ONLY].get(f"/medical-records/{body['id']}")
    assert read.status_code == 200 and read.json() == body
    assert read.headers["etag"] == '"0"'


def test_a_second_record_for_the_appointment_is_a_conflict(clinic):
    client = clinic[Role.PRACTITIONER]
    appointment_id = clinic.take_appointment()
    assert create(client, appointment_id).status_code == 201
    assert_error(create(client, appointment_id), 409)


def test_background_file_id_alone_gets_its_type_from_the_file_and_a_working_link(clinic):
    patient_id = clinic.data.patient_ids[0]
    uploader = clinic.data.actors[Role.FRONT_DESK].user_id
    pdf_id = store_patient_file(patient_id, uploader, page_count=3)
    drawing = {"lines": [], "backgroundFileId": pdf_id, "pdfPageNumber": 1}
    response = create(clinic[Role.PRACTITIONER], clinic.take_appointment(), drawing_data=drawing)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["drawing_data"]["backgroundType"] == "pdf"
    assert body["drawing_data"]["pdfNumPages"] == 3
    background = body["background_file"]
    assert background["id"] == pdf_id and background["file_type"] == "application/pdf"
    assert background["file_name"] == "scan.pdf"
    fetched = httpx.get(background["s3_url"], timeout=10)
    assert fetched.status_code == 200 and fetched.content == PDF_BYTES
    assert audit_rows(action="file.view", file_id=pdf_id)


def test_attachments_are_listed_with_links(clinic):
    record = create(clinic[Role.PRACTITIONER], clinic.take_appointment()).json()
    image_id = store_patient_file(
        clinic.data.patient_ids[0],
        clinic.data.actors[Role.FRONT_DESK].user_id,
        name="xray.png",
        file_type="image/png",
        content=PNG_BYTES,
    )
    with session_scope() as session:
        session.add(MedicalRecordFile(medical_record_id=record["id"], patient_file_id=image_id))
    body = clinic[Role.READ_ONLY].get(f"/medical-records/{record['id']}").json()
    assert [f["id"] for f in body["attachment_files"]] == [image_id]
    attachment = body["attachment_files"][0]
    assert attachment["file_type"] == "image/png" and attachment["file_name"] == "xray.png"
    assert httpx.get(attachment["s3_url"], timeout=10).content == PNG_BYTES


def test_a_background_file_not_of_this_patient_is_refused_alike(clinic, other_clinic):
    other = other_clinic
    with session_scope() as session:
        second = Patient(
            clinic_id=clinic.data.clinic_id,
            first_name="Sam",
            last_name="Second",
            date_of_birth=datetime(1990, 1, 1).date(),
        )
        session.add(second)
        session.flush()
        second_id = second.id
    uploader = clinic.data.actors[Role.FRONT_DESK].user_id
    foreign_ids = [
        store_patient_file(second_id, uploader),
        store_patient_file(other.data.patient_ids[0], other.data.actors[Role.ADMIN].user_id),
        2_000_000_000,
    ]
    errors = []
    appointment_id = clinic.take_appointment()
    for file_id in foreign_ids:
        response = create(
            clinic[Role.PRACTITIONER], appointment_id, drawing_data={"backgroundFileId": file_id}
        )
        errors.append(assert_error(response, 422, "drawing_data.backgroundFileId"))
    assert errors[0] == errors[1] == errors[2]
    assert create(clinic[Role.PRACTITIONER], appointment_id).status_code == 201


@pytest.mark.parametrize(
    "body,path",
    [
        ({"drawing_data": {"lines": [{**line(), "points": [1]}]}}, "drawing_data.lines[0].points"),
        ({"form_data": {"Bad Key": "x"}}, "form_data.'Bad Key'"),
        ({"drawing_data": {"backgroundType": "pdf"}}, "drawing_data"),
        ({"unknown": 1}, "unknown"),
        ({"template_id": "seven"}, "template_id"),
    ],
)
def test_invalid_bodies_answer_422_with_the_field_path(clinic, body, path):
    response = create(clinic[Role.PRACTITIONER], clinic.take_appointment(), **body)
    assert_error(response, 422, path)


def test_missing_appointment_id_and_bad_json_answer_422(clinic):
    client = clinic[Role.PRACTITIONER]
    assert_error(client.post("/medical-records", json={}), 422, "appointment_id")
    bad = client.post(
        "/medical-records", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_error(bad, 422)


def test_draft_patch_merges_and_moves_the_etag(clinic):
    client = clinic[Role.PRACTITIONER]
    drawing = {"lines": [line("keep"), line("drop")]}
    form = {"notes": "old", "vital_signs": {"bp": "120/80", "pulse": "72"}}
    record = create(client, clinic.take_appointment(), drawing_data=drawing, form_data=form)
    record_id = record.json()["id"]
    body = {
        "drawing_data": {
            "lines": [line("keep", x=300), line("new")],
            "deletedLineIds": ["drop"],
            "stageSize": {"width": 1000, "height": 700},
        },
        "form_data": {"notes": None, "plan": "rest", "vital_signs": {"pulse": "80"}},
    }
    response = patch(client, record_id, record.headers["etag"], body)
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"1"' and response.json()["revision"] == 1
    after = client.get(f"/medical-records/{record_id}")
    assert after.headers["etag"] == '"1"'
    stored = after.json()
    assert [(e["id"], e["points"][0]) for e in stored["drawing_data"]["lines"]] == [
        ("keep", 300),
        ("new", 10),
    ]
    assert stored["drawing_data"]["stageSize"] == {"width": 1000, "height": 700}
    assert stored["form_data"] == {"plan": "rest", "vital_signs": {"bp": "120/80", "pulse": "80"}}
    saves = audit_rows(action="record.save", record_id=record_id)
    assert len(saves) == 1 and saves[0].details["revision"] == 1


def test_draft_patch_sets_a_background_by_file_id(clinic):
    client = clinic[Role.PRACTITIONER]
    record = create(client, clinic.take_appointment())
    image_id = store_patient_file(
        clinic.data.patient_ids[0],
        clinic.data.actors[Role.FRONT_DESK].user_id,
        name="chart.png",
        file_type="image/png",
        content=PNG_BYTES,
    )
    response = patch(
        client, record.json()["id"], '"0"', {"drawing_data": {"backgroundFileId": image_id}}
    )
    assert response.status_code == 200, response.text
    body = client.get(f"/medical-records/{record.json()['id']}").json()
    assert body["drawing_data"]["backgroundType"] == "image"
    assert body["background_file"]["id"] == image_id


def test_if_match_is_required_and_a_stale_one_changes_nothing(clinic):
    client = clinic[Role.PRACTITIONER]
    record_id = create(client, clinic.take_appointment()).json()["id"]
    change = {"form_data": {"notes": "first"}}
    assert_error(patch(client, record_id, None, change), 428)
    assert patch(client, record_id, '"0"', change).status_code == 200
    stale = patch(client, record_id, '"0"', {"form_data": {"notes": "lost update"}})
    assert_error(stale, 412)
    assert stale.headers["etag"] == '"1"'
    assert_error(patch(client, record_id, "garbage", change), 412)
    current = client.get(f"/medical-records/{record_id}")
    assert current.json()["form_data"] == {"notes": "first"}
    assert current.headers["etag"] == '"1"'
    assert patch(client, record_id, "*", {"form_data": {"notes": "any"}}).status_code == 200


def test_draft_patch_refusals_name_the_path_and_store_nothing(clinic):
    client = clinic[Role.PRACTITIONER]
    record_id = create(client, clinic.take_appointment()).json()["id"]
    bad = {"drawing_data": {"lines": [{**line(), "color": "red"}]}}
    assert_error(patch(client, record_id, '"0"', bad), 422, "drawing_data.lines[0].color")
    assert_error(patch(client, record_id, '"0"', {"form_data": {"n": 5}}), 422, "form_data.n")
    assert_error(patch(client, record_id, '"0"', {"other": {}}), 422, "other")
    assert client.get(f"/medical-records/{record_id}").headers["etag"] == '"0"'


def test_oversized_bodies_answer_413_before_parsing(clinic, api_server):
    client = clinic[Role.PRACTITIONER]
    # A declared length over the limit is refused before a byte of the body is read.
    conn = http.client.HTTPConnection("127.0.0.1", api_server.port, timeout=10)
    try:
        conn.putrequest("POST", "/api/medical-records")
        conn.putheader("Authorization", client.headers["authorization"])
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(8 * 1024 * 1024))
        conn.endheaders()
        declared = conn.getresponse()
        assert declared.status == 413
        assert json.loads(declared.read())["error"]["code"] == "too_large"
    finally:
        conn.close()

    def chunks():
        for _ in range(9):
            yield b" " * (1024 * 1024)

    streamed = client.post(
        "/medical-records", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert_error(streamed, 413)


def test_api_reads_and_writes_are_audited_with_the_token(clinic):
    client = clinic[Role.PRACTITIONER]
    record = create(client, clinic.take_appointment())
    record_id = record.json()["id"]
    patch(client, record_id, '"0"', {"form_data": {"notes": "x"}})
    clinic[Role.READ_ONLY].get(f"/medical-records/{record_id}")
    practitioner = clinic.data.actors[Role.PRACTITIONER].user_id
    reader = clinic.data.actors[Role.READ_ONLY].user_id
    actions = [(e.action, e.user_id) for e in audit_rows(record_id=record_id)]
    assert ("record.create", practitioner) in actions
    assert ("record.save", practitioner) in actions
    assert actions.count(("record.read", reader)) == 1
    for event in audit_rows(record_id=record_id):
        assert isinstance(event.details.get("api_token_id"), int)
        assert "notes" not in str(event.details)


def test_appointments_by_date_range_with_ids_to_use(api_clinic):
    clinic = api_clinic(appointments=3)
    client = clinic[Role.FRONT_DESK]
    everything = client.get("/appointments", params={"limit": 500}).json()
    mine = [a for a in everything["items"] if a["appointment_id"] in clinic.data.appointment_ids]
    assert len(mine) == 3 and not everything["truncated"]
    assert all(a["patient_id"] == clinic.data.patient_ids[0] for a in mine)
    newest = datetime.fromisoformat(mine[0]["starts_at"]).date()
    one_day = client.get("/appointments", params={"from": str(newest), "to": str(newest)})
    assert [a["appointment_id"] for a in one_day.json()["items"]] == [mine[0]["appointment_id"]]
    capped = client.get("/appointments", params={"limit": 2}).json()
    assert len(capped["items"]) == 2 and capped["truncated"]
    assert_error(client.get("/appointments", params={"from": "2026-02-30"}), 422, "from")
    assert_error(
        client.get("/appointments", params={"from": "2026-02-02", "to": "2026-02-01"}), 422
    )


def test_patients_and_templates_lookups(clinic):
    client = clinic[Role.PRACTITIONER]
    found = client.get("/patients", params={"q": "pat"}).json()
    assert [p["id"] for p in found] == clinic.data.patient_ids
    templates = client.get("/templates").json()
    assert isinstance(templates, list)
    assert_error(client.get("/patients", params={"q": "a\x00b"}), 422, "q")


def test_a_record_names_its_template_version_and_the_version_can_be_read(clinic, other_clinic):
    admin = clinic.data.actors[Role.ADMIN]
    schema = {"fields": [{"key": "pain", "label": "Pain", "type": "number", "max": 10}]}
    name = f"API {uuid.uuid4()}"
    with session_scope() as session:
        template_id = template_builder.create_template(session, admin, name)
    with session_scope() as session:
        template_builder.save_draft(
            session, admin, template_id, name=name, description="", form_schema=schema
        )
    with session_scope() as session:
        template_builder.publish(session, admin, template_id)
    with session_scope() as session:
        changed = {"fields": [*schema["fields"], {"key": "side", "label": "Side", "type": "text"}]}
        template_builder.save_draft(
            session, admin, template_id, name=name, description="", form_schema=changed
        )

    client = clinic[Role.PRACTITIONER]
    made = create(client, clinic.take_appointment(), template_id=template_id).json()
    assert (made["template_id"], made["template_version"]) == (template_id, 1)
    version = client.get(f"/templates/{template_id}/versions/1")
    assert version.status_code == 200, version.text
    assert version.json()["form_schema"] == {"version": 1, **schema}
    assert_error(client.get(f"/templates/{template_id}/versions/2"), 404)  # a draft
    assert_error(other_clinic[Role.PRACTITIONER].get(f"/templates/{template_id}/versions/1"), 404)
    assert_error(client.get(f"/templates/{template_id}/versions/0"), 422)
    assert [t["id"] for t in client.get("/templates").json()].count(template_id) == 1


def multipart(client: httpx.Client, fields: dict, files: list) -> httpx.Response:
    return client.post("/medical-records", data=fields, files=files)


def test_multipart_create_uploads_the_background_and_attachments(clinic):
    client = clinic[Role.PRACTITIONER]
    pdf, png = samples.pdf(pages=2), samples.png()
    response = multipart(
        client,
        {
            "appointment_id": str(clinic.take_appointment()),
            "drawing_data": json.dumps({"lines": [line("l1")], "pdfPageNumber": 2}),
            "form_data": json.dumps({"notes": "with files"}),
        },
        [
            ("background_file", ("chart.pdf", pdf, "application/pdf")),
            ("attachment_files", ("xray.png", png, "image/png")),
            ("attachment_files", ("second.png", png, "image/png")),
        ],
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == SPEC_KEYS and body["form_data"] == {"notes": "with files"}
    drawing = body["drawing_data"]
    assert drawing["backgroundType"] == "pdf" and drawing["pdfNumPages"] == 2
    assert drawing["backgroundFileId"] == body["background_file"]["id"]
    assert drawing["pdfPageNumber"] == 2
    assert httpx.get(body["background_file"]["s3_url"]).content == pdf
    assert [f["file_name"] for f in body["attachment_files"]] == ["xray.png", "second.png"]
    assert httpx.get(body["attachment_files"][0]["s3_url"]).content == png
    listed = client.get(f"/patients/{clinic.data.patient_ids[0]}/files").json()
    assert body["background_file"]["id"] in {f["id"] for f in listed}


def test_a_refused_file_in_a_multipart_create_leaves_no_record(clinic):
    client = clinic[Role.PRACTITIONER]
    appointment_id = clinic.take_appointment()
    fields = {"appointment_id": str(appointment_id)}
    refused = multipart(
        client, fields, [("background_file", ("notes.pdf", b"just text", "application/pdf"))]
    )
    assert refused.status_code in (415, 422), refused.text
    bad_json = multipart(
        client,
        {**fields, "form_data": "{not json"},
        [("attachment_files", ("x.png", samples.png(), "image/png"))],
    )
    assert_error(bad_json, 422, "form_data")
    bad_id = multipart(
        client,
        {"appointment_id": "seven"},
        [("attachment_files", ("x.png", samples.png(), "image/png"))],
    )
    assert_error(bad_id, 422, "appointment_id")
    assert create(client, appointment_id).status_code == 201


def test_a_body_that_is_neither_json_nor_multipart_is_415(clinic):
    response = clinic[Role.PRACTITIONER].post(
        "/medical-records", content=b"appointment_id=1", headers={"Content-Type": "text/plain"}
    )
    assert_error(response, 415)


def test_a_request_after_an_early_refusal_on_the_same_connection_is_answered(api_clinic):
    """A body refused before it was read leaves the connection mid-request: the answer
    says ``Connection: close``, so a pooling client sends its next request on a new one."""
    clinic = api_clinic(appointments=20)
    client = clinic[Role.PRACTITIONER]

    def oversized():
        for _ in range(9):
            yield b" " * (1024 * 1024)

    for _ in range(20):
        refused = client.post(
            "/medical-records", content=oversized(), headers={"Content-Type": "application/json"}
        )
        assert_error(refused, 413)
        assert refused.headers["connection"] == "close"
        created = create(client, clinic.take_appointment())
        assert created.status_code == 201, created.text


@pytest.mark.parametrize("odd", ["2147483648", "%C2%B2", "-1", "0", "1e3", "%D9%A3"])
def test_odd_ids_in_paths_answer_422_never_500(clinic, odd):
    client = clinic[Role.PRACTITIONER]
    for path in (
        f"/medical-records/{odd}",
        f"/medical-records/{odd}/drawing",
        f"/patients/{odd}/files",
        f"/files/{odd}",
    ):
        assert_error(client.get(path), 422)
    draft = client.patch(f"/medical-records/{odd}/draft", json={}, headers={"If-Match": "*"})
    assert_error(draft, 422)
    assert_error(client.post(f"/medical-records/{odd}/operations", json={"ops": []}), 422)


def test_an_if_match_that_is_no_revision_of_ours_is_412(clinic):
    client = clinic[Role.PRACTITIONER]
    record_id = create(client, clinic.take_appointment()).json()["id"]
    for value in ('"²"', 'W/"1"x', '"99999999999"'):
        answer = client.patch(
            f"/medical-records/{record_id}/draft",
            json={"form_data": {"notes": "x"}},
            headers={"If-Match": value.encode("latin-1")},
        )
        assert_error(answer, 412)


def test_a_signed_record_refuses_the_draft_patch_and_each_posted_operation(clinic):
    client = clinic[Role.PRACTITIONER]
    record = create(client, clinic.take_appointment(), drawing_data={"lines": [line("kept")]})
    record_id = record.json()["id"]
    with session_scope() as session:
        mark_signed(session, record_id)
    before = client.get(f"/medical-records/{record_id}").json()

    error = assert_error(patch(client, record_id, "*", {"form_data": {"notes": "late"}}), 409)
    assert "signed" in error["message"]
    ops = [
        {"op": "addLine", "opId": uuid.uuid4().hex, "line": line("late")},
        {"op": "setField", "opId": uuid.uuid4().hex, "path": "notes", "value": "late"},
    ]
    flushed = client.post(f"/medical-records/{record_id}/operations", json={"ops": ops})
    assert flushed.status_code == 200, flushed.text
    assert flushed.json()["acked_op_ids"] == [op["opId"] for op in ops]
    assert {r["message"] for r in flushed.json()["refused"]} == {
        "This record is signed, so it can no longer be changed."
    }
    assert client.get(f"/medical-records/{record_id}").json() == before


def test_a_record_exports_over_the_api_and_an_unchanged_one_answers_200(clinic, other_clinic):
    client = clinic[Role.PRACTITIONER]
    shape = {
        "id": "t1",
        "type": "text",
        "x": 20,
        "y": 20,
        "text": "Exported over REST",
        "color": "#000000",
        "strokeWidth": 20,
    }
    record = create(
        client,
        clinic.take_appointment(),
        drawing_data={"lines": [line("one")], "shapes": [shape]},
    )
    record_id = record.json()["id"]

    made = client.post(f"/medical-records/{record_id}/export")
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["reused"] is False and body["notices"] == []
    pdf = httpx.get(body["pdf"]["s3_url"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert "Exported over REST" in pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    again = client.post(f"/medical-records/{record_id}/export")
    assert again.status_code == 200 and again.json()["pdf"]["id"] == body["pdf"]["id"]

    assert_error(clinic[Role.READ_ONLY].post(f"/medical-records/{record_id}/export"), 403)
    assert_error(other_clinic[Role.ADMIN].post(f"/medical-records/{record_id}/export"), 404)
