"""``/healthz`` (the process answers) and ``/readyz`` (it can serve: database, schema and
blob store, ``services/health.py``) for load balancers: JSON, never cached, no session."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from medrec_app.api.errors import NO_STORE
from medrec_app.services import health


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


async def readyz(request: Request) -> JSONResponse:
    found = await run_in_threadpool(health.readiness)
    return JSONResponse(
        {"status": "ready" if found.ready else "not ready", "checks": found.checks},
        status_code=200 if found.ready else 503,
        headers=NO_STORE,
    )


routes = [
    Route("/healthz", healthz, methods=["GET", "HEAD"]),
    Route("/readyz", readyz, methods=["GET", "HEAD"]),
]
