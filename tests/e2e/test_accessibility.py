"""axe-core on every page of the app, as the role that sees it: no serious or critical
violation (the lesser ones are printed, to be read with ``pytest -s``). The keyboard
alone takes a practitioner from the sign-in form into today's first visit, and a record's
"required" messages wait until the field was left, and never show to a reader.

axe is injected with Playwright's ``evaluate`` (DevTools, outside the page's
Content-Security-Policy); the ``page`` fixture still fails a test on any violation of
the policy by the app itself.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlmodel import Session

from medrec_app.domain.forms import DEFAULT_TEMPLATE_SCHEMA
from medrec_app.domain.permissions import Actor, Role
from medrec_app.models import Appointment, Patient
from medrec_app.services import accounts, phone_links
from medrec_app.services.demo import DEMO_PASSWORD
from medrec_app.services.templates import add_published_template
from tests import samples
from tests.demo_exports import export_text, saved_state
from tests.e2e.test_editor import open_editor, stored, wait_saved
from tests.e2e.test_editor_fields import every_type_visit
from tests.e2e.test_patients import pick_files
from tests.e2e.test_sign_in import sign_in

FAILING_IMPACTS = ("serious", "critical")
DEMO_VISIT = 1001  # a demo visit with a record
_axe = Axe()


def axe_violations(page: Page, name: str) -> list[dict]:
    """Run axe on ``page`` once nothing moves; print every violation, return the failing
    ones. A dialog still fading in has text of lower contrast than it will have, which
    axe would report."""
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
    found = _axe.run(page).response["violations"]
    counts = Counter(v["impact"] for v in found)
    print(f"\n[axe] {name}: {dict(counts) or 'no violations'}")
    for v in found:
        targets = "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        print(f"  {v['impact']:>9} {v['id']} x{len(v['nodes'])}: {v['help']} [{targets}]")
    return [v for v in found if v["impact"] in FAILING_IMPACTS]


def assert_accessible(page: Page, name: str) -> None:
    failing = axe_violations(page, name)
    assert not failing, f"{name}: " + "\n".join(
        f"{v['impact']} {v['id']}: {v['help']} at "
        + "; ".join(n["html"][:160] for n in v["nodes"][:5])
        for v in failing
    )


@dataclass
class Clinic:
    admin: str
    front_desk: str
    practitioner: str
    patient_id: int
    appointment_id: int
    phone_secret: str


@pytest.fixture
def clinic(app_server) -> Clinic:
    """A clinic of its own, so that a token created and a link issued here meet no
    other test's lists: an admin, a front desk, a patient with today's visit."""
    tag = uuid.uuid4().hex[:8]
    domain = f"a11y-{tag}.example"
    with Session(app_server.db) as session:
        admin = accounts.create_clinic_with_admin(
            session,
            clinic_name=f"Accessible clinic {tag}",
            email=f"admin@{domain}",
            full_name="Ada Admin",
            password=DEMO_PASSWORD,
        )
        admin_actor = Actor(admin.id, admin.clinic_id, Role.ADMIN)
        desk = accounts.create_user(
            session,
            admin_actor,
            email=f"desk@{domain}",
            full_name="Dana Desk",
            role=Role.FRONT_DESK,
            password=DEMO_PASSWORD,
        )
        doctor = accounts.create_user(
            session,
            admin_actor,
            email=f"doctor@{domain}",
            full_name="Dr. Al Able",
            role=Role.PRACTITIONER,
            password=DEMO_PASSWORD,
        )
        patient = Patient(
            clinic_id=admin.clinic_id,
            first_name="Axel",
            last_name=f"Core{tag}",
            date_of_birth=date(1980, 2, 3),
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
            calendar_event_id=800_000_000 + uuid.uuid4().int % 99_999_999,
            clinic_id=admin.clinic_id,
            patient_id=patient.id,
            practitioner_id=doctor.id,
            starts_at=datetime.now(UTC),
        )
        session.add(visit)
        link = phone_links.issue_phone_link(
            session, Actor(desk.id, desk.clinic_id, Role.FRONT_DESK), patient.id
        )
        session.commit()
        return Clinic(
            admin=admin.email,
            front_desk=desk.email,
            practitioner=doctor.email,
            patient_id=patient.id,
            appointment_id=visit.calendar_event_id,
            phone_secret=link.secret,
        )


def test_sign_in_page(page: Page):
    page.goto("/login")
    expect(page.get_by_test_id("login-email")).to_be_visible()
    assert_accessible(page, "sign-in")
    page.goto("/login?error=1")
    expect(page.get_by_test_id("login-notice")).to_be_visible()
    assert_accessible(page, "sign-in with an error")
    page.goto("/login?expired=1")
    expect(page.get_by_test_id("login-notice")).to_be_visible()
    assert_accessible(page, "sign-in after a session ended")


def test_appointments_page(page: Page):
    sign_in(page, "dr.okafor@riverside.example")
    expect(page.get_by_test_id("appointment-row").first).to_be_visible()
    assert_accessible(page, "appointments")
    page.get_by_test_id("book-appointment").click()
    page.get_by_test_id("booking-submit").click()
    expect(page.get_by_test_id("booking-problems")).to_be_visible()
    page.get_by_test_id("booking-patient-search").fill("Gar")
    expect(page.get_by_test_id("patient-match").first).to_be_visible()
    assert_accessible(page, "appointments: the booking form with its problems")


def test_record_editor_for_its_practitioner_and_read_only(new_page):
    doctor = new_page()
    sign_in(doctor, "dr.okafor@riverside.example")
    expect(doctor.get_by_test_id("appointments-table")).to_be_visible()
    open_editor(doctor, DEMO_VISIT)
    assert_accessible(doctor, "record editor (practitioner)")

    auditor = new_page()
    sign_in(auditor, "auditor@riverside.example")
    expect(auditor.get_by_test_id("appointments-table")).to_be_visible()
    open_editor(auditor, DEMO_VISIT)
    expect(auditor.get_by_test_id("field-chief_complaint")).to_be_disabled()
    assert_accessible(auditor, "record editor (read only)")


def test_record_editor_with_every_field_type_and_its_messages(page: Page, app_server):
    visit = every_type_visit(app_server)
    sign_in(page, visit.practitioner)
    expect(page).not_to_have_url(re.compile("/login"))
    open_editor(page, visit.appointment_id)
    assert_accessible(page, "record editor, every field type")
    page.get_by_test_id("field-vitals.temperature").fill("36.55")
    page.get_by_test_id("field-consent").get_by_label("Yes", exact=True).focus()
    page.keyboard.press("Tab")  # a required yes/no left empty
    expect(page.get_by_test_id("error-consent")).to_be_visible()
    expect(page.get_by_test_id("error-vitals.temperature")).to_be_visible()
    assert_accessible(page, "record editor, every field type, with messages")


def test_patients_search_and_a_patients_page(page: Page):
    sign_in(page, "frontdesk@riverside.example")
    expect(page.get_by_test_id("patient-row").first).to_be_visible()
    assert_accessible(page, "patients search")
    page.get_by_test_id("patient-link").first.click()
    expect(page.get_by_test_id("patient-name")).to_be_visible()
    expect(page.get_by_test_id("upload-widget")).to_be_visible()
    assert_accessible(page, "patient page (front desk)")


def test_a_patients_files_their_dialogs_and_the_phone_page(new_page, clinic: Clinic):
    desk = new_page()
    sign_in(desk, clinic.front_desk)
    expect(desk).to_have_url(re.compile(r"/patients/?$"))
    desk.goto(f"/patients/{clinic.patient_id}")
    expect(desk.get_by_test_id("files-empty")).to_be_visible()
    pick_files(desk, [("wound.jpg", "image/jpeg", samples.jpeg((400, 300)))])
    expect(desk.get_by_test_id("file-thumbnail")).to_be_visible()
    assert_accessible(desk, "patient page with a file and its upload")
    desk.get_by_test_id("file-delete").click()
    expect(desk.get_by_test_id("confirm-delete")).to_be_visible()
    assert_accessible(desk, "patient page, delete dialog")
    desk.get_by_test_id("cancel-delete").click()
    expect(desk.get_by_test_id("confirm-delete")).to_have_count(0)

    desk.get_by_test_id("add-from-phone").click()
    expect(desk.get_by_test_id("phone-qr")).to_be_visible()
    assert_accessible(desk, "add-from-phone dialog")

    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.goto(f"/phone/{clinic.phone_secret}")
    expect(phone.get_by_test_id("phone-input")).to_be_attached()
    assert_accessible(phone, "phone upload page")
    phone.get_by_test_id("phone-input").set_input_files(
        [{"name": "IMG_1.jpg", "mimeType": "image/jpeg", "buffer": samples.jpeg((400, 300))}]
    )
    expect(phone.get_by_test_id("phone-upload-status")).to_have_text("100% · uploaded")
    assert_accessible(phone, "phone upload page, a photo sent")
    phone.goto("/phone/mrp_not-a-link")
    expect(phone.locator("main")).to_be_visible()
    assert_accessible(phone, "phone upload page, link refused")


def test_the_patient_form_and_a_patients_chart(page: Page, app_server, clinic: Clinic):
    with Session(app_server.db) as session:
        patient = session.get(Patient, clinic.patient_id)
        first, last = patient.first_name, patient.last_name
    sign_in(page, clinic.front_desk)
    page.get_by_test_id("register-patient").click()
    form = page.get_by_test_id("patient-form")
    expect(form).to_be_visible()
    assert_accessible(page, "register a patient")
    form.get_by_test_id("patient-form-submit").click()  # nothing filled in
    expect(form.get_by_test_id("error-first_name")).to_be_visible()
    assert_accessible(page, "register a patient, refused fields")
    form.get_by_label("First name").fill(first)
    form.get_by_label("Last name").fill(last)
    form.get_by_label("Date of birth").fill("1980-02-03")
    form.get_by_test_id("patient-form-submit").click()
    expect(form.get_by_test_id("possible-duplicates")).to_be_visible()
    assert_accessible(page, "register a patient, possible duplicate")
    page.keyboard.press("Escape")
    expect(form).to_have_count(0)

    page.goto(f"/patients/{clinic.patient_id}")
    expect(page.get_by_test_id("visit-row")).to_have_count(1)
    assert_accessible(page, "patient chart")
    page.get_by_test_id("edit-patient").click()
    expect(form.get_by_label("First name")).to_have_value(first)
    assert_accessible(page, "patient chart, edit details")


def test_users_admin(page: Page):
    sign_in(page, "admin@riverside.example")
    page.get_by_test_id("nav-users").click()
    expect(page.get_by_test_id("user-row").first).to_be_visible()
    assert_accessible(page, "users admin")
    row = page.locator('[data-testid=user-row][data-email="dr.lindqvist@riverside.example"]')
    row.get_by_test_id("disable-user").click()
    expect(page.get_by_test_id("confirm-disable")).to_be_visible()
    assert_accessible(page, "users admin, disable dialog")
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_test_id("confirm-disable")).to_have_count(0)


def test_template_builder_with_every_field_type_and_its_preview(page: Page, clinic: Clinic):
    sign_in(page, clinic.admin)
    page.get_by_test_id("nav-templates").click()
    expect(page.get_by_test_id("template-row")).to_have_count(1)
    assert_accessible(page, "templates list")
    page.get_by_test_id("template-link").click()
    expect(page.get_by_test_id("template-builder")).to_be_visible()
    for kind in ("multiselect", "date", "yesno", "select"):
        rows = page.get_by_test_id("builder-row").count()
        page.get_by_test_id(f"add-{kind}").click()
        expect(page.get_by_test_id("builder-row")).to_have_count(rows + 1)
        page.get_by_test_id("builder-row").last.get_by_test_id("row-label").fill(f"New {kind}")
        expect(page.get_by_test_id("builder-row").last.get_by_test_id("row-key")).to_have_value(
            f"new_{kind}"
        )
    expect(page.get_by_test_id("preview-field-new_date")).to_be_visible()
    assert_accessible(page, "template builder with preview")


def test_api_tokens_admin_with_a_new_secret(page: Page, clinic: Clinic):
    sign_in(page, clinic.admin)
    expect(page.get_by_test_id("nav-tokens")).to_be_visible()
    page.get_by_test_id("nav-tokens").click()
    expect(page.get_by_test_id("create-token")).to_be_visible()
    assert_accessible(page, "API tokens admin")
    page.get_by_test_id("token-user").click()
    page.get_by_role("option", name="Dana Desk (front desk)").click()
    page.get_by_test_id("token-name").fill("booking system")
    page.get_by_test_id("create-token").click()
    expect(page.get_by_test_id("new-token-secret")).to_contain_text("mrt_")
    assert_accessible(page, "API tokens admin, new secret shown")


def test_demo_import_admin_with_results(page: Page, clinic: Clinic):
    sign_in(page, clinic.admin)
    expect(page.get_by_test_id("nav-import")).to_be_visible()
    page.get_by_test_id("nav-import").click()
    expect(page.get_by_test_id("upload-choose")).to_be_visible()
    assert_accessible(page, "demo import")
    page.get_by_test_id("import-target").click()
    page.get_by_role("option", name=re.compile(f"#{clinic.appointment_id}")).click()
    good = export_text(saved_state(seed=51, lines=2, shapes=1))
    pick_files(
        page,
        [
            ("chart.json", "application/json", good.encode()),
            ("broken.json", "application/json", b"{not json"),
        ],
    )
    expect(page.get_by_test_id("import-row")).to_have_count(2)
    assert_accessible(page, "demo import, results")


def test_audit_trail_and_a_patients_access_report(new_page, clinic: Clinic):
    admin = new_page()
    sign_in(admin, clinic.admin)
    expect(admin.get_by_test_id("nav-audit")).to_be_visible()
    admin.get_by_test_id("nav-audit").click()
    expect(admin.get_by_test_id("audit-row").first).to_be_visible()
    assert_accessible(admin, "audit trail")
    admin.goto(f"/audit?patient={clinic.patient_id}")
    expect(admin.get_by_test_id("access-person").first).to_be_visible()
    assert_accessible(admin, "access report")
    admin.get_by_test_id("audit-from").fill("2026-03-05")
    admin.get_by_test_id("audit-to").fill("2026-03-01")
    admin.get_by_test_id("audit-apply").click()
    expect(admin.get_by_test_id("audit-message")).to_be_visible()
    assert_accessible(admin, "audit trail, filters refused")

    desk = new_page()
    sign_in(desk, clinic.front_desk)
    expect(desk).to_have_url(re.compile(r"/patients/?$"))
    desk.goto("/audit")
    expect(desk.get_by_test_id("audit-refused")).to_be_visible()
    assert_accessible(desk, "audit trail refused")


def test_not_found_pages(page: Page):
    sign_in(page, "dr.okafor@riverside.example")
    expect(page.get_by_test_id("appointments-table")).to_be_visible()
    page.goto("/appointments/99999999")
    expect(page.get_by_test_id("not-found")).to_be_visible()
    assert_accessible(page, "record not found")
    page.goto("/patients/99999999")
    expect(page.get_by_test_id("patient-not-found")).to_be_visible()
    assert_accessible(page, "patient not found")
    page.goto("/no-such-page")
    expect(page.get_by_test_id("page-not-found")).to_be_visible()
    assert_accessible(page, "unknown address")


def focused_testid(page: Page) -> str:
    return page.evaluate("() => document.activeElement?.dataset?.testid ?? ''")


def tab_to(page: Page, testid: str, limit: int = 60) -> None:
    """Press Tab until the element with ``testid`` has the focus, and see it shows."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused_testid(page) == testid:
            assert page.evaluate("() => document.activeElement.matches(':focus-visible')")
            return
    raise AssertionError(f"{limit} presses of Tab never reached {testid!r}")


def test_the_keyboard_alone_signs_in_and_documents_todays_first_visit(
    page: Page, app_server, clinic: Clinic
):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))
    tab_to(page, "login-email")
    page.keyboard.type(clinic.practitioner)
    page.keyboard.press("Tab")
    assert focused_testid(page) == "login-password"
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")

    rows = page.get_by_test_id("appointment-row")
    expect(rows).to_have_count(1)  # the clinic's one visit, today
    tab_to(page, "appointment-link")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/appointments/{clinic.appointment_id}$"))
    field = page.get_by_test_id("field-chief_complaint")
    expect(field).to_be_editable()
    expect(page.get_by_test_id("canvas-stage")).to_have_attribute("data-state", "ready")

    tab_to(page, "field-chief_complaint")
    page.keyboard.type("Sprained ankle")
    tab_to(page, "tool-rect")  # on through the form into the drawing tools
    page.keyboard.press("Space")
    expect(page.get_by_test_id("tool-rect")).to_have_attribute("aria-pressed", "true")
    wait_saved(page)
    _, form, _ = stored(app_server, clinic.appointment_id)
    assert form == {"chief_complaint": "Sprained ankle"}


def test_required_messages_wait_for_the_field_and_never_show_to_a_reader(new_page, scratch_visit):
    visit = scratch_visit()
    doctor = new_page()
    sign_in(doctor, "dr.okafor@riverside.example")
    expect(doctor.get_by_test_id("appointments-table")).to_be_visible()
    open_editor(doctor, visit)  # a new record: every field empty
    complaint = doctor.get_by_test_id("field-chief_complaint")
    required = doctor.get_by_test_id("error-chief_complaint")
    expect(complaint).to_be_editable()
    expect(required).to_have_count(0)  # the messages come with the fields, in one update
    expect(complaint).to_have_attribute("aria-invalid", "false")

    # Another field changed and saved: still nothing about this one.
    doctor.get_by_test_id("field-vital_signs.bp").fill("120/80")
    wait_saved(doctor)
    expect(required).to_have_count(0)

    complaint.focus()
    doctor.keyboard.press("Tab")  # left empty
    expect(required).to_have_text("Chief complaint is required")
    expect(complaint).to_have_attribute("aria-invalid", "true")
    expect(complaint).to_have_attribute("aria-describedby", "record-error-chief_complaint")
    assert_accessible(doctor, "record editor with a required field's message")
    complaint.fill("Cough")
    expect(required).to_have_count(0)
    complaint.fill("")
    expect(required).to_have_text("Chief complaint is required")
    wait_saved(doctor)

    for reader_email in ("auditor@riverside.example", "frontdesk@riverside.example"):
        reader = new_page()
        sign_in(reader, reader_email)
        expect(reader).not_to_have_url(re.compile("/login"))
        open_editor(reader, visit)
        expect(reader.get_by_test_id("field-vital_signs.bp")).to_have_value("120/80")
        expect(reader.get_by_test_id("field-chief_complaint")).to_be_disabled()
        expect(reader.get_by_test_id("error-chief_complaint")).to_have_count(0)
        expect(reader.locator("[data-testid^=error-]")).to_have_count(0)


def test_set_password_and_account_pages(page: Page, app_server):
    from tests.e2e.test_first_admin import create_clinic

    email = f"ana-{uuid.uuid4().hex[:8]}@harbour.example"
    path = create_clinic(app_server, email)
    page.goto(path)
    expect(page.get_by_test_id("set-password-email")).to_have_text(email)
    assert_accessible(page, "set-password page")
    page.get_by_label("New password").fill("password1234")
    page.get_by_label("The same password again").fill("password1234")
    page.get_by_test_id("set-password-submit").click()
    expect(page.get_by_test_id("set-password-problem")).to_be_visible()
    assert_accessible(page, "set-password page, refused password")
    password = "harbour lantern plum 7"
    page.get_by_label("New password").fill(password)
    page.get_by_label("The same password again").fill(password)
    page.get_by_test_id("set-password-submit").click()
    expect(page.get_by_test_id("login-notice")).to_be_visible()
    sign_in(page, email, password)
    page.get_by_test_id("nav-account").click()
    expect(page.get_by_test_id("account-submit")).to_be_visible()
    assert_accessible(page, "account page")
    page.goto("/admin/users")
    form = page.get_by_test_id("invite-form")
    form.get_by_label("Name").fill("Bo Lindqvist")
    form.get_by_label("Email").fill(f"bo-{uuid.uuid4().hex[:8]}@harbour.example")
    form.get_by_test_id("invite-submit").click()
    expect(page.get_by_test_id("password-link")).to_be_visible()
    assert_accessible(page, "users admin, invitation link shown")
    page.goto(path)
    expect(page.get_by_test_id("set-password-refused")).to_be_visible()
    assert_accessible(page, "set-password page, used link")
