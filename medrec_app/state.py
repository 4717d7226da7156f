"""Shared sign-in state. Imports no page module.

The browser can call any public event handler with any arguments, so no handler trusts
anything it is sent about who is acting: each one resolves the HttpOnly session cookie,
captured server-side from the websocket handshake, through ``_actor()``.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

import reflex as rx
from sqlalchemy.exc import DBAPIError

from medrec_app.db import session_scope
from medrec_app.domain.permissions import Action, Actor, Role, can
from medrec_app.services import accounts
from medrec_app.settings import get_settings

SESSION_CHECK_SECONDS = get_settings().session_check_seconds


class AuthState(rx.State):
    user_name: str = ""
    user_role: str = ""
    clinic_name: str = ""
    clinic_timezone: str = "UTC"
    is_admin: bool = False
    can_view_files: bool = False

    def _token(self) -> str:
        cookie = SimpleCookie()
        try:
            cookie.load(self.router.headers.cookie or "")
        except CookieError:
            return ""
        morsel = cookie.get(accounts.SESSION_COOKIE)
        return morsel.value if morsel else ""

    def _actor(self, touch: bool = True) -> Actor | None:
        with session_scope() as session:
            return accounts.actor_for_token(session, self._token(), touch=touch)

    def _begin_page(self) -> Actor | None:
        """The acting user for a page load, with the header's identity filled in."""
        actor = self._actor()
        if actor is not None:
            self._load_identity(actor)
        return actor

    def _load_identity(self, actor: Actor) -> None:
        with session_scope() as session:
            user = accounts.get_user(session, actor)
            clinic = accounts.get_clinic(session, actor)
        self.clinic_name = clinic.name
        self.clinic_timezone = clinic.timezone
        self.user_name = user.full_name
        self.user_role = user.role.replace("_", " ")
        self.is_admin = user.role == Role.ADMIN
        self.can_view_files = can(user.role, Action.VIEW_FILES)

    def _to_sign_in(self) -> rx.event.EventSpec:
        """Forget everything shown and send the browser to the sign-in page."""
        self.reset()
        return rx.redirect("/login?expired=1", replace=True)

    @rx.event
    def check_session(self) -> rx.event.EventSpec | None:
        """Periodic check from every signed-in page; does not count as activity.

        While the database is away the session stands: a clinician mid-visit is not
        signed out by an outage; the next check after it decides.
        """
        try:
            actor = self._actor(touch=False)
        except DBAPIError:
            return None
        return self._to_sign_in() if actor is None else None
