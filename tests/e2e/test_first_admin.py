"""A real clinic's first day, step one (issue 12, item 1), in Chromium: the operator runs
``cli create-clinic`` against the running app's database, the admin opens the printed
link, is refused a common password, sets a good one, and signs in with it."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid

from playwright.sync_api import Page, expect

from tests.e2e.test_sign_in import sign_in

PASSWORD = "harbour lantern plum 7"


def create_clinic(app_server, email: str) -> str:
    """Run the real command; the path of the link it prints."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "medrec_app.cli",
            "create-clinic",
            "--name",
            "Harbour Physio",
            "--timezone",
            "Europe/Amsterdam",
            "--admin-email",
            email,
            "--admin-name",
            "Ana Silva",
        ],
        env=app_server.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (path,) = re.findall(r"https?://[^/\s]+(/set-password/mrs_[\w-]+)", done.stdout)
    return path


def test_the_first_admin_sets_a_password_from_the_printed_link_and_signs_in(
    page: Page, app_server
) -> None:
    email = f"ana-{uuid.uuid4().hex[:8]}@harbour.example"
    path = create_clinic(app_server, email)

    page.goto(path)
    expect(page.get_by_test_id("set-password-email")).to_have_text(email)
    page.get_by_label("New password").fill("password1234")
    page.get_by_label("The same password again").fill("password1234")
    page.get_by_test_id("set-password-submit").click()
    expect(page.get_by_test_id("set-password-problem")).to_contain_text(
        "one of the most common passwords"
    )
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    page.get_by_test_id("set-password-submit").click()
    expect(page).to_have_url(re.compile(r"/login/?\?password_set=1$"))
    expect(page.get_by_test_id("login-notice")).to_have_text(
        "Your password is set. Sign in with your email and the new password."
    )

    sign_in(page, email, PASSWORD)
    expect(page.get_by_test_id("user-name")).to_have_text("Ana Silva")
    page.goto(path)
    expect(page.get_by_test_id("set-password-refused")).to_contain_text("has been used already")


def test_a_user_changes_their_own_password_on_the_account_page(page: Page, app_server) -> None:
    email = f"ana-{uuid.uuid4().hex[:8]}@harbour.example"
    path = create_clinic(app_server, email)
    page.goto(path)
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    page.get_by_test_id("set-password-submit").click()
    sign_in(page, email, PASSWORD)

    page.get_by_test_id("nav-account").click()
    expect(page).to_have_url(re.compile(r"/account/?$"))
    newer = "quiet river basalt 12"
    page.get_by_label("Current password").fill("not the password")
    page.get_by_label("New password", exact=True).fill(newer)
    page.get_by_label("The new password again").fill(newer)
    page.get_by_test_id("account-submit").click()
    expect(page.get_by_test_id("account-problem")).to_have_text(
        "The current password is not right. Type the password you signed in with."
    )
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(newer)
    page.get_by_label("The new password again").fill(newer)
    page.get_by_test_id("account-submit").click()
    expect(page.get_by_test_id("login-notice")).to_have_text(
        "Your password is changed. Sign in with the new one."
    )
    sign_in(page, email, newer)
    expect(page.get_by_test_id("user-name")).to_have_text("Ana Silva")
