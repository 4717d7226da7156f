"""What the running app answers at the HTTP level: CORS, sign-in posts, closed routes."""

from __future__ import annotations

import http.client
import urllib.parse

import pytest

from medrec_app.services.demo import DEMO_PASSWORD

EVIL = "http://evil.example"


def request(app_server, method: str, path: str, body: bytes = b"", headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", app_server.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
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
    path = "/_event/?EIO=4&transport=polling"
    own, _, _ = request(app_server, "GET", path, headers={"Origin": app_server.url})
    foreign, headers, _ = request(app_server, "GET", path, headers={"Origin": EVIL})
    assert own == 200
    assert foreign >= 400
    assert headers.get("access-control-allow-origin") != EVIL


@pytest.mark.parametrize("method,path", [("GET", "/_upload/x.txt"), ("POST", "/_upload")])
def test_reflex_stock_upload_route_is_closed(app_server, method, path):
    status, _, _ = request(app_server, method, path, b"x" * 10, {"Content-Type": "text/plain"})
    assert status == 404
