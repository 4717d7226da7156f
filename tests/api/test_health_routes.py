"""``/healthz`` and ``/readyz`` over HTTP, as a load balancer asks them: no session, JSON,
never cached."""

from __future__ import annotations

import httpx


def test_healthz_and_readyz_answer_without_a_session(api_server):
    with httpx.Client(base_url=api_server.url, timeout=30) as client:
        alive = client.get("/healthz")
        ready = client.get("/readyz")
        probed = client.head("/readyz")
    assert alive.status_code == 200 and alive.json() == {"status": "ok"}
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "blob_store": "ok"},
    }
    assert "no-store" in ready.headers["cache-control"]
    assert probed.status_code == 200
