"""An admin disables a user: that user's open page is signed out without any action."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_sign_in import sign_in


def test_disabling_a_user_signs_out_their_open_page(new_page):
    practitioner: Page = new_page()
    sign_in(practitioner, "dr.ibrahim@hillcrest.example")
    expect(practitioner.get_by_test_id("appointments-table")).to_be_visible()

    admin: Page = new_page()
    sign_in(admin, "admin@hillcrest.example")
    admin.get_by_test_id("nav-users").click()
    row = admin.locator('[data-testid=user-row][data-email="dr.ibrahim@hillcrest.example"]')
    row.get_by_test_id("disable-user").click()
    admin.get_by_test_id("confirm-disable").click()
    expect(admin.get_by_test_id("users-message")).to_contain_text("disabled")
    expect(row).to_contain_text("Disabled")

    # The practitioner's page does nothing; its periodic session check ends it.
    expect(practitioner).to_have_url(re.compile(r"/login\?expired=1"))
    sign_in(practitioner, "dr.ibrahim@hillcrest.example")
    expect(practitioner.get_by_test_id("login-notice")).to_contain_text("incorrect")


def test_users_page_is_for_admins_only(page: Page):
    sign_in(page, "reception@hillcrest.example")
    expect(page.get_by_test_id("patient-results")).to_be_visible()  # the front desk's start
    expect(page.get_by_test_id("nav-users")).to_have_count(0)
    page.goto("/admin/users")
    expect(page.get_by_test_id("not-allowed")).to_be_visible()
    expect(page.get_by_test_id("users-table")).to_have_count(0)
