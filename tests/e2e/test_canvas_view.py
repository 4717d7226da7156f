"""Zoom, pan and the touch and stylus gestures in Chromium: what is shown changes, what is
stored is always the document's own coordinates."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_editor import canvas_document, open_editor, stored, wait_saved
from tests.e2e.test_sign_in import sign_in

PRACTITIONER = "dr.okafor@riverside.example"
WIDTH, HEIGHT = 800, 600


def _box(page: Page) -> dict:
    return page.get_by_test_id("canvas-stage").locator("canvas").first.bounding_box()


def screen_point(page: Page, view: tuple[float, float, float], x: float, y: float):
    """Screen position of document point (x, y) under view (zoom, left, top)."""
    zoom, left, top = view
    box = _box(page)
    k = box["width"] / WIDTH * zoom
    return box["x"] + (x - left) * k, box["y"] + (y - top) * k


def draw(page: Page, view, start, end) -> None:
    page.mouse.move(*screen_point(page, view, *start))
    page.mouse.down()
    page.mouse.move(*screen_point(page, view, *end), steps=10)
    page.mouse.up()


def centred(zoom: float) -> tuple[float, float, float]:
    """The view the zoom buttons make from fit: about the stage's middle."""
    return zoom, WIDTH / 2 - WIDTH / (2 * zoom), HEIGHT / 2 - HEIGHT / (2 * zoom)


def last_line_start(app_server, visit: int) -> tuple[float, float]:
    line = stored(app_server, visit)[0]["lines"][-1]
    return line["points"][0], line["points"][1]


def near(a: tuple[float, float], b: tuple[float, float], tolerance: float = 1.0) -> bool:
    return abs(a[0] - b[0]) <= tolerance and abs(a[1] - b[1]) <= tolerance


def test_zoom_and_pan_change_what_is_shown_never_what_is_stored(
    page: Page, app_server, scratch_visit
):
    visit = scratch_visit()
    sign_in(page, PRACTITIONER)
    open_editor(page, visit)
    page.get_by_test_id("tool-pen").click()
    draw(page, (1, 0, 0), (100, 100), (300, 120))
    wait_saved(page)
    first = stored(app_server, visit)[0]["lines"][0]

    page.get_by_test_id("zoom-in").click()
    page.get_by_test_id("zoom-in").click()
    expect(page.get_by_test_id("zoom-level")).to_have_text("225%")
    # Zooming alone changes nothing stored and queues nothing.
    assert page.evaluate("window.__medrecCanvas.pendingCount()") == 0
    view = centred(2.25)
    draw(page, view, (400, 300), (450, 330))
    wait_saved(page)
    assert near(last_line_start(app_server, visit), (400, 300))

    # Space + drag moves the view by the drag: 90 screen px to the right.
    k = _box(page)["width"] / WIDTH * 2.25
    page.mouse.move(*screen_point(page, view, 400, 300))
    page.keyboard.down("Space")
    page.mouse.down()
    x, y = screen_point(page, view, 400, 300)
    page.mouse.move(x + 90, y, steps=5)
    page.mouse.up()
    page.keyboard.up("Space")
    view = (2.25, view[1] - 90 / k, view[2])
    draw(page, view, (380, 250), (420, 260))
    wait_saved(page)
    assert near(last_line_start(app_server, visit), (380, 250))
    assert len(stored(app_server, visit)[0]["lines"]) == 3  # the pan drew nothing

    # Ctrl + wheel zooms about the pointer: the point under it stays under it.
    page.keyboard.press("0")
    expect(page.get_by_test_id("zoom-level")).to_have_text("100%")
    page.mouse.move(*screen_point(page, (1, 0, 0), 200, 150))
    page.keyboard.down("Control")
    page.mouse.wheel(0, -100)
    page.keyboard.up("Control")
    expect(page.get_by_test_id("zoom-level")).to_have_text("141%")
    zoom = 2**0.5
    view = (zoom, 200 - 200 / zoom, 150 - 150 / zoom)
    draw(page, view, (200, 150), (260, 150))
    wait_saved(page)
    assert near(last_line_start(app_server, visit), (200, 150))

    # The first stroke is what it was, and the browser's copy agrees with the server's.
    lines = stored(app_server, visit)[0]["lines"]
    assert lines[0] == first
    assert [line["id"] for line in canvas_document(page)["lines"]] == [line["id"] for line in lines]
    page.get_by_test_id("zoom-fit").click()
    expect(page.get_by_test_id("zoom-level")).to_have_text("100%")
    expect(page.get_by_test_id("zoom-fit")).to_be_disabled()


POINTERS = """(events) => {
    const el = document.querySelector('[data-testid=canvas-stage] .konvajs-content');
    const r = el.getBoundingClientRect();
    const s = r.width / 800;
    for (const [type, id, kind, x, y] of events) {
        el.dispatchEvent(new PointerEvent(type, {
            bubbles: true, cancelable: true, pointerId: id, pointerType: kind,
            isPrimary: id === 1, clientX: r.left + x * s, clientY: r.top + y * s, button: 0,
            buttons: type === 'pointerup' ? 0 : 1, pressure: 0.5}));
    }
}"""


def touches(page: Page, events: list[tuple[str, int, str, float, float]]) -> None:
    """Dispatch pointer events (type, pointerId, pointerType, x, y) inside the page, at
    document coordinates of the fitted view."""
    page.evaluate(POINTERS, [list(e) for e in events])


def stroke(pointer_id: int, kind: str, y: float, x0: float = 100, x1: float = 300):
    events = [("pointerdown", pointer_id, kind, x0, y)]
    events += [("pointermove", pointer_id, kind, x, y) for x in range(int(x0) + 10, int(x1), 10)]
    return [*events, ("pointerup", pointer_id, kind, x1, y)]


def test_two_fingers_pinch_and_tap_undo_and_a_stylus_discards_the_palm(
    page: Page, app_server, scratch_visit
):
    visit = scratch_visit()
    sign_in(page, PRACTITIONER)
    open_editor(page, visit)
    page.get_by_test_id("tool-pen").click()

    touches(page, stroke(1, "touch", 100))  # one finger draws
    wait_saved(page)
    assert len(stored(app_server, visit)[0]["lines"]) == 1

    # A quick two-finger tap undoes it.
    touches(
        page,
        [
            ("pointerdown", 1, "touch", 300, 300),
            ("pointerdown", 2, "touch", 400, 300),
            ("pointerup", 1, "touch", 300, 300),
            ("pointerup", 2, "touch", 400, 300),
        ],
    )
    wait_saved(page)
    assert stored(app_server, visit)[0]["lines"] == []
    expect(page.get_by_test_id("redo")).to_be_enabled()

    # Two fingers spreading zoom in and draw nothing: the first finger's start is dropped.
    pinch = [("pointerdown", 1, "touch", 350, 300), ("pointerdown", 2, "touch", 450, 300)]
    for step in range(1, 11):
        pinch += [
            ("pointermove", 1, "touch", 350 - 5 * step, 300),
            ("pointermove", 2, "touch", 450 + 5 * step, 300),
        ]
    pinch += [("pointerup", 1, "touch", 300, 300), ("pointerup", 2, "touch", 500, 300)]
    touches(page, pinch)
    expect(page.get_by_test_id("zoom-level")).to_have_text("200%")
    page.get_by_test_id("zoom-fit").click()

    # A palm lands first and starts a stroke; the stylus touching down discards it.
    palm = stroke(7, "touch", 500, 400, 600)
    touches(page, palm[:5])
    touches(page, stroke(8, "pen", 200))
    touches(page, palm[5:])
    wait_saved(page)
    lines = stored(app_server, visit)[0]["lines"]
    assert len(lines) == 1 and abs(lines[0]["points"][1] - 200) < 1
    expect(page.get_by_test_id("pen-only")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.__medrecCanvas.pendingCount()") == 0


def test_two_fingers_and_the_wheel_pan_a_zoomed_view(page: Page, app_server, scratch_visit):
    visit = scratch_visit()
    sign_in(page, PRACTITIONER)
    open_editor(page, visit)
    page.get_by_test_id("tool-pen").click()
    page.get_by_test_id("zoom-in").click()
    page.get_by_test_id("zoom-in").click()
    expect(page.get_by_test_id("zoom-level")).to_have_text("225%")
    view = centred(2.25)

    # Two fingers moving together 60 fitted units to the right pan by as much on the
    # screen (60 / 2.25 document units) and keep the zoom.
    drag = [("pointerdown", 1, "touch", 350, 300), ("pointerdown", 2, "touch", 450, 300)]
    for step in range(1, 7):
        drag += [
            ("pointermove", 1, "touch", 350 + 10 * step, 300),
            ("pointermove", 2, "touch", 450 + 10 * step, 300),
        ]
    drag += [("pointerup", 1, "touch", 410, 300), ("pointerup", 2, "touch", 510, 300)]
    touches(page, drag)
    expect(page.get_by_test_id("zoom-level")).to_have_text("225%")
    view = (2.25, view[1] - 60 / 2.25, view[2])
    draw(page, view, (400, 300), (450, 320))
    wait_saved(page)
    assert near(last_line_start(app_server, visit), (400, 300))

    # The plain wheel pans a zoomed view (down by 90 screen px) instead of the page.
    k = _box(page)["width"] / WIDTH * 2.25
    scrolled = page.evaluate("window.scrollY")
    page.mouse.move(*screen_point(page, view, 400, 300))
    page.mouse.wheel(0, 90)
    view = (2.25, view[1], view[2] + 90 / k)
    draw(page, view, (350, 320), (380, 330))
    wait_saved(page)
    assert near(last_line_start(app_server, visit), (350, 320))
    assert page.evaluate("window.scrollY") == scrolled
    # Neither pan drew anything: the two strokes are all there is.
    assert len(stored(app_server, visit)[0]["lines"]) == 2
    # Chromium without a GPU copies each shown layer's canvas at every frame: the pen's
    # layer between strokes and the shapes' with no shape are hidden.
    assert page.evaluate(SHOWN_LAYERS) == {"live": False, "shapes": False, "strokes": True}


LEAVE = {
    # The app's own link: the canvas unmounts and queues the stroke for the next opening.
    "link": lambda page: page.evaluate(
        "document.querySelector('[data-testid=nav-appointments]').click()"
    ),
    # Another page loads: the stroke is queued before UnloadFlush sends the queue.
    "navigation": lambda page: page.goto("/"),
}


@pytest.mark.parametrize("leave", sorted(LEAVE))
def test_a_stroke_in_progress_is_kept_when_the_page_goes_away(
    page: Page, app_server, scratch_visit, leave: str
):
    visit = scratch_visit()
    sign_in(page, PRACTITIONER)
    open_editor(page, visit)
    page.get_by_test_id("tool-pen").click()
    page.mouse.move(*screen_point(page, (1, 0, 0), 100, 400))
    page.mouse.down()
    page.mouse.move(*screen_point(page, (1, 0, 0), 300, 420), steps=10)
    LEAVE[leave](page)  # with the pen still down
    expect(page.get_by_test_id("appointments-table")).to_be_visible()
    page.mouse.up()
    open_editor(page, visit)
    wait_saved(page)
    (line,) = stored(app_server, visit)[0]["lines"]
    assert near((line["points"][0], line["points"][1]), (100, 400))
    assert near((line["points"][-2], line["points"][-1]), (300, 420))


COUNT_LAYER_DRAWS = """() => {
  const el = document.querySelector('[data-testid=canvas-stage]');
  const stage = window.Konva.stages.find((s) => el.contains(s.container()));
  const role = (layer) => layer.findOne('.medrec-live') ? 'live'
    : layer.findOne('.medrec-live-eraser') ? 'strokes'
    : layer.findOne('Transformer') ? 'shapes' : 'other';
  window.__layerDraws = {live: 0, strokes: 0, shapes: 0, other: 0};
  for (const layer of stage.getLayers()) {
    const draw = layer.drawScene.bind(layer);
    layer.drawScene = (...args) => { window.__layerDraws[role(layer)] += 1; return draw(...args); };
  }
}"""


SHOWN_LAYERS = """() => {
  const el = document.querySelector('[data-testid=canvas-stage]');
  const stage = window.Konva.stages.find((s) => el.contains(s.container()));
  const shown = {};
  for (const [role, selector] of [['live', '.medrec-live'], ['strokes', '.medrec-live-eraser'],
                                  ['shapes', 'Transformer']]) {
    const layer = stage.findOne(selector).getLayer();
    shown[role] = layer.getCanvas()._canvas.style.display !== 'none';
  }
  return shown;
}"""


def test_a_finished_stroke_and_its_save_redraw_only_the_strokes_layer(
    page: Page, app_server, scratch_visit
):
    """Each layer is a canvas of the stage's size, and on a tablet redrawing one costs
    a frame. Drawing redraws the stroke's own layer, finishing it the finished strokes'
    layer once, and its save and acknowledgement none: props made anew at each render
    (the live line's empty points, the transformer's size rule) redrew the strokes and
    the shapes at the stroke's start, its end and each message of its save."""
    visit = scratch_visit()
    sign_in(page, PRACTITIONER)
    open_editor(page, visit)
    page.get_by_test_id("tool-pen").click()
    draw(page, (1, 0, 0), (100, 100), (300, 120))
    wait_saved(page)
    page.evaluate(COUNT_LAYER_DRAWS)

    draw(page, (1, 0, 0), (100, 200), (300, 220))
    wait_saved(page)
    expect(page.get_by_test_id("sign-open")).to_be_enabled()
    draws = page.evaluate("window.__layerDraws")
    assert draws["live"] >= 1
    assert {k: draws[k] for k in ("strokes", "shapes", "other")} == {
        "strokes": 1,
        "shapes": 0,
        "other": 0,
    }
    assert len(stored(app_server, visit)[0]["lines"]) == 2
    # Chromium without a GPU copies each shown layer's canvas at every frame: the pen's
    # layer between strokes and the shapes' with no shape are hidden.
    assert page.evaluate(SHOWN_LAYERS) == {"live": False, "shapes": False, "strokes": True}


INK_AT = """(points) => {
  const el = document.querySelector('[data-testid=canvas-stage]');
  const stage = window.Konva.stages.find((s) => el.contains(s.container()));
  const canvas = stage.findOne('.medrec-live-eraser').getLayer().getCanvas();
  const k = stage.scaleX() * canvas.getPixelRatio();
  const ctx = canvas._canvas.getContext('2d');
  const at = ([x, y]) => ctx.getImageData(Math.round(x * k), Math.round(y * k), 1, 1).data[3];
  return points.map(at);
}"""


def inked_rows(page: Page, rows: list[float]) -> list[float]:
    """The rows (document y) where the finished strokes' layer has ink at x = 175."""
    alphas = page.evaluate(INK_AT, [[175, y] for y in rows])
    return [y for y, alpha in zip(rows, alphas, strict=True) if alpha > 0]


def wait_inked(page: Page, rows: list[float], inked: bool = True) -> None:
    """Until every row has ink at x = 175 (or none has): the layer draws at a frame."""
    check = "a > 0" if inked else "a === 0"
    page.wait_for_function(
        f"(points) => ({INK_AT})(points).every((a) => {check})", arg=[[175, y] for y in rows]
    )


def test_every_stroke_shows_as_the_drawing_grows_and_is_undone(
    page: Page, app_server, scratch_visit
):
    """The finished strokes are drawn as lines while they are few, then from one bitmap
    that each new batch of them is painted onto (the last ones stay lines, so undoing
    one is cheap), painted afresh when an older one goes: after seventy strokes, and
    after undoing down to the first ten, the layer shows exactly the document's."""
    visit = scratch_visit()
    sign_in(page, PRACTITIONER)
    open_editor(page, visit)
    page.get_by_test_id("tool-pen").click()
    rows = [8 + 8 * i for i in range(70)]
    for y in rows:
        draw(page, (1, 0, 0), (50, y), (300, y))
    wait_saved(page)
    assert len(stored(app_server, visit)[0]["lines"]) == 70
    wait_inked(page, rows)
    assert inked_rows(page, rows + [y + 4 for y in rows]) == rows  # nothing between them

    for _ in range(60):
        page.get_by_test_id("undo").click()
    wait_saved(page)
    assert len(stored(app_server, visit)[0]["lines"]) == 10
    wait_inked(page, rows[10:], inked=False)
    assert inked_rows(page, rows) == rows[:10]

    page.reload()
    expect(page.get_by_test_id("canvas-stage")).to_have_attribute("data-state", "ready")
    wait_inked(page, rows[:10])
    assert inked_rows(page, rows) == rows[:10]
