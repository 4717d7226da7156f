"""Security and caching headers on every answer of the running app, the client address
and scheme through a trusted proxy, and a framed page refused by the browser."""

from __future__ import annotations

import http.server
import re
import threading
import urllib.parse
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import text

from medrec_app.services.demo import DEMO_PASSWORD
from tests.e2e.conftest import _free_port
from tests.e2e.test_editor import open_editor, wait_saved
from tests.e2e.test_http_security import FORM, request, sign_in_form
from tests.e2e.test_sign_in import sign_in

ADMIN = "admin@riverside.example"


def _post_sign_in(app_server, email: str = ADMIN, headers: dict | None = None):
    return request(
        app_server,
        "POST",
        "/auth/sign-in",
        sign_in_form(email, DEMO_PASSWORD),
        {**FORM, "Origin": app_server.url, **(headers or {})},
    )


@pytest.fixture(scope="module")
def cookie(app_server) -> str:
    status, headers, _ = _post_sign_in(app_server)
    assert status == 303
    return headers["set-cookie"].split(";", 1)[0]


@pytest.fixture(scope="module")
def ids(app_server) -> dict[str, int]:
    with app_server.db.connect() as conn:
        row = conn.execute(
            text(
                "SELECT f.patient_id, f.id FROM patient_files f JOIN patients p"
                " ON p.id = f.patient_id JOIN clinics c ON c.id = p.clinic_id"
                " WHERE c.name LIKE 'Riverside%' ORDER BY f.id LIMIT 1"
            )
        ).one()
        record = conn.execute(
            text(
                "SELECT r.id FROM medical_records r JOIN appointments a"
                " ON a.calendar_event_id = r.appointment_id JOIN clinics c ON c.id = a.clinic_id"
                " WHERE c.name LIKE 'Riverside%' ORDER BY r.id LIMIT 1"
            )
        ).scalar_one()
    return {"patient": row[0], "file": row[1], "record": record}


def _asset_path(app_server) -> str:
    _, _, body = request(app_server, "GET", "/")
    return re.search(rb'href="(/assets/[^"]+\.js)"', body).group(1).decode()


def _assert_secure_headers(headers: dict[str, str], path: str) -> None:
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-eval'" not in script_src and "'unsafe-inline'" not in script_src
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] in ("same-origin", "no-referrer", "strict-origin")
    assert "camera=()" in headers["permissions-policy"]
    assert "strict-transport-security" not in headers, "HSTS on plain HTTP"
    if path.startswith("/assets/"):
        assert "immutable" in headers["cache-control"]
    else:
        assert "no-store" in headers["cache-control"], path


ANONYMOUS_PATHS = ["/login", "/", "/appointments/1001", "/ping", "/no/such/page", "/api/patients"]
SIGNED_IN_PATHS = [
    "/api/appointments",
    "/api/patients",
    "/api/patients/{patient}/files",
    "/api/files/{file}",
    "/api/medical-records/{record}",
    "/api/medical-records/{record}/drawing",
]


@pytest.mark.parametrize("path", ANONYMOUS_PATHS)
def test_every_page_and_route_carries_the_security_headers(app_server, path):
    status, headers, _ = request(app_server, "GET", path)
    assert status < 500
    _assert_secure_headers({k.lower(): v for k, v in headers.items()}, path)


def test_the_builds_hashed_files_may_be_cached(app_server):
    path = _asset_path(app_server)
    status, headers, _ = request(app_server, "GET", path)
    assert status == 200
    _assert_secure_headers({k.lower(): v for k, v in headers.items()}, path)


@pytest.mark.parametrize("template", SIGNED_IN_PATHS)
def test_patient_data_answers_are_not_stored_by_caches(app_server, cookie, ids, template):
    path = template.format(**ids)
    status, headers, _ = request(app_server, "GET", path, headers={"Cookie": cookie})
    assert status == 200, path
    _assert_secure_headers({k.lower(): v for k, v in headers.items()}, path)


def test_sign_in_and_file_links_carry_the_headers(app_server, cookie, ids):
    status, headers, _ = _post_sign_in(app_server)
    assert status == 303
    _assert_secure_headers({k.lower(): v for k, v in headers.items()}, "/auth/sign-in")
    _, _, body = request(app_server, "GET", f"/api/files/{ids['file']}", headers={"Cookie": cookie})
    link = re.search(rb'"s3_url":"([^"]+)"', body).group(1).decode()
    status, headers, _ = request(
        app_server, "GET", urllib.parse.urlsplit(link)._replace(scheme="", netloc="").geturl()
    )
    assert status == 200
    _assert_secure_headers({k.lower(): v for k, v in headers.items()}, "/files")


def test_behind_a_tls_proxy_the_cookie_is_secure_and_hsts_is_sent(app_server):
    origin = f"https://127.0.0.1:{app_server.port}"  # the Host that request() sends
    status, headers, _ = request(
        app_server,
        "POST",
        "/auth/sign-in",
        sign_in_form(ADMIN, DEMO_PASSWORD),
        {
            **FORM,
            "Origin": origin,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "198.51.100.23",
        },
    )
    assert status == 303
    lowered = {k.lower(): v for k, v in headers.items()}
    assert "secure" in [p.strip().lower() for p in lowered["set-cookie"].split(";")]
    assert lowered["strict-transport-security"].startswith("max-age=")
    with app_server.db.connect() as conn:
        ip = conn.execute(
            text(
                "SELECT ip FROM audit_events WHERE action = 'auth.sign_in' ORDER BY id DESC LIMIT 1"
            )
        ).scalar_one()
    assert ip == "198.51.100.23"


def test_a_refused_request_is_audited_with_the_client_address(app_server, cookie):
    with app_server.db.connect() as conn:
        other = conn.execute(
            text(
                "SELECT p.id FROM patients p JOIN clinics c ON c.id = p.clinic_id"
                " WHERE c.name LIKE 'Hillcrest%' ORDER BY p.id LIMIT 1"
            )
        ).scalar_one()
    status, _, _ = request(
        app_server,
        "GET",
        f"/api/patients/{other}/files",
        headers={"Cookie": cookie, "X-Forwarded-For": "203.0.113.50"},
    )
    assert status == 404
    with app_server.db.connect() as conn:
        row = conn.execute(
            text(
                "SELECT a.action, a.ip, a.details->>'outcome', u.email FROM audit_events a"
                " JOIN users u ON u.id = a.user_id WHERE a.action LIKE '%.denied'"
                " ORDER BY a.id DESC LIMIT 1"
            )
        ).one()
    assert row == ("patient.denied", "203.0.113.50", "not_found", ADMIN)


@pytest.fixture
def other_origin_page(app_server) -> Iterator[str]:
    """A page on another port of the same host that frames the signed-in Users page."""
    html = f'<iframe src="{app_server.url}/admin/users" width="900" height="600"></iframe>'.encode()

    class Framing(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *_: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", _free_port()), Framing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_another_site_cannot_frame_a_signed_in_page(
    browser: Browser, app_server, other_origin_page
):
    context = browser.new_context(base_url=app_server.url)
    try:
        page = context.new_page()
        sign_in(page, ADMIN)
        expect(page.get_by_test_id("user-name")).to_have_text("Alex Admin")
        with page.expect_console_message(lambda m: "frame-ancestors" in m.text, timeout=15_000):
            page.goto(other_origin_page)
        framed = page.frames[-1]
        assert framed is not page.main_frame
        assert framed.get_by_role("button", name="Disable").count() == 0
    finally:
        context.close()


def test_the_editors_audit_rows_carry_the_browsers_address(page: Page, app_server):
    sign_in(page, "dr.okafor@riverside.example")
    expect(page.get_by_test_id("user-name")).to_have_text("Dr. Ngozi Okafor")
    with app_server.db.connect() as conn:
        since = conn.execute(text("SELECT max(id) FROM audit_events")).scalar_one()
    open_editor(page, 1018)  # Riverside, today; no other test uses it
    page.get_by_test_id("field-notes").fill("Audited from the browser")
    wait_saved(page)
    with app_server.db.connect() as conn:
        rows = conn.execute(
            text("SELECT action, ip FROM audit_events WHERE id > :since"), {"since": since}
        ).all()
    actions = {action for action, _ in rows}
    assert {"record.open", "record.save"} <= actions, actions
    assert {ip for _, ip in rows} == {"127.0.0.1"}
