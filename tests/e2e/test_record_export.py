"""Exporting a record in Chromium (issue 14 items 4-5): the PDF's first page, rendered by
PDFium, looks like the canvas the browser drew, and its text reads back with pypdf."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pypdf
import pypdfium2
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.test_accessibility import assert_accessible
from tests.e2e.test_display_backgrounds import exif_6_webp
from tests.e2e.test_editor import drag, open_editor, stage_point, wait_saved
from tests.e2e.test_sign_in import sign_in

DOCTOR = "dr.okafor@riverside.example"
READER = "auditor@riverside.example"
STAGE = (800, 600)
CHANNEL_TOLERANCE = 64
"""A pixel "differs" when a channel is off by more than a quarter of its range..."""
MAX_DIFFERING = 0.02
"""...and at most 2% of the page's pixels may: anti-aliased edges of strokes and glyphs,
where the browser's and PDFium's rasterisers round differently."""
MAX_MEAN_DIFFERENCE = 3.0
"""Mean absolute difference per channel, 0-255, over the whole page."""

# The canvas drawn at one pixel per stage pixel, flattened on white as a page is.
CANVAS_PNG = """() => {
  const stage = window.Konva.stages[0];
  return stage.toDataURL({ pixelRatio: 1 / stage.scaleX(), mimeType: "image/png" });
}"""


def canvas_image(page: Page) -> Image.Image:
    url = page.evaluate(CANVAS_PNG)
    drawn = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGBA")
    assert drawn.size == STAGE
    page_white = Image.new("RGBA", STAGE, "white")
    return Image.alpha_composite(page_white, drawn).convert("RGB")


def first_page(pdf: bytes) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[0].render(scale=1).to_pil().convert("RGB")
    finally:
        document.close()


def draw_a_visit(page: Page) -> None:
    page.get_by_test_id("tool-pen").click()
    drag(page, (100, 100), (300, 180))
    drag(page, (120, 400), (380, 330))
    page.get_by_test_id("tool-eraser").click()
    drag(page, (200, 80), (200, 200))
    page.get_by_test_id("tool-circle").click()
    drag(page, (520, 300), (570, 300))
    page.get_by_test_id("tool-rect").click()
    drag(page, (600, 100), (720, 180))
    page.get_by_test_id("tool-arrow").click()
    drag(page, (420, 520), (500, 460))
    page.get_by_test_id("tool-text").click()
    page.mouse.click(*stage_point(page, 90, 480))
    page.get_by_test_id("canvas-text-input").fill("Tender medial joint line")
    page.keyboard.press("Enter")
    page.get_by_test_id("tool-pen").click()
    page.get_by_test_id("field-chief_complaint").fill("Knee pain after a fall")


def test_the_exported_page_looks_like_the_canvas_and_its_text_reads_back(
    new_page, scratch_visit, tmp_path: Path
):
    photo, _ = exif_6_webp()  # a phone photo turned by its EXIF orientation
    upload = tmp_path / "knee.webp"
    upload.write_bytes(photo)
    visit = scratch_visit()
    page: Page = new_page()
    sign_in(page, DOCTOR)
    open_editor(page, visit)
    page.get_by_test_id("background-upload").click()
    page.get_by_test_id("upload-input").set_input_files(str(upload))
    expect(page.get_by_test_id("upload-row")).to_have_attribute("data-state", "done")
    expect(page.get_by_test_id("canvas-stage")).to_have_attribute("data-background", "ready")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("upload-row")).to_be_hidden()
    draw_a_visit(page)
    wait_saved(page)
    shown = canvas_image(page)

    with page.context.expect_page() as opened:
        page.get_by_test_id("export-record").click()
    link = opened.value.url
    expect(page.get_by_test_id("export-message")).to_contain_text("Exported Visit note")
    expect(page.get_by_test_id("export")).to_have_count(2)
    pdf = page.request.get(link).body()
    assert pdf.startswith(b"%PDF-")

    exported = first_page(pdf)
    assert exported.size == STAGE
    a, b = (np.asarray(image, dtype=np.int16) for image in (shown, exported))
    off = np.abs(a - b)
    differing = float((off.max(axis=2) > CHANNEL_TOLERANCE).mean())
    mean = float(off.mean())
    print(f"\nexport vs canvas: {differing:.2%} of pixels differ, mean difference {mean:.2f}")
    shown.save(tmp_path / "canvas.png")  # kept with the test's files, for a failure
    exported.save(tmp_path / "export.png")
    assert differing <= MAX_DIFFERING
    assert mean <= MAX_MEAN_DIFFERENCE

    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    assert "Tender medial joint line" in pages[0].extract_text()
    note = "\n".join(p.extract_text() for p in pages[1:])
    assert "Knee pain after a fall" in note and "Not signed" in note
    assert_accessible(page, "the record with its exports")


def test_a_read_only_user_opens_an_export_but_makes_none(new_page, scratch_visit):
    visit = scratch_visit()
    doctor: Page = new_page()
    sign_in(doctor, DOCTOR)
    open_editor(doctor, visit)
    doctor.get_by_test_id("tool-pen").click()
    drag(doctor, (100, 100), (300, 180))
    wait_saved(doctor)
    with doctor.context.expect_page():
        doctor.get_by_test_id("export-record").click()
    expect(doctor.get_by_test_id("export")).to_have_count(2)

    reader: Page = new_page()
    sign_in(reader, READER)
    open_editor(reader, visit)
    expect(reader.get_by_test_id("export")).to_have_count(2)
    expect(reader.get_by_test_id("export-record")).to_have_count(0)
    png = reader.get_by_test_id("export").filter(has_text="PNG")
    with reader.context.expect_page() as opened:
        png.get_by_test_id("export-open").click()
    picture = Image.open(io.BytesIO(reader.request.get(opened.value.url).body()))
    assert picture.size == STAGE
