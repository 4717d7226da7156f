"""A record's History panel in Chromium: every revision listed, an earlier one shown as
it was, read-only and reachable from the keyboard (issue 14 item 7)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.test_accessibility import assert_accessible
from tests.e2e.test_editor import canvas_document, drag, open_editor, stored, wait_saved
from tests.e2e.test_sign_in import sign_in

DOCTOR = "dr.okafor@riverside.example"


def test_history_lists_revisions_and_shows_an_earlier_one_as_it_was(
    new_page, app_server, scratch_visit
):
    visit = scratch_visit()
    page: Page = new_page()
    sign_in(page, DOCTOR)
    expect(page.get_by_test_id("appointments-table")).to_be_visible()
    open_editor(page, visit)
    complaint = page.get_by_test_id("field-chief_complaint")
    complaint.fill("Stiff neck since Monday")
    wait_saved(page)
    _, _, first = stored(app_server, visit)
    complaint.fill("Stiff neck, better today")
    wait_saved(page)
    page.get_by_test_id("tool-pen").click()
    drag(page, (100, 100), (300, 160))
    wait_saved(page)
    _, form, head = stored(app_server, visit)
    assert form["chief_complaint"] == "Stiff neck, better today" and head > first

    page.get_by_test_id("history-open").click()
    dialog = page.get_by_role("dialog", name="History of this record")
    expect(dialog).to_be_visible()
    revisions = dialog.get_by_test_id("history-revision")
    expect(revisions).to_have_count(head + 1)
    expect(revisions.first).to_have_attribute("data-revision", str(head))  # newest first
    expect(revisions.first).to_contain_text("Okafor")
    expect(revisions.last).to_contain_text("Created")

    earlier = dialog.locator(f'[data-testid="history-revision"][data-revision="{first}"]')
    earlier.focus()
    page.keyboard.press("Enter")  # chosen from the keyboard
    expect(dialog.get_by_test_id("history-shown")).to_contain_text(f"Revision {first}")
    field = dialog.locator('[data-testid="history-field"][data-path="chief_complaint"]')
    expect(field).to_have_text("Stiff neck since Monday")
    expect(dialog.get_by_test_id("history-summary")).to_contain_text("0 strokes")
    stage = dialog.get_by_test_id("canvas-stage")
    expect(stage).to_have_attribute("data-state", "ready")
    expect(dialog.get_by_test_id("medrec-canvas")).to_have_attribute("data-read-only", "true")
    assert_accessible(page, "the history panel")

    dialog.locator(f'[data-testid="history-revision"][data-revision="{head}"]').click()
    expect(field).to_have_text("Stiff neck, better today")
    expect(dialog.get_by_test_id("history-summary")).to_contain_text("1 stroke")

    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    # The editor's canvas is still the page's: nothing was changed by looking back.
    assert len(canvas_document(page)["lines"]) == 1
    assert stored(app_server, visit)[2] == head
