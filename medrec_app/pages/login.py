"""Sign-in page. The form posts to /auth/sign-in (see medrec_app/api/auth.py)."""

from __future__ import annotations

import reflex as rx

from medrec_app.components.forget_history import forget_history
from medrec_app.components.labels import field_label
from medrec_app.components.messages import page_message
from medrec_app.components.native_form import native_form
from medrec_app.services.errors import SignInDelayed, SignInFailed

NOTICES = {
    "error": str(SignInFailed()),
    "expired": "Your session has ended. Please sign in again.",
    "signed_out": "You have signed out.",
    "password_set": "Your password is set. Sign in with your email and the new password.",
    "password_changed": "Your password is changed. Sign in with the new one.",
}


# The longest wait the page repeats from its URL (the throttle's longest is shorter).
MAX_SHOWN_WAIT_S = 24 * 3600


def wait_seconds(value: object) -> int:
    """The sign-in route's ``wait`` parameter: whole seconds, or 0 if absent or odd."""
    text = str(value or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        return 0
    return min(int(text), MAX_SHOWN_WAIT_S)


class LoginState(rx.State):
    notice: str = ""
    is_error: bool = False

    @rx.event
    def load(self) -> None:
        params = self.router.url.query_parameters
        self.notice, self.is_error = "", False
        wait = wait_seconds(params.get("wait"))
        if wait:
            self.notice, self.is_error = str(SignInDelayed(wait)), True
            return
        for key, message in NOTICES.items():
            if params.get(key):
                self.notice, self.is_error = message, key == "error"
                return


def login_page() -> rx.Component:
    return rx.el.main(login_form(), forget_history())


def login_form() -> rx.Component:
    return rx.center(
        rx.card(
            native_form(
                rx.vstack(
                    rx.heading("Sign in to medrec", size="6"),
                    page_message(LoginState.notice, "login-notice", is_error=LoginState.is_error),
                    field_label("Email", html_for="email"),
                    rx.input(
                        id="email",
                        name="email",
                        type="email",
                        required=True,
                        auto_complete="username",
                        data_testid="login-email",
                        width="100%",
                    ),
                    field_label("Password", html_for="password"),
                    rx.input(
                        id="password",
                        name="password",
                        type="password",
                        required=True,
                        auto_complete="current-password",
                        data_testid="login-password",
                        width="100%",
                    ),
                    rx.button("Sign in", type="submit", width="100%", data_testid="login-submit"),
                    spacing="3",
                    width="100%",
                ),
                action="/auth/sign-in",
                method="post",
            ),
            width="360px",
        ),
        height="100vh",
    )
