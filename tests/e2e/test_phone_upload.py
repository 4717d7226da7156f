"""Add from phone: the desk shows a QR code and link; a phone opens it without signing in,
uploads a photo, and the desk's page lists it without a reload.

The phone is a second browser context with a phone's viewport, touch and no cookies.
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

from medrec_app.domain.forms import DEFAULT_TEMPLATE_SCHEMA
from medrec_app.domain.permissions import Actor, Role
from medrec_app.models import Appointment, Patient
from medrec_app.services import accounts
from medrec_app.services.demo import DEMO_PASSWORD
from medrec_app.services.templates import add_published_template
from tests import samples
from tests.e2e.test_editor import open_editor
from tests.e2e.test_sign_in import sign_in

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@dataclass
class Clinic:
    front_desk: str
    practitioner: str
    front_desk_name: str
    patient_id: int
    appointment_id: int


@pytest.fixture
def clinic(app_server) -> Clinic:
    """A clinic of its own (users, a patient, today's visit, a template), so that no
    other test's counts or files meet these."""
    tag = uuid.uuid4().hex[:8]
    domain = f"phone-{tag}.example"
    with Session(app_server.db) as session:
        admin = accounts.create_clinic_with_admin(
            session,
            clinic_name=f"Phone clinic {tag}",
            email=f"admin@{domain}",
            full_name="Ada Admin",
            password=DEMO_PASSWORD,
        )
        admin_actor = Actor(admin.id, admin.clinic_id, Role.ADMIN)
        people = {
            role: accounts.create_user(
                session,
                admin_actor,
                email=f"{login}@{domain}",
                full_name=name,
                role=role,
                password=DEMO_PASSWORD,
            )
            for login, name, role in (
                ("desk", "Dana Desk", Role.FRONT_DESK),
                ("doctor", "Dr. Pia Phone", Role.PRACTITIONER),
            )
        }
        patient = Patient(
            clinic_id=admin.clinic_id,
            first_name="Phone",
            last_name=f"Upload{tag}",
            date_of_birth=date(1970, 1, 1),
        )
        add_published_template(
            session,
            admin.clinic_id,
            "General consultation",
            DEFAULT_TEMPLATE_SCHEMA,
            is_default=True,
        )
        session.add(patient)
        session.flush()
        visit = Appointment(
            calendar_event_id=900_000_000 + uuid.uuid4().int % 99_999_999,
            clinic_id=admin.clinic_id,
            patient_id=patient.id,
            practitioner_id=people[Role.PRACTITIONER].id,
            starts_at=datetime.now(UTC),
        )
        session.add(visit)
        session.commit()
        return Clinic(
            front_desk=people[Role.FRONT_DESK].email,
            practitioner=people[Role.PRACTITIONER].email,
            front_desk_name="Dana Desk",
            patient_id=patient.id,
            appointment_id=visit.calendar_event_id,
        )


def phone_link(page: Page, scope) -> str:
    """Click "Add from phone" in ``scope`` and read the link the dialog shows."""
    scope.get_by_test_id("add-from-phone").click()
    dialog = page.get_by_test_id("phone-dialog")
    expect(dialog.get_by_test_id("phone-qr")).to_have_attribute(
        "src", re.compile(r"^data:image/svg\+xml")
    )
    return dialog.get_by_test_id("phone-link").input_value()


def send_from_phone(new_page, link: str, name: str) -> Page:
    phone: Page = new_page(**PHONE)
    phone.goto(link)
    phone.get_by_test_id("phone-input").set_input_files(
        [{"name": name, "mimeType": "image/jpeg", "buffer": samples.jpeg((800, 600))}]
    )
    expect(phone.get_by_test_id("phone-upload-status")).to_have_text("100% · uploaded")
    return phone


def uploads_by(app_server, pid: int) -> list[tuple[str, str]]:
    with app_server.db.connect() as conn:
        return [
            (row.file_name, row.email)
            for row in conn.execute(
                text(
                    "SELECT f.file_name, u.email FROM patient_files f"
                    " JOIN users u ON u.id = f.uploaded_by_user_id WHERE f.patient_id = :p"
                ),
                {"p": pid},
            )
        ]


def test_a_phone_adds_a_photo_that_the_desk_sees_without_a_reload(new_page, app_server, clinic):
    pid = clinic.patient_id
    desk: Page = new_page()
    sign_in(desk, clinic.front_desk)
    expect(desk).not_to_have_url(re.compile("/login"))
    desk.goto(f"/patients/{pid}")
    expect(desk.get_by_test_id("files-empty")).to_be_visible()
    desk.evaluate("() => { window.medrecNoReload = true; }")

    desk.get_by_test_id("add-from-phone").click()
    dialog = desk.get_by_test_id("phone-dialog")
    expect(dialog.get_by_test_id("phone-qr")).to_have_attribute(
        "src", re.compile(r"^data:image/svg\+xml")
    )
    expect(dialog.get_by_test_id("phone-expires")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    link = dialog.get_by_test_id("phone-link").input_value()
    assert re.fullmatch(re.escape(app_server.url) + r"/phone/mrp_[\w-]{43}", link), link

    phone: Page = new_page(**PHONE)
    phone.goto(link)
    expect(phone.get_by_test_id("phone-limits")).to_have_text(
        re.compile(r"^This link works for 1[45] more minutes and up to 30 more files\.$")
    )
    camera = phone.get_by_test_id("phone-camera").locator("input")
    expect(camera).to_have_attribute("capture", "environment")
    picker = phone.get_by_test_id("phone-input")  # photos or PDFs already on the phone
    expect(picker).to_have_attribute("multiple", "")
    picker.set_input_files(
        [{"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": samples.jpeg((800, 600))}]
    )
    status = phone.get_by_test_id("phone-upload-status")
    expect(status).to_have_text("100% · uploaded")
    expect(phone.get_by_test_id("phone-upload")).to_have_attribute("data-state", "done")

    row = desk.locator('[data-testid=file-row][data-name="IMG_2041.jpg"]')
    expect(row).to_be_visible()
    expect(row.get_by_test_id("file-uploader")).to_have_text(clinic.front_desk_name)
    assert desk.evaluate("() => window.medrecNoReload") is True
    assert uploads_by(app_server, pid) == [("IMG_2041.jpg", clinic.front_desk)]

    dialog.get_by_test_id("phone-stop").click()
    expect(dialog).to_have_count(0)
    picker.set_input_files(
        [{"name": "IMG_2042.jpg", "mimeType": "image/jpeg", "buffer": samples.jpeg()}]
    )
    expect(status.nth(1)).to_contain_text("was stopped on the computer")
    assert len(uploads_by(app_server, pid)) == 1


def test_a_photo_sent_from_the_phone_can_be_attached_in_the_editor(new_page, app_server, clinic):
    editor: Page = new_page()
    sign_in(editor, clinic.practitioner)
    expect(editor).not_to_have_url(re.compile("/login"))
    open_editor(editor, clinic.appointment_id)
    panel = editor.get_by_test_id("attachments")
    expect(panel).to_contain_text("No files attached")
    link = phone_link(editor, panel)
    send_from_phone(new_page, link, "wound.jpg")

    choice = editor.get_by_test_id("attach-select").locator("option", has_text="wound.jpg")
    expect(choice).to_have_count(1)
    editor.get_by_test_id("phone-close").click()
    editor.get_by_test_id("attach-select").select_option(choice.get_attribute("value"))
    editor.get_by_test_id("attach").click()
    expect(editor.get_by_test_id("attachment-open")).to_have_text("wound.jpg")
    assert uploads_by(app_server, clinic.patient_id) == [("wound.jpg", clinic.practitioner)]
