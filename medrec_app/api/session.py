"""The signed-in user of an HTTP request, from the HttpOnly session cookie."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from medrec_app.api.limits import declared_length
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


MAX_FORM_BYTES = 4096
"""Our small forms (sign-in, passwords) are refused above this size, before reading."""


def form_refusal(request: Request, what: str) -> Response | None:
    """The answer refusing a form post that is cross-site or too large, else None."""
    if not origin_allowed(request):
        return PlainTextResponse(f"Cross-site {what} refused.", status_code=403)
    declared = declared_length(request.headers.get("content-length"))
    if declared is None or declared > MAX_FORM_BYTES:
        return PlainTextResponse(
            f"The {what} form is too large or of unknown length.", status_code=413
        )
    return None


def session_token(request: Request) -> str:
    return request.cookies.get(accounts.SESSION_COOKIE, "")


def actor_from_request(request: Request, *, touch: bool = True) -> Actor | None:
    """The user the session cookie names, if the session stands (blocking: call it off
    the event loop)."""
    return unit_of_work.run(accounts.actor_for_token, session_token(request), touch=touch)
