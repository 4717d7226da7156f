"""Signing a visit's record in Chromium: the password dialog, its refusals, and the
record read-only afterwards for its practitioner and everyone else."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import text

from tests.e2e.test_accessibility import assert_accessible
from tests.e2e.test_editor import canvas_document, drag, open_editor, stored, wait_saved
from tests.e2e.test_sign_in import sign_in
from tests.plugins.signed import mark_signed

DOCTOR = "dr.okafor@riverside.example"
DEMO_PASSWORD = "medrec-demo-password"


def signature_row(app_server, visit: int) -> tuple:
    with app_server.db.connect() as conn:
        return conn.execute(
            text(
                "SELECT r.signed_at, u.full_name, r.signature_sha256 FROM medical_records r "
                "LEFT JOIN users u ON u.id = r.signed_by_user_id WHERE r.appointment_id = :a"
            ),
            {"a": visit},
        ).one()


def test_the_practitioner_signs_with_their_password_and_the_record_locks(
    new_page, app_server, scratch_visit
):
    visit = scratch_visit()
    page: Page = new_page()
    sign_in(page, DOCTOR)
    expect(page.get_by_test_id("appointments-table")).to_be_visible()
    open_editor(page, visit)
    page.get_by_test_id("tool-pen").click()
    drag(page, (100, 100), (300, 160))
    complaint = page.get_by_test_id("field-chief_complaint")
    complaint.fill("Left knee pain after a fall")
    expect(page.get_by_test_id("sign-open")).to_be_disabled()  # not saved yet
    wait_saved(page)

    page.get_by_test_id("sign-open").click()
    dialog = page.get_by_role("dialog", name="Sign this record")
    expect(dialog).to_be_visible()
    assert_accessible(page, "the sign dialog")
    dialog.get_by_label("Your password").fill("not my password")
    dialog.get_by_test_id("sign-submit").click()
    expect(dialog.get_by_test_id("sign-error")).to_contain_text("password is not right")
    assert signature_row(app_server, visit)[0] is None

    dialog.get_by_label("Your password").fill(DEMO_PASSWORD)
    dialog.get_by_label("Your password").press("Enter")
    expect(dialog).to_have_count(0)
    signed_at, signer, digest = signature_row(app_server, visit)
    assert signed_at is not None and digest and re.fullmatch(r"[0-9a-f]{64}", digest)
    expect(page.get_by_test_id("record-signed")).to_contain_text(f"Signed by {signer}")
    expect(page.get_by_test_id("record-signature-hash")).to_contain_text(digest)
    expect(page.get_by_test_id("sign-open")).to_have_count(0)
    expect(complaint).to_be_disabled()

    drawing, form, revision = stored(app_server, visit)
    drag(page, (100, 300), (300, 360))  # the canvas is read-only now
    assert len(canvas_document(page)["lines"]) == 1
    page.reload()
    expect(page.get_by_test_id("record-signed")).to_contain_text(f"Signed by {signer}")
    expect(page.get_by_test_id("field-chief_complaint")).to_be_disabled()
    assert stored(app_server, visit) == (drawing, form, revision)
    assert form == {"chief_complaint": "Left knee pain after a fall"}

    reader = new_page()
    sign_in(reader, "frontdesk@riverside.example")
    expect(reader).not_to_have_url(re.compile("/login"))
    open_editor(reader, visit)
    expect(reader.get_by_test_id("record-signed")).to_contain_text(f"Signed by {signer}")
    expect(reader.get_by_test_id("sign-open")).to_have_count(0)


def test_another_practitioners_visit_offers_no_signing(new_page, scratch_visit):
    visit = scratch_visit()  # Dr Okafor's
    page: Page = new_page()
    sign_in(page, "admin@riverside.example")
    expect(page).not_to_have_url(re.compile("/login"))
    open_editor(page, visit)
    expect(page.get_by_test_id("field-chief_complaint")).to_be_editable()
    expect(page.get_by_test_id("sign-open")).to_have_count(0)


def test_an_amendment_is_written_signed_and_shown_under_the_signed_record(
    new_page, app_server, scratch_visit
):
    visit = scratch_visit()
    page: Page = new_page()
    sign_in(page, DOCTOR)
    expect(page.get_by_test_id("appointments-table")).to_be_visible()
    open_editor(page, visit)  # creates the record
    with app_server.db.begin() as conn:
        record_id = conn.execute(
            text("SELECT id FROM medical_records WHERE appointment_id = :a"), {"a": visit}
        ).scalar_one()
        mark_signed(conn, record_id)
    signed = stored(app_server, visit)
    page.reload()
    panel = page.get_by_test_id("amendments")
    expect(panel).to_contain_text("No amendments.")
    panel.get_by_test_id("amendment-start").click()
    panel.get_by_label("Reason for the amendment").fill("Wrong side recorded")
    panel.get_by_label("Amendment", exact=True).fill("The right knee, not the left.")
    expect(panel.get_by_test_id("amendment-status")).to_have_text("Draft saved")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=amendment-text]').value.endsWith('left.')"
    )
    assert_accessible(page, "a signed record with an amendment's draft")
    panel.get_by_test_id("amendment-sign-open").click()
    dialog = page.get_by_role("dialog", name="Sign this amendment")
    dialog.get_by_label("Your password").fill(DEMO_PASSWORD)
    dialog.get_by_test_id("amendment-sign-submit").click()
    expect(dialog).to_have_count(0)
    card = panel.get_by_test_id("amendment")
    expect(card).to_contain_text("Reason: Wrong side recorded")
    expect(card).to_contain_text("The right knee, not the left.")
    expect(panel.get_by_test_id("amendment-draft")).to_have_count(0)

    page.reload()
    expect(page.get_by_test_id("amendment")).to_contain_text("The right knee, not the left.")
    assert stored(app_server, visit) == signed  # the signed record itself never changed
    with app_server.db.connect() as conn:
        body = conn.execute(
            text("SELECT body FROM record_amendments WHERE medical_record_id = :r"),
            {"r": record_id},
        ).scalar_one()
    assert body == "The right knee, not the left."
