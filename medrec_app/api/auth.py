"""Sign-in and sign-out over plain HTTP, so the session cookie can be HttpOnly.

Reflex state lives on a websocket and cannot set an HttpOnly cookie, so the sign-in form
posts here. The websocket captures its headers (and so the cookie) when it connects;
both routes answer with a redirect, a full page load that opens a fresh socket.
"""

from __future__ import annotations

import logging
from contextlib import suppress

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from medrec_app.api.session import form_refusal, origin_allowed, session_token
from medrec_app.domain.permissions import Role
from medrec_app.services import accounts, unit_of_work
from medrec_app.services.errors import (
    NotSignedIn,
    ServiceUnavailable,
    SignInDelayed,
    SignInFailed,
)

log = logging.getLogger(__name__)

# Where each role starts after signing in; the front desk's main screen is the patients'.
HOME_BY_ROLE = {Role.FRONT_DESK: "/patients"}


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


async def sign_in(request: Request) -> Response:
    if refused := form_refusal(request, "sign-in"):
        return refused
    async with request.form(max_files=0, max_fields=5) as form:
        email = str(form.get("email") or "")[:254]
        password = str(form.get("password") or "")[:1024]
    try:
        token, home = await run_in_threadpool(_sign_in, email, password, _client_ip(request))
    except SignInDelayed as exc:
        wait = str(exc.retry_after)
        return RedirectResponse(
            f"/login?error=1&wait={wait}", status_code=303, headers={"Retry-After": wait}
        )
    except SignInFailed:
        return RedirectResponse("/login?error=1", status_code=303)
    except ServiceUnavailable as exc:
        return PlainTextResponse(str(exc), status_code=503, headers={"Retry-After": "5"})
    response = RedirectResponse(home, status_code=303)
    response.set_cookie(
        accounts.SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


def _sign_in(email: str, password: str, ip: str) -> tuple[str, str]:
    """The new session token and the path of the user's first page."""
    # Password hashing takes tens of milliseconds of CPU: keep it off the event loop.
    token = unit_of_work.run(accounts.sign_in, email, password, ip)
    actor = unit_of_work.run(accounts.actor_for_token, token, touch=False)
    return token, HOME_BY_ROLE.get(actor.role, "/") if actor else "/"


def _sign_out(request: Request) -> None:
    with suppress(NotSignedIn):
        unit_of_work.run_as(session_token(request), accounts.sign_out)


async def sign_out(request: Request) -> Response:
    if not origin_allowed(request):
        return PlainTextResponse("Cross-site sign-out refused.", status_code=403)
    await run_in_threadpool(_sign_out, request)
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    response.delete_cookie(accounts.SESSION_COOKIE, path="/")
    return response


async def change_password(request: Request) -> Response:
    """The signed-in user's new password (``/account``'s form); back to the page with the
    problem's code, or to sign-in once changed (all sessions end, this one too)."""
    if refused := form_refusal(request, "password change"):
        return refused
    async with request.form(max_files=0, max_fields=5) as form:
        fields = {key: str(form.get(key) or "")[:1024] for key in ("current", "new", "repeated")}
    try:
        await run_in_threadpool(
            unit_of_work.run_as,
            session_token(request),
            accounts.change_own_password,
            **fields,
            ip=_client_ip(request),
        )
    except NotSignedIn:
        return RedirectResponse("/login?expired=1", status_code=303)
    except SignInDelayed as exc:
        return RedirectResponse(f"/account?wait={exc.retry_after}", status_code=303)
    except accounts.PasswordChangeRefused as refused:
        return RedirectResponse(f"/account?problem={refused.code}", status_code=303)
    response = RedirectResponse("/login?password_changed=1", status_code=303)
    response.delete_cookie(accounts.SESSION_COOKIE, path="/")
    return response


routes = [
    Route("/auth/sign-in", sign_in, methods=["POST"]),
    Route("/auth/change-password", change_password, methods=["POST"]),
    Route("/auth/sign-out", sign_out, methods=["POST"]),
]
