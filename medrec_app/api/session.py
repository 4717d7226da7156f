"""The signed-in user of an HTTP request, from the HttpOnly session cookie."""

from __future__ import annotations

from starlette.requests import Request

from medrec_app.domain.permissions import Actor
from medrec_app.services import accounts, unit_of_work
from medrec_app.settings import get_settings


def origin_allowed(request: Request) -> bool:
    """Refuse cross-site posts (CSRF); browsers always send Origin on POST."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    own = f"{request.url.scheme}://{request.url.netloc}"
    return origin == own or origin in get_settings().cors_origins


def session_token(request: Request) -> str:
    return request.cookies.get(accounts.SESSION_COOKIE, "")


def actor_from_request(request: Request, *, touch: bool = True) -> Actor | None:
    """The user the session cookie names, if the session stands (blocking: call it off
    the event loop)."""
    return unit_of_work.run(accounts.actor_for_token, session_token(request), touch=touch)
