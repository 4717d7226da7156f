"""The template builder in Chromium: an admin builds a template with every field type and
a PDF-page background, previews and publishes it; a practitioner documents a visit with
it; the admin renames one field, deletes another and publishes version 2; the old record
still shows both values, and a new record follows version 2."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import text
from sqlmodel import Session

from medrec_app.domain.permissions import Actor, Role
from medrec_app.services import template_builder
from tests.e2e.conftest import SCRATCH_PRACTITIONER
from tests.e2e.test_editor import drag, stage_image, stage_point, wait_saved
from tests.e2e.test_sign_in import sign_in
from tests.file_samples import PAGE_COLOURS, pdf_bytes
from tests.image_samples import near

ADMIN = "admin@riverside.example"


@pytest.fixture
def template_name(app_server) -> Iterator[str]:
    """A new template's name; afterwards the template is archived, so the demo clinic's
    visits go on opening with its one default template for the other tests."""
    name = f"Knee assessment {uuid.uuid4().hex[:6]}"
    yield name
    with app_server.db.begin() as conn:
        conn.execute(
            text("UPDATE medical_record_templates SET archived_at = now() WHERE name = :n"),
            {"n": name},
        )


def row(page: Page, index: int):
    return page.get_by_test_id("builder-row").nth(index)


def add_field(page: Page, kind: str, label: str) -> None:
    count = page.get_by_test_id("builder-row").count()
    page.get_by_test_id(f"add-{kind}").click()
    expect(page.get_by_test_id("builder-row")).to_have_count(count + 1)
    set_label(page, count, label)


def set_label(page: Page, index: int, label: str) -> None:
    field = row(page, index)
    field.get_by_test_id("row-label").fill(label)
    expect(field.get_by_test_id("row-key")).not_to_have_value("")


def fill(page: Page, index: int, testid: str, value: str) -> None:
    control = row(page, index).get_by_test_id(testid)
    control.fill(value)
    expect(control).to_have_value(value)


def publish(page: Page, version: int) -> None:
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("builder-message")).to_contain_text(f"Version {version} published")
    expect(page.get_by_test_id("builder-status")).to_have_text(f"Version {version} (published)")


def start_record(page: Page, visit: int, name: str) -> None:
    page.goto(f"/appointments/{visit}")
    page.get_by_test_id("template-select").select_option(label=name)
    page.get_by_test_id("start-record").click()
    expect(page.get_by_test_id("record-editor")).to_be_visible()
    expect(page.get_by_test_id("canvas-stage")).to_have_attribute("data-state", "ready")


def form_of(app_server, visit: int) -> tuple[dict, int]:
    with app_server.db.connect() as conn:
        row_ = conn.execute(
            text(
                "SELECT r.form_data, v.version FROM medical_records r JOIN template_versions v"
                " ON v.id = r.template_version_id WHERE r.appointment_id = :a"
            ),
            {"a": visit},
        ).one()
    return row_.form_data, row_.version


def share_of_colour(image: Image.Image, colour: tuple[int, int, int]) -> float:
    small = image.resize((80, 60))
    pixels = list(small.get_flattened_data())
    return sum(near(p, colour) for p in pixels) / len(pixels)


def test_a_template_is_built_versioned_and_old_records_keep_their_fields(
    new_page: Callable[..., Page], app_server, scratch_visit, template_name, tmp_path
):
    # Tall enough that a drag from the last field onto the first needs no scrolling.
    admin = new_page(viewport={"width": 1400, "height": 3200})
    sign_in(admin, ADMIN)
    expect(admin.get_by_test_id("nav-templates")).to_be_visible()
    admin.get_by_test_id("nav-templates").click()
    admin.get_by_label("Name of a new template").fill(template_name)
    admin.get_by_test_id("create-template").click()
    expect(admin.get_by_test_id("template-builder")).to_be_visible()
    expect(admin.get_by_test_id("builder-status")).to_have_text("Draft of version 1")

    add_field(admin, "text", "Chief complaint")
    row(admin, 0).get_by_test_id("row-required").check()
    add_field(admin, "textarea", "History")
    fill(admin, 1, "row-help", "Since when, and what makes it worse?")
    add_field(admin, "number", "Pain score")
    fill(admin, 2, "row-min_value", "0")
    fill(admin, 2, "row-max_value", "10")
    fill(admin, 2, "row-decimals", "0")
    add_field(admin, "select", "Side")
    fill(admin, 3, "row-options", "Left\nRight")
    add_field(admin, "multiselect", "Signs")
    fill(admin, 4, "row-options", "Swelling\nRedness\nWarmth")
    add_field(admin, "date", "Onset")
    add_field(admin, "yesno", "Smoker")
    add_field(admin, "group", "Vital signs")
    row(admin, 7).get_by_test_id("row-add-child").click()
    expect(admin.get_by_test_id("builder-row")).to_have_count(9)
    set_label(admin, 8, "Pulse")
    row(admin, 8).get_by_test_id("row-type").select_option("number")
    fill(admin, 8, "row-unit", "bpm")
    expect(row(admin, 0).get_by_test_id("row-key")).to_have_value("chief_complaint")
    expect(row(admin, 8).get_by_test_id("row-key")).to_have_value("pulse")

    # Keyboard reorder: Smoker up one place, then back.
    row(admin, 6).get_by_test_id("row-up").focus()
    admin.keyboard.press("Enter")
    expect(row(admin, 5).get_by_test_id("row-label")).to_have_value("Smoker")
    row(admin, 5).get_by_test_id("row-down").press("Enter")
    expect(row(admin, 6).get_by_test_id("row-label")).to_have_value("Smoker")
    # And by dragging its handle: onto the first field, then back onto Onset's place.
    row(admin, 6).locator("[data-drag-handle]").drag_to(row(admin, 0))
    expect(row(admin, 0).get_by_test_id("row-label")).to_have_value("Smoker")
    expect(row(admin, 1).get_by_test_id("row-label")).to_have_value("Chief complaint")
    row(admin, 0).locator("[data-drag-handle]").drag_to(row(admin, 6))
    expect(row(admin, 6).get_by_test_id("row-label")).to_have_value("Smoker")
    expect(row(admin, 0).get_by_test_id("row-label")).to_have_value("Chief complaint")
    # A field inside a group cannot be dropped among the top-level fields.
    row(admin, 8).locator("[data-drag-handle]").drag_to(row(admin, 0))
    expect(row(admin, 8).get_by_test_id("row-label")).to_have_value("Pulse")
    # Labels are text, never markup, in the builder and in the preview.
    add_field(admin, "text", "<b>Bold</b> <img src=x onerror=alert(1)>")
    preview = admin.get_by_test_id("template-preview")
    expect(preview.get_by_text("<b>Bold</b> <img src=x onerror=alert(1)>")).to_be_visible()
    expect(preview.locator("b, img")).to_have_count(0)
    row(admin, 9).get_by_test_id("row-remove").click()
    expect(admin.get_by_test_id("builder-row")).to_have_count(9)

    # The live preview is the editor's own form, as the rows are now.
    expect(preview.get_by_test_id("preview-field-vital_signs.pulse")).to_be_visible()
    expect(preview.get_by_label("Swelling")).to_be_visible()
    preview.get_by_test_id("preview-field-pain_score").fill("12")
    preview.get_by_test_id("preview-field-pain_score").blur()
    expect(preview.get_by_test_id("preview-error-pain_score")).to_have_text(
        "Pain score must be at most 10"
    )

    admin.get_by_test_id("save-draft").click()
    expect(admin.get_by_test_id("builder-message")).to_have_text("Draft of version 1 saved.")

    pdf = tmp_path / "knee-chart.pdf"
    pdf.write_bytes(pdf_bytes(3))
    admin.get_by_test_id("background-page").fill("2")
    expect(admin.get_by_test_id("background-upload")).to_have_attribute(
        "data-upload-url", re.compile(r"page=2$")
    )
    admin.get_by_test_id("upload-input").set_input_files(str(pdf))
    expect(admin.get_by_test_id("upload-row")).to_have_attribute("data-state", "done")
    expect(admin.get_by_test_id("background-preview")).to_be_visible()
    publish(admin, 1)

    # A practitioner documents a visit with version 1.
    doctor = new_page()
    sign_in(doctor, SCRATCH_PRACTITIONER)
    first_visit = scratch_visit()
    start_record(doctor, first_visit, template_name)
    doctor.get_by_test_id("field-chief_complaint").fill("Knee pain after a fall")
    doctor.get_by_test_id("field-history").fill("Two weeks")
    doctor.get_by_label("Yes").check()
    doctor.get_by_label("Swelling").check()
    doctor.get_by_test_id("field-vital_signs.pulse").fill("72")
    doctor.get_by_test_id("field-vital_signs.pulse").blur()
    wait_saved(doctor)
    form, version = form_of(app_server, first_visit)
    assert version == 1
    assert form == {
        "chief_complaint": "Knee pain after a fall",
        "history": "Two weeks",
        "smoker": True,
        "signs": ["Swelling"],
        "vital_signs": {"pulse": "72"},
    }
    # The canvas shows page 2 of the PDF under the drawing.
    expect(doctor.get_by_test_id("canvas-stage")).to_have_attribute("data-background", "ready")
    assert share_of_colour(stage_image(doctor), PAGE_COLOURS[1]) > 0.3
    # The eraser never touches it: an eraser stroke across it leaves its colour there.
    doctor.get_by_test_id("tool-eraser").click()
    drag(doctor, (120, 420), (680, 420), steps=20)
    wait_saved(doctor)
    after = stage_image(doctor)
    stage_box = doctor.get_by_test_id("canvas-stage").bounding_box()
    for x in (150, 250, 550, 650):  # beside the big page number in the middle
        sx, sy = stage_point(doctor, x, 420)
        pixel = after.getpixel((int(sx - stage_box["x"]), int(sy - stage_box["y"])))
        assert near(pixel, PAGE_COLOURS[1]), (x, pixel)

    # Version 2: History renamed, Smoker deleted. Keys records use stay as they are.
    admin.reload()
    expect(admin.get_by_test_id("template-builder")).to_be_visible()
    expect(row(admin, 1).get_by_test_id("row-key")).to_have_attribute("readonly", "")
    row(admin, 1).get_by_test_id("row-label").fill("History of the complaint")
    expect(row(admin, 1).get_by_test_id("row-key")).to_have_value("history")
    row(admin, 6).get_by_test_id("row-remove").click()
    expect(admin.get_by_test_id("builder-row")).to_have_count(8)
    publish(admin, 2)
    admin.get_by_test_id("diff-from").select_option("1")
    admin.get_by_test_id("diff-to").select_option("2")
    admin.get_by_test_id("compare").click()
    changes = admin.get_by_test_id("change-row")
    expect(changes).to_have_count(2)
    expect(changes.nth(0)).to_contain_text("History → History of the complaint")
    expect(changes.nth(1)).to_have_attribute("data-kind", "removed")
    expect(changes.nth(1)).to_contain_text("Smoker")
    versions = admin.get_by_test_id("version-row")
    expect(versions.nth(0)).to_contain_text("Alex Admin")
    expect(versions.nth(1)).to_contain_text("1")

    # The old record still shows both values with version 1's fields.
    doctor.goto(f"/appointments/{first_visit}")
    expect(doctor.get_by_test_id("record-editor")).to_be_visible()
    form = doctor.get_by_test_id("record-form")  # the page's History button is no field
    expect(form.get_by_text("History", exact=True)).to_be_visible()
    expect(doctor.get_by_test_id("field-history")).to_have_value("Two weeks")
    expect(doctor.get_by_label("Yes")).to_be_checked()

    # A new record follows version 2.
    second_visit = scratch_visit()
    start_record(doctor, second_visit, template_name)
    expect(doctor.get_by_text("History of the complaint")).to_be_visible()
    expect(doctor.get_by_test_id("field-smoker")).to_have_count(0)
    doctor.get_by_test_id("field-chief_complaint").fill("Stiff in the morning")
    doctor.get_by_test_id("field-chief_complaint").blur()
    wait_saved(doctor)
    assert form_of(app_server, second_visit) == ({"chief_complaint": "Stiff in the morning"}, 2)


def test_people_who_are_not_admins_cannot_build_templates(page: Page):
    sign_in(page, SCRATCH_PRACTITIONER)
    expect(page.get_by_test_id("appointments-table")).to_be_visible()
    expect(page.get_by_test_id("nav-templates")).to_have_count(0)
    page.goto("/admin/templates")
    expect(page.get_by_text("Only administrators build templates.")).to_be_visible()
    expect(page.get_by_test_id("templates-table")).to_have_count(0)


def test_an_empty_record_switches_template_and_one_with_content_does_not(
    page: Page, app_server, scratch_visit, template_name
):
    with Session(app_server.db) as session:
        admin_id, clinic_id = session.exec(
            text("SELECT id, clinic_id FROM users WHERE email = :e"), params={"e": ADMIN}
        ).one()
        admin = Actor(admin_id, clinic_id, Role.ADMIN)
        template_id = template_builder.create_template(session, admin, template_name)
        schema = {"fields": [{"key": "swelling", "label": "Swelling", "type": "yesno"}]}
        template_builder.save_draft(
            session, admin, template_id, name=template_name, description="", form_schema=schema
        )
        template_builder.publish(session, admin, template_id)
        session.commit()

    sign_in(page, SCRATCH_PRACTITIONER)
    visit = scratch_visit()
    start_record(page, visit, "General consultation")
    expect(page.get_by_test_id("record-template")).to_contain_text(
        "General consultation, version 1"
    )
    page.get_by_test_id("template-switch").select_option(label=template_name)
    page.get_by_test_id("switch-template").click()
    expect(page.get_by_test_id("record-template")).to_contain_text(f"{template_name}, version 1")
    page.get_by_label("Yes").check()
    wait_saved(page)
    assert form_of(app_server, visit) == ({"swelling": True}, 1)
    page.reload()
    expect(page.get_by_test_id("record-editor")).to_be_visible()
    expect(page.get_by_label("Yes")).to_be_checked()
    expect(page.get_by_test_id("template-switch")).to_have_count(0)
