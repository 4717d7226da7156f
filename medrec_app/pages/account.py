"""``/account``: the signed-in user changes their own password.

The form posts to ``/auth/change-password`` (``api/auth.py``), a real POST like sign-in,
so passwords never travel over the Reflex websocket or sit in page state. The route
answers with a redirect back here naming what was wrong (``?problem=<code>``) or to the
sign-in page once the password is changed (every session of the user ends).
"""

from __future__ import annotations

import reflex as rx

from medrec_app.components.labels import field_label
from medrec_app.components.layout import signed_in_page
from medrec_app.components.messages import page_message
from medrec_app.components.native_form import native_form
from medrec_app.domain.passwords import MAX_LENGTH, MESSAGES, MIN_LENGTH
from medrec_app.pages.login import wait_seconds
from medrec_app.services.accounts import MISMATCH, WRONG_CURRENT
from medrec_app.services.errors import SignInDelayed
from medrec_app.state import AuthState, service_event

PROBLEMS = {"wrong_current": WRONG_CURRENT, "mismatch": MISMATCH} | {
    weakness.value: message for weakness, message in MESSAGES.items()
}


class AccountState(AuthState):
    problem: str = ""

    @service_event
    def load(self) -> None:
        self._begin_page()
        params = self.router.url.query_parameters
        wait = wait_seconds(params.get("wait"))
        self.problem = (
            str(SignInDelayed(wait)) if wait else PROBLEMS.get(str(params.get("problem") or ""), "")
        )


def _field(label: str, name: str, autocomplete: str, testid: str) -> rx.Component:
    return rx.vstack(
        field_label(label, html_for=name),
        rx.input(
            id=name,
            name=name,
            type="password",
            required=True,
            max_length=MAX_LENGTH * 4,
            auto_complete=autocomplete,
            data_testid=testid,
            width="100%",
        ),
        spacing="1",
        width="100%",
    )


def account_page() -> rx.Component:
    return signed_in_page(
        rx.heading("Your password", size="6", margin_bottom="16px"),
        rx.card(
            native_form(
                rx.vstack(
                    page_message(AccountState.problem, "account-problem"),
                    rx.text(
                        f"At least {MIN_LENGTH} characters; a few unrelated words make a strong "
                        "password. You are signed out everywhere once it is changed.",
                        size="2",
                    ),
                    _field("Current password", "current", "current-password", "account-current"),
                    _field("New password", "new", "new-password", "account-new"),
                    _field("The new password again", "repeated", "new-password", "account-repeat"),
                    rx.button("Change password", type="submit", data_testid="account-submit"),
                    spacing="3",
                    width="100%",
                ),
                action="/auth/change-password",
                method="post",
            ),
            max_width="420px",
        ),
        max_width="700px",
    )
