"""Record documents over HTTP for the editor page.

A drawing can be several MB, over Reflex's 1 MB websocket message limit, so the canvas
loads it with a same-origin GET that carries the session cookie. When the tab is hidden
or closed, the page posts its unacknowledged operations here (``keepalive``), through
the same save path as the websocket.
"""

from __future__ import annotations

import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from medrec_app.api.errors import NO_STORE, error_response
from medrec_app.api.session import actor_from_request, origin_allowed
from medrec_app.db import session_scope
from medrec_app.domain.permissions import PermissionDenied
from medrec_app.services import editing
from medrec_app.services.errors import NotFound, ValidationFailed

# Browsers cap keepalive bodies at 64 KB; leave room for a larger batch from other clients.
MAX_OPERATIONS_BYTES = 1024 * 1024


def _record_id(request: Request) -> int | None:
    raw_id = request.path_params["record_id"]
    return int(raw_id) if raw_id.isdigit() and len(raw_id) <= 10 else None


async def drawing(request: Request) -> Response:
    record_id = _record_id(request)
    if record_id is None:
        return error_response(404, str(NotFound("record")))

    def load() -> Response:
        with session_scope() as session:
            actor = actor_from_request(session, request)
            if actor is None:
                return error_response(401, "Sign in to see this record.")
            try:
                revision, document = editing.load_drawing(session, actor, record_id)
            except NotFound as exc:
                return error_response(404, str(exc))
        return JSONResponse({"revision": revision, "drawing": document}, headers=NO_STORE)

    return await run_in_threadpool(load)


async def operations(request: Request) -> Response:
    """Apply ``{"ops": [...]}`` like the editor's websocket event; answers the acks."""
    record_id = _record_id(request)
    if record_id is None:
        return error_response(404, str(NotFound("record")))
    if not origin_allowed(request):
        return error_response(403, "Cross-site request refused.")
    body = await _limited_body(request)
    if body is None:
        return error_response(413, "Too many changes in one request.")
    try:
        ops = json.loads(body)["ops"]
    except (ValueError, KeyError, TypeError):
        return error_response(400, 'Send a JSON object {"ops": [...]}.')

    def save() -> Response:
        with session_scope() as session:
            actor = actor_from_request(session, request)
            if actor is None:
                return error_response(401, "Sign in to change this record.")
            try:
                result = editing.save_operations(session, actor, record_id, ops)
            except (NotFound, PermissionDenied) as exc:
                return error_response(404 if isinstance(exc, NotFound) else 403, str(exc))
            except ValidationFailed as exc:
                return error_response(422, str(exc))
        return JSONResponse(result.model_dump(mode="json"), headers=NO_STORE)

    return await run_in_threadpool(save)


async def _limited_body(request: Request) -> bytes | None:
    """The body, or None once it passes ``MAX_OPERATIONS_BYTES`` (read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_OPERATIONS_BYTES:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_OPERATIONS_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


routes = [
    Route("/api/records/{record_id}/drawing", drawing, methods=["GET"]),
    Route("/api/records/{record_id}/operations", operations, methods=["POST"]),
]
