"""The signed-in user of an HTTP request, from the HttpOnly session cookie."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request

from medrec_app.domain.permissions import Actor
from medrec_app.services import accounts


def actor_from_request(session: Session, request: Request, *, touch: bool = True) -> Actor | None:
    token = request.cookies.get(accounts.SESSION_COOKIE, "")
    return accounts.actor_for_token(session, token, touch=touch)
