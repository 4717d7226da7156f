"""Admin page: API tokens of the clinic's users; create one (secret shown once), revoke."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import reflex as rx

from medrec_app.components.labels import labelled, visually_hidden
from medrec_app.components.layout import signed_in_page
from medrec_app.components.table import data_table
from medrec_app.domain.formatting import local_datetime
from medrec_app.domain.permissions import Action, can
from medrec_app.services import accounts, tokens
from medrec_app.state import AuthState, row_id, service_event

EXPIRY_CHOICES = {"never": None, "30 days": 30, "90 days": 90, "1 year": 365}


@dataclasses.dataclass
class TokenView:
    token_id: int
    name: str
    user: str
    prefix: str
    created: str
    last_used: str
    expires: str
    active: bool


@dataclasses.dataclass
class UserOption:
    value: str
    label: str


class TokensState(AuthState):
    tokens: list[TokenView] = []
    users: list[UserOption] = []
    allowed: bool = False
    message: str = ""
    new_secret: str = ""
    user_choice: str = ""
    expiry_choice: str = "never"

    def _refused(self, message: str) -> None:
        self.message = message

    def _refresh(self) -> None:
        people = {u.id: u for u in self._call(accounts.list_users)}
        found = self._call(tokens.list_tokens)
        zone = self.clinic_timezone
        self.users = [
            UserOption(str(u.id), f"{u.full_name} ({u.role.replace('_', ' ')})")
            for u in people.values()
            if u.is_active
        ]
        self.tokens = [
            TokenView(
                t.id,
                t.name,
                people[t.user_id].full_name if t.user_id in people else "",
                f"{t.prefix}…",
                local_datetime(t.created_at, zone),
                local_datetime(t.last_used_at, zone) or "never",
                local_datetime(t.expires_at, zone) or "never",
                t.active,
            )
            for t in found
        ]

    @service_event
    def load(self) -> None:
        actor = self._begin_page()
        self.message, self.new_secret = "", ""
        self.tokens, self.users = [], []
        self.allowed = can(actor.role, Action.MANAGE_USERS)
        if self.allowed:
            self._refresh()

    @rx.event
    def set_user_choice(self, value: str) -> None:
        self.user_choice = value

    @rx.event
    def set_expiry_choice(self, value: str) -> None:
        self.expiry_choice = value if value in EXPIRY_CHOICES else "never"

    @service_event
    def create(self, form: dict) -> None:
        self.new_secret = self.message = ""
        days = EXPIRY_CHOICES.get(self.expiry_choice)
        created = self._call(
            tokens.create_token,
            user_id=row_id(self.user_choice, "user"),
            name=str(form.get("name") or "")[:200],
            expires_at=datetime.now(UTC) + timedelta(days=days) if days else None,
        )
        self.new_secret = created.secret
        self.message = "Token created. Copy it now: it is not shown again."
        self._refresh()

    @service_event
    def revoke(self, token_id: int) -> None:
        self.new_secret = self.message = ""
        self._call(tokens.revoke_token, row_id(token_id, "token"))
        self.message = "The token was revoked; requests with it are refused from now on."
        self._refresh()

    @rx.event
    def dismiss_secret(self) -> None:
        self.new_secret = ""
        self.message = ""


def _row(token: TokenView) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(token.name),
        rx.table.cell(token.user),
        rx.table.cell(rx.code(token.prefix)),
        rx.table.cell(token.created),
        rx.table.cell(token.last_used),
        rx.table.cell(token.expires),
        rx.table.cell(rx.cond(token.active, "Active", "Revoked or expired")),
        rx.table.cell(
            rx.cond(
                token.active,
                rx.button(
                    "Revoke",
                    color_scheme="red",
                    variant="soft",
                    on_click=TokensState.revoke(token.token_id),
                    data_testid="revoke-token",
                ),
            )
        ),
        data_testid="token-row",
    )


def _new_secret() -> rx.Component:
    return rx.callout.root(
        rx.vstack(
            rx.text("The new token (shown only once):", weight="medium"),
            rx.hstack(
                rx.code(TokensState.new_secret, data_testid="new-token-secret"),
                rx.button(
                    "Copy",
                    size="1",
                    on_click=rx.set_clipboard(TokensState.new_secret),
                    data_testid="copy-token",
                ),
                rx.button("Done", size="1", variant="soft", on_click=TokensState.dismiss_secret),
                align="center",
                spacing="3",
            ),
            rx.text("Send it as: Authorization: Bearer <token>", size="1", color_scheme="gray"),
        ),
        color_scheme="green",
        width="100%",
    )


def _create_form() -> rx.Component:
    # Each control is named by its label (Radix's select trigger is a button, which a
    # <label for> names too).
    return rx.form(
        rx.hstack(
            labelled(
                "User",
                rx.select.root(
                    rx.select.trigger(
                        placeholder="Choose a user", id="token-user", data_testid="token-user"
                    ),
                    rx.select.content(
                        rx.foreach(
                            TokensState.users, lambda u: rx.select.item(u.label, value=u.value)
                        )
                    ),
                    value=TokensState.user_choice,
                    on_change=TokensState.set_user_choice,
                ),
                "token-user",
            ),
            labelled(
                "Name",
                rx.input(
                    id="token-name",
                    name="name",
                    placeholder="What uses it (e.g. booking system)",
                    max_length=100,
                    required=True,
                    width="280px",
                    data_testid="token-name",
                ),
                "token-name",
            ),
            labelled(
                "Expires",
                rx.select.root(
                    rx.select.trigger(id="token-expiry", data_testid="token-expiry"),
                    rx.select.content(
                        *[rx.select.item(choice, value=choice) for choice in EXPIRY_CHOICES]
                    ),
                    value=TokensState.expiry_choice,
                    on_change=TokensState.set_expiry_choice,
                ),
                "token-expiry",
            ),
            rx.button("Create token", type="submit", data_testid="create-token"),
            spacing="3",
            align="end",
            wrap="wrap",
        ),
        on_submit=TokensState.create,
        reset_on_submit=True,
        width="100%",
    )


def tokens_page() -> rx.Component:
    return signed_in_page(
        rx.heading("API tokens", size="6", margin_bottom="8px"),
        rx.text(
            "A token lets a program use the REST API (/api/docs) as the chosen user, with "
            "that user's role. It stops working when revoked, when it expires, or while "
            "its user is disabled.",
            color_scheme="gray",
            margin_bottom="16px",
        ),
        rx.cond(
            TokensState.allowed,
            rx.vstack(
                rx.cond(
                    TokensState.message != "",
                    rx.callout(TokensState.message, data_testid="tokens-message"),
                ),
                rx.cond(TokensState.new_secret != "", _new_secret()),
                _create_form(),
                data_table(
                    [
                        "Name",
                        "User",
                        "Token",
                        "Created",
                        "Last used",
                        "Expires",
                        "Status",
                        visually_hidden("Actions"),
                    ],
                    TokensState.tokens,
                    _row,
                    "tokens-table",
                ),
                width="100%",
                spacing="4",
            ),
            rx.callout(
                "Only clinic administrators can manage API tokens.",
                color_scheme="red",
                data_testid="not-allowed",
            ),
        ),
    )
