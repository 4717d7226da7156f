"""What REST endpoints depend on: the acting user of the request."""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from medrec_app.api.errors import ApiError
from medrec_app.api.session import actor_from_request, origin_allowed
from medrec_app.db import session_scope
from medrec_app.domain.permissions import Actor

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def current_actor(request: Request) -> Actor:
    """The signed-in user (session cookie), or 401.

    A cookie is sent by the browser on its own, so a state-changing request that
    carries one must come from our own origin (CSRF).
    """
    if request.method not in SAFE_METHODS and not origin_allowed(request):
        raise ApiError(403, "Cross-site request refused.")

    def resolve() -> Actor | None:
        with session_scope() as session:
            return actor_from_request(session, request)

    actor = await run_in_threadpool(resolve)
    if actor is None:
        raise ApiError(401, "Sign in, or send a valid API token.")
    return actor
