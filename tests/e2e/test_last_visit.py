"""The last visit as a guide, in Chromium: visit 1 draws, visit 2 shows its drawing faded,
carries two strokes forward, confirms one; the unconfirmed one holds up signing; the
overlay is never saved; a read-only user shows it too."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import text

from medrec_app.domain.carry_forward import carried_mark
from tests.e2e.test_editor import drag, open_editor, stage_point, stored, wait_saved
from tests.e2e.test_sign_in import sign_in
from tests.e2e.test_signing import DEMO_PASSWORD

PRACTITIONER = "dr.okafor@riverside.example"


def record_id(app_server, visit: int) -> int:
    with app_server.db.connect() as conn:
        return conn.execute(
            text("SELECT id FROM medical_records WHERE appointment_id = :a"), {"a": visit}
        ).scalar_one()


def click(page: Page, x: float, y: float) -> None:
    page.mouse.click(*stage_point(page, x, y))


def test_strokes_of_the_last_visit_are_carried_forward_and_confirmed_one_by_one(
    new_page, app_server, scratch_visit
):
    first = scratch_visit(days_ago=21)
    second = scratch_visit(same_patient_as=first)
    page = new_page()
    sign_in(page, PRACTITIONER)
    open_editor(page, first)
    page.get_by_test_id("tool-pen").click()
    for y in (100, 200, 300):
        drag(page, (100, y), (300, y))
    page.get_by_test_id("tool-circle").click()
    drag(page, (600, 400), (640, 400))
    wait_saved(page)
    earlier = stored(app_server, first)[0]

    open_editor(page, second)
    stage = page.get_by_test_id("canvas-stage")
    page.get_by_test_id("previous-toggle").click()
    expect(stage).to_have_attribute("data-previous", "ready")
    status = page.get_by_test_id("previous-status")
    expect(status).to_have_text(re.compile(r"^Visit of \d{1,2} [A-Z][a-z]{2} shown faded$"))

    # Pick two strokes (click each) and carry them forward.
    page.get_by_test_id("previous-pick").click()
    click(page, 200, 100)
    click(page, 200, 200)
    carry = page.get_by_test_id("carry-forward")
    expect(carry).to_have_text("Carry 2 forward")
    carry.click()
    wait_saved(page)
    lines = stored(app_server, second)[0]["lines"]
    assert len(lines) == 2, "the copies, and nothing else of the last visit"
    marks = [carried_mark(line["id"]) for line in lines]
    assert {m.record_id for m in marks} == {record_id(app_server, first)}
    assert not any(m.confirmed for m in marks)
    assert [line["points"] for line in lines] == [line["points"] for line in earlier["lines"][:2]]

    # Confirm the one at y=100 only.
    click(page, 700, 550)  # nothing there: the selection goes
    click(page, 200, 100)
    confirm = page.get_by_test_id("confirm-carried")
    expect(confirm).to_have_text("Confirm 1 carried")
    confirm.click()
    wait_saved(page)
    lines = stored(app_server, second)[0]["lines"]
    by_y = {round(line["points"][1]): carried_mark(line["id"]) for line in lines}
    assert by_y[100].confirmed and not by_y[200].confirmed
    assert by_y[100].record_id == by_y[200].record_id

    # The one left unconfirmed holds up signing, with a message that says why.
    page.get_by_test_id("field-chief_complaint").fill("Review of the left knee")
    wait_saved(page)
    page.get_by_test_id("sign-open").click()
    dialog = page.get_by_role("dialog", name="Sign this record")
    dialog.get_by_label("Your password").fill(DEMO_PASSWORD)
    dialog.get_by_test_id("sign-submit").click()
    expect(dialog.get_by_test_id("sign-error")).to_contain_text(
        "1 mark carried forward from the visit of"
    )
    page.keyboard.press("Escape")

    # Hiding the overlay changes nothing stored; the last visit is as it was.
    page.get_by_test_id("previous-toggle").click()
    expect(stage).to_have_attribute("data-previous", "hidden")
    assert len(stored(app_server, second)[0]["lines"]) == 2
    assert stored(app_server, first)[0] == earlier

    # A read-only user shows the last visit too, and is offered nothing to pick.
    reader = new_page()
    sign_in(reader, "auditor@riverside.example")
    expect(reader).not_to_have_url(re.compile("/login"))
    open_editor(reader, second)
    reader.get_by_test_id("previous-toggle").click()
    expect(reader.get_by_test_id("canvas-stage")).to_have_attribute("data-previous", "ready")
    expect(reader.get_by_test_id("previous-pick")).to_have_count(0)


def test_a_first_visit_says_there_is_no_earlier_one(page: Page, scratch_visit):
    visit = scratch_visit()
    sign_in(page, PRACTITIONER)
    open_editor(page, visit)
    page.get_by_test_id("previous-toggle").click()
    expect(page.get_by_test_id("canvas-stage")).to_have_attribute("data-previous", "none")
    expect(page.get_by_test_id("previous-status")).to_have_text(
        "No earlier visit with this template"
    )
