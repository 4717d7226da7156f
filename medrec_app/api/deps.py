"""What REST endpoints depend on: the acting user of the request, and calling services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from medrec_app.api.errors import CHALLENGE, ApiError
from medrec_app.api.session import actor_from_request, origin_allowed
from medrec_app.domain.permissions import Actor
from medrec_app.services import tokens, unit_of_work

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

P = ParamSpec("P")
T = TypeVar("T")

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="ApiToken",
    description="An API token an administrator created for a user (`mrt_...`).",
)


async def call(service: Callable[Concatenate[Any, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``service`` in one unit of work, in a worker thread (services block on the database).

    What it raises is answered by the handlers in ``api/errors.py``.
    """
    return await run_in_threadpool(unit_of_work.run, service, *args, **kwargs)


async def current_actor(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer_scheme),  # noqa: B008
) -> Actor:
    """The acting user: an API token (``Authorization: Bearer``), else the session cookie.

    401 when neither is valid. A token over its per-minute limit gets 429 with
    ``Retry-After``. A cookie is sent by the browser on its own, so a state-changing
    request that relies on one must come from our own origin (CSRF); a bearer token is
    never sent implicitly and needs no such check.
    """
    if request.headers.get("authorization") is not None:
        if credentials is None:
            raise ApiError(
                401, "Send the API token as 'Authorization: Bearer <token>'.", headers=CHALLENGE
            )
        return await _token_actor(credentials.credentials)
    if request.method not in SAFE_METHODS and not origin_allowed(request):
        raise ApiError(403, "Cross-site request refused.")
    actor = await run_in_threadpool(actor_from_request, request)
    if actor is None:
        raise ApiError(401, "Sign in, or send a valid API token.", headers=CHALLENGE)
    return actor


async def _token_actor(secret: str) -> Actor:
    check = await call(tokens.actor_for_api_token, secret.strip())
    if check is None:
        raise ApiError(
            401,
            "The API token is not valid: unknown, revoked, expired, or its user is disabled.",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    if check.retry_after_seconds is not None:
        raise ApiError(
            429,
            "Too many requests with this API token; wait and try again.",
            headers={"Retry-After": str(check.retry_after_seconds)},
        )
    return check.actor
