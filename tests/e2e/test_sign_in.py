"""Sign-in, clinic scoping and session end, as a user sees them in Chromium."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import Engine, text

from medrec_app.services.demo import CLINICS, DEMO_PASSWORD

PRACTITIONER_A = "dr.okafor@riverside.example"
CLINIC_A_SURNAMES = [last for _, last, _ in CLINICS[0]["patients"]]
CLINIC_B_SURNAMES = [last for _, last, _ in CLINICS[1]["patients"]]
CLINIC_B_FIRST_EVENT = CLINICS[1]["first_event_id"]


def sign_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_test_id("login-email").fill(email)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()


def idle_out(db: Engine, email: str) -> None:
    """Make the user's sessions idle for longer than the idle timeout."""
    with db.begin() as conn:
        conn.execute(
            text(
                "UPDATE user_sessions SET last_seen_at = now() - :idle WHERE user_id = "
                "(SELECT id FROM users WHERE email = :email)"
            ),
            {"idle": timedelta(minutes=16), "email": email},
        )


def test_practitioner_sees_own_clinic_appointments_and_none_of_the_other(page: Page):
    sign_in(page, PRACTITIONER_A)
    table = page.get_by_test_id("appointments-table")
    expect(table).to_be_visible()
    expect(page.get_by_test_id("user-name")).to_have_text("Dr. Ngozi Okafor")
    rows = page.get_by_test_id("appointment-row")
    expect(rows).to_have_count(3)  # today: 5 demo visits, 3 of them hers
    page.get_by_test_id("practitioner-filter").select_option("all")
    expect(rows).to_have_count(5)
    body = table.inner_text()
    assert sum(name in body for name in CLINIC_A_SURNAMES) == 5
    assert not any(name in body for name in CLINIC_B_SURNAMES)
    ids = [int(i) for i in rows.evaluate_all("rs => rs.map(r => r.dataset.appointmentId)")]
    assert ids == sorted(ids)  # demo ids grow with time: the day in start order


def test_wrong_password_shows_an_error_and_stays_signed_out(page: Page):
    sign_in(page, PRACTITIONER_A, "not the password")
    expect(page.get_by_test_id("login-notice")).to_contain_text("incorrect")
    assert "/login" in page.url
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))


def test_repeated_wrong_passwords_say_how_long_to_wait(page: Page):
    # An unknown email is throttled like a known one, and delays no demo user here.
    notice = page.get_by_test_id("login-notice")
    for _ in range(3):
        sign_in(page, "no-such-user@riverside.example", "not the password")
        expect(notice).to_contain_text("incorrect")
    sign_in(page, "no-such-user@riverside.example", "not the password")
    expect(notice).to_have_text(
        "Too many failed sign-in attempts from this device. Try again in 1 second."
    )
    assert "/login" in page.url


def test_anonymous_visitor_is_sent_to_sign_in(page: Page):
    page.goto("/appointments/1001")
    expect(page).to_have_url(re.compile(r"/login$"))  # no session here, so none ended
    expect(page.get_by_test_id("login-email")).to_be_visible()


def test_a_first_visit_is_greeted_by_a_sign_in_form_with_named_fields(page: Page):
    page.goto("/")
    # The notice comes from the address alone: without ``expired`` there is none.
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", name="Sign in to medrec")).to_be_visible()
    expect(page.get_by_test_id("login-notice")).to_have_count(0)
    # What a screen reader and a password manager look for: named, typed fields.
    email, password = page.get_by_label("Email"), page.get_by_label("Password")
    expect(email).to_have_attribute("autocomplete", "username")
    expect(password).to_have_attribute("autocomplete", "current-password")
    expect(page.get_by_role("textbox", name="Email")).to_have_attribute("type", "email")
    email.fill(PRACTITIONER_A)
    password.fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("appointments-table")).to_be_visible()


def test_expired_session_sends_you_back_to_sign_in(page: Page, app_server):
    sign_in(page, "auditor@riverside.example")
    expect(page.get_by_test_id("appointments-table")).to_be_visible()
    idle_out(app_server.db, "auditor@riverside.example")
    # The open page's session check, or any next action, finds the session over.
    expect(page).to_have_url(re.compile(r"/login\?expired=1"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_test_id("login-notice")).to_contain_text("session has ended")


def test_opening_another_clinics_record_url_shows_not_found(page: Page):
    sign_in(page, PRACTITIONER_A)
    expect(page.get_by_test_id("appointments-table")).to_be_visible()
    page.goto(f"/appointments/{CLINIC_B_FIRST_EVENT}")
    expect(page.get_by_test_id("not-found")).to_be_visible()
    content = page.content()
    assert not any(name in content for name in CLINIC_B_SURNAMES)
    for odd in ("2147483648", "%C2%B2"):
        page.goto(f"/appointments/{odd}")
        expect(page.get_by_test_id("not-found")).to_be_visible()


def test_sign_out_ends_the_session_in_every_tab(page: Page):
    sign_in(page, "dr.lindqvist@riverside.example")
    expect(page.get_by_test_id("appointments-table")).to_be_visible()
    other_tab = page.context.new_page()
    other_tab.goto("/")
    expect(other_tab.get_by_test_id("appointments-table")).to_be_visible()

    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("login-notice")).to_contain_text("signed out")
    other_tab.get_by_test_id("appointment-link").first.click()
    expect(other_tab).to_have_url(re.compile(r"/login"))
