"""Shared sign-in state, and the one way page state calls services. Imports no page module.

The browser can call any public event handler with any arguments, so no handler trusts
anything it is sent about who is acting: each service call resolves the HttpOnly session
cookie, captured server-side from the websocket handshake, in the call's own unit of
work (``AuthState._call``). Handlers that call services are declared with
:func:`service_event`, which turns what a service refuses into what the page shows: the
sign-in page for a session that has ended, the page's message (``_refused``) for
anything else, an outage included.

A handler's work runs in a thread of the event loop's pool (:func:`service_event`,
``check_session``): a sync handler runs on the loop itself, so one waiting for the
database (a row lock, a slow or unreachable server) stalled every socket of the worker,
every other user's changes and heartbeats included. Reflex still takes one event of a
tab at a time, so nothing else touches the tab's state meanwhile.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from typing import Any, Concatenate, ParamSpec, TypeVar

import reflex as rx

from medrec_app import request_log
from medrec_app.domain.ids import parse_id
from medrec_app.domain.permissions import Action, Actor, PermissionDenied, Role, can
from medrec_app.services import accounts, audit, unit_of_work
from medrec_app.services.errors import NotFound, NotSignedIn, ServiceError, ServiceUnavailable
from medrec_app.settings import get_settings

SESSION_CHECK_SECONDS = get_settings().session_check_seconds

P = ParamSpec("P")
T = TypeVar("T")
Handler = TypeVar("Handler", bound=Callable[..., Any])


def service_event(handler: Handler) -> Handler:
    """``rx.event`` for a handler that calls services through ``self._call``, run in a
    thread (see the module's docstring).

    ``NotSignedIn`` sends the browser to the sign-in page; any other ``ServiceError``
    or ``PermissionDenied`` becomes the page's message (``_refused``). What the handler
    changed before the refusal stays changed, so it can clear old messages first.
    """

    @functools.wraps(handler)
    async def guarded(self: AuthState, *args: Any, **kwargs: Any) -> Any:
        try:
            return await asyncio.to_thread(handler, self, *args, **kwargs)
        except NotSignedIn:
            request_log.note_outcome("signed_out")
            return self._to_sign_in()
        except (ServiceError, PermissionDenied) as exc:
            request_log.note_outcome("refused")
            return self._refused(str(exc))

    return rx.event(guarded)  # type: ignore[return-value]


def row_id(value: object, what: str) -> int:
    """An id sent by the browser or taken from the URL; ``NotFound(what)`` if it cannot
    name a row, the same answer as an id that does not exist."""
    parsed = parse_id(value)
    if parsed is None:
        raise NotFound(what)
    return parsed


class AuthState(rx.State):
    user_name: str = ""
    user_role: str = ""
    clinic_name: str = ""
    clinic_timezone: str = "UTC"
    is_admin: bool = False
    can_view_files: bool = False
    can_view_audit: bool = False

    def _token(self) -> str:
        cookie = SimpleCookie()
        try:
            cookie.load(self.router.headers.cookie or "")
        except CookieError:
            return ""
        morsel = cookie.get(accounts.SESSION_COOKIE)
        return morsel.value if morsel else ""

    def _call(
        self,
        service: Callable[Concatenate[Any, Actor, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """``service(session, actor, *args, **kwargs)`` as the signed-in user, in one
        unit of work. Raises ``NotSignedIn`` or what the service raises.

        Audit rows it writes carry the client address of the page's websocket (resolved
        through the trusted proxies when it connected)."""
        with audit.client_address(self.router.session.client_ip):
            return unit_of_work.run_as(self._token(), service, *args, **kwargs)

    def _actor(self, *, touch: bool = True) -> Actor:
        """The signed-in user, for what a page shows by role; ``NotSignedIn`` if none."""
        actor = unit_of_work.run(accounts.actor_for_token, self._token(), touch=touch)
        if actor is None:
            raise NotSignedIn()
        return actor

    def _begin_page(self) -> Actor:
        """The acting user for a page load, with the header's identity filled in."""
        identity = self._call(accounts.signed_in_identity)
        self.clinic_name = identity.clinic.name
        self.clinic_timezone = identity.clinic.timezone
        self.user_name = identity.user.full_name
        self.user_role = identity.user.role.replace("_", " ")
        self.is_admin = identity.user.role == Role.ADMIN
        self.can_view_files = can(identity.user.role, Action.VIEW_FILES)
        self.can_view_audit = can(identity.user.role, Action.VIEW_AUDIT)
        return identity.actor

    def _own_origin(self) -> str:
        """The page's own origin when the app is served at it, else the first allowed
        one: where links made for other people (phone, set-password) point."""
        allowed = get_settings().cors_origins
        origin = self.router.url.origin
        return origin if origin in allowed else allowed[0]

    def _to_sign_in(self) -> rx.event.EventSpec:
        """Forget everything shown and send the browser to the sign-in page.

        The page says the session has ended only when the browser had one: it sent a
        session cookie that no longer works (expired, idle, or ended elsewhere). A browser
        without the cookie (a first visit, or after signing out here) just signs in.
        """
        had_session = bool(self._token())
        self.reset()
        return rx.redirect("/login?expired=1" if had_session else "/login", replace=True)

    def _refused(self, message: str) -> rx.event.EventSpec | None:
        """How the page shows a refusal; pages with a message of their own override it."""
        return rx.toast.error(message)

    @rx.event
    async def check_session(self) -> rx.event.EventSpec | None:
        """Periodic check from every signed-in page; does not count as activity.

        While the database is away the session stands: a clinician mid-visit is not
        signed out by an outage; the next check after it decides.
        """
        try:
            await asyncio.to_thread(self._actor, touch=False)
        except ServiceUnavailable:
            return None
        except NotSignedIn:
            return self._to_sign_in()
        return None
