"""An admin creates an API token in the browser, a program uses it, the admin revokes it."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.test_sign_in import sign_in


def test_admin_creates_and_revokes_a_token_that_works_in_between(page: Page, app_server):
    sign_in(page, "admin@riverside.example")
    page.get_by_test_id("nav-tokens").click()
    page.get_by_test_id("token-user").click()
    page.get_by_role("option", name="Dr. Ngozi Okafor (practitioner)").click()
    page.get_by_test_id("token-name").fill("booking system")
    page.get_by_test_id("create-token").click()
    secret_box = page.get_by_test_id("new-token-secret")
    expect(secret_box).to_contain_text("mrt_")
    secret = secret_box.inner_text()
    row = page.get_by_test_id("token-row").filter(has_text="booking system")
    expect(row).to_contain_text(secret[:12])
    assert secret not in row.inner_text()

    api = httpx.Client(
        base_url=f"{app_server.url}/api", headers={"Authorization": f"Bearer {secret}"}
    )
    assert api.get("/appointments").status_code == 200

    row.get_by_test_id("revoke-token").click()
    expect(page.get_by_test_id("tokens-message")).to_contain_text("revoked")
    expect(row).to_contain_text("Revoked")
    expect(page.get_by_test_id("new-token-secret")).to_have_count(0)
    assert api.get("/appointments").status_code == 401


def test_the_tokens_page_is_for_admins_only(page: Page):
    sign_in(page, "frontdesk@riverside.example")
    expect(page.get_by_test_id("user-name")).to_have_text("Fran Desk")
    expect(page.get_by_test_id("nav-tokens")).to_have_count(0)
    page.goto("/admin/tokens")
    expect(page.get_by_test_id("not-allowed")).to_be_visible()
    expect(page.get_by_test_id("tokens-table")).to_have_count(0)
