"""Admin page: the clinic's users, and disabling one (which ends all their sessions)."""

from __future__ import annotations

import dataclasses

import reflex as rx

from medrec_app.components.layout import signed_in_page
from medrec_app.components.table import data_table
from medrec_app.db import session_scope
from medrec_app.domain.permissions import Action, PermissionDenied, can
from medrec_app.services import accounts
from medrec_app.services.errors import NotFound, ServiceError
from medrec_app.state import AuthState


@dataclasses.dataclass
class UserView:
    user_id: int
    name: str
    email: str
    role: str
    active: bool
    is_self: bool


class UsersState(AuthState):
    users: list[UserView] = []
    allowed: bool = False
    message: str = ""

    def _refresh(self, actor) -> None:  # type: ignore[no-untyped-def]
        with session_scope() as session:
            found = accounts.list_users(session, actor)
        self.users = [
            UserView(
                u.id,
                u.full_name,
                u.email,
                u.role.replace("_", " "),
                u.is_active,
                u.id == actor.user_id,
            )
            for u in found
        ]

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        actor = self._begin_page()
        if actor is None:
            return self._to_sign_in()
        self.message = ""
        self.allowed = can(actor.role, Action.MANAGE_USERS)
        if self.allowed:
            self._refresh(actor)
        else:
            self.users = []
        return None

    @rx.event
    def disable(self, user_id: int) -> rx.event.EventSpec | None:
        actor = self._actor()
        if actor is None:
            return self._to_sign_in()
        try:
            with session_scope() as session:
                accounts.disable_user(session, actor, _as_id(user_id))
            self.message = "The user was disabled and signed out everywhere."
        except (PermissionDenied, ServiceError) as exc:
            self.message = str(exc)
        if can(actor.role, Action.MANAGE_USERS):
            self._refresh(actor)
        return None


def _as_id(value: object) -> int:
    """A user id from the browser: a positive integer, or the same "not found" as any other."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise NotFound("user")
    text = str(value)
    if not text.isdigit() or len(text) > 10:
        raise NotFound("user")
    return int(text)


def _row(user: UserView) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(user.name),
        rx.table.cell(user.email),
        rx.table.cell(user.role),
        rx.table.cell(rx.cond(user.active, "Active", "Disabled")),
        rx.table.cell(
            rx.cond(
                user.active & ~user.is_self,
                rx.alert_dialog.root(
                    rx.alert_dialog.trigger(
                        rx.button(
                            "Disable",
                            color_scheme="red",
                            variant="soft",
                            data_testid="disable-user",
                        )
                    ),
                    rx.alert_dialog.content(
                        rx.alert_dialog.title("Disable ", user.name, "?"),
                        rx.alert_dialog.description(
                            "They are signed out on every device and can no longer sign in."
                        ),
                        rx.hstack(
                            rx.alert_dialog.cancel(rx.button("Cancel", variant="soft")),
                            rx.alert_dialog.action(
                                rx.button(
                                    "Disable",
                                    color_scheme="red",
                                    on_click=UsersState.disable(user.user_id),
                                    data_testid="confirm-disable",
                                )
                            ),
                            justify="end",
                            spacing="3",
                        ),
                    ),
                ),
            )
        ),
        data_testid="user-row",
        data_email=user.email,
    )


def users_page() -> rx.Component:
    return signed_in_page(
        rx.heading("Users", size="6", margin_bottom="16px"),
        rx.cond(
            UsersState.allowed,
            rx.vstack(
                rx.cond(
                    UsersState.message != "",
                    rx.callout(UsersState.message, data_testid="users-message"),
                ),
                data_table(
                    ["Name", "Email", "Role", "Status", ""], UsersState.users, _row, "users-table"
                ),
                width="100%",
            ),
            rx.callout(
                "Only clinic administrators can manage users.",
                color_scheme="red",
                data_testid="not-allowed",
            ),
        ),
    )
