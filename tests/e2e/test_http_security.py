"""What the running app answers at the HTTP level: CORS, sign-in posts, closed routes."""

from __future__ import annotations

import base64
import http.client
import os
import urllib.parse

import pytest

from medrec_app.services.demo import DEMO_PASSWORD

EVIL = "http://evil.example"


def request(app_server, method: str, path: str, body: bytes = b"", headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", app_server.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        body = b"" if response.status == 101 else response.read()
        return response.status, dict(response.getheaders()), body
    finally:
        conn.close()


def sign_in_form(email: str, password: str) -> bytes:
    return urllib.parse.urlencode({"email": email, "password": password}).encode()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_sign_in_sets_an_httponly_samesite_cookie(app_server):
    status, headers, _ = request(
        app_server,
        "POST",
        "/auth/sign-in",
        sign_in_form("viewer@hillcrest.example", DEMO_PASSWORD),
        {**FORM, "Origin": app_server.url},
    )
    assert status == 303 and headers["location"] == "/"
    cookie = headers["set-cookie"].lower()
    assert cookie.startswith("medrec_session=")
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_cross_site_sign_in_post_is_refused(app_server):
    status, headers, _ = request(
        app_server,
        "POST",
        "/auth/sign-in",
        sign_in_form("viewer@hillcrest.example", DEMO_PASSWORD),
        {**FORM, "Origin": EVIL},
    )
    assert status == 403
    assert "set-cookie" not in {k.lower() for k in headers}


def test_websocket_endpoint_refuses_foreign_origins(app_server):
    path = "/_event/?EIO=4&transport=websocket"

    def upgrade(origin: str) -> int:
        headers = {
            "Origin": origin,
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
        }
        status, _, _ = request(app_server, "GET", path, headers=headers)
        return status

    assert upgrade(app_server.url) == 101
    assert upgrade(EVIL) in (400, 403)


@pytest.mark.parametrize("method,path", [("GET", "/_upload/x.txt"), ("POST", "/_upload")])
def test_reflex_stock_upload_route_is_closed(app_server, method, path):
    status, _, _ = request(app_server, method, path, b"x" * 10, {"Content-Type": "text/plain"})
    assert status == 404
