"""The frame of every signed-in page: header with clinic, navigation, user and sign-out,
and the page's own content as its main landmark."""

from __future__ import annotations

import reflex as rx

from medrec_app.components.native_form import native_form
from medrec_app.state import SESSION_CHECK_SECONDS, AuthState


def sign_out_button() -> rx.Component:
    # A real form post: the server clears the HttpOnly cookie and ends every session.
    return native_form(
        rx.button("Sign out", type="submit", variant="soft", data_testid="sign-out"),
        action="/auth/sign-out",
        method="post",
    )


def header() -> rx.Component:
    # The page's own heading is its h1; the app's name is not a heading.
    return rx.el.header(
        rx.hstack(
            rx.link(
                rx.text("medrec", size="5", weight="bold"),
                href="/",
                underline="none",
                aria_label="medrec: appointments",
            ),
            rx.text(AuthState.clinic_name, color_scheme="gray", data_testid="clinic-name"),
            rx.el.nav(
                rx.hstack(
                    rx.link("Appointments", href="/", data_testid="nav-appointments"),
                    rx.cond(
                        AuthState.can_view_files,
                        rx.link("Patients", href="/patients", data_testid="nav-patients"),
                    ),
                    rx.cond(
                        AuthState.can_view_audit,
                        rx.link("Audit", href="/audit", data_testid="nav-audit"),
                    ),
                    rx.cond(
                        AuthState.is_admin,
                        rx.hstack(
                            rx.link("Users", href="/admin/users", data_testid="nav-users"),
                            rx.link("API tokens", href="/admin/tokens", data_testid="nav-tokens"),
                            rx.link(
                                "Templates", href="/admin/templates", data_testid="nav-templates"
                            ),
                            rx.link("Import", href="/admin/import", data_testid="nav-import"),
                            spacing="4",
                        ),
                    ),
                    spacing="4",
                    align="center",
                ),
                aria_label="Main",
            ),
            rx.spacer(),
            rx.link(
                rx.text(AuthState.user_name, weight="medium", data_testid="user-name"),
                href="/account",
                underline="hover",
                color_scheme="gray",
                title="Your account: change your password",
                data_testid="nav-account",
            ),
            rx.badge(AuthState.user_role, data_testid="user-role"),
            sign_out_button(),
            align="center",
            spacing="4",
            width="100%",
            padding="12px 24px",
            border_bottom="1px solid var(--gray-5)",
        )
    )


def signed_in_page(*children: rx.Component, max_width: str = "1100px") -> rx.Component:
    return rx.box(
        header(),
        rx.el.main(
            rx.box(*children, padding="24px", max_width=max_width, margin="0 auto"),
        ),
        rx.moment(
            interval=SESSION_CHECK_SECONDS * 1000,
            on_change=lambda _now: AuthState.check_session(),
            display="none",
        ),
        width="100%",
    )
