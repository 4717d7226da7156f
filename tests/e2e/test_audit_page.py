"""The audit page in the browser: an admin finds a visit's accesses by the patient and
downloads them as CSV; an auditor (read only) reads the trail; the front desk has no
link to it and is refused at its address."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import text

from tests.e2e.conftest import SCRATCH_PRACTITIONER
from tests.e2e.test_editor import open_editor, wait_saved
from tests.e2e.test_sign_in import sign_in

ADMIN = "admin@riverside.example"
AUDITOR = "auditor@riverside.example"
FRONT_DESK = "frontdesk@riverside.example"


def _ids(app_server, visit: int) -> tuple[int, int, int]:
    """The visit's patient, its record and the practitioner's user id."""
    with app_server.db.connect() as conn:
        return conn.execute(
            text(
                "SELECT a.patient_id, r.id, a.practitioner_id FROM appointments a "
                "JOIN medical_records r ON r.appointment_id = a.calendar_event_id "
                "WHERE a.calendar_event_id = :a"
            ),
            {"a": visit},
        ).one()


def _audit_actions(app_server, email: str, action: str) -> list[dict]:
    with app_server.db.connect() as conn:
        return [
            row.details
            for row in conn.execute(
                text(
                    "SELECT e.details FROM audit_events e JOIN users u ON u.id = e.user_id "
                    "WHERE u.email = :e AND e.action = :a ORDER BY e.id"
                ),
                {"e": email, "a": action},
            )
        ]


def test_an_admin_finds_a_visits_accesses_by_patient_and_downloads_them(
    new_page, scratch_visit, app_server
):
    visit = scratch_visit()
    doctor = new_page()
    sign_in(doctor, SCRATCH_PRACTITIONER)
    expect(doctor.get_by_test_id("appointments-table")).to_be_visible()
    open_editor(doctor, visit)
    doctor.get_by_test_id("field-chief_complaint").fill("Audit me")
    wait_saved(doctor)
    patient_id, record_id, doctor_id = _ids(app_server, visit)

    admin = new_page()
    sign_in(admin, ADMIN)
    admin.get_by_test_id("nav-audit").click()
    expect(admin.get_by_test_id("audit-table")).to_be_visible()
    # The patient by name: the address gets their id, never the name.
    admin.get_by_test_id("audit-patient").fill(f"Visit{visit}")
    admin.get_by_test_id("audit-apply").click()
    expect(admin).to_have_url(re.compile(rf"/audit\?patient={patient_id}$"))
    expect(admin.get_by_test_id("report-title")).to_contain_text(f"Visit{visit}, Scratch")
    person = admin.get_by_test_id("access-person").filter(has_text="Dr. Ngozi Okafor")
    expect(person).to_contain_text("Opened a visit's record")
    expect(person).to_contain_text("Saved changes to a record")
    rows = admin.get_by_test_id("audit-row")
    expect(rows.and_(admin.locator("[data-action='record.open']")).first).to_contain_text(
        f"patient {patient_id}"
    )
    saved = rows.and_(admin.locator("[data-action='record.save']")).first
    expect(saved).to_contain_text("Dr. Ngozi Okafor")
    expect(saved).to_contain_text(f"record {record_id}")

    with admin.expect_download() as downloading:
        admin.get_by_test_id("audit-export").click()
    download = downloading.value
    assert download.suggested_filename == "medrec-audit.csv"
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    exported = list(csv.DictReader(io.StringIO(content)))
    assert {r["patient_id"] for r in exported} == {str(patient_id)}
    by_doctor = {r["action"] for r in exported if r["user_id"] == str(doctor_id)}
    assert {"record.open", "record.save"} <= by_doctor
    assert next(r for r in exported if r["action"] == "record.save")["record_id"] == str(record_id)
    assert f"Visit{visit}" not in content  # ids only in the file
    # The report and the export were both audited, with the patient's id.
    assert any(
        d.get("patient_id") == patient_id
        for d in _audit_actions(app_server, ADMIN, "audit.access_report")
    )
    assert any(
        d.get("patient_id") == patient_id for d in _audit_actions(app_server, ADMIN, "audit.export")
    )

    # A filter by action narrows it to the saves.
    admin.get_by_test_id("audit-action").select_option("record.save")
    admin.get_by_test_id("audit-apply").click()
    expect(admin).to_have_url(re.compile(r"action=record\.save"))
    expect(admin.get_by_test_id("report-title")).to_have_count(0)
    expect(rows.first).to_have_attribute("data-action", "record.save")
    expect(rows.and_(admin.locator("[data-action='record.open']"))).to_have_count(0)


def test_a_read_only_user_reads_the_trail(page: Page):
    sign_in(page, AUDITOR)
    page.get_by_test_id("nav-audit").click()
    expect(page).to_have_url(re.compile(r"/audit$"))
    expect(page.get_by_test_id("audit-row").first).to_be_visible()
    page.get_by_test_id("audit-from").fill("2026-03-05")
    page.get_by_test_id("audit-to").fill("2026-03-01")
    page.get_by_test_id("audit-apply").click()
    expect(page.get_by_test_id("audit-message")).to_contain_text(
        "To: the last day is before the first day"
    )


def test_a_patients_page_links_to_their_access_report_for_auditors(page: Page):
    sign_in(page, AUDITOR)
    page.get_by_test_id("nav-patients").click()
    page.get_by_test_id("patient-link").first.click()
    expect(page.get_by_test_id("patient-name")).to_be_visible()
    page.get_by_test_id("patient-access-report").click()
    expect(page).to_have_url(re.compile(r"/audit\?patient=[0-9]+$"))
    expect(page.get_by_test_id("report-title")).to_be_visible()
    # Opening the patient's page was itself an access, by this user.
    expect(page.get_by_test_id("access-person").filter(has_text="Riley Reader")).to_contain_text(
        "Opened a patient"
    )


def test_the_front_desk_has_no_link_and_is_refused_at_the_address(page: Page, app_server):
    before = len(_audit_actions(app_server, FRONT_DESK, "view_audit.denied"))
    sign_in(page, FRONT_DESK)
    expect(page.get_by_test_id("nav-patients")).to_be_visible()
    expect(page.get_by_test_id("nav-audit")).to_have_count(0)
    page.get_by_test_id("patient-link").first.click()
    expect(page.get_by_test_id("patient-name")).to_be_visible()
    expect(page.get_by_test_id("patient-access-report")).to_have_count(0)
    page.goto("/audit")
    expect(page.get_by_test_id("audit-refused")).to_contain_text(
        "Front-desk staff may not view the audit log."
    )
    expect(page.get_by_test_id("audit-table")).to_have_count(0)
    assert len(_audit_actions(app_server, FRONT_DESK, "view_audit.denied")) == before + 1
