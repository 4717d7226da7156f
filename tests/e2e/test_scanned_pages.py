"""Scanned and faxed PDF pages in the record editor, compared with a server-side render.

Each scan is put on a patient and chosen as the background of a visit of its own (rows
made here, so no other browser test shares them). The stage's pixels must match what
pdfium draws of the same page; a page or picture that cannot be drawn must say so on
the stage instead of showing white.
"""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops, ImageStat
from playwright.sync_api import Page, expect

from medrec_app.api.pdfjs_assets import PDFJS_VERSION
from tests.cmap_samples import cmap_pdf_bytes
from tests.e2e.test_editor import PRACTITIONER, open_editor, stage_image
from tests.e2e.test_record_files import put_on_patient, signed_in
from tests.file_samples import png_bytes
from tests.scan_samples import (
    ccitt_pdf_bytes,
    jbig2_pdf_bytes,
    jpx_pdf_bytes,
    page_size,
    pdf_with_broken_jpx_bytes,
    reference_render,
)

COMPARE_SIZE = (200, 150)
# Mean absolute difference (0-255) of the downscaled greyscale stage and reference; a
# white page against these scans differs by about 30-45.
MAX_DIFFERENCE = 8
SCANS = {"ccitt": ccitt_pdf_bytes, "jbig2": jbig2_pdf_bytes, "jpx": jpx_pdf_bytes}
# pdf.js decodes CCITT fax and JBIG2 with one WebAssembly module, JPEG 2000 with another.
DECODERS = {"ccitt": "jbig2.wasm", "jbig2": "jbig2.wasm", "jpx": "openjpeg.wasm"}


def choose_background(
    page: Page, app_server, visit: int, name: str, file_type: str, data: bytes
) -> None:
    pages = 1 if file_type == "application/pdf" else None
    file_id = put_on_patient(app_server, visit, name, file_type, data, pages)
    signed_in(page, PRACTITIONER)
    open_editor(page, visit)
    page.get_by_test_id("background-select").select_option(str(file_id))


def page_box(shot: Image.Image, page_size: tuple[float, float]) -> tuple[int, int, int, int]:
    """Where the page sits on the stage screenshot: as large as fits, centred."""
    fit = min(shot.width / page_size[0], shot.height / page_size[1])
    width, height = page_size[0] * fit, page_size[1] * fit
    left, top = (shot.width - width) / 2, (shot.height - height) / 2
    return round(left), round(top), round(left + width), round(top + height)


def difference(stage: Image.Image, reference: Image.Image) -> float:
    a = stage.convert("L").resize(COMPARE_SIZE, Image.Resampling.BOX)
    b = reference.convert("L").resize(COMPARE_SIZE, Image.Resampling.BOX)
    return ImageStat.Stat(ImageChops.difference(a, b)).mean[0]


def dark_share(image: Image.Image) -> float:
    grey = image.convert("L")
    return sum(grey.histogram()[:128]) / (grey.width * grey.height)


@pytest.mark.parametrize("kind", sorted(SCANS))
def test_a_scanned_page_shows_what_the_file_holds(page: Page, app_server, scratch_visit, kind: str):
    data = SCANS[kind]()
    fetched: list[str] = []
    page.on("requestfinished", lambda request: fetched.append(request.url))
    choose_background(
        page, app_server, scratch_visit(), f"scan-{kind}.pdf", "application/pdf", data
    )
    stage = page.get_by_test_id("canvas-stage")
    # Page 1 of the scan, not the template's picture that was ready before the choice.
    expect(stage).to_have_attribute("data-background-page", "1", timeout=30_000)
    expect(stage).to_have_attribute("data-background", "ready")
    expect(page.get_by_test_id("background-error")).to_have_count(0)

    shot = stage_image(page)
    box = page_box(shot, page_size(data))
    on_stage = shot.crop(box)
    reference = reference_render(data, on_stage.size)
    measured = difference(on_stage, reference)
    print(
        f"{kind}: stage vs pdfium mean difference {measured:.1f}, dark share"
        f" {dark_share(on_stage):.3f} (reference {dark_share(reference):.3f})"
    )
    assert dark_share(reference) > 0.05  # the sample has real content to lose
    assert dark_share(on_stage) > 0.6 * dark_share(reference), "the page is (near) blank"
    assert measured < MAX_DIFFERENCE
    # The decoder came from the app, compiled as WebAssembly (the policy allows it), not
    # pdf.js's slower JavaScript fallback.
    decoders = {url.rsplit("/", 1)[-1] for url in fetched if f"/pdfjs/{PDFJS_VERSION}/wasm/" in url}
    assert decoders == {DECODERS[kind]}


def test_text_in_a_predefined_cmap_is_drawn(page: Page, app_server, scratch_visit):
    """Japanese PDFs encode text through Adobe's predefined CMaps (UniJIS-UCS2-H here):
    pdf.js draws it only with the CMap, which it must fetch from the app."""
    font = page.request.get(
        f"{app_server.url}/pdfjs/{PDFJS_VERSION}/standard_fonts/LiberationSans-Regular.ttf"
    )
    data = cmap_pdf_bytes(font.body())
    fetched: list[str] = []
    page.on("requestfinished", lambda request: fetched.append(request.url))
    choose_background(page, app_server, scratch_visit(), "letter-ja.pdf", "application/pdf", data)
    stage = page.get_by_test_id("canvas-stage")
    expect(stage).to_have_attribute("data-background-page", "1", timeout=30_000)
    expect(stage).to_have_attribute("data-background", "ready")

    shot = stage_image(page)
    on_stage = shot.crop(page_box(shot, page_size(data)))
    reference = reference_render(data, on_stage.size)
    measured = difference(on_stage, reference)
    print(
        f"CMap text: stage vs pdfium mean difference {measured:.1f}, dark share"
        f" {dark_share(on_stage):.3f} (reference {dark_share(reference):.3f})"
    )
    assert dark_share(reference) > 0.03
    assert dark_share(on_stage) > 0.6 * dark_share(reference), "the text is missing"
    assert measured < MAX_DIFFERENCE
    cmaps = {url.rsplit("/", 1)[-1] for url in fetched if f"/pdfjs/{PDFJS_VERSION}/cmaps/" in url}
    assert "UniJIS-UCS2-H.bcmap" in cmaps


def test_the_decoders_fonts_and_cmaps_come_from_the_app_itself(page: Page, app_server):
    base = f"/pdfjs/{PDFJS_VERSION}"
    for path, media_type in (
        ("wasm/jbig2.wasm", "application/wasm"),
        ("wasm/openjpeg.wasm", "application/wasm"),
        ("cmaps/UniJIS-UCS2-H.bcmap", "application/octet-stream"),
        ("standard_fonts/LiberationSans-Regular.ttf", "font/ttf"),
    ):
        response = page.request.get(f"{base}/{path}")
        assert response.status == 200, path
        assert response.headers["content-type"] == media_type
        assert "immutable" in response.headers["cache-control"]
    for path in ("build/pdf.mjs", "wasm/../package.json", "wasm/", "wasm/.hidden"):
        assert page.request.get(f"{base}/{path}").status == 404, path
    assert page.request.get("/pdfjs/1.0.0/wasm/jbig2.wasm").status == 404


def expect_not_drawn(page: Page, what: str) -> str:
    stage = page.get_by_test_id("canvas-stage")
    expect(stage).to_have_attribute("data-background", "error", timeout=30_000)
    message = stage.get_by_test_id("background-error")
    expect(message).to_be_visible()
    expect(message).to_contain_text(f"This {what} could not be drawn: ")
    return message.inner_text()


def test_a_pdf_that_cannot_be_read_says_so_on_the_stage(page: Page, app_server, scratch_visit):
    broken = b"%PDF-1.7\n" + b"this is not a PDF body\n" * 40
    choose_background(page, app_server, scratch_visit(), "damaged.pdf", "application/pdf", broken)
    print("unreadable PDF:", expect_not_drawn(page, "page"))


def test_a_picture_pdfjs_cannot_decode_is_not_shown_as_a_ready_page(
    page: Page, app_server, scratch_visit
):
    torn = pdf_with_broken_jpx_bytes()
    choose_background(page, app_server, scratch_visit(), "torn-scan.pdf", "application/pdf", torn)
    text_shown = expect_not_drawn(page, "page")
    print("undecodable picture:", text_shown)
    assert "picture" in text_shown


def test_an_image_the_browser_cannot_decode_says_so_on_the_stage(
    page: Page, app_server, scratch_visit
):
    garbled = png_bytes()[:16] + bytes(range(256)) * 8  # a PNG whose header is garbage
    choose_background(page, app_server, scratch_visit(), "garbled-xray.png", "image/png", garbled)
    print("undecodable image:", expect_not_drawn(page, "image"))
