"""Admin page: the clinic's users, and disabling one (which ends all their sessions)."""

from __future__ import annotations

import dataclasses

import reflex as rx

from medrec_app.components.labels import visually_hidden
from medrec_app.components.layout import signed_in_page
from medrec_app.components.table import data_table
from medrec_app.domain.permissions import Action, can
from medrec_app.services import accounts
from medrec_app.state import AuthState, row_id, service_event


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

    _me: int = 0

    def _refused(self, message: str) -> None:
        self.message = message

    def _refresh(self) -> None:
        self.users = [
            UserView(
                u.id, u.full_name, u.email, u.role.replace("_", " "), u.is_active, u.id == self._me
            )
            for u in self._call(accounts.list_users)
        ]

    @service_event
    def load(self) -> None:
        actor = self._begin_page()
        self.message, self.users, self._me = "", [], actor.user_id
        self.allowed = can(actor.role, Action.MANAGE_USERS)
        if self.allowed:
            self._refresh()

    @service_event
    def disable(self, user_id: int) -> None:
        self.message = ""
        self._call(accounts.disable_user, row_id(user_id, "user"))
        self.message = "The user was disabled and signed out everywhere."
        self._refresh()


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
                    ["Name", "Email", "Role", "Status", visually_hidden("Actions")],
                    UsersState.users,
                    _row,
                    "users-table",
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
