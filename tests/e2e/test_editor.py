"""The record editor in Chromium: drawing, form, auto-save, reload, two tabs, read-only."""

from __future__ import annotations

import io
import json
import re
import time

from PIL import Image, ImageChops
from playwright.sync_api import Page, WebSocketRoute, expect
from sqlalchemy import text

from tests.e2e.test_sign_in import sign_in
from tests.plugins import drawings

PRACTITIONER = "dr.okafor@riverside.example"
# Demo appointments 1030-1035 lie in the future and start without a record; each test
# here takes its own so they do not see each other's strokes.


def open_editor(page: Page, appointment_id: int) -> None:
    page.goto(f"/appointments/{appointment_id}")
    expect(page.get_by_test_id("record-editor")).to_be_visible()
    expect(page.get_by_test_id("canvas-stage")).to_have_attribute("data-state", "ready")


def stage_point(page: Page, x: float, y: float) -> tuple[float, float]:
    """Screen position of stage coordinates (x, y) on the 800 x 600 stage."""
    box = page.get_by_test_id("canvas-stage").locator("canvas").first.bounding_box()
    scale = box["width"] / 800
    return box["x"] + x * scale, box["y"] + y * scale


def drag(page: Page, start: tuple[float, float], end: tuple[float, float], steps: int = 12):
    page.mouse.move(*stage_point(page, *start))
    page.mouse.down()
    page.mouse.move(*stage_point(page, *end), steps=steps)
    page.mouse.up()


def wait_saved(page: Page) -> None:
    expect(page.get_by_test_id("save-status")).to_have_attribute("data-state", "saved")
    page.wait_for_function(
        "() => window.__medrecCanvas && window.__medrecCanvas.pendingCount() === 0"
    )
    expect(page.get_by_test_id("save-status")).to_have_attribute("data-state", "saved")


def stored(app_server, appointment_id: int) -> tuple[dict, dict, int]:
    """The record's drawing (with its tail), form and revision as stored now."""
    return drawings.stored(app_server.db, appointment_id=appointment_id)


def canvas_document(page: Page) -> dict:
    return page.evaluate("window.__medrecCanvas.getDocument()")


def stage_image(page: Page) -> Image.Image:
    return Image.open(io.BytesIO(page.get_by_test_id("canvas-stage").screenshot())).convert("RGB")


def test_a_visit_documented_in_full_is_all_there_after_a_reload(page: Page, app_server):
    sign_in(page, PRACTITIONER)
    open_editor(page, 1030)

    page.get_by_test_id("field-chief_complaint").fill("Pain in the left shoulder")
    page.get_by_test_id("field-vital_signs.bp").fill("128/84")
    page.get_by_test_id("field-vital_signs.pulse").fill("fast")
    expect(page.get_by_test_id("error-vital_signs.pulse")).to_contain_text("number")
    page.get_by_test_id("field-vital_signs.pulse").fill("76")
    expect(page.get_by_test_id("error-vital_signs.pulse")).to_have_count(0)

    page.get_by_test_id("tool-pen").click()
    drag(page, (100, 100), (250, 160))
    page.get_by_test_id("tool-eraser").click()
    drag(page, (150, 90), (150, 180))
    page.get_by_test_id("tool-circle").click()
    drag(page, (400, 300), (440, 300))
    page.get_by_test_id("tool-rect").click()
    drag(page, (500, 100), (600, 180))
    page.get_by_test_id("tool-arrow").click()
    drag(page, (300, 450), (380, 400))
    page.get_by_test_id("tool-text").click()
    page.mouse.click(*stage_point(page, 120, 520))
    page.get_by_test_id("canvas-text-input").fill("tender <script>alert(1)</script>")
    page.keyboard.press("Enter")

    page.get_by_test_id("tool-select").click()
    drag(page, (550, 140), (650, 240))  # move the rectangle by (100, 100)
    page.get_by_test_id("undo").click()  # ...and back
    page.get_by_test_id("redo").click()  # ...and moved again

    wait_saved(page)
    drawing, form, _ = stored(app_server, 1030)
    assert form == {
        "chief_complaint": "Pain in the left shoulder",
        "vital_signs": {"bp": "128/84", "pulse": "76"},
    }
    assert [line["tool"] for line in drawing["lines"]] == ["pen", "eraser"]
    shapes = {s["type"]: s for s in drawing["shapes"]}
    assert set(shapes) == {"circle", "rect", "arrow", "text"}
    assert abs(shapes["rect"]["x"] - 600) < 1 and abs(shapes["rect"]["y"] - 200) < 1
    assert shapes["text"]["text"] == "tender <script>alert(1)</script>"
    before_doc = canvas_document(page)
    # The server stores strokes simplified within 0.5 px, so compare them by id here.
    assert [line["id"] for line in before_doc["lines"]] == [line["id"] for line in drawing["lines"]]
    assert before_doc["shapes"] == drawing["shapes"]
    page.get_by_test_id("tool-pen").click()  # deselect, so no handles show
    before = stage_image(page)

    page.reload()
    open_editor(page, 1030)
    expect(page.get_by_test_id("field-chief_complaint")).to_have_value("Pain in the left shoulder")
    expect(page.get_by_test_id("field-vital_signs.pulse")).to_have_value("76")
    after_doc = canvas_document(page)
    assert after_doc["lines"] == drawing["lines"] and after_doc["shapes"] == drawing["shapes"]
    diff = ImageChops.difference(before, stage_image(page)).convert("L")
    changed = sum(diff.histogram()[33:])
    assert changed < 0.002 * before.width * before.height


def test_two_tabs_drawing_on_one_record_keep_every_stroke(new_page, app_server):
    tabs = [new_page(), new_page()]
    for tab, email in zip(tabs, [PRACTITIONER, "dr.lindqvist@riverside.example"], strict=True):
        sign_in(tab, email)
        expect(tab.get_by_test_id("appointments-table")).to_be_visible()
        open_editor(tab, 1031)
        tab.get_by_test_id("tool-pen").click()
    for i in range(4):
        for n, tab in enumerate(tabs):
            y = 50 + i * 100 + n * 40
            drag(tab, (100 + n * 300, y), (300 + n * 300, y + 20))
    for tab in tabs:
        wait_saved(tab)
    drawing, _, _ = stored(app_server, 1031)
    drawn = {line["id"] for tab in tabs for line in canvas_document(tab)["lines"]}
    assert len(drawing["lines"]) == 8
    assert {line["id"] for line in drawing["lines"]} == drawn


def test_read_only_and_front_desk_see_the_record_but_cannot_change_it(page: Page, app_server):
    sign_in(page, "frontdesk@riverside.example")
    expect(page.get_by_test_id("patient-results")).to_be_visible()  # the front desk's start
    open_editor(page, 1001)  # a demo visit with a record
    expect(page.get_by_test_id("field-chief_complaint")).to_have_value(
        "Persistent knee pain after running"
    )
    expect(page.get_by_test_id("field-chief_complaint")).to_be_disabled()
    expect(page.get_by_test_id("tool-pen")).to_be_disabled()
    before = stored(app_server, 1001)
    drag(page, (100, 100), (300, 200))
    assert page.evaluate("window.__medrecCanvas.pendingCount()") == 0
    assert stored(app_server, 1001) == before


def _rewrite_ops(page: Page, crafted: str) -> list[str]:
    """Route the app's websocket and swap the ops of the next receive_ops event."""
    sent: list[str] = []

    def handler(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            if isinstance(message, str) and "receive_ops" in message and not sent:
                message = re.sub(r'"ops":\[.*\]\}', '"ops":' + crafted + "}", message, count=1)
                sent.append(message)
            server.send(message)

        ws.on_message(from_page)
        server.on_message(lambda message: ws.send(message))

    page.route_web_socket(re.compile(r"/_event"), handler)
    return sent


CRAFTED = {
    "nan": '[{"op":"addLine","opId":"crafted-nan-0001","line":{"id":"x1","tool":"pen",'
    '"points":[1,NaN,3,4],"color":"#000000","strokeWidth":3}}]',
    "unknown tool": '[{"op":"addLine","opId":"crafted-tool-0001","line":{"id":"x2",'
    '"tool":"laser","points":[1,2,3,4],"color":"#000000","strokeWidth":3}}]',
    "too many points": '[{"op":"addLine","opId":"crafted-long-0001","line":{"id":"x3",'
    '"tool":"pen","points":[' + ",".join(["1"] * 100_000) + '],"color":"#000000",'
    '"strokeWidth":3}}]',
}


def test_crafted_operations_are_refused_with_a_message_and_nothing_stored(new_page, app_server):
    for appointment_id, (name, crafted) in zip((1032, 1033, 1034), CRAFTED.items(), strict=True):
        page = new_page()
        sent = _rewrite_ops(page, crafted)
        sign_in(page, PRACTITIONER)
        expect(page.get_by_test_id("appointments-table")).to_be_visible()
        open_editor(page, appointment_id)
        before = stored(app_server, appointment_id)
        page.get_by_test_id("tool-pen").click()
        drag(page, (100, 100), (300, 200))
        expect(page.get_by_text("A change was refused")).to_be_visible()
        assert sent, name
        assert stored(app_server, appointment_id) == before, name
        assert json.dumps(before[0]).count("crafted") == 0


POISON = (
    '{"op":"setBackground","opId":"poisoned-background-0001","backgroundType":"image",'
    '"backgroundFileId":' + str(2**40) + "}"
)


def test_one_poisoned_operation_is_refused_alone_and_later_changes_are_saved(new_page, app_server):
    """A crafted setBackground naming a file id no database row can have rides along with
    a real stroke: it is refused with a message, the stroke and a field change typed
    afterwards are saved, and nothing waits on a retry."""
    page = new_page()
    poisoned: list[str] = []

    def handler(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            if isinstance(message, str) and "receive_ops" in message and not poisoned:
                message = message.replace('"ops":[', '"ops":[' + POISON + ",", 1)
                poisoned.append(message)
            server.send(message)

        ws.on_message(from_page)
        server.on_message(lambda message: ws.send(message))

    page.route_web_socket(re.compile(r"/_event"), handler)
    sign_in(page, PRACTITIONER)
    open_editor(page, 1019)
    page.get_by_test_id("tool-pen").click()
    drag(page, (100, 100), (300, 200))
    refusal = page.get_by_test_id("save-refusal")
    expect(refusal).to_contain_text("A change was refused")
    expect(refusal).to_contain_text("backgroundFileId")
    assert poisoned and "poisoned-background" in poisoned[0]
    page.get_by_test_id("field-chief_complaint").fill("Typed after the refusal")
    wait_saved(page)
    drawing, form, _ = stored(app_server, 1019)
    assert form == {"chief_complaint": "Typed after the refusal"}
    assert [line["id"] for line in drawing["lines"]] == [
        line["id"] for line in canvas_document(page)["lines"]
    ]
    assert len(drawing["lines"]) == 1 and "backgroundFileId" not in drawing
    refusal.get_by_role("button", name="Dismiss").click()
    expect(refusal).to_have_count(0)


WATCH_DRAWING = """() => {
    const seen = window.__medrecSeen = { states: new Set(), fewestLines: Infinity };
    const stage = document.querySelector('[data-testid="canvas-stage"]');
    const look = () => {
        seen.states.add(stage.dataset.state);
        seen.fewestLines = Math.min(
            seen.fewestLines, window.__medrecCanvas.getDocument().lines.length);
        seen.frame = requestAnimationFrame(look);
    };
    look();
}"""


def test_a_refused_change_leaves_the_drawing_on_screen_and_drawing_goes_on(
    new_page, app_server, scratch_visit
):
    """The server refuses a change riding with the second stroke and the canvas fetches
    the record again: the strokes stay on screen all the while (no blank, no loading),
    and a stroke drawn straight after is saved with the rest."""
    visit = scratch_visit()
    page = new_page()
    armed: list[bool] = []
    poisoned: list[str] = []

    def handler(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            if isinstance(message, str) and "receive_ops" in message and armed and not poisoned:
                message = message.replace('"ops":[', '"ops":[' + POISON + ",", 1)
                poisoned.append(message)
            server.send(message)

        ws.on_message(from_page)
        server.on_message(lambda message: ws.send(message))

    page.route_web_socket(re.compile(r"/_event"), handler)
    sign_in(page, PRACTITIONER)
    open_editor(page, visit)
    page.get_by_test_id("tool-pen").click()
    drag(page, (100, 100), (300, 200))
    wait_saved(page)
    page.evaluate(WATCH_DRAWING)
    armed.append(True)
    drag(page, (100, 300), (300, 400))
    expect(page.get_by_test_id("save-refusal")).to_contain_text("backgroundFileId")
    drag(page, (400, 300), (600, 400))
    wait_saved(page)
    seen = page.evaluate(
        "() => { cancelAnimationFrame(window.__medrecSeen.frame);"
        " return {...window.__medrecSeen, states: [...window.__medrecSeen.states]}; }"
    )
    assert poisoned
    assert seen["states"] == ["ready"]
    assert seen["fewestLines"] == 1
    drawing, _, _ = stored(app_server, visit)
    assert len(drawing["lines"]) == 3 and "backgroundFileId" not in drawing
    assert [line["id"] for line in drawing["lines"]] == [
        line["id"] for line in canvas_document(page)["lines"]
    ]


def test_strokes_drawn_while_the_database_is_down_are_saved_when_it_is_back(
    page: Page, app_server, pg_server
):
    sign_in(page, PRACTITIONER)
    open_editor(page, 1035)
    page.get_by_test_id("tool-pen").click()
    drag(page, (100, 100), (300, 120))
    wait_saved(page)

    pg_server.stop()
    try:
        for i in range(3):
            drag(page, (100, 200 + 60 * i), (300, 220 + 60 * i))
        expect(page.get_by_test_id("save-status")).to_have_attribute("data-state", "retrying")
        expect(page.get_by_test_id("canvas-pending")).to_be_visible()
    finally:
        pg_server.ensure_postgres_running()

    expect(page.get_by_test_id("save-status")).to_have_attribute(
        "data-state", "saved", timeout=60_000
    )
    page.wait_for_function("() => window.__medrecCanvas.pendingCount() === 0", timeout=60_000)
    drawing, _, _ = stored(app_server, 1035)
    assert len(drawing["lines"]) == 4
    assert {line["id"] for line in drawing["lines"]} == {
        line["id"] for line in canvas_document(page)["lines"]
    }


def test_strokes_finished_before_a_backend_restart_are_all_saved(page: Page, app_server):
    sign_in(page, PRACTITIONER)
    open_editor(page, 1029)
    page.get_by_test_id("tool-pen").click()
    drag(page, (100, 100), (300, 120))
    wait_saved(page)
    for i in range(3):
        drag(page, (100, 200 + 60 * i), (300, 220 + 60 * i))
    page.get_by_test_id("field-assessment").fill("Typed just before the restart")
    # The field change has reached the server once its draft is back in browser storage.
    page.wait_for_function(
        "() => (localStorage.getItem('medrec_form_drafts') || '')"
        ".includes('just before the restart')"
    )
    drawn = {line["id"] for line in canvas_document(page)["lines"]}

    app_server.restart()  # page state on the server is gone; the browser still has its queue

    deadline = time.monotonic() + 60
    while len(stored(app_server, 1029)[0]["lines"]) < 4 and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    deadline = time.monotonic() + 60
    while "assessment" not in stored(app_server, 1029)[1] and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    drawing, form, _ = stored(app_server, 1029)
    assert {line["id"] for line in drawing["lines"]} == drawn
    assert form["assessment"] == "Typed just before the restart"
    expect(page.get_by_test_id("canvas-pending")).to_have_count(0)


def test_a_selected_rectangle_is_resized_with_its_handle(page: Page, app_server):
    sign_in(page, PRACTITIONER)
    open_editor(page, 1028)
    page.get_by_test_id("tool-rect").click()
    drag(page, (200, 200), (300, 280))
    page.get_by_test_id("tool-select").click()
    page.mouse.click(*stage_point(page, 250, 240))
    # The handles exist once the transformer holds the shape; a drag before that moves it.
    page.wait_for_function(
        "() => window.Konva.stages.some(s => s.find('Transformer')"
        ".some(t => t.nodes().length === 1))"
    )
    drag(page, (300, 280), (350, 320))  # the bottom-right handle
    wait_saved(page)
    (rect,) = stored(app_server, 1028)[0]["shapes"]
    assert abs(rect["width"] - 150) < 2 and abs(rect["height"] - 120) < 2
    assert abs(rect["x"] - 200) < 1 and abs(rect["y"] - 200) < 1
    assert "scaleX" not in rect and "scaleY" not in rect


STYLUS_STROKE = """({kind, id, y}) => {
    const el = document.querySelector('[data-testid=canvas-stage] .konvajs-content');
    const r = el.getBoundingClientRect();
    const s = r.width / 800;
    const fire = (type, x) => el.dispatchEvent(new PointerEvent(type, {
        bubbles: true, cancelable: true, pointerId: id, pointerType: kind, isPrimary: true,
        clientX: r.left + x * s, clientY: r.top + y * s, button: 0,
        buttons: type === 'pointerup' ? 0 : 1, pressure: 0.5}));
    fire('pointerdown', 100);
    for (let x = 110; x <= 300; x += 10) fire('pointermove', x);
    fire('pointerup', 300);
}"""


def test_once_a_stylus_is_seen_touches_are_ignored_until_switched_off(page: Page, app_server):
    sign_in(page, PRACTITIONER)
    open_editor(page, 1027)
    page.get_by_test_id("tool-pen").click()

    def stroke(kind: str, pointer_id: int, y: int) -> None:
        page.evaluate(STYLUS_STROKE, {"kind": kind, "id": pointer_id, "y": y})

    stroke("pen", 2, 100)
    stroke("touch", 3, 200)  # a palm resting on the screen
    wait_saved(page)
    assert len(stored(app_server, 1027)[0]["lines"]) == 1
    expect(page.get_by_test_id("pen-only")).to_have_attribute("aria-pressed", "true")

    page.get_by_test_id("pen-only").click()
    stroke("touch", 4, 300)
    wait_saved(page)
    assert len(stored(app_server, 1027)[0]["lines"]) == 2


def test_a_practitioner_picks_the_template_when_the_clinic_has_several(page: Page, app_server):
    with app_server.db.begin() as conn:
        template_id = conn.execute(
            text(
                "INSERT INTO medical_record_templates (clinic_id, name, is_default)"
                " SELECT clinic_id, 'Physio assessment', false"
                " FROM users WHERE email = 'dr.moreau@hillcrest.example' RETURNING id"
            )
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO template_versions (template_id, version, form_schema, published_at)"
                " VALUES (:template, 1, :schema, now())"
            ),
            {
                "template": template_id,
                "schema": json.dumps(
                    {
                        "version": 1,
                        "fields": [
                            {"key": "range_of_motion", "label": "Range of motion", "type": "text"}
                        ],
                    }
                ),
            },
        )
    sign_in(page, "dr.moreau@hillcrest.example")
    expect(page.get_by_test_id("appointments-table")).to_be_visible()
    page.goto("/appointments/2035")
    select = page.get_by_test_id("template-select")
    expect(select).to_have_value(re.compile(r"\d+"))
    select.select_option(label="Physio assessment")
    page.get_by_test_id("start-record").click()
    expect(page.get_by_test_id("record-editor")).to_be_visible()
    expect(page.get_by_test_id("field-range_of_motion")).to_be_visible()
    with app_server.db.connect() as conn:
        name = conn.execute(
            text(
                "SELECT t.name FROM medical_records r JOIN medical_record_templates t"
                " ON t.id = r.template_id WHERE r.appointment_id = 2035"
            )
        ).scalar_one()
    assert name == "Physio assessment"


def _hold_ops(page: Page) -> None:
    """Route the app's websocket and drop every receive_ops event: ops stay pending."""

    def handler(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        ws.on_message(
            lambda m: None if isinstance(m, str) and "receive_ops" in m else server.send(m)
        )
        server.on_message(lambda message: ws.send(message))

    page.route_web_socket(re.compile(r"/_event"), handler)


def test_a_stroke_not_yet_sent_is_saved_when_the_page_is_left(page: Page, app_server):
    _hold_ops(page)
    sign_in(page, PRACTITIONER)
    open_editor(page, 1026)
    page.get_by_test_id("tool-pen").click()
    drag(page, (120, 320), (380, 360))
    page.wait_for_function("() => window.__medrecCanvas.pendingCount() === 1")
    line_id = page.evaluate("window.__medrecCanvas.pendingOps()[0].line.id")

    page.goto("/")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if line_id in {line["id"] for line in stored(app_server, 1026)[0].get("lines", [])}:
            break
        time.sleep(0.1)
    assert line_id in {line["id"] for line in stored(app_server, 1026)[0]["lines"]}


def test_a_stroke_is_saved_about_a_second_after_it_is_drawn_while_typing_goes_on(
    page: Page, app_server, scratch_visit
):
    """A save waits a second for more changes to join it, counted from the first: a
    clinician who goes on typing after a stroke does not hold the stroke's save back."""
    visit = scratch_visit()
    sign_in(page, PRACTITIONER)
    open_editor(page, visit)
    page.get_by_test_id("tool-pen").click()
    drag(page, (100, 100), (250, 160))
    drawn = time.monotonic()
    page.get_by_test_id("field-chief_complaint").click()
    while not stored(app_server, visit)[0].get("lines"):
        assert time.monotonic() - drawn < 4, "the stroke's save waited for the typing to stop"
        page.keyboard.type("a")
        page.wait_for_timeout(200)
    page.keyboard.type("b")
    wait_saved(page)
    _, form, _ = stored(app_server, visit)
    assert form["chief_complaint"].endswith("ab")
