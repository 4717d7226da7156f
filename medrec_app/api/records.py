"""Record documents over HTTP for the editor's canvas.

A drawing can be several MB, over Reflex's 1 MB websocket message limit, so the canvas
loads it with a same-origin GET that carries the session cookie.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from medrec_app.api.session import actor_from_request
from medrec_app.db import session_scope
from medrec_app.services import editing
from medrec_app.services.errors import NotFound

NO_STORE = {"Cache-Control": "private, no-store"}


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message}}, status_code=status, headers=NO_STORE)


async def drawing(request: Request) -> Response:
    raw_id = request.path_params["record_id"]
    if not raw_id.isdigit() or len(raw_id) > 10:
        return _error(404, str(NotFound("record")))

    def load() -> Response:
        with session_scope() as session:
            actor = actor_from_request(session, request)
            if actor is None:
                return _error(401, "Sign in to see this record.")
            try:
                revision, document = editing.load_drawing(session, actor, int(raw_id))
            except NotFound as exc:
                return _error(404, str(exc))
        return JSONResponse({"revision": revision, "drawing": document}, headers=NO_STORE)

    return await run_in_threadpool(load)


routes = [Route("/api/records/{record_id}/drawing", drawing, methods=["GET"])]
