"""The front desk's patient page in Chromium: find a patient, upload, open, delete.

Each test works on its own demo patient, so their files do not meet. Uploads go through
the real route (``POST /api/patients/{id}/files``) into the app's local file store.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect
from sqlalchemy import text

from medrec_app.domain.formatting import human_size
from tests.e2e.test_sign_in import sign_in
from tests.plugins.signed import mark_signed

FRONT_DESK = "frontdesk@riverside.example"
READ_ONLY = "auditor@riverside.example"
PRACTITIONER = "dr.okafor@riverside.example"
UPLOAD_LIMIT = 100 * 1024 * 1024  # the default MEDREC_MAX_UPLOAD_BYTES


def xray_jpeg() -> bytes:
    image = Image.new("L", (640, 480), 20)
    draw = ImageDraw.Draw(image)
    draw.ellipse((220, 60, 420, 420), fill=200)
    draw.rectangle((300, 200, 340, 470), fill=240)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def three_page_pdf() -> bytes:
    pages = [Image.new("RGB", (300, 400), colour) for colour in ("white", "lightblue", "pink")]
    for number, page in enumerate(pages, 1):
        ImageDraw.Draw(page).text((40, 40), f"Referral page {number}", fill="black")
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:])
    return out.getvalue()


def small_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), "teal").save(out, "PNG")
    return out.getvalue()


def patient_id(app_server, last_name: str) -> int:
    with app_server.db.connect() as conn:
        return conn.execute(
            text("SELECT id FROM patients WHERE last_name = :n"), {"n": last_name}
        ).scalar_one()


def stored_names(app_server, pid: int) -> list[str]:
    with app_server.db.connect() as conn:
        return list(
            conn.execute(
                text("SELECT file_name FROM patient_files WHERE patient_id = :p ORDER BY id"),
                {"p": pid},
            ).scalars()
        )


def orphan_blobs(app_server, pid: int) -> set[str]:
    """Blobs in the local store under the patient's prefix that no row points at."""
    root = Path(app_server.env["MEDREC_DATA_DIR"]) / "files"
    folder = root / "patients" / str(pid)
    on_disk = {p.relative_to(root).as_posix() for p in folder.rglob("*") if p.is_file()}
    with app_server.db.connect() as conn:
        keys = conn.execute(
            text("SELECT s3_key, thumbnail_key FROM patient_files WHERE patient_id = :p"),
            {"p": pid},
        ).all()
    return on_disk - {key for row in keys for key in row if key}


def open_patient(page: Page, app_server, last_name: str) -> int:
    pid = patient_id(app_server, last_name)
    page.goto(f"/patients/{pid}")
    expect(page.get_by_test_id("patient-name")).to_contain_text(last_name)
    return pid


def file_row(page: Page, name: str):
    return page.locator(f'[data-testid=file-row][data-name="{name}"]')


def upload_row(page: Page, name: str):
    return page.locator(f'[data-testid=upload-row][data-name="{name}"]')


def pick_files(page: Page, files: list[tuple[str, str, bytes]]) -> None:
    """Choose files through the "Choose files" button's file dialog."""
    with page.expect_file_chooser() as chooser:
        page.get_by_test_id("upload-choose").click()
    chooser.value.set_files(
        [{"name": name, "mimeType": kind, "buffer": data} for name, kind, data in files]
    )


def drop_files(page: Page, script: str, args: object) -> None:
    """Drag a DataTransfer built in the page by ``script`` onto the drop zone and drop it."""
    transfer = page.evaluate_handle(script, args)
    zone = page.get_by_test_id("upload-dropzone")
    zone.dispatch_event("dragenter", {"dataTransfer": transfer})
    zone.dispatch_event("dragover", {"dataTransfer": transfer})
    expect(zone).to_have_attribute("data-dragging", "true")
    zone.dispatch_event("drop", {"dataTransfer": transfer})
    expect(zone).to_have_attribute("data-dragging", "false")


FILES_FROM_BYTES = """([items]) => {
  const transfer = new DataTransfer();
  for (const [name, type, b64] of items) {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    transfer.items.add(new File([bytes], name, {type}));
  }
  return transfer;
}"""

FILES_OF_SIZE = """([names, type, size]) => {
  const transfer = new DataTransfer();
  const head = new Uint8Array([0xff, 0xd8, 0xff, 0xe0]);
  for (const name of names) {
    transfer.items.add(new File([head, new Uint8Array(size - head.length)], name, {type}));
  }
  return transfer;
}"""


def wait_thumbnails_loaded(page: Page, count: int) -> None:
    thumbs = page.get_by_test_id("file-thumbnail")
    expect(thumbs).to_have_count(count)
    page.wait_for_function(
        """(n) => {
          const images = [...document.querySelectorAll('[data-testid=file-thumbnail]')];
          return images.length === n && images.every((i) => i.complete && i.naturalWidth > 0);
        }""",
        arg=count,
    )


def test_front_desk_finds_a_patient_and_uploads_an_xray_and_a_pdf(page: Page, app_server):
    sign_in(page, FRONT_DESK)
    expect(page).to_have_url(re.compile(r"/patients/?$"))  # the front desk's main screen
    results = page.get_by_test_id("patient-row")
    expect(results).to_have_count(6)

    page.get_by_test_id("patient-search-dob").fill("1984-03-12")
    page.get_by_test_id("patient-search-submit").click()
    expect(results).to_have_count(1)
    expect(results).to_contain_text("Garcia, Maria")
    expect(results).to_contain_text("12 Mar 1984")

    page.get_by_test_id("patient-search-dob").fill("")
    page.get_by_test_id("patient-search-name").fill("rahm")
    page.get_by_test_id("patient-search-submit").click()
    expect(results).to_have_count(1)
    expect(results).to_contain_text("Rahman, Aisha")
    assert "rahm" not in page.url  # search text stays out of URLs
    results.get_by_test_id("patient-link").click()

    expect(page.get_by_test_id("patient-name")).to_have_text("Aisha Rahman")
    expect(page.get_by_test_id("patient-dob")).to_contain_text("25 Jul 1992")
    expect(page.get_by_test_id("files-empty")).to_be_visible()
    jpeg, pdf = xray_jpeg(), three_page_pdf()
    pick_files(
        page,
        [("knee-xray.jpg", "image/jpeg", jpeg), ("referral.pdf", "application/pdf", pdf)],
    )
    expect(page.locator("[data-testid=upload-row][data-state=done]")).to_have_count(2)
    expect(upload_row(page, "referral.pdf").get_by_test_id("upload-status")).to_have_text(
        "Uploaded"
    )

    expect(page.get_by_test_id("file-row")).to_have_count(2)
    xray, referral = file_row(page, "knee-xray.jpg"), file_row(page, "referral.pdf")
    expect(xray.get_by_test_id("file-kind")).to_have_text("JPEG image")
    expect(xray.get_by_test_id("file-size")).to_have_text(human_size(len(jpeg)))
    expect(xray.get_by_test_id("file-pages")).to_have_text("")
    expect(referral.get_by_test_id("file-kind")).to_have_text("PDF document")
    expect(referral.get_by_test_id("file-size")).to_have_text(human_size(len(pdf)))
    expect(referral.get_by_test_id("file-pages")).to_have_text("3 pages")
    expect(referral.get_by_test_id("file-uploader")).to_have_text("Fran Desk")
    expect(referral.get_by_test_id("file-date")).to_contain_text(re.compile(r"\d\d:\d\d$"))
    wait_thumbnails_loaded(page, 2)

    page.reload()
    expect(page.get_by_test_id("file-row")).to_have_count(2)
    assert sorted(stored_names(app_server, patient_id(app_server, "Rahman"))) == [
        "knee-xray.jpg",
        "referral.pdf",
    ]


def test_dropped_files_upload_and_show_up(page: Page, app_server):
    sign_in(page, FRONT_DESK)
    pid = open_patient(page, app_server, "Brennan")
    png = small_png()
    drop_files(
        page, FILES_FROM_BYTES, [[["shoulder.png", "image/png", base64.b64encode(png).decode()]]]
    )
    expect(upload_row(page, "shoulder.png")).to_have_attribute("data-state", "done")
    expect(file_row(page, "shoulder.png")).to_be_visible()
    expect(file_row(page, "shoulder.png").get_by_test_id("file-kind")).to_have_text("PNG image")
    assert stored_names(app_server, pid) == ["shoulder.png"]


def test_a_refused_file_shows_the_servers_message_and_adds_nothing(page: Page, app_server):
    sign_in(page, FRONT_DESK)
    pid = open_patient(page, app_server, "Achterberg")
    html = b"<html><body><script>alert(1)</script></body></html>"
    with page.expect_response(
        lambda r: r.url.endswith(f"/api/patients/{pid}/files") and r.request.method == "POST"
    ) as answer:
        pick_files(page, [("xray.jpg", "image/jpeg", html)])
    assert answer.value.status in (415, 422)
    message = answer.value.json()["error"]["message"]
    row = upload_row(page, "xray.jpg")
    expect(row).to_have_attribute("data-state", "failed")
    expect(row.get_by_test_id("upload-status")).to_have_text(message)
    expect(page.get_by_test_id("files-empty")).to_be_visible()
    assert stored_names(app_server, pid) == []
    assert orphan_blobs(app_server, pid) == set()


def test_an_over_limit_file_is_refused_in_the_browser_before_sending(page: Page, app_server):
    sign_in(page, FRONT_DESK)
    pid = open_patient(page, app_server, "Achterberg")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    drop_files(page, FILES_OF_SIZE, [["huge-scan.jpg"], "image/jpeg", UPLOAD_LIMIT + 1])
    row = upload_row(page, "huge-scan.jpg")
    expect(row).to_have_attribute("data-state", "failed")
    expect(row.get_by_test_id("upload-status")).to_have_text(
        "This file is larger than the upload limit of 100 MB."
    )
    assert not [url for url in posts if "/api/patients/" in url]
    assert stored_names(app_server, pid) == []


def test_cancelling_an_upload_leaves_no_file(page: Page, app_server):
    sign_in(page, FRONT_DESK)
    pid = open_patient(page, app_server, "Watanabe")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 256_000},
    )
    names = ["scan-1.jpg", "scan-2.jpg", "scan-3.jpg"]
    drop_files(page, FILES_OF_SIZE, [names, "image/jpeg", 20 * 1024 * 1024])
    first, second, third = (upload_row(page, name) for name in names)
    expect(first).to_have_attribute("data-state", "uploading")
    expect(second).to_have_attribute("data-state", "uploading")
    expect(third).to_have_attribute("data-state", "queued")  # two at a time
    expect(third.get_by_test_id("upload-status")).to_have_text("Waiting")
    expect(first.get_by_test_id("upload-progress")).not_to_have_attribute("aria-valuenow", "0")

    first.get_by_test_id("upload-cancel").click()
    expect(first).to_have_attribute("data-state", "cancelled")
    expect(first.get_by_test_id("upload-status")).to_have_text("Cancelled")
    expect(first.get_by_test_id("upload-cancel")).to_have_count(0)
    expect(third).to_have_attribute("data-state", "uploading")  # its turn came
    for row in (third, second):
        row.get_by_test_id("upload-cancel").click()
        expect(row).to_have_attribute("data-state", "cancelled")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )

    # A later upload lands; the cancelled one never does.
    pick_files(page, [("after.png", "image/png", small_png())])
    expect(file_row(page, "after.png")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("file-row")).to_have_count(1)
    assert stored_names(app_server, pid) == ["after.png"]
    assert orphan_blobs(app_server, pid) == set()


def test_open_gets_a_fresh_signed_link_in_a_new_tab(page: Page, app_server):
    sign_in(page, FRONT_DESK)
    open_patient(page, app_server, "Whitfield")
    png = small_png()
    pick_files(page, [("hand.png", "image/png", png)])
    row = file_row(page, "hand.png")
    expect(row).to_be_visible()
    with page.context.expect_page() as opened:
        row.get_by_test_id("file-open").click()
    tab = opened.value
    tab.wait_for_load_state()
    link = tab.url
    assert link.startswith(f"{app_server.url}/files/") and "sig=" in link
    fetched = page.request.get(link)
    assert fetched.status == 200
    assert fetched.headers["content-type"].startswith("image/png")
    assert fetched.body() == png
    signature = link.rsplit("sig=", 1)[-1]
    assert signature not in page.content()  # issued for the click, never kept in the page
    tab.close()


def test_delete_asks_first_and_then_removes_the_file(page: Page, app_server):
    sign_in(page, FRONT_DESK)
    pid = open_patient(page, app_server, "Garcia")
    pick_files(page, [("old-scan.png", "image/png", small_png())])
    row = file_row(page, "old-scan.png")
    expect(row).to_be_visible()

    row.get_by_test_id("file-delete").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("Delete old-scan.png?")
    page.get_by_test_id("cancel-delete").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(row).to_be_visible()

    row.get_by_test_id("file-delete").click()
    page.get_by_test_id("confirm-delete").click()
    expect(page.get_by_test_id("files-message")).to_have_text("The file was deleted.")
    expect(row).to_have_count(0)
    assert "old-scan.png" not in stored_names(app_server, pid)
    assert orphan_blobs(app_server, pid) == set()


def test_a_file_a_signed_record_uses_is_kept_with_the_reason(page: Page, app_server, scratch_visit):
    visit = scratch_visit()
    with app_server.db.begin() as conn:
        record_id = conn.execute(
            text(
                "INSERT INTO medical_records (appointment_id, created_by_user_id) "
                "SELECT calendar_event_id, practitioner_id FROM appointments "
                "WHERE calendar_event_id = :a RETURNING id"
            ),
            {"a": visit},
        ).scalar_one()
    sign_in(page, FRONT_DESK)
    open_patient(page, app_server, f"Visit{visit}")
    pick_files(page, [("signed-evidence.png", "image/png", small_png())])
    row = file_row(page, "signed-evidence.png")
    expect(row).to_be_visible()
    file_id = int(row.get_attribute("data-file-id"))
    with app_server.db.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO medical_record_files (medical_record_id, patient_file_id, file_role)"
                " VALUES (:r, :f, 'attachment')"
            ),
            {"r": record_id, "f": file_id},
        )
        mark_signed(conn, record_id)
    row.get_by_test_id("file-delete").click()
    page.get_by_test_id("confirm-delete").click()
    expect(page.get_by_test_id("files-message")).to_contain_text("signed record")
    expect(row).to_be_visible()


def test_read_only_users_see_files_but_no_upload_or_delete(new_page, app_server):
    desk = new_page()
    sign_in(desk, FRONT_DESK)
    pid = open_patient(desk, app_server, "Whitfield")
    pick_files(desk, [("for-everyone.png", "image/png", small_png())])
    expect(file_row(desk, "for-everyone.png")).to_be_visible()

    for email, may_upload in ((READ_ONLY, False), (PRACTITIONER, True)):
        viewer = new_page()
        sign_in(viewer, email)
        expect(viewer.get_by_test_id("user-name")).to_be_visible()
        viewer.get_by_test_id("nav-patients").click()
        expect(viewer).to_have_url(re.compile(r"/patients/?$"))
        viewer.goto(f"/patients/{pid}")
        expect(file_row(viewer, "for-everyone.png")).to_be_visible()
        expect(viewer.get_by_test_id("file-open")).not_to_have_count(0)
        expect(viewer.get_by_test_id("file-delete")).to_have_count(0)
        expect(viewer.get_by_test_id("upload-dropzone")).to_have_count(1 if may_upload else 0)


def test_another_clinics_patient_is_not_found(page: Page, app_server):
    sign_in(page, FRONT_DESK)
    expect(page.get_by_test_id("patient-results")).to_be_visible()
    other = patient_id(app_server, "Hoffmann")  # a Hillcrest patient
    for path in (
        f"/patients/{other}",
        "/patients/999999",
        "/patients/abc",
        "/patients/2147483648",
        "/patients/%C2%B2",
    ):
        page.goto(path)
        expect(page.get_by_test_id("patient-not-found")).to_have_text("The patient was not found.")
        expect(page.get_by_test_id("patient-name")).to_have_count(0)
        expect(page.get_by_test_id("upload-dropzone")).to_have_count(0)
    page.goto("/patients")
    page.get_by_test_id("patient-search-name").fill("Hoffmann")
    page.get_by_test_id("patient-search-submit").click()
    expect(page.get_by_test_id("patients-empty")).to_be_visible()
