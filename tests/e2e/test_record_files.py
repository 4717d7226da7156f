"""Backgrounds and attachments in the record editor, in Chromium, on both file stores.

Files are put on the demo patients as the upload service stores them (a row and a
blob); the sample PDF's page n is filled with ``PAGE_COLOURS[n - 1]``, so the page on
screen is read from the stage's pixels as well as from the pdf.js page label.
"""

from __future__ import annotations

import re

from PIL import Image, ImageChops
from playwright.sync_api import Page, expect
from sqlalchemy import text
from sqlmodel import Session

from tests.e2e.test_editor import (
    PRACTITIONER,
    canvas_document,
    drag,
    open_editor,
    stage_image,
    stored,
    wait_saved,
)
from tests.e2e.test_sign_in import sign_in
from tests.file_samples import PAGE_COLOURS, pdf_bytes, png_bytes, store_patient_file

YELLOW = (230, 200, 40)
# Demo appointments of Riverside without a record that no other browser test uses.
PDF_VISIT, IMAGE_VISIT, ATTACH_VISIT, S3_VISIT, UNDO_VISIT = 1020, 1021, 1022, 1023, 1024


def signed_in(page: Page, email: str) -> None:
    """Sign in and wait for the appointments list (slow on a busy machine's first page)."""
    sign_in(page, email)
    expect(page.get_by_test_id("appointments-table")).to_be_visible(timeout=30_000)


def put_file(app_server, appointment_id: int, name: str, kind: str) -> int:
    """Store a sample file on the appointment's patient, uploaded by the front desk."""
    data, file_type, pages = {
        "pdf": (pdf_bytes(3), "application/pdf", 3),
        "png": (png_bytes(YELLOW), "image/png", None),
    }[kind]
    return put_on_patient(app_server, appointment_id, name, file_type, data, pages)


def put_on_patient(
    app_server, appointment_id: int, name: str, file_type: str, data: bytes, pages: int | None
) -> int:
    """Store ``data`` on the appointment's patient, uploaded by the front desk."""
    with Session(app_server.db) as session:
        patient_id, uploader = session.execute(
            text(
                "SELECT a.patient_id, u.id FROM appointments a JOIN users u"
                " ON u.email = 'frontdesk@riverside.example' WHERE a.calendar_event_id = :a"
            ),
            {"a": appointment_id},
        ).one()
        file_id = store_patient_file(
            session,
            app_server.store(),
            patient_id=patient_id,
            uploaded_by_user_id=uploader,
            file_name=name,
            file_type=file_type,
            data=data,
            page_count=pages,
        )
        session.commit()
    return file_id


def share_of(image: Image.Image, colour: tuple[int, int, int], tolerance: int = 40) -> float:
    """The fraction of pixels within ``tolerance`` of ``colour``."""
    diff = ImageChops.difference(image, Image.new("RGB", image.size, colour)).convert("L")
    return sum(diff.histogram()[:tolerance]) / (image.width * image.height)


def expect_pdf_page(page: Page, number: int) -> None:
    stage = page.get_by_test_id("canvas-stage")
    expect(stage).to_have_attribute("data-background", "ready")
    expect(stage).to_have_attribute("data-background-page", str(number))
    expect(page.get_by_test_id("pdf-page-label")).to_have_text(f"Page {number} of 3")
    shot = stage_image(page)
    assert share_of(shot, PAGE_COLOURS[number - 1]) > 0.5
    for other in PAGE_COLOURS[: number - 1] + PAGE_COLOURS[number:]:
        assert share_of(shot, other) < 0.01


def links(app_server, appointment_id: int) -> list[tuple[int, str]]:
    with app_server.db.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT f.patient_file_id, f.file_role FROM medical_record_files f"
                " JOIN medical_records r ON r.id = f.medical_record_id"
                " WHERE r.appointment_id = :a ORDER BY f.id"
            ),
            {"a": appointment_id},
        ).all()
    return [tuple(row) for row in rows]


def draw_on_page_two_and_reload(page: Page, app_server, appointment_id: int, pdf: int) -> None:
    """The clinician's flow: page 2 of the PDF as background, a stroke on it, a reload."""
    signed_in(page, PRACTITIONER)
    open_editor(page, appointment_id)
    page.get_by_test_id("background-select").select_option(str(pdf))
    expect_pdf_page(page, 1)
    page.get_by_test_id("pdf-next").click()
    expect_pdf_page(page, 2)
    page.get_by_test_id("tool-pen").click()
    drag(page, (100, 100), (300, 200))
    wait_saved(page)

    drawing, _, _ = stored(app_server, appointment_id)
    assert drawing["backgroundType"] == "pdf" and drawing["backgroundFileId"] == pdf
    assert (drawing["pdfPageNumber"], drawing["pdfNumPages"]) == (2, 3)
    assert len(drawing["lines"]) == 1
    assert links(app_server, appointment_id) == [(pdf, "background")]

    page.reload()
    open_editor(page, appointment_id)
    expect_pdf_page(page, 2)
    assert [line["id"] for line in canvas_document(page)["lines"]] == [
        line["id"] for line in drawing["lines"]
    ]
    stroke = stage_image(page).crop((150, 120, 250, 180))  # screen pixels on the stroke
    assert share_of(stroke, (0, 0, 0), 60) > 0.02


def test_page_two_of_a_pdf_is_the_background_under_the_drawing_after_a_reload(new_page, app_server):
    pdf = put_file(app_server, PDF_VISIT, "knee-report.pdf", "pdf")
    draw_on_page_two_and_reload(new_page(), app_server, PDF_VISIT, pdf)

    reader = new_page()  # the read-only role sees the page but cannot turn it
    signed_in(reader, "auditor@riverside.example")
    open_editor(reader, PDF_VISIT)
    expect_pdf_page(reader, 2)
    expect(reader.get_by_test_id("pdf-next")).to_be_disabled()
    expect(reader.get_by_test_id("background-select")).to_have_count(0)
    expect(reader.get_by_test_id("background-name")).to_contain_text("knee-report.pdf")


def test_an_image_background_fits_the_stage_and_stays_after_a_reload(page: Page, app_server):
    png = put_file(app_server, IMAGE_VISIT, "shoulder-xray.png", "png")
    signed_in(page, PRACTITIONER)
    open_editor(page, IMAGE_VISIT)
    page.get_by_test_id("background-select").select_option(str(png))
    stage = page.get_by_test_id("canvas-stage")
    expect(stage).to_have_attribute("data-background", "ready")
    page.get_by_test_id("tool-rect").click()
    drag(page, (350, 250), (450, 350))
    wait_saved(page)
    drawing, _, _ = stored(app_server, IMAGE_VISIT)
    assert (drawing["backgroundType"], drawing["backgroundFileId"]) == ("image", png)
    assert links(app_server, IMAGE_VISIT) == [(png, "background")]

    page.reload()
    open_editor(page, IMAGE_VISIT)
    expect(stage).to_have_attribute("data-background", "ready")
    shot = stage_image(page)
    scale = shot.width / 800
    # A 400 x 600 image on the 800 x 600 stage: full height, centred, aspect kept.
    middle = shot.crop((int(220 * scale), 20, int(330 * scale), shot.height - 20))
    margin = shot.crop((0, 0, int(180 * scale), shot.height))
    assert share_of(middle, YELLOW) > 0.9
    assert share_of(margin, YELLOW) < 0.01
    assert len(canvas_document(page)["shapes"]) == 1

    page.get_by_test_id("background-select").select_option("none")
    page.wait_for_function("() => !window.__medrecCanvas.getDocument().backgroundFileId")
    wait_saved(page)
    drawing, _, _ = stored(app_server, IMAGE_VISIT)
    assert "backgroundFileId" not in drawing
    assert links(app_server, IMAGE_VISIT) == []


def test_undo_brings_back_the_previous_background_with_a_fresh_link(page: Page, app_server):
    pdf = put_file(app_server, UNDO_VISIT, "knee-report.pdf", "pdf")
    png = put_file(app_server, UNDO_VISIT, "shoulder-xray.png", "png")
    signed_in(page, PRACTITIONER)
    open_editor(page, UNDO_VISIT)
    page.get_by_test_id("background-select").select_option(str(pdf))
    expect_pdf_page(page, 1)
    page.get_by_test_id("background-select").select_option(str(png))
    expect(page.get_by_test_id("pdf-pager")).to_have_count(0)
    expect(page.get_by_test_id("canvas-stage")).to_have_attribute("data-background", "ready")
    # The page now holds a link for the image only: the canvas asks for the PDF's again.
    page.get_by_test_id("undo").click()
    expect_pdf_page(page, 1)
    wait_saved(page)
    drawing, _, _ = stored(app_server, UNDO_VISIT)
    assert (drawing["backgroundType"], drawing["backgroundFileId"]) == ("pdf", pdf)
    assert links(app_server, UNDO_VISIT) == [(pdf, "background")]


def test_a_file_is_attached_opened_and_detached(page: Page, app_server):
    pdf = put_file(app_server, ATTACH_VISIT, "referral-letter.pdf", "pdf")
    signed_in(page, PRACTITIONER)
    open_editor(page, ATTACH_VISIT)
    expect(page.get_by_test_id("attachments")).to_contain_text("No files attached")
    page.get_by_test_id("attach-select").select_option(str(pdf))
    page.get_by_test_id("attach").click()
    link = page.get_by_test_id("attachment-open")
    expect(link).to_have_text("referral-letter.pdf")
    assert links(app_server, ATTACH_VISIT) == [(pdf, "attachment")]

    with page.context.expect_page() as opened:
        link.click()
    tab = opened.value
    tab.wait_for_load_state()
    assert re.search(r"/files/patients/\d+/\d+\.pdf\?", tab.url)
    response = page.request.get(tab.url)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    tab.close()

    page.get_by_test_id("detach").click()
    page.get_by_test_id("detach-cancel").click()
    expect(link).to_have_count(1)
    page.get_by_test_id("detach").click()
    page.get_by_test_id("detach-confirm").click()
    expect(page.get_by_test_id("attachment-open")).to_have_count(0)
    assert links(app_server, ATTACH_VISIT) == []
    with app_server.db.connect() as conn:
        actions = conn.execute(
            text(
                "SELECT action FROM audit_events WHERE file_id = :f"
                " AND action IN ('record.attach', 'record.detach', 'file.view') ORDER BY id"
            ),
            {"f": pdf},
        ).scalars()
        # The link is issued, and audited, when the file is opened, not when it is listed.
        assert list(actions) == ["record.attach", "file.view", "record.detach"]


def upload_as_front_desk(page: Page, app_server, appointment_id: int, path) -> int:
    """The front desk's flow: the visit's patient page, a file through the upload widget."""
    with Session(app_server.db) as session:
        patient_id = session.execute(
            text("SELECT patient_id FROM appointments WHERE calendar_event_id = :a"),
            {"a": appointment_id},
        ).scalar_one()
    sign_in(page, "frontdesk@riverside.example")
    page.goto(f"/patients/{patient_id}")
    page.get_by_test_id("upload-input").set_input_files(str(path))
    expect(page.get_by_test_id("upload-row")).to_have_attribute("data-state", "done")
    with Session(app_server.db) as session:
        return session.execute(
            text("SELECT max(id) FROM patient_files WHERE patient_id = :p"), {"p": patient_id}
        ).scalar_one()


def test_page_two_of_a_pdf_on_the_s3_store_loads_from_s3_by_range(
    new_page, s3_app_server, tmp_path
):
    report = tmp_path / "knee-report.pdf"
    report.write_bytes(pdf_bytes(3))
    pdf = upload_as_front_desk(new_page(), s3_app_server, S3_VISIT, report)
    with Session(s3_app_server.db) as session:
        key, bucket = session.execute(
            text("SELECT s3_key, s3_bucket FROM patient_files WHERE id = :f"), {"f": pdf}
        ).one()
    assert bucket == s3_app_server.env["MEDREC_S3_BUCKET"]
    assert s3_app_server.store().exists(key)
    endpoint = s3_app_server.env["MEDREC_S3_ENDPOINT_URL"]
    page = new_page()
    from_s3: list[tuple[int, str]] = []
    page.on(
        "response",
        lambda r: (
            from_s3.append((r.status, r.request.headers.get("range", "")))
            if r.url.startswith(endpoint)
            else None
        ),
    )
    draw_on_page_two_and_reload(page, s3_app_server, S3_VISIT, pdf)
    assert from_s3, "the browser did not load the PDF from S3"
    assert all(status in (200, 206) for status, _ in from_s3)


def test_a_pdf_uploaded_in_the_editor_becomes_the_background(page: Page, app_server, tmp_path):
    upload_visit = 1025
    scan = tmp_path / "referral.pdf"
    scan.write_bytes(pdf_bytes(3))
    signed_in(page, PRACTITIONER)
    open_editor(page, upload_visit)
    page.get_by_test_id("background-upload").click()
    page.get_by_test_id("upload-input").set_input_files(str(scan))
    expect(page.get_by_test_id("upload-row")).to_have_attribute("data-state", "done")
    expect_pdf_page(page, 1)
    wait_saved(page)
    drawing = stored(app_server, upload_visit)[0]
    assert (drawing["backgroundType"], drawing["pdfPageNumber"]) == ("pdf", 1)
    with Session(app_server.db) as session:
        name = session.execute(
            text("SELECT file_name FROM patient_files WHERE id = :f"),
            {"f": drawing["backgroundFileId"]},
        ).scalar_one()
    assert name == "referral.pdf"
