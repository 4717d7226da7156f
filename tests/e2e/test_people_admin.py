"""An admin's people page (issue 12, item 2), in Chromium, in a clinic of the test's own
(made with ``cli create-clinic``): invite a front-desk colleague, who sets a password
from the link and signs in; change their role; reset their password; disable and enable."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.e2e.test_first_admin import create_clinic
from tests.e2e.test_sign_in import sign_in

ADMIN_PASSWORD = "harbour lantern plum 7"
COLLEAGUE_PASSWORD = "copper kettle autumn 9"


def set_password(page: Page, path: str, password: str) -> None:
    page.goto(path)
    page.get_by_label("New password").fill(password)
    page.get_by_label("The same password again").fill(password)
    page.get_by_test_id("set-password-submit").click()
    expect(page.get_by_test_id("login-notice")).to_contain_text("Your password is set")


def colleague_row(page: Page, email: str):
    return page.locator(f'[data-testid=user-row][data-email="{email}"]')


def shown_link_path(page: Page) -> str:
    link = page.get_by_test_id("password-link").input_value()
    (path,) = re.findall(r"https?://[^/\s]+(/set-password/mrs_[\w-]+)$", link)
    return path


def test_an_admin_invites_a_colleague_and_manages_them(new_page, app_server) -> None:
    page: Page = new_page()
    admin_email = f"ana-{uuid.uuid4().hex[:8]}@harbour.example"
    set_password(page, create_clinic(app_server, admin_email), ADMIN_PASSWORD)
    sign_in(page, admin_email, ADMIN_PASSWORD)
    page.goto("/admin/users")

    email = f"bo-{uuid.uuid4().hex[:8]}@harbour.example"
    form = page.get_by_test_id("invite-form")
    form.get_by_label("Name").fill("Bo Lindqvist")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Role").select_option("front_desk")
    form.get_by_test_id("invite-submit").click()
    expect(page.get_by_test_id("users-message")).to_have_text(
        "Bo Lindqvist was added. Send them the link below."
    )
    invite_path = shown_link_path(page)
    row = colleague_row(page, email)
    expect(row.get_by_test_id("user-status")).to_have_text("Active")

    colleague: Page = new_page()
    set_password(colleague, invite_path, COLLEAGUE_PASSWORD)
    sign_in(colleague, email, COLLEAGUE_PASSWORD)
    expect(colleague).to_have_url(re.compile(r"/patients/?$"))  # the front desk's home

    row.get_by_label("Role of Bo Lindqvist").select_option("practitioner")
    expect(page.get_by_test_id("users-message")).to_have_text("Bo Lindqvist is now Practitioner.")

    row.get_by_test_id("reset-password").click()
    page.get_by_test_id("confirm-reset-password").click()
    expect(page.get_by_test_id("users-message")).to_contain_text("password no longer works")
    reset_path = shown_link_path(page)
    assert reset_path != invite_path
    colleague.goto("/patients")
    expect(colleague).to_have_url(re.compile(r"/login"))  # signed out by the reset
    sign_in(colleague, email, COLLEAGUE_PASSWORD)
    expect(colleague.get_by_test_id("login-notice")).to_be_visible()  # the old one fails

    row.get_by_test_id("disable-user").click()
    page.get_by_test_id("confirm-disable").click()
    expect(row.get_by_test_id("user-status")).to_have_text("Disabled")
    row.get_by_test_id("enable-user").click()
    expect(row.get_by_test_id("user-status")).to_have_text("Active")
    page.reload()
    expect(page.get_by_test_id("password-link")).to_have_count(0)  # shown once, then gone
