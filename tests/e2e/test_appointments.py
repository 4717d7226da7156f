"""The day list and booking (issue 12, item 4) in Chromium: today in the clinic's zone,
day by day, whose visits; the front desk books with search-as-you-type, is warned of a
double booking, moves and cancels a visit, and the record of a cancelled visit stays."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from tests.e2e.test_patients import FRONT_DESK
from tests.e2e.test_sign_in import PRACTITIONER_A, sign_in

LONDON = ZoneInfo("Europe/London")  # the Riverside demo clinic's zone


def day_label(day: date) -> str:
    return day.strftime("%A %d %B %Y")


@pytest.fixture
def scratch_patient(app_server, scratch_visit: Callable[[], int]) -> Iterator[tuple[int, str]]:
    """A patient of Riverside of this test's own; visits booked for them go with them."""
    visit = scratch_visit()
    with app_server.db.begin() as conn:
        patient_id, last = conn.execute(
            text(
                "SELECT p.id, p.last_name FROM appointments a JOIN patients p"
                " ON p.id = a.patient_id WHERE a.calendar_event_id = :a"
            ),
            {"a": visit},
        ).one()
        # The scratch visit itself is not part of this test's day.
        conn.execute(
            text(
                "UPDATE appointments SET starts_at = now() - interval '400 days' WHERE"
                " calendar_event_id = :a"
            ),
            {"a": visit},
        )
    yield patient_id, last
    with app_server.db.begin() as conn:
        conn.execute(
            text(
                "DELETE FROM medical_records WHERE appointment_id IN (SELECT calendar_event_id"
                " FROM appointments WHERE patient_id = :p AND calendar_event_id <> :a)"
            ),
            {"p": patient_id, "a": visit},
        )
        conn.execute(
            text("DELETE FROM appointments WHERE patient_id = :p AND calendar_event_id <> :a"),
            {"p": patient_id, "a": visit},
        )


def test_a_practitioner_sees_today_their_own_then_everyones_day_by_day(page: Page):
    today = datetime.now(LONDON).date()
    sign_in(page, PRACTITIONER_A)
    expect(page.get_by_test_id("day-label")).to_have_text(day_label(today))
    rows = page.get_by_test_id("appointment-row")
    expect(rows).to_have_count(3)
    for practitioner in rows.locator("td:nth-child(3)").all_inner_texts():
        assert practitioner == "Dr. Ngozi Okafor"
    times = rows.locator("td:first-child").all_inner_texts()
    assert times == sorted(times)

    page.get_by_test_id("day-next").click()
    expect(page.get_by_test_id("day-label")).to_have_text(day_label(today + timedelta(days=1)))
    page.get_by_test_id("practitioner-filter").select_option("all")
    expect(rows).to_have_count(5)
    page.get_by_test_id("day-picker").fill((today + timedelta(days=30)).isoformat())
    expect(page.get_by_test_id("appointments-empty")).to_be_visible()
    page.get_by_test_id("day-today").click()
    expect(page.get_by_test_id("day-label")).to_have_text(day_label(today))
    expect(rows).to_have_count(5)
    expect(page.get_by_test_id("book-appointment")).to_be_visible()  # practitioners book too


def test_the_front_desk_books_moves_and_cancels_a_visit(page: Page, scratch_patient, app_server):
    patient_id, last_name = scratch_patient
    day = datetime.now(LONDON).date() + timedelta(days=200)
    sign_in(page, FRONT_DESK)
    page.get_by_test_id("nav-appointments").click()
    page.get_by_test_id("day-picker").fill(day.isoformat())
    expect(page.get_by_test_id("appointments-empty")).to_be_visible()

    def book(clock: str) -> None:
        page.get_by_test_id("book-appointment").click()
        page.get_by_test_id("booking-patient-search").fill(last_name[:8])
        page.get_by_test_id("patient-match").filter(has_text=last_name).click()
        expect(page.get_by_test_id("booking-patient")).to_contain_text(last_name)
        page.get_by_test_id("booking-practitioner_id").select_option(label="Dr. Ngozi Okafor")
        expect(page.get_by_test_id("booking-date")).to_have_value(day.isoformat())
        page.get_by_test_id("booking-time").fill(clock)
        page.get_by_test_id("booking-duration_minutes").select_option("30")
        page.get_by_test_id("booking-visit_type").select_option("Follow-up")
        page.get_by_test_id("booking-submit").click()

    book("10:00")
    rows = page.get_by_test_id("appointment-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("10:00 to 10:30")
    expect(rows.first).to_contain_text("Follow-up")
    expect(page.get_by_test_id("appointments-message")).to_contain_text("is booked")

    book("10:15")  # the same practitioner at 10:15: a warning, not a refusal
    expect(page.get_by_test_id("booking-overlaps")).to_contain_text("10:00")
    expect(rows).to_have_count(1)
    page.get_by_test_id("book-anyway").click()
    expect(rows).to_have_count(2)

    second = rows.nth(1)
    second.get_by_test_id("reschedule-appointment").click()
    page.get_by_test_id("booking-time").fill("11:00")
    page.get_by_test_id("booking-submit").click()
    expect(page.get_by_test_id("appointments-message")).to_contain_text("was moved")
    expect(rows.nth(1)).to_contain_text("11:00 to 11:30")

    rows.first.get_by_test_id("cancel-appointment").click()
    page.get_by_test_id("confirm-cancel-appointment").click()
    expect(rows.first.get_by_test_id("appointment-status")).to_have_text("Cancelled")
    expect(rows.first.get_by_test_id("reschedule-appointment")).to_have_count(0)
    with app_server.db.begin() as conn:
        stored = conn.execute(
            text(
                "SELECT status, booked_in, to_char(starts_at AT TIME ZONE 'Europe/London',"
                " 'HH24:MI') FROM appointments WHERE patient_id = :p AND starts_at > now()"
                " ORDER BY starts_at"
            ),
            {"p": patient_id},
        ).all()
    assert stored == [("cancelled", "medrec", "10:00"), ("booked", "medrec", "11:00")]


def test_a_booking_with_bad_fields_says_which_and_books_nothing(page: Page):
    sign_in(page, FRONT_DESK)
    page.get_by_test_id("nav-appointments").click()
    rows = page.get_by_test_id("appointment-row")
    expect(rows).to_have_count(5)
    page.get_by_test_id("book-appointment").click()
    page.get_by_test_id("booking-date").fill("")
    page.get_by_test_id("booking-submit").click()
    problems = page.get_by_test_id("booking-problems")
    expect(problems).to_contain_text("Patient: choose the patient.")
    expect(problems).to_contain_text("Practitioner: choose the practitioner.")
    expect(problems).to_contain_text("Date: enter a full date")
    expect(page.get_by_test_id("booking-form")).to_be_visible()
    expect(rows).to_have_count(5)


def test_read_only_users_see_the_day_but_cannot_book(page: Page):
    sign_in(page, "auditor@riverside.example")
    expect(page.get_by_test_id("appointments-table")).to_be_visible()
    expect(page.get_by_test_id("book-appointment")).to_have_count(0)
    expect(page.get_by_test_id("reschedule-appointment")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/$"))
