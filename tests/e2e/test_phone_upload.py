"""Add from phone: the desk shows a QR code and link; a phone opens it without signing in,
uploads a photo, and the desk's page lists it without a reload.

The phone is a second browser context with a phone's viewport, touch and no cookies.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect
from sqlalchemy import text

from tests import samples
from tests.e2e.test_editor import open_editor
from tests.e2e.test_sign_in import sign_in

FRONT_DESK = "frontdesk@riverside.example"
PRACTITIONER = "dr.okafor@riverside.example"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def new_patient(app_server) -> int:
    """A patient of the demo clinic of its own, so no other test's files meet these."""
    with app_server.db.begin() as conn:
        return conn.execute(
            text(
                "INSERT INTO patients (clinic_id, first_name, last_name, date_of_birth)"
                " SELECT id, 'Phone', :last, DATE '1970-01-01' FROM clinics"
                " WHERE name = 'Riverside Family Practice' RETURNING id"
            ),
            {"last": f"Upload{uuid.uuid4().hex[:8]}"},
        ).scalar_one()


def new_visit(app_server, pid: int) -> int:
    """Today's visit of the patient with the demo practitioner; its appointment id."""
    event_id = 900_000_000 + uuid.uuid4().int % 99_999_999
    with app_server.db.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO appointments"
                " (calendar_event_id, clinic_id, patient_id, practitioner_id, starts_at,"
                " duration_minutes)"
                " SELECT :e, clinic_id, :p, id, now(), 30 FROM users WHERE email = :email"
            ),
            {"e": event_id, "p": pid, "email": PRACTITIONER},
        )
    return event_id


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


def test_a_phone_adds_a_photo_that_the_desk_sees_without_a_reload(new_page, app_server):
    pid = new_patient(app_server)
    desk: Page = new_page()
    sign_in(desk, FRONT_DESK)
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
    picker = phone.get_by_test_id("phone-input")
    expect(picker).to_have_attribute("capture", "environment")
    picker.set_input_files(
        [{"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": samples.jpeg((800, 600))}]
    )
    status = phone.get_by_test_id("phone-upload-status")
    expect(status).to_have_text("100% · uploaded")
    expect(phone.get_by_test_id("phone-upload")).to_have_attribute("data-state", "done")

    row = desk.locator('[data-testid=file-row][data-name="IMG_2041.jpg"]')
    expect(row).to_be_visible()
    expect(row.get_by_test_id("file-uploader")).to_have_text("Fran Desk")
    assert desk.evaluate("() => window.medrecNoReload") is True
    assert uploads_by(app_server, pid) == [("IMG_2041.jpg", FRONT_DESK)]

    dialog.get_by_test_id("phone-stop").click()
    expect(dialog).to_have_count(0)
    picker.set_input_files(
        [{"name": "IMG_2042.jpg", "mimeType": "image/jpeg", "buffer": samples.jpeg()}]
    )
    expect(status.nth(1)).to_contain_text("was stopped on the computer")
    assert len(uploads_by(app_server, pid)) == 1


def test_a_photo_sent_from_the_phone_can_be_attached_in_the_editor(new_page, app_server):
    pid = new_patient(app_server)
    visit = new_visit(app_server, pid)
    editor: Page = new_page()
    sign_in(editor, PRACTITIONER)
    expect(editor).not_to_have_url(re.compile("/login"))
    open_editor(editor, visit)
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
    assert uploads_by(app_server, pid) == [("wound.jpg", PRACTITIONER)]
