"""Every template field type in the record editor, in Chromium, from the keyboard: the
values are stored with their JSON types (a list, true/false, a date as "YYYY-MM-DD"),
shown again after a reload, and cleared again; a required yes/no says so once left."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from medrec_app.domain.forms import parse_template_schema
from medrec_app.domain.permissions import Actor, Role
from medrec_app.models import Appointment, Patient
from medrec_app.services import accounts
from medrec_app.services.demo import DEMO_PASSWORD
from medrec_app.services.templates import add_published_template
from tests.e2e.test_editor import open_editor, stored, wait_saved
from tests.e2e.test_sign_in import sign_in

EVERY_TYPE = parse_template_schema(
    {
        "version": 1,
        "fields": [
            {"key": "complaint", "label": "Complaint", "type": "text", "required": True},
            {
                "key": "history",
                "label": "History",
                "type": "textarea",
                "help": "Since when, and what helped",
            },
            {
                "key": "vitals",
                "label": "Vital signs",
                "type": "group",
                "fields": [
                    {
                        "key": "temperature",
                        "label": "Temperature",
                        "type": "number",
                        "unit": "°C",
                        "decimals": 1,
                        "min": 25,
                        "max": 45,
                    },
                    {"key": "smoker", "label": "Smoker", "type": "yesno"},
                ],
            },
            {"key": "side", "label": "Side", "type": "select", "options": ["Left", "Right"]},
            {
                "key": "symptoms",
                "label": "Symptoms",
                "type": "multiselect",
                "options": ["Cough", "Fever", "Headache"],
                "help": "Tick all that apply",
            },
            {"key": "follow_up", "label": "Follow-up", "type": "date"},
            {"key": "consent", "label": "Consent given", "type": "yesno", "required": True},
        ],
    }
)


@dataclass
class FieldsVisit:
    practitioner: str
    reader: str
    appointment_id: int


def every_type_visit(app_server) -> FieldsVisit:
    """A clinic of its own whose one template holds every field type, and a visit there
    (no demo row changes, and no other clinic gets a second template to choose from)."""
    tag = uuid.uuid4().hex[:8]
    domain = f"fields-{tag}.example"
    with Session(app_server.db) as session:
        admin = accounts.create_clinic_with_admin(
            session,
            clinic_name=f"Fields clinic {tag}",
            email=f"admin@{domain}",
            full_name="Ada Admin",
            password=DEMO_PASSWORD,
        )
        doctor, reader = (
            accounts.create_user(
                session,
                Actor(admin.id, admin.clinic_id, Role.ADMIN),
                email=f"{login}@{domain}",
                full_name=name,
                role=role,
                password=DEMO_PASSWORD,
            )
            for login, name, role in (
                ("doctor", "Dr. Fay Fields", Role.PRACTITIONER),
                ("reader", "Rey Reader", Role.READ_ONLY),
            )
        )
        add_published_template(
            session, admin.clinic_id, "Every field type", EVERY_TYPE, is_default=True
        )
        patient = Patient(
            clinic_id=admin.clinic_id,
            first_name="Fiona",
            last_name=f"Fields{tag}",
            date_of_birth=date(1975, 6, 7),
        )
        session.add(patient)
        session.flush()
        visit = Appointment(
            calendar_event_id=700_000_000 + uuid.uuid4().int % 99_999_999,
            clinic_id=admin.clinic_id,
            patient_id=patient.id,
            practitioner_id=doctor.id,
            starts_at=datetime.now(UTC),
        )
        session.add(visit)
        session.commit()
        return FieldsVisit(
            practitioner=doctor.email, reader=reader.email, appointment_id=visit.calendar_event_id
        )


@pytest.fixture
def visit(app_server) -> FieldsVisit:
    return every_type_visit(app_server)


def field(page: Page, path: str):
    return page.get_by_test_id(f"field-{path}")


def option(page: Page, path: str, name: str):
    """A radio or checkbox of a yes/no or multiple-choice field, by its own label."""
    return field(page, path).get_by_label(name, exact=True)


def type_into(page: Page, path: str, text: str) -> None:
    field(page, path).focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_every_field_type_filled_from_the_keyboard_is_stored_typed_and_shown_again(
    new_page, app_server, visit: FieldsVisit
):
    page = new_page(locale="en-US")  # the date input's segments: month/day/year
    sign_in(page, visit.practitioner)
    expect(page).not_to_have_url(re.compile("/login"))
    open_editor(page, visit.appointment_id)

    # Labels, units, help text (linked to its control) and the required marker.
    form = page.get_by_test_id("record-form")
    expect(page.get_by_test_id("group-vitals")).to_have_text("Vital signs")
    expect(form.get_by_role("textbox", name="Temperature °C")).to_be_visible()
    expect(field(page, "history")).to_have_accessible_description("Since when, and what helped")
    expect(form.get_by_role("textbox", name="Complaint (required)")).to_be_editable()
    expect(form.get_by_role("radiogroup", name="Consent given (required)")).to_be_visible()
    expect(form.get_by_role("group", name="Symptoms")).to_have_accessible_description(
        "Tick all that apply"
    )
    # An optional yes/no starts on "Not answered"; a required one on neither.
    expect(option(page, "vitals.smoker", "Not answered")).to_be_checked()
    expect(option(page, "consent", "Not answered")).to_have_count(0)
    expect(option(page, "consent", "Yes")).not_to_be_checked()

    type_into(page, "complaint", "Cough for a week")
    type_into(page, "history", "Since Monday; honey helped")
    type_into(page, "vitals.temperature", "37.55")
    error = page.get_by_test_id("error-vitals.temperature")
    expect(error).to_have_text("Temperature takes at most 1 decimals")
    expect(field(page, "vitals.temperature")).to_have_attribute("aria-invalid", "true")
    type_into(page, "vitals.temperature", "37.5")
    expect(error).to_have_count(0)

    option(page, "vitals.smoker", "Not answered").focus()
    page.keyboard.press("ArrowLeft")  # radios move with the arrows: "No"
    expect(option(page, "vitals.smoker", "No")).to_be_checked()

    field(page, "side").focus()
    page.keyboard.type("Right")
    expect(field(page, "side")).to_have_value("Right")

    for name in ("Headache", "Fever", "Cough", "Fever"):  # Fever checked, then unchecked
        option(page, "symptoms", name).focus()
        page.keyboard.press("Space")
    expect(option(page, "symptoms", "Fever")).not_to_be_checked()

    field(page, "follow_up").focus()
    page.keyboard.type("11302026")
    expect(field(page, "follow_up")).to_have_value("2026-11-30")

    # The required yes/no, entered and left without an answer, says so; then answered.
    consent_error = page.get_by_test_id("error-consent")
    expect(consent_error).to_have_count(0)
    option(page, "consent", "Yes").focus()
    page.keyboard.press("Tab")
    expect(consent_error).to_have_text("Consent given is required")
    expect(field(page, "consent")).to_have_attribute("aria-invalid", "true")
    expect(field(page, "consent")).to_have_attribute("aria-describedby", "record-error-consent")
    option(page, "consent", "Yes").focus()
    page.keyboard.press("Space")
    expect(consent_error).to_have_count(0)

    wait_saved(page)
    _, form_data, _ = stored(app_server, visit.appointment_id)
    assert form_data == {
        "complaint": "Cough for a week",
        "history": "Since Monday; honey helped",
        "vitals": {"temperature": "37.5", "smoker": False},
        "side": "Right",
        "symptoms": ["Cough", "Headache"],  # in option order, not the order ticked
        "follow_up": "2026-11-30",
        "consent": True,
    }

    page.reload()
    open_editor(page, visit.appointment_id)
    expect(field(page, "complaint")).to_have_value("Cough for a week")
    expect(field(page, "history")).to_have_value("Since Monday; honey helped")
    expect(field(page, "vitals.temperature")).to_have_value("37.5")
    expect(option(page, "vitals.smoker", "No")).to_be_checked()
    expect(field(page, "side")).to_have_value("Right")
    for name, checked in (("Cough", True), ("Fever", False), ("Headache", True)):
        expect(option(page, "symptoms", name)).to_be_checked(checked=checked)
    expect(field(page, "follow_up")).to_have_value("2026-11-30")
    expect(option(page, "consent", "Yes")).to_be_checked()
    expect(page.locator("[data-testid^=error-]")).to_have_count(0)

    # Cleared again: "Not answered", and every box unticked, remove the keys.
    option(page, "vitals.smoker", "No").focus()
    page.keyboard.press("ArrowRight")
    expect(option(page, "vitals.smoker", "Not answered")).to_be_checked()
    for name in ("Cough", "Headache"):
        option(page, "symptoms", name).focus()
        page.keyboard.press("Space")
    wait_saved(page)
    _, form_data, _ = stored(app_server, visit.appointment_id)
    assert "symptoms" not in form_data and form_data["vitals"] == {"temperature": "37.5"}
    assert form_data["consent"] is True

    # A reader sees the answers and can change none of them.
    reader = new_page()
    sign_in(reader, visit.reader)
    expect(reader).not_to_have_url(re.compile("/login"))
    open_editor(reader, visit.appointment_id)
    expect(option(reader, "consent", "Yes")).to_be_checked()
    expect(option(reader, "consent", "Yes")).to_be_disabled()
    expect(option(reader, "vitals.smoker", "Not answered")).to_be_checked()
    expect(option(reader, "symptoms", "Cough")).to_be_disabled()
    expect(field(reader, "follow_up")).to_be_disabled()
    expect(reader.locator("[data-testid^=error-]")).to_have_count(0)
