"""Admin page: the clinic's people. Invite a colleague, change a role, disable and enable,
reset a password.

Nobody types a password for someone else: inviting or resetting gives a one-time link
(``services/password_links``) that the page shows once, to be sent to that person; it
is forgotten on the next action or reload. The services check the role and the clinic
and keep the clinic's last active admin.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from medrec_app.components.confirm import confirm_button
from medrec_app.components.labels import labelled, visually_hidden
from medrec_app.components.layout import signed_in_page
from medrec_app.components.messages import page_message
from medrec_app.components.table import data_table
from medrec_app.domain.formatting import local_datetime
from medrec_app.domain.permissions import ROLE_LABELS, Action, Role, can
from medrec_app.services import accounts, password_links, people
from medrec_app.services.password_links import NewPasswordLink
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
    message_is_error: bool = False
    link_url: str = ""
    link_for: str = ""
    link_until: str = ""
    roles_shown: int = 0
    """Bumped when a change is refused, so the role menus show the stored roles again."""

    _me: int = 0

    def _refused(self, message: str) -> None:
        self._say(message, error=True)
        self.roles_shown += 1

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message, self.message_is_error = text, error

    def _refresh(self) -> None:
        self.users = [
            UserView(u.id, u.full_name, u.email, u.role, u.is_active, u.id == self._me)
            for u in self._call(accounts.list_users)
        ]

    def _show_link(self, link: NewPasswordLink, name: str) -> None:
        self.link_url = f"{self._own_origin()}{link.path}"
        self.link_for = name
        self.link_until = local_datetime(link.expires_at, self.clinic_timezone)

    def _begin_action(self) -> None:
        self._say("")
        self.link_url = self.link_for = self.link_until = ""

    @service_event
    def load(self) -> None:
        actor = self._begin_page()
        self._begin_action()
        self.users, self._me = [], actor.user_id
        self.allowed = can(actor.role, Action.MANAGE_USERS)
        if self.allowed:
            self._refresh()

    @service_event
    def invite(self, form: dict[str, Any]) -> None:
        self._begin_action()
        invited = self._call(
            people.invite_user,
            email=str(form.get("email") or "")[:300],
            full_name=str(form.get("full_name") or "")[:300],
            role=str(form.get("role") or ""),
        )
        self._show_link(invited.link, invited.user.full_name)
        self._say(f"{invited.user.full_name} was added. Send them the link below.")
        self._refresh()

    @service_event
    def change_role(self, user_id: int, role: str) -> None:
        self._begin_action()
        changed = self._call(people.change_role, row_id(user_id, "user"), str(role))
        self._say(f"{changed.full_name} is now {ROLE_LABELS.get(changed.role, changed.role)}.")
        self._refresh()

    @service_event
    def disable(self, user_id: int) -> None:
        self._begin_action()
        self._call(people.disable_user, row_id(user_id, "user"))
        self._say("The user was disabled and signed out everywhere.")
        self._refresh()

    @service_event
    def enable(self, user_id: int) -> None:
        self._begin_action()
        self._call(people.enable_user, row_id(user_id, "user"))
        self._say("The user can sign in again.")
        self._refresh()

    @service_event
    def reset_password(self, user_id: int) -> None:
        self._begin_action()
        wanted = row_id(user_id, "user")
        link = self._call(password_links.issue_password_link, wanted)
        name = next((u.name for u in self.users if u.user_id == wanted), "The user")
        self._show_link(link, name)
        self._say(
            f"{name}'s password no longer works and they were signed out. Send them the "
            "link below to set a new one."
        )


def _role_select(user: UserView) -> rx.Component:
    return rx.el.select(
        *[rx.el.option(label, value=value) for value, label in ROLE_LABELS.items()],
        default_value=user.role,
        # A new key after a refusal or a change remounts the menu on the stored role.
        key=f"{user.user_id}-{user.role}-{UsersState.roles_shown}",
        on_change=lambda value: UsersState.change_role(user.user_id, value),
        disabled=user.is_self,
        aria_label=f"Role of {user.name}",
        data_testid="user-role-select",
    )


def _row(user: UserView) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(user.name),
        rx.table.cell(user.email),
        rx.table.cell(_role_select(user)),
        rx.table.cell(rx.cond(user.active, "Active", "Disabled"), data_testid="user-status"),
        rx.table.cell(
            rx.cond(
                user.is_self,
                rx.text("You", size="2", color="var(--gray-11)"),
                rx.hstack(
                    rx.cond(
                        user.active,
                        confirm_button(
                            "Disable",
                            f"Disable {user.name}?",
                            "They are signed out on every device and can no longer sign in.",
                            UsersState.disable(user.user_id),
                            ("disable-user", "confirm-disable"),
                            aria_label=f"Disable {user.name}",
                            keep="Cancel",
                        ),
                        rx.button(
                            "Enable",
                            variant="soft",
                            aria_label=f"Enable {user.name}",
                            on_click=UsersState.enable(user.user_id),
                            data_testid="enable-user",
                        ),
                    ),
                    confirm_button(
                        "Reset password",
                        f"Reset {user.name}'s password?",
                        "Their password stops working now and they are signed out; you get a "
                        "link to send them, where they set a new one.",
                        UsersState.reset_password(user.user_id),
                        ("reset-password", "confirm-reset-password"),
                        aria_label=f"Reset the password of {user.name}",
                        keep="Cancel",
                    ),
                    spacing="2",
                ),
            )
        ),
        data_testid="user-row",
        data_email=user.email,
    )


def _invite_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            labelled(
                "Name",
                rx.input(id="invite-name", name="full_name", required=True, max_length=200),
                "invite-name",
            ),
            labelled(
                "Email",
                rx.input(id="invite-email", name="email", type="email", required=True),
                "invite-email",
            ),
            labelled(
                "Role",
                rx.el.select(
                    *[rx.el.option(label, value=value) for value, label in ROLE_LABELS.items()],
                    id="invite-role",
                    name="role",
                    default_value=Role.PRACTITIONER.value,
                ),
                "invite-role",
            ),
            rx.button("Add user", type="submit", data_testid="invite-submit"),
            align="end",
            spacing="3",
            wrap="wrap",
        ),
        on_submit=UsersState.invite,
        reset_on_submit=True,
        data_testid="invite-form",
    )


def _link_shown_once() -> rx.Component:
    return rx.callout.root(
        rx.callout.text(
            "Send this link to ",
            rx.el.strong(UsersState.link_for),
            " (by email or chat). It works once, until ",
            UsersState.link_until,
            ", and is shown only now.",
        ),
        rx.input(
            value=UsersState.link_url,
            read_only=True,
            width="100%",
            aria_label="Set-password link",
            data_testid="password-link",
        ),
        color_scheme="green",
        width="100%",
        data_testid="password-link-box",
    )


def users_page() -> rx.Component:
    return signed_in_page(
        rx.heading("Users", size="6", margin_bottom="16px"),
        rx.cond(
            UsersState.allowed,
            rx.vstack(
                rx.heading("Add a user", size="4", as_="h2"),
                _invite_form(),
                page_message(
                    UsersState.message, "users-message", is_error=UsersState.message_is_error
                ),
                rx.cond(UsersState.link_url != "", _link_shown_once()),
                data_table(
                    ["Name", "Email", "Role", "Status", visually_hidden("Actions")],
                    UsersState.users,
                    _row,
                    "users-table",
                ),
                width="100%",
                spacing="4",
            ),
            rx.callout(
                "Only clinic administrators can manage users.",
                color_scheme="red",
                data_testid="not-allowed",
            ),
        ),
    )
