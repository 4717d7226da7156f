"""The OpenAPI document: served as built, bearer auth declared, real responses valid
against it, and the docs page rendering in Chromium with no outside request."""

from __future__ import annotations

import shutil
from urllib.parse import urlsplit

import httpx
import pytest
from jsonschema import Draft202012Validator
from playwright.sync_api import sync_playwright
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from medrec_app.api.rest import build_rest
from medrec_app.domain.permissions import Role
from tests.api.support import PDF_BYTES, store_patient_file
from tests.e2e.conftest import CHROMIUM_ARGS


@pytest.fixture(scope="module")
def document(api_server) -> dict:
    return httpx.get(f"{api_server.url}/api/openapi.json", timeout=30).json()


def check(document: dict, response: httpx.Response, path: str, method: str) -> None:
    """Validate ``response`` against what ``document`` declares for it."""
    declared = document["paths"][path][method]["responses"]
    status = str(response.status_code)
    assert status in declared, f"{method} {path}: {status} is not declared"
    assert "application/json" in declared[status]["content"]
    registry = Registry().with_resource(
        "urn:api", Resource.from_contents(document, default_specification=DRAFT202012)
    )
    where = ["paths", _escape(path), method, "responses", status, "content"]
    pointer = "/".join([*where, "application~1json", "schema"])
    validator = Draft202012Validator({"$ref": f"urn:api#/{pointer}"}, registry=registry)
    errors = [e.message for e in validator.iter_errors(response.json())]
    assert not errors, errors


def _escape(path: str) -> str:
    """A path as one JSON-pointer segment inside a URI fragment."""
    return path.replace("~", "~0").replace("/", "~1").replace("{", "%7B").replace("}", "%7D")


def test_the_served_document_is_the_apps_and_declares_bearer_auth(document):
    built = build_rest().openapi()
    assert {k: v for k, v in document.items() if k != "servers"} == built
    assert document["servers"] == [{"url": "/api"}]
    assert document["components"]["securitySchemes"]["ApiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token an administrator created for a user (`mrt_...`).",
    }
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation["security"] == [{"ApiToken": []}], (method, path)
            assert "401" in operation["responses"], (method, path)


def test_real_responses_match_the_document(document, clinic):
    client = clinic[Role.PRACTITIONER]
    pdf = store_patient_file(clinic.data.patient_ids[0], clinic.data.actors[Role.ADMIN].user_id)
    created = client.post(
        "/medical-records",
        json={
            "appointment_id": clinic.take_appointment(),
            "drawing_data": {"backgroundFileId": pdf},
            "form_data": {"notes": "x"},
        },
    )
    check(document, created, "/medical-records", "post")
    record_id = created.json()["id"]
    got = client.get(f"/medical-records/{record_id}")
    check(document, got, "/medical-records/{record_id}", "get")
    assert httpx.get(got.json()["background_file"]["s3_url"]).content == PDF_BYTES
    patched = client.patch(
        f"/medical-records/{record_id}/draft",
        json={"form_data": {"notes": "y"}},
        headers={"If-Match": got.headers["etag"]},
    )
    check(document, patched, "/medical-records/{record_id}/draft", "patch")
    for stale in ('"0"', None):
        headers = {"If-Match": stale} if stale else {}
        refused = client.patch(f"/medical-records/{record_id}/draft", json={}, headers=headers)
        check(document, refused, "/medical-records/{record_id}/draft", "patch")
    check(
        document, client.get("/medical-records/2000000000"), "/medical-records/{record_id}", "get"
    )
    check(document, client.post("/medical-records", json={}), "/medical-records", "post")
    check(document, client.get("/appointments"), "/appointments", "get")
    check(document, client.get("/patients", params={"q": "p"}), "/patients", "get")
    check(document, client.get("/templates"), "/templates", "get")
    denied = clinic[Role.READ_ONLY].post(
        "/medical-records", json={"appointment_id": clinic.take_appointment()}
    )
    check(document, denied, "/medical-records", "post")


def test_the_docs_page_renders_offline_in_chromium(api_server):
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    outside: list[str] = []
    refused: list[str] = []  # the page runs under its Content-Security-Policy
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()

            def only_local(route):
                if urlsplit(route.request.url).hostname == "127.0.0.1":
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            page.route("**/*", only_local)
            page.on(
                "console",
                lambda m: "Content Security Policy" in m.text and refused.append(m.text),
            )
            page.goto(f"{api_server.url}/api/docs")
            page.locator(".swagger-ui .opblock").first.wait_for(timeout=30_000)
            operations = sum(len(ops) for ops in build_rest().openapi()["paths"].values())
            assert page.locator(".swagger-ui .opblock").count() == operations
            assert page.locator(".swagger-ui .info .title").inner_text().startswith("medrec API")
            assert page.locator(".swagger-ui .btn.authorize").is_visible()
        finally:
            browser.close()
    assert outside == []
    assert refused == []
