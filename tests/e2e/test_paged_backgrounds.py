"""What the editor draws for a DICOM x-ray series and page 2 of a fax TIFF, in Chromium.

Each file is uploaded in the editor (the real upload path, so the server makes the
display image) on a visit of this test's own and becomes the background; the stage's
pixels are compared with a render made here without medrec's code: the DICOM with
pydicom's own window function, the fax page with Pillow. The mean absolute difference
of downscaled greyscale pictures is printed (the before/after numbers of the issue).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pydicom
from PIL import Image, ImageSequence
from playwright.sync_api import Page, expect
from pydicom.pixels import apply_voi_lut
from sqlalchemy import text

from tests.e2e.test_display_backgrounds import (
    MAX_MEAN_DIFFERENCE,
    STAGE,
    expected_stage,
    mean_difference,
)
from tests.e2e.test_editor import PRACTITIONER, open_editor, stage_image
from tests.e2e.test_patients import FRONT_DESK, file_row, pick_files
from tests.e2e.test_record_files import signed_in
from tests.e2e.test_sign_in import sign_in
from tests.paged_samples import FAX_DPI, dicom_sample, dicom_variant, fax_tiff


def upload_as_background(page: Page, tmp_path: Path, visit: int, name: str, data: bytes) -> None:
    upload = tmp_path / name
    upload.write_bytes(data)
    signed_in(page, PRACTITIONER)
    open_editor(page, visit)
    page.get_by_test_id("background-upload").click()
    page.get_by_test_id("upload-input").set_input_files(str(upload))
    expect(page.get_by_test_id("upload-row")).to_have_attribute("data-state", "done")
    expect(page.get_by_test_id("canvas-stage")).to_have_attribute("data-background", "ready")
    page.keyboard.press("Escape")  # close the upload panel, which lies over the stage
    expect(page.get_by_test_id("upload-row")).to_be_hidden()


def windowed_by_pydicom(data: bytes) -> Image.Image:
    """The MR as a DICOM viewer opens it: its header window, by pydicom's implementation."""
    dataset = pydicom.dcmread(io.BytesIO(data))
    windowed = apply_voi_lut(dataset.pixel_array, dataset).astype(np.float64)
    bits = int(dataset.BitsStored)
    lowest = -(2 ** (bits - 1)) if dataset.PixelRepresentation else 0
    grey = np.rint((windowed - lowest) / (2**bits - 1) * 255).astype(np.uint8)
    return Image.fromarray(grey).convert("RGB")


def fax_page_as_printed(data: bytes, number: int) -> Image.Image:
    """Page ``number`` of the fax at its real proportions (fax pixels are not square)."""
    with Image.open(io.BytesIO(data)) as tiff:
        picture = ImageSequence.Iterator(tiff)[number - 1].convert("RGB")
    width = picture.width * 72 / FAX_DPI[0]
    height = picture.height * 72 / FAX_DPI[1]
    return picture.resize((round(width), round(height)), Image.Resampling.BOX)


def test_the_editor_draws_a_dicom_mr_with_its_window(
    page: Page, scratch_visit, tmp_path: Path
) -> None:
    data = dicom_sample("examples_overlay.dcm")
    upload_as_background(page, tmp_path, scratch_visit(), "IM000001", data)

    shot = stage_image(page).resize(STAGE, Image.Resampling.BOX)
    difference = mean_difference(shot, expected_stage(windowed_by_pydicom(data)))
    print(f"\nDICOM MR: mean greyscale difference to pydicom's windowed render {difference:.1f}")
    assert difference < MAX_MEAN_DIFFERENCE


def test_the_editor_draws_page_two_of_a_fax_tiff(page: Page, scratch_visit, tmp_path: Path) -> None:
    data = fax_tiff(3)
    upload_as_background(page, tmp_path, scratch_visit(), "referral fax.tif", data)
    stage = page.get_by_test_id("canvas-stage")
    expect(stage).to_have_attribute("data-background-page", "1")
    expect(page.get_by_test_id("pdf-page-label")).to_contain_text("3")

    page.get_by_test_id("pdf-next").click()
    expect(stage).to_have_attribute("data-background-page", "2")
    expect(stage).to_have_attribute("data-background", "ready")

    shot = stage_image(page).resize(STAGE, Image.Resampling.BOX)
    right = mean_difference(shot, expected_stage(fax_page_as_printed(data, 2)))
    wrong = mean_difference(shot, expected_stage(fax_page_as_printed(data, 1)))
    print(f"\nfax TIFF page 2: mean difference {right:.1f} (to page 1: {wrong:.1f})")
    assert right < MAX_MEAN_DIFFERENCE
    assert wrong > 2 * right


def scratch_patient(app_server, visit: int) -> int:
    with app_server.db.begin() as conn:
        return conn.execute(
            text("SELECT patient_id FROM appointments WHERE calendar_event_id = :a"), {"a": visit}
        ).scalar_one()


def test_the_file_list_shows_whose_name_a_dicom_file_carries(
    page: Page, app_server, scratch_visit
) -> None:
    visit = scratch_visit()
    patient = scratch_patient(app_server, visit)

    def named(name: str, burned_in: str):
        def change(ds) -> None:
            ds.PatientName, ds.BurnedInAnnotation = name, burned_in

        return dicom_variant("CT_small.dcm", change)

    sign_in(page, FRONT_DESK)
    page.goto(f"/patients/{patient}")
    ours = named(f"Visit{visit}^Scratch", "NO")
    pick_files(
        page,
        [
            ("IM000001", "application/octet-stream", ours),
            ("IM000002", "application/octet-stream", named("Lestrade^G", "YES")),
        ],
    )
    theirs_row, ours_row = file_row(page, "IM000002.dcm"), file_row(page, "IM000001.dcm")
    expect(ours_row.get_by_test_id("file-note")).to_have_text(
        f"Name in the file: Visit{visit}, Scratch."
    )
    expect(ours_row.get_by_test_id("file-note")).to_have_attribute("data-warning", "false")
    note = theirs_row.get_by_test_id("file-note")
    expect(note).to_contain_text("Name in the file: Lestrade, G.")
    expect(note).to_contain_text("This is not this patient's name")
    expect(note).to_contain_text("burned into the picture")
    expect(note).to_have_attribute("data-warning", "true")
    expect(ours_row.get_by_test_id("file-kind")).to_have_text("DICOM image")

    with page.context.expect_page() as opened:
        ours_row.get_by_test_id("file-open").click()
    tab = opened.value
    tab.wait_for_load_state()
    shown = page.request.get(tab.url)
    assert shown.headers["content-type"].startswith("image/png")  # the display image
    tab.close()
    # The original downloads (the new tab never shows it): the link it was sent to.
    with page.context.expect_event(
        "request", predicate=lambda request: "/files/" in request.url
    ) as requested:
        ours_row.get_by_test_id("file-download-original").click()
    original = page.request.get(requested.value.url)
    assert original.body() == ours
    assert original.headers["content-disposition"].startswith("attachment")
