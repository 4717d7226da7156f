"""Drawing an amendment in Chromium (issue 14 item 3): the pen draws on the amendment's
own layer in its colour, the eraser cannot reach the signed drawing, and after signing
the layer shows over the record for everyone, with its legend."""

from __future__ import annotations

import base64
import io

from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import text

from medrec_app.domain.amendment_layers import AMENDMENT_COLOURS
from tests.e2e.test_accessibility import assert_accessible
from tests.e2e.test_editor import drag, open_editor, stored, wait_saved
from tests.e2e.test_record_export import CANVAS_PNG
from tests.e2e.test_sign_in import sign_in
from tests.e2e.test_signing import DEMO_PASSWORD, DOCTOR
from tests.plugins.signed import mark_signed

READER = "auditor@riverside.example"
VIOLET = tuple(int(AMENDMENT_COLOURS[0][i : i + 2], 16) for i in (1, 3, 5))


def pixel(page: Page, x: int, y: int) -> tuple[int, int, int]:
    url = page.evaluate(CANVAS_PNG)
    image = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGBA")
    flat = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image)
    return flat.convert("RGB").getpixel((x, y))


def near(colour, expected, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def test_an_amendment_draws_its_own_layer_over_the_signed_drawing(
    new_page, app_server, scratch_visit
):
    visit = scratch_visit()
    page: Page = new_page()
    sign_in(page, DOCTOR)
    open_editor(page, visit)
    page.get_by_test_id("tool-pen").click()
    drag(page, (100, 200), (700, 200))  # the signed stroke, black
    wait_saved(page)
    with app_server.db.begin() as conn:
        record_id = conn.execute(
            text("SELECT id FROM medical_records WHERE appointment_id = :a"), {"a": visit}
        ).scalar_one()
        mark_signed(conn, record_id)
    signed = stored(app_server, visit)
    page.reload()
    expect(page.get_by_test_id("canvas-stage")).to_have_attribute("data-state", "ready")
    page.get_by_test_id("amendment-start").click()
    expect(page.get_by_test_id("amendment-draft")).to_be_visible()
    expect(page.get_by_test_id("amendment-colour")).to_be_visible()  # no colour choice
    expect(page.get_by_test_id("color-custom")).to_have_count(0)

    page.get_by_test_id("tool-pen").click()
    drag(page, (100, 400), (700, 400))
    page.get_by_test_id("tool-eraser").click()
    drag(page, (400, 150), (400, 250))  # across the signed stroke: it has no effect there
    wait_saved(page)
    assert near(pixel(page, 250, 400), VIOLET)
    assert near(pixel(page, 400, 200), (0, 0, 0))  # the signed stroke is not erased
    assert stored(app_server, visit) == signed
    panel = page.get_by_test_id("amendments")
    panel.get_by_label("Reason for the amendment").fill("Second lesion missed")
    panel.get_by_label("Amendment", exact=True).fill("Marked the second lesion below.")
    expect(panel.get_by_test_id("amendment-status")).to_have_text("Draft saved")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=amendment-text]').value.endsWith('below.')"
    )
    assert_accessible(page, "an amendment being drawn")
    panel.get_by_test_id("amendment-sign-open").click()
    dialog = page.get_by_role("dialog", name="Sign this amendment")
    dialog.get_by_label("Your password").fill(DEMO_PASSWORD)
    dialog.get_by_test_id("amendment-sign-submit").click()
    expect(dialog).to_have_count(0)
    expect(panel.get_by_test_id("amendment-colour-note")).to_contain_text("violet")

    reader: Page = new_page()
    sign_in(reader, READER)
    open_editor(reader, visit)
    expect(reader.get_by_test_id("amendment-colour-note")).to_contain_text("violet")
    reader.wait_for_function("() => window.Konva.stages[0].find('.medrec-read-only').length > 0")
    assert near(pixel(reader, 250, 400), VIOLET)
    assert near(pixel(reader, 400, 200), (0, 0, 0))
    assert stored(app_server, visit) == signed
    with app_server.db.connect() as conn:
        lines = conn.execute(
            text(
                "SELECT drawing_data->'lines' FROM record_amendments WHERE medical_record_id = :r"
            ),
            {"r": record_id},
        ).scalar_one()
    assert [line["tool"] for line in lines] == ["pen", "eraser"]
