"""Issue 12's "done when": a real clinic's first day in Chromium, from an empty database
(``MEDREC_DEMO_DATA=false``). The operator's command creates the clinic; its admin sets a
password from the printed link and adds a practitioner and a front-desk colleague, who
set theirs from the links shown once; the front desk registers a patient and books a
visit for today; the practitioner finds it on today's list and documents it; the admin
sees those accesses in the patient's access report."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect
from sqlalchemy import text

from tests.e2e.test_editor import wait_saved
from tests.e2e.test_first_admin import create_clinic
from tests.e2e.test_sign_in import sign_in

AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # what create_clinic gives the clinic


def set_password(page: Page, link_path: str, password: str) -> None:
    page.goto(link_path)
    page.get_by_label("New password").fill(password)
    page.get_by_label("The same password again").fill(password)
    page.get_by_test_id("set-password-submit").click()
    expect(page).to_have_url(re.compile(r"/login/?\?password_set=1$"))


def invite(admin: Page, name: str, email: str, role: str) -> str:
    form = admin.get_by_test_id("invite-form")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Email").fill(email)
    form.get_by_label("Role").select_option(role)
    admin.get_by_test_id("invite-submit").click()
    expect(admin.get_by_test_id("users-message")).to_contain_text(f"{name} was added")
    link = admin.get_by_test_id("password-link").input_value()
    return re.sub(r"^https?://[^/]+", "", link)


def test_a_clinic_starts_from_nothing_and_documents_its_first_visit(
    new_page, empty_app_server
) -> None:
    server = empty_app_server
    with server.db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM clinics")).scalar_one() == 0
    tag = uuid.uuid4().hex[:6]
    emails = {k: f"{k}-{tag}@harbour.example" for k in ("admin", "doctor", "desk")}

    admin = new_page()
    set_password(admin, create_clinic(server, emails["admin"]), "harbour lantern plum 7")
    sign_in(admin, emails["admin"], "harbour lantern plum 7")
    admin.get_by_test_id("nav-users").click()
    doctor_link = invite(admin, "Dr. Pim Prakash", emails["doctor"], "practitioner")
    desk_link = invite(admin, "Fenna Desk", emails["desk"], "front_desk")

    desk = new_page()
    set_password(desk, desk_link, "tulip canal bicycle 3")
    sign_in(desk, emails["desk"], "tulip canal bicycle 3")
    desk.get_by_test_id("register-patient").click()
    form = desk.get_by_test_id("patient-form")
    form.get_by_label("First name").fill("Ines")
    form.get_by_label("Last name").fill("Visser")
    form.get_by_label("Date of birth").fill("1979-10-02")
    form.get_by_test_id("patient-form-submit").click()
    expect(desk).to_have_url(re.compile(r"/patients/\d+$"))
    patient_id = int(desk.url.rsplit("/", 1)[1])

    desk.get_by_test_id("nav-appointments").click()
    expect(desk.get_by_test_id("appointments-empty")).to_be_visible()
    desk.get_by_test_id("book-appointment").click()
    desk.get_by_test_id("booking-patient-search").fill("viss")
    desk.get_by_test_id("patient-match").filter(has_text="Visser").click()
    desk.get_by_test_id("booking-practitioner_id").select_option(label="Dr. Pim Prakash")
    desk.get_by_test_id("booking-time").fill("09:30")
    desk.get_by_test_id("booking-submit").click()
    expect(desk.get_by_test_id("appointment-row")).to_have_count(1)

    doctor = new_page()
    set_password(doctor, doctor_link, "windmill herring dune 5")
    sign_in(doctor, emails["doctor"], "windmill herring dune 5")
    today = datetime.now(AMSTERDAM).date()
    expect(doctor.get_by_test_id("day-label")).to_have_text(today.strftime("%A %d %B %Y"))
    row = doctor.get_by_test_id("appointment-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Visser, Ines")
    row.get_by_test_id("appointment-link").click()
    field = doctor.get_by_test_id("field-chief_complaint")
    expect(field).to_be_editable()
    field.fill("Stiff neck after a fall")
    wait_saved(doctor)
    with server.db.connect() as conn:
        saved = conn.execute(
            text(
                "SELECT r.form_data->>'chief_complaint' FROM medical_records r JOIN"
                " appointments a ON a.calendar_event_id = r.appointment_id"
                " WHERE a.patient_id = :p"
            ),
            {"p": patient_id},
        ).scalar_one()
    assert saved == "Stiff neck after a fall"
    doctor.get_by_test_id("nav-appointments").click()
    expect(row.get_by_test_id("appointment-status")).to_have_text("In progress")

    admin.goto(f"/patients/{patient_id}")
    admin.get_by_test_id("patient-access-report").click()
    expect(admin).to_have_url(re.compile(rf"/audit\?patient={patient_id}$"))
    expect(admin.get_by_test_id("report-title")).to_contain_text("Visser, Ines")
    doctor_did = admin.get_by_test_id("access-person").filter(has_text="Dr. Pim Prakash")
    expect(doctor_did).to_contain_text("Opened a visit's record")
    expect(doctor_did).to_contain_text("Saved changes to a record")
    desk_did = admin.get_by_test_id("access-person").filter(has_text="Fenna Desk")
    expect(desk_did).to_contain_text("Registered a patient")
    expect(desk_did).to_contain_text("Booked an appointment")
    expect(desk_did).to_contain_text("127.0.0.1")  # from where
