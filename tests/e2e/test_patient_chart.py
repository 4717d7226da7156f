"""Registering and editing patients, and the patient's chart, in Chromium (issue 12,
item 3).

Each test registers into a clinic of its own (the demo clinic's patient list is what
other tests count); the last one only reads a demo patient's visits.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text
from sqlmodel import Session

from medrec_app.domain.permissions import Actor, Role
from medrec_app.models import Appointment, Patient
from medrec_app.services import accounts
from medrec_app.services.demo import DEMO_PASSWORD
from medrec_app.services.records.create import MedicalRecordCreate, create_record
from tests.e2e.test_sign_in import sign_in
from tests.plugins.signed import mark_signed

DRAWING = {"lines": [], "shapes": [], "stageSize": {"width": 800, "height": 600}}


@dataclass
class Clinic:
    tag: str
    front_desk: str
    reader: str
    patient_id: int
    """Ines Visser, born 1970-05-04, with three visits (newest first):"""
    visits: list[int]
    """2026-03-02 09:30 (no record), 2026-01-15 09:30 (signed), 2025-11-03 14:00 (started)."""
    other_patient_id: int
    """Otto Visser, external id MRN-{tag}."""


@pytest.fixture
def clinic(app_server) -> Clinic:
    tag = uuid.uuid4().hex[:8]
    domain = f"chart-{tag}.example"
    with Session(app_server.db) as session:
        admin = accounts.create_clinic_with_admin(
            session,
            clinic_name=f"Chart clinic {tag}",
            timezone="Europe/Amsterdam",
            email=f"admin@{domain}",
            full_name="Ada Admin",
            password=DEMO_PASSWORD,
        )
        admin_actor = Actor(admin.id, admin.clinic_id, Role.ADMIN)
        users = {
            role: accounts.create_user(
                session,
                admin_actor,
                email=f"{role.value}@{domain}",
                full_name=name,
                role=role,
                password=DEMO_PASSWORD,
            )
            for role, name in (
                (Role.FRONT_DESK, "Dana Desk"),
                (Role.PRACTITIONER, "Dr. Pim Prakash"),
                (Role.READ_ONLY, "Rui Reader"),
            )
        }
        doctor = users[Role.PRACTITIONER]
        ines = Patient(
            clinic_id=admin.clinic_id,
            first_name="Ines",
            last_name=f"Visser{tag}",
            date_of_birth=date(1970, 5, 4),
            phone="+31 20 555 0100",
        )
        otto = Patient(
            clinic_id=admin.clinic_id,
            first_name="Otto",
            last_name=f"Visser{tag}",
            date_of_birth=date(1972, 8, 9),
            external_id=f"MRN-{tag}",
        )
        session.add_all([ines, otto])
        session.flush()
        base = 810_000_000 + uuid.uuid4().int % 89_999_000
        starts = [  # in UTC; the clinic's zone is an hour ahead in winter
            datetime(2026, 3, 2, 8, 30, tzinfo=UTC),
            datetime(2026, 1, 15, 8, 30, tzinfo=UTC),
            datetime(2025, 11, 3, 13, 0, tzinfo=UTC),
        ]
        visits = [base + 2, base, base + 1]  # ids not in time order
        for visit, start in zip(visits, starts, strict=True):
            session.add(
                Appointment(
                    calendar_event_id=visit,
                    clinic_id=admin.clinic_id,
                    patient_id=ines.id,
                    practitioner_id=doctor.id,
                    starts_at=start,
                )
            )
        session.flush()
        doctor_actor = Actor(doctor.id, doctor.clinic_id, Role.PRACTITIONER)
        for visit in visits[1:]:
            create_record(
                session,
                doctor_actor,
                MedicalRecordCreate(
                    appointment_id=visit, template_id=None, drawing_data=DRAWING, form_data={}
                ),
            )
        signed = session.execute(
            text("SELECT id FROM medical_records WHERE appointment_id = :a"), {"a": visits[1]}
        ).scalar_one()
        mark_signed(session, signed)
        session.commit()
        return Clinic(
            tag=tag,
            front_desk=users[Role.FRONT_DESK].email,
            reader=users[Role.READ_ONLY].email,
            patient_id=ines.id,
            visits=visits,
            other_patient_id=otto.id,
        )


def stored_patients(app_server, last_name: str) -> list[dict]:
    with app_server.db.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, first_name, date_of_birth, sex, phone, email, address, external_id"
                " FROM patients WHERE last_name = :n ORDER BY id"
            ),
            {"n": last_name},
        ).mappings()
        return [dict(row) for row in rows]


def open_register_form(page: Page):
    expect(page).to_have_url(re.compile(r"/patients/?$"))
    page.get_by_test_id("register-patient").click()
    form = page.get_by_test_id("patient-form")
    expect(form).to_be_visible()
    return form


def fill_patient(form, first: str, last: str, born: str, **others: str) -> None:
    form.get_by_label("First name").fill(first)
    form.get_by_label("Last name").fill(last)
    form.get_by_label("Date of birth").fill(born)
    for label, value in others.items():
        control = form.get_by_label(label.replace("_", " ").capitalize(), exact=True)
        if label == "sex":
            control.select_option(value)
        else:
            control.fill(value)


def test_the_front_desk_registers_a_patient_and_sees_their_chart(page: Page, app_server, clinic):
    last = f"Jansen{clinic.tag}"
    sign_in(page, clinic.front_desk)
    form = open_register_form(page)
    expect(form.locator("[data-testid^=error-]")).to_have_count(0)  # nothing on a fresh form
    fill_patient(
        form,
        "Saskia",
        last,
        "1988-04-06",
        sex="female",
        phone="+31 20 555 0199",
        email="saskia@example.org",
        address="Prinsengracht 263\n1016 GV Amsterdam",
        external_id=f"BK-{clinic.tag}",
    )
    form.get_by_test_id("patient-form-submit").click()

    expect(page).to_have_url(re.compile(r"/patients/\d+$"))
    (stored,) = stored_patients(app_server, last)
    assert page.url.endswith(f"/patients/{stored['id']}")
    assert stored == {
        "id": stored["id"],
        "first_name": "Saskia",
        "date_of_birth": date(1988, 4, 6),
        "sex": "female",
        "phone": "+31 20 555 0199",
        "email": "saskia@example.org",
        "address": "Prinsengracht 263\n1016 GV Amsterdam",
        "external_id": f"BK-{clinic.tag}",
    }
    expect(page.get_by_test_id("patient-name")).to_have_text(f"Saskia {last}")
    details = page.get_by_test_id("patient-details")
    age = re.compile(r"^06 Apr 1988 \(\d+ years\)$")
    expect(details.get_by_test_id("patient-dob")).to_have_text(age)
    expect(details.get_by_test_id("detail-sex")).to_have_text("Female")
    expect(details.get_by_test_id("detail-phone")).to_have_text("+31 20 555 0199")
    expect(details.get_by_test_id("detail-email")).to_have_text("saskia@example.org")
    expect(details.get_by_test_id("detail-address")).to_contain_text("1016 GV Amsterdam")
    expect(details.get_by_test_id("detail-external-id")).to_have_text(f"BK-{clinic.tag}")
    expect(page.get_by_test_id("visits-empty")).to_be_visible()
    expect(page.get_by_test_id("files-empty")).to_be_visible()
    expect(page.get_by_test_id("patient-form")).to_have_count(0)


def test_a_bad_email_and_a_future_birth_date_are_refused_by_their_fields(
    page: Page, app_server, clinic
):
    last = f"Bakker{clinic.tag}"
    sign_in(page, clinic.front_desk)
    form = open_register_form(page)
    fill_patient(form, "Daan", last, "2090-01-01", email="daan@", phone="+31 6 1234 5678")
    form.get_by_test_id("patient-form-submit").click()

    email, born = form.get_by_label("Email", exact=True), form.get_by_label("Date of birth")
    expect(form.get_by_test_id("error-email")).to_contain_text("is not an email address")
    expect(form.get_by_test_id("error-date_of_birth")).to_have_text("it is in the future.")
    expect(form.locator("[data-testid^=error-]")).to_have_count(2)
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_attribute("aria-describedby", "patient-error-email")
    expect(born).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("Phone")).to_have_attribute("aria-invalid", "false")
    expect(form.get_by_test_id("patient-form-message")).to_be_visible()
    expect(form.get_by_label("Phone")).to_have_value("+31 6 1234 5678")  # nothing retyped
    assert stored_patients(app_server, last) == []

    born.fill("1990-01-01")
    email.fill("daan@example.org")
    form.get_by_test_id("patient-form-submit").click()
    expect(page).to_have_url(re.compile(r"/patients/\d+$"))
    assert [p["email"] for p in stored_patients(app_server, last)] == ["daan@example.org"]


def test_the_same_name_and_birth_date_asks_before_registering_again(page: Page, app_server, clinic):
    last = f"Visser{clinic.tag}"  # Ines Visser, born 1970-05-04, is registered
    sign_in(page, clinic.front_desk)
    form = open_register_form(page)
    fill_patient(form, "ines", last, "1970-05-04", phone="+31 6 9999 0000")
    form.get_by_test_id("patient-form-submit").click()

    warning = form.get_by_test_id("possible-duplicates")
    expect(warning).to_be_visible()
    match = warning.get_by_test_id("duplicate-row")
    expect(match).to_have_count(1)
    expect(match).to_contain_text(f"Ines {last}, born 04 May 1970")
    expect(match.get_by_role("link")).to_have_attribute("href", f"/patients/{clinic.patient_id}")
    assert len(stored_patients(app_server, last)) == 2  # Ines and Otto, as before
    expect(form.get_by_test_id("patient-form-submit")).to_have_count(0)

    form.get_by_test_id("register-anyway").click()
    expect(page).to_have_url(re.compile(r"/patients/\d+$"))
    rows = stored_patients(app_server, last)
    assert [(p["first_name"], p["phone"]) for p in rows][-1] == ("ines", "+31 6 9999 0000")
    assert len(rows) == 3
    assert page.url.endswith(f"/patients/{rows[-1]['id']}")


def test_the_front_desk_edits_a_phone_number(page: Page, app_server, clinic):
    sign_in(page, clinic.front_desk)
    expect(page).to_have_url(re.compile(r"/patients/?$"))
    page.goto(f"/patients/{clinic.patient_id}")
    expect(page.get_by_test_id("detail-phone")).to_have_text("+31 20 555 0100")
    page.get_by_test_id("edit-patient").click()
    form = page.get_by_test_id("patient-form")
    expect(form.get_by_label("First name")).to_have_value("Ines")
    expect(form.get_by_label("Date of birth")).to_have_value("1970-05-04")
    form.get_by_label("Phone").fill("+31 20 555 0111")
    form.get_by_test_id("patient-form-submit").click()

    expect(page.get_by_test_id("detail-phone")).to_have_text("+31 20 555 0111")
    expect(form).to_have_count(0)
    expect(page.get_by_test_id("files-message")).to_have_text("The details were saved.")
    phones = {p["id"]: p["phone"] for p in stored_patients(app_server, f"Visser{clinic.tag}")}
    assert phones == {clinic.patient_id: "+31 20 555 0111", clinic.other_patient_id: None}
    page.reload()
    expect(page.get_by_test_id("detail-phone")).to_have_text("+31 20 555 0111")


def test_an_external_id_already_used_is_refused_by_that_field(page: Page, app_server, clinic):
    sign_in(page, clinic.front_desk)
    expect(page).to_have_url(re.compile(r"/patients/?$"))
    page.goto(f"/patients/{clinic.patient_id}")
    page.get_by_test_id("edit-patient").click()
    form = page.get_by_test_id("patient-form")
    form.get_by_label("External id").fill(f"MRN-{clinic.tag}")  # Otto's
    form.get_by_test_id("patient-form-submit").click()

    expect(form.get_by_test_id("error-external_id")).to_have_text(
        f"'MRN-{clinic.tag}' is already used by another patient of this clinic."
    )
    expect(form.get_by_label("External id")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("detail-external-id")).to_have_text("Not given")
    ids = {p["id"]: p["external_id"] for p in stored_patients(app_server, f"Visser{clinic.tag}")}
    assert ids == {clinic.patient_id: None, clinic.other_patient_id: f"MRN-{clinic.tag}"}


def test_a_reader_sees_the_chart_but_no_register_or_edit_controls(page: Page, clinic):
    sign_in(page, clinic.reader)
    expect(page.get_by_test_id("appointments-empty")).to_be_visible()  # none today
    page.goto("/patients")
    expect(page.get_by_test_id("patient-row")).to_have_count(2)
    expect(page.get_by_test_id("register-patient")).to_have_count(0)
    page.goto(f"/patients/{clinic.patient_id}")
    expect(page.get_by_test_id("detail-phone")).to_have_text("+31 20 555 0100")
    expect(page.get_by_test_id("visit-row")).to_have_count(3)
    expect(page.get_by_test_id("edit-patient")).to_have_count(0)
    expect(page.get_by_test_id("patient-form")).to_have_count(0)
    expect(page.get_by_test_id("upload-dropzone")).to_have_count(0)


def test_the_chart_lists_visits_newest_first_in_the_clinics_time_zone(page: Page, clinic):
    sign_in(page, clinic.front_desk)
    expect(page).to_have_url(re.compile(r"/patients/?$"))
    page.goto(f"/patients/{clinic.patient_id}")
    rows = page.get_by_test_id("visit-row")
    expect(rows).to_have_count(3)
    expect(rows.get_by_test_id("visit-link")).to_have_text(
        ["Mon 02 Mar 2026 09:30", "Thu 15 Jan 2026 09:30", "Mon 03 Nov 2025 14:00"]
    )
    expect(rows.get_by_test_id("visit-record-status")).to_have_text(
        ["Not started", "Signed", "In progress"]
    )
    expect(rows.get_by_test_id("visit-practitioner")).to_have_text(["Dr. Pim Prakash"] * 3)
    assert [int(r.get_attribute("data-appointment-id")) for r in rows.all()] == clinic.visits


def test_a_demo_patients_visits_link_to_their_records(page: Page, app_server):
    """Read only: the auditor opens Tom Brennan's chart and a visit's record."""
    with app_server.db.connect() as conn:
        patient_id, expected = conn.execute(
            text(
                "SELECT p.id, array_agg(a.calendar_event_id ORDER BY a.starts_at DESC,"
                " a.calendar_event_id DESC) FROM patients p JOIN appointments a"
                " ON a.patient_id = p.id WHERE p.last_name = 'Brennan' GROUP BY p.id"
            )
        ).one()
        recorded = set(
            conn.execute(
                text("SELECT appointment_id FROM medical_records WHERE appointment_id = ANY(:a)"),
                {"a": expected},
            ).scalars()
        )
    assert recorded, "the demo gives Tom Brennan a visit with a record"
    sign_in(page, "auditor@riverside.example")
    expect(page.get_by_test_id("appointments-table")).to_be_visible()
    page.goto(f"/patients/{patient_id}")
    rows = page.get_by_test_id("visit-row")
    expect(rows).to_have_count(len(expected))
    assert [int(r.get_attribute("data-appointment-id")) for r in rows.all()] == expected
    with_record = min(recorded)
    row = page.locator(f"[data-testid=visit-row][data-appointment-id='{with_record}']")
    expect(row.get_by_test_id("visit-record-status")).not_to_have_text("Not started")
    expect(row.get_by_test_id("visit-practitioner")).to_have_text(re.compile(r"^Dr\. "))
    row.get_by_test_id("visit-link").click()
    expect(page).to_have_url(re.compile(rf"/appointments/{with_record}$"))
    expect(page.get_by_test_id("record-editor")).to_be_visible()
