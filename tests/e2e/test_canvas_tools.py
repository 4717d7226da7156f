"""The canvas's tools in Chromium: selecting strokes and shapes (click, Shift, lasso, all),
moving, nudging, duplicating, restyling and deleting them, the highlighter, undo that
survives a reload, and the tablet layout."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect
from sqlalchemy import text

from medrec_app.domain.drawing import MAX_LINES
from tests.e2e.test_editor import drag, open_editor, stage_image, stage_point, stored, wait_saved
from tests.e2e.test_sign_in import sign_in

PRACTITIONER = "dr.okafor@riverside.example"


def lines_by_start(app_server, visit: int) -> dict[tuple[int, int], dict]:
    """The stored strokes by their first point, rounded to whole pixels."""
    return {
        (round(line["points"][0]), round(line["points"][1])): line
        for line in stored(app_server, visit)[0]["lines"]
    }


def selected(page: Page, text: str) -> None:
    expect(page.get_by_test_id("selection-size")).to_have_text(text)


def lasso(page: Page, corners: list[tuple[float, float]]) -> None:
    page.mouse.move(*stage_point(page, *corners[0]))
    page.mouse.down()
    for corner in [*corners[1:], corners[0]]:
        page.mouse.move(*stage_point(page, *corner), steps=6)
    page.mouse.up()


def test_strokes_and_shapes_are_selected_moved_duplicated_restyled_and_deleted(
    page: Page, app_server, scratch_visit
):
    visit = scratch_visit()
    sign_in(page, PRACTITIONER)
    open_editor(page, visit)
    page.get_by_test_id("tool-pen").click()
    drag(page, (100, 100), (300, 100))
    drag(page, (100, 300), (300, 300))
    page.get_by_test_id("tool-rect").click()
    drag(page, (500, 100), (600, 180))
    wait_saved(page)

    # A stroke is selected by clicking it and moved by dragging it.
    page.keyboard.press("v")
    page.mouse.click(*stage_point(page, 200, 101))
    selected(page, "1 selected")
    drag(page, (200, 100), (250, 150))
    wait_saved(page)
    assert set(lines_by_start(app_server, visit)) == {(150, 150), (100, 300)}

    # Shift+click adds the other; the arrow keys nudge both (Shift: 10 px).
    page.keyboard.down("Shift")
    page.mouse.click(*stage_point(page, 200, 300))
    page.keyboard.press("ArrowRight")
    page.keyboard.up("Shift")
    selected(page, "2 selected")
    page.keyboard.press("ArrowDown")
    wait_saved(page)
    assert set(lines_by_start(app_server, visit)) == {(160, 151), (110, 301)}

    # Duplicate (Ctrl+D) selects the copies; Delete removes just them.
    page.keyboard.press("Control+d")
    wait_saved(page)
    assert len(stored(app_server, visit)[0]["lines"]) == 4
    selected(page, "2 selected")
    page.keyboard.press("Delete")
    wait_saved(page)
    assert set(lines_by_start(app_server, visit)) == {(160, 151), (110, 301)}

    # A lasso round the rectangle takes it alone; colour and width apply to it.
    lasso(page, [(470, 70), (640, 70), (640, 210), (470, 210)])
    selected(page, "1 selected")
    page.get_by_test_id("color-e53935").click()
    page.get_by_test_id("stroke-width").select_option("8")
    wait_saved(page)
    drawing = stored(app_server, visit)[0]
    (rect,) = drawing["shapes"]
    assert rect["color"].lower() == "#e53935" and rect["strokeWidth"] == 8
    assert {line["color"] for line in drawing["lines"]} == {"#000000"}

    # Everything (Ctrl+A), moved at once by dragging inside the selection's box.
    page.keyboard.press("Control+a")
    selected(page, "3 selected")
    drag(page, (400, 200), (400, 240))
    wait_saved(page)
    drawing = stored(app_server, visit)[0]
    assert abs(drawing["shapes"][0]["y"] - 140) < 1
    assert set(lines_by_start(app_server, visit)) == {(160, 191), (110, 341)}

    # One undo takes the whole move back; Escape lets the selection go.
    page.keyboard.press("Control+z")
    wait_saved(page)
    assert abs(stored(app_server, visit)[0]["shapes"][0]["y"] - 100) < 1
    page.keyboard.press("Control+a")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("selection-size")).to_have_count(0)
    expect(page.get_by_test_id("delete-selection")).to_be_disabled()


def test_the_highlighter_is_translucent_and_under_the_shapes(page: Page, app_server, scratch_visit):
    visit = scratch_visit()
    sign_in(page, PRACTITIONER)
    open_editor(page, visit)
    page.get_by_test_id("tool-rect").click()
    drag(page, (300, 250), (500, 350))
    page.get_by_test_id("tool-highlighter").click()
    page.get_by_test_id("color-1e88e5").click()
    drag(page, (200, 300), (600, 300))
    wait_saved(page)
    (line,) = stored(app_server, visit)[0]["lines"]
    assert line["tool"] == "pen"
    assert line["color"].lower() == "#1e88e566" and line["strokeWidth"] == 12

    image = stage_image(page)
    box = page.get_by_test_id("canvas-stage").locator("canvas").first.bounding_box()
    scale = box["width"] / 800
    r, _g, b = image.getpixel((int(250 * scale), int(300 * scale)))
    assert b > r + 40 and r > 100, "translucent blue over white, not solid"
    # The rectangle's edge is drawn over the highlighter: black where they cross (the
    # darkest pixel a few either side of x=300: the stage's border and anti-aliasing).
    x, y = int(300 * scale), int(300 * scale)
    edge = min((image.getpixel((x + dx, y)) for dx in range(-4, 5)), key=max)
    assert max(edge) < 90


def test_undo_and_redo_survive_a_reload_but_not_a_sign_out(page: Page, app_server, scratch_visit):
    visit = scratch_visit()
    sign_in(page, PRACTITIONER)
    open_editor(page, visit)
    page.get_by_test_id("tool-pen").click()
    drag(page, (100, 100), (300, 100))
    drag(page, (100, 200), (300, 200))
    page.get_by_test_id("undo").click()
    wait_saved(page)
    assert len(stored(app_server, visit)[0]["lines"]) == 1

    page.reload()
    open_editor(page, visit)
    expect(page.get_by_test_id("redo")).to_be_enabled()
    page.get_by_test_id("redo").click()
    page.get_by_test_id("undo").click()
    page.get_by_test_id("undo").click()
    wait_saved(page)
    assert stored(app_server, visit)[0]["lines"] == []
    expect(page.get_by_test_id("undo")).to_be_disabled()
    page.get_by_test_id("redo").click()
    wait_saved(page)
    assert len(stored(app_server, visit)[0]["lines"]) == 1

    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("login-email")).to_be_visible()
    sign_in(page, PRACTITIONER)
    open_editor(page, visit)
    expect(page.get_by_test_id("undo")).to_be_disabled()
    expect(page.get_by_test_id("redo")).to_be_disabled()


def test_on_a_tablet_in_portrait_the_form_and_canvas_stack_with_finger_sized_buttons(
    new_page, app_server, scratch_visit
):
    visit = scratch_visit()
    page = new_page(viewport={"width": 810, "height": 1080}, has_touch=True)
    sign_in(page, PRACTITIONER)
    open_editor(page, visit)
    form = page.get_by_test_id("record-form").bounding_box()
    stage = page.get_by_test_id("canvas-stage").bounding_box()
    editor = page.get_by_test_id("record-editor").bounding_box()
    assert form["y"] + form["height"] <= stage["y"], "the form above the canvas"
    assert abs(stage["width"] - editor["width"]) <= 2, "the canvas across the full width"
    toolbar = page.get_by_role("toolbar", name="Drawing tools")
    controls = toolbar.locator("button, select, input")
    assert controls.count() > 15
    for i in range(controls.count()):
        control = controls.nth(i)
        box = control.bounding_box()
        name = control.get_attribute("data-testid")
        assert box["width"] >= 44 and box["height"] >= 44, f"{name}: {box}"

    # And a finger draws on it.
    page.get_by_test_id("tool-pen").click()
    box = page.get_by_test_id("canvas-stage").locator("canvas").first.bounding_box()
    page.evaluate(
        """([x, y, w]) => {
        const el = document.querySelector('[data-testid=canvas-stage] .konvajs-content');
        const fire = (type, dx) => el.dispatchEvent(new PointerEvent(type, {
            bubbles: true, pointerId: 5, pointerType: 'touch', isPrimary: true,
            clientX: x + dx, clientY: y, buttons: type === 'pointerup' ? 0 : 1}));
        fire('pointerdown', 0);
        for (let dx = 10; dx <= w; dx += 10) fire('pointermove', dx);
        fire('pointerup', w);
    }""",
        [box["x"] + 50, box["y"] + 100, 200],
    )
    wait_saved(page)
    assert len(stored(app_server, visit)[0]["lines"]) == 1


def test_a_full_drawing_says_so_and_sends_nothing(page: Page, app_server, scratch_visit):
    """A record holds at most MAX_LINES strokes. A stroke past that is not made: the
    canvas says why at once, queues nothing, and the stored drawing stays as it was
    (the server would refuse it and the canvas reload every stroke)."""
    visit = scratch_visit()
    sign_in(page, PRACTITIONER)
    open_editor(page, visit)
    full = {
        "lines": [
            {
                "id": f"old{i}",
                "tool": "pen",
                "points": [i % 800, 10 + i // 800 * 40, i % 800, 20 + i // 800 * 40],
                "color": "#000000",
                "strokeWidth": 1,
            }
            for i in range(MAX_LINES)
        ],
        "shapes": [],
        "stageSize": {"width": 800, "height": 600},
    }
    with app_server.db.begin() as conn:
        conn.execute(
            text(
                "UPDATE medical_records SET drawing_data = CAST(:d AS jsonb)"
                " WHERE appointment_id = :a"
            ),
            {"d": json.dumps(full), "a": visit},
        )
    page.reload()
    expect(page.get_by_test_id("canvas-stage")).to_have_attribute("data-state", "ready")
    page.get_by_test_id("tool-pen").click()
    drag(page, (100, 300), (300, 320))
    expect(page.get_by_test_id("canvas-full")).to_contain_text(
        f"the most strokes a record can ({MAX_LINES:,})"
    )
    assert page.evaluate("window.__medrecCanvas.pendingCount()") == 0
    expect(page.get_by_test_id("undo")).to_be_disabled()

    # Deleting one with the select tool makes room: the next stroke is saved.
    page.get_by_test_id("tool-select").click()
    page.mouse.click(*stage_point(page, 5, 15))
    selected(page, "1 selected")
    page.keyboard.press("Delete")
    page.get_by_test_id("tool-pen").click()
    drag(page, (100, 300), (300, 320))
    wait_saved(page)
    expect(page.get_by_test_id("canvas-full")).to_have_count(0)
    ids = [line["id"] for line in stored(app_server, visit)[0]["lines"]]
    assert len(ids) == MAX_LINES
    assert sum(not i.startswith("old") for i in ids) == 1  # one gone, the new stroke in
