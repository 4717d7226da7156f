"""The template builder's services on real PostgreSQL: drafts, versions, records that keep
theirs, default and archive, backgrounds through the upload checks, and refusals."""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import text
from sqlmodel import select

from medrec_app.db import session_scope
from medrec_app.domain.file_types import JPEG
from medrec_app.domain.forms import MAX_TEMPLATE_FIELDS
from medrec_app.domain.permissions import PermissionDenied, Role
from medrec_app.models import AuditEvent, MedicalRecord, TemplateVersion
from medrec_app.services import template_backgrounds, template_builder, templates
from medrec_app.services.errors import NotFound, UploadRefused, ValidationFailed
from medrec_app.services.records import editing, template_choice
from medrec_app.services.records.create import MedicalRecordCreate, create_record
from medrec_app.services.records.template_choice import TemplateChangeRefused
from medrec_app.services.template_builder import TemplateRefused
from medrec_app.storage import get_store
from tests.file_samples import PAGE_COLOURS, pdf_bytes
from tests.image_samples import assert_upright, camera_exif, encode, stored_for
from tests.plugins.factories import ClinicData

EVERY_TYPE: dict[str, Any] = {
    "fields": [
        {"key": "complaint", "label": "Complaint", "type": "text", "required": True},
        {"key": "history", "label": "History", "type": "textarea", "help": "Since when?"},
        {"key": "pain", "label": "Pain", "type": "number", "min": 0, "max": 10, "decimals": 0},
        {"key": "side", "label": "Side", "type": "select", "options": ["Left", "Right"]},
        {"key": "signs", "label": "Signs", "type": "multiselect", "options": ["Red", "Warm"]},
        {"key": "onset", "label": "Onset", "type": "date"},
        {"key": "smoker", "label": "Smoker", "type": "yesno"},
        {
            "key": "vitals",
            "label": "Vital signs",
            "type": "group",
            "fields": [{"key": "pulse", "label": "Pulse", "type": "number", "unit": "bpm"}],
        },
    ]
}


def call(service, actor, *args, **kwargs):
    with session_scope() as session:
        return service(session, actor, *args, **kwargs)


def published_template(clinic: ClinicData, name: str = "Knee", schema=EVERY_TYPE) -> int:
    admin = clinic.actors[Role.ADMIN]
    template_id = call(template_builder.create_template, admin, name, "For knees")
    call(
        template_builder.save_draft,
        admin,
        template_id,
        name=name,
        description="For knees",
        form_schema=schema,
    )
    call(template_builder.publish, admin, template_id)
    return template_id


def new_record(clinic: ClinicData, index: int, template_id: int, form: dict) -> int:
    new = MedicalRecordCreate(
        appointment_id=clinic.appointment_ids[index], template_id=template_id, form_data=form
    )
    return call(create_record, clinic.actors[Role.PRACTITIONER], new).id


def opened(clinic: ClinicData, index: int) -> editing.EditorRecord:
    return call(
        editing.open_for_editing, clinic.actors[Role.PRACTITIONER], clinic.appointment_ids[index]
    )


def test_an_old_record_keeps_its_version_after_fields_are_renamed_and_deleted(clinic_factory):
    clinic = clinic_factory()
    admin = clinic.actors[Role.ADMIN]
    template_id = published_template(clinic)
    first = {"complaint": "Knee pain", "smoker": True, "signs": ["Red"]}
    new_record(clinic, 0, template_id, first)

    version_2 = {
        "fields": [
            {"key": "complaint", "label": "Chief complaint", "type": "text", "required": True},
            *EVERY_TYPE["fields"][1:6],
            *EVERY_TYPE["fields"][7:],
        ]
    }
    number = call(
        template_builder.save_draft,
        admin,
        template_id,
        name="Knee",
        description="For knees",
        form_schema=version_2,
    )
    assert number == 2
    assert call(template_builder.publish, admin, template_id) == 2

    old = opened(clinic, 0)
    assert old.template_version == 1
    assert [f["label"] for f in old.form_schema["fields"]][:1] == ["Complaint"]
    assert "smoker" in [f["key"] for f in old.form_schema["fields"]]
    assert old.form_data == first
    new_record(clinic, 1, template_id, {"complaint": "Stiff"})
    new = opened(clinic, 1)
    assert new.template_version == 2
    assert "smoker" not in [f["key"] for f in new.form_schema["fields"]]

    diff = call(template_builder.diff_versions, admin, template_id, 1, 2)
    assert [(c.kind, c.path, c.details) for c in diff.changes] == [
        ("changed", "complaint", ["label: Complaint → Chief complaint"]),
        ("removed", "smoker", []),
    ]
    detail = call(template_builder.read_template, admin, template_id)
    assert [(v.version, v.records) for v in detail.versions] == [(2, 1), (1, 1)]
    assert detail.versions[0].published_by == "Admin"
    assert "smoker" in detail.locked_keys and "vitals.pulse" in detail.locked_keys


def test_a_published_version_cannot_change_even_in_sql(clinic_factory):
    clinic = clinic_factory()
    template_id = published_template(clinic)
    with session_scope() as session, pytest.raises(Exception, match="is published"):
        session.exec(
            text("UPDATE template_versions SET form_schema = '{}' WHERE template_id = :t"),
            params={"t": template_id},
        )


def test_a_draft_is_edited_freely_and_publishing_twice_the_same_is_refused(clinic_factory):
    clinic = clinic_factory()
    admin = clinic.actors[Role.ADMIN]
    template_id = published_template(clinic)
    for label in ("First try", "Second try"):
        schema = {"fields": [{"key": "complaint", "label": label, "type": "text"}]}
        call(
            template_builder.save_draft,
            admin,
            template_id,
            name="Knee",
            description="",
            form_schema=schema,
        )
    with session_scope() as session:
        versions = session.exec(
            select(TemplateVersion).where(TemplateVersion.template_id == template_id)
        ).all()
    assert sorted(v.version for v in versions) == [1, 2]
    # The draft edited back to version 1's fields: nothing new to publish.
    call(
        template_builder.save_draft,
        admin,
        template_id,
        name="Knee",
        description="For knees",
        form_schema=EVERY_TYPE,
    )
    with pytest.raises(TemplateRefused, match="the same as version 1"):
        call(template_builder.publish, admin, template_id)
    call(template_builder.discard_draft, admin, template_id)
    with pytest.raises(TemplateRefused, match="nothing to publish"):
        call(template_builder.publish, admin, template_id)


def test_bad_templates_are_refused_with_their_reasons_and_nothing_changes(clinic_factory):
    clinic = clinic_factory()
    admin = clinic.actors[Role.ADMIN]
    template_id = published_template(clinic)

    def refusal(schema: object, **more: Any) -> list[str]:
        arguments = {"name": "Knee", "description": "", "form_schema": schema} | more
        with pytest.raises(ValidationFailed) as caught:
            call(template_builder.save_draft, admin, template_id, **arguments)
        return caught.value.messages

    text_field = {"key": "a", "label": "A", "type": "text"}
    assert refusal({"fields": [text_field, text_field]}) == ["field key 'a' is used more than once"]
    assert refusal({"fields": [{**text_field, "key": "A b"}]})[0].startswith("fields[0].key:")
    assert refusal({"fields": [{**text_field, "type": "select", "options": []}]}) == [
        "fields[0]: a choice field needs at least one option"
    ]
    assert refusal({"fields": [{**text_field, "type": "number", "min": 5, "max": 1}]}) == [
        "fields[0]: min 5 is greater than max 1"
    ]
    inner = {"key": "g2", "label": "G2", "type": "group", "fields": [text_field]}
    assert refusal({"fields": [{"key": "g", "label": "G", "type": "group", "fields": [inner]}]})
    many = [{**text_field, "key": f"f{i}"} for i in range(500)]
    assert refusal({"fields": many}) == [
        f"fields: has 500 fields; the limit is {MAX_TEMPLATE_FIELDS}"
    ]
    assert refusal(EVERY_TYPE, description="x" * 10_000_000) == [
        "The description is 10000000 characters long; the limit is 2000."
    ]
    other = published_template(clinic, "Shoulder")
    assert other
    assert refusal(EVERY_TYPE, name="shoulder") == [
        "The clinic has a template named 'shoulder' already."
    ]
    detail = call(template_builder.read_template, admin, template_id)
    assert not detail.is_draft and detail.summary.name == "Knee"

    script = {"fields": [{**text_field, "label": "<script>alert(1)</script>"}]}
    call(
        template_builder.save_draft,
        admin,
        template_id,
        name="Knee",
        description="",
        form_schema=script,
    )
    detail = call(template_builder.read_template, admin, template_id)
    assert detail.form_schema["fields"][0]["label"] == "<script>alert(1)</script>"


def test_only_admins_build_and_refusals_are_audited(clinic_factory):
    clinic, other = clinic_factory(), clinic_factory()
    template_id = published_template(clinic)
    for role in (Role.PRACTITIONER, Role.FRONT_DESK, Role.READ_ONLY):
        with pytest.raises(PermissionDenied):
            call(template_builder.create_template, clinic.actors[role], "Mine")
        with pytest.raises(PermissionDenied):
            call(template_builder.publish, clinic.actors[role], template_id)
    with pytest.raises(NotFound):
        call(template_builder.read_template, other.actors[Role.ADMIN], template_id)
    with pytest.raises(NotFound):
        call(template_builder.set_archived, other.actors[Role.ADMIN], template_id, True)
    with session_scope() as session:
        actions = session.exec(
            select(AuditEvent.action).where(AuditEvent.clinic_id == clinic.clinic_id)
        ).all()
    assert {"template.create", "template.edit", "template.publish"} <= set(actions)


def test_default_and_archive(clinic_factory):
    clinic = clinic_factory()
    admin = clinic.actors[Role.ADMIN]
    knee = published_template(clinic, "Knee")
    shoulder = published_template(clinic, "Shoulder")
    choices = call(templates.list_templates, clinic.actors[Role.PRACTITIONER])
    assert [(c.name, c.is_default) for c in choices] == [("Knee", True), ("Shoulder", False)]
    with pytest.raises(TemplateRefused, match="default template"):
        call(template_builder.set_archived, admin, knee, True)
    call(template_builder.make_default, admin, shoulder)
    call(template_builder.set_archived, admin, knee, True)
    choices = call(templates.list_templates, clinic.actors[Role.PRACTITIONER])
    assert [(c.name, c.is_default) for c in choices] == [("Shoulder", True)]
    with pytest.raises(NotFound):
        new_record(clinic, 0, knee, {})
    with pytest.raises(TemplateRefused, match="archived"):
        call(template_builder.publish, admin, knee)
    call(template_builder.set_archived, admin, knee, False)
    assert new_record(clinic, 0, knee, {})


def test_duplicate_copies_the_newest_version_into_a_new_draft(clinic_factory):
    clinic = clinic_factory()
    admin = clinic.actors[Role.ADMIN]
    knee = published_template(clinic, "Knee")
    copy = call(template_builder.duplicate_template, admin, knee)
    again = call(template_builder.duplicate_template, admin, knee)
    detail = call(template_builder.read_template, admin, copy)
    assert detail.summary.name == "Copy of Knee" and detail.is_draft
    assert detail.form_schema == call(template_builder.read_template, admin, knee).form_schema
    assert call(template_builder.read_template, admin, again).summary.name == "Copy of Knee (2)"


def test_two_admins_publishing_at_once_make_one_version(clinic_factory):
    clinic = clinic_factory()
    admin = clinic.actors[Role.ADMIN]
    template_id = published_template(clinic)
    schema = {"fields": [{"key": "complaint", "label": "Changed", "type": "text"}]}
    call(
        template_builder.save_draft,
        admin,
        template_id,
        name="Knee",
        description="",
        form_schema=schema,
    )
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def publish() -> None:
        barrier.wait()
        try:
            outcomes.append(call(template_builder.publish, admin, template_id))
        except TemplateRefused as refused:
            outcomes.append(str(refused))

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [
        2,
        "There is nothing to publish: the template has no unsaved draft.",
    ]


def test_a_pdf_page_becomes_the_background_and_a_bad_file_stores_nothing(clinic_factory):
    clinic = clinic_factory()
    admin = clinic.actors[Role.ADMIN]
    template_id = published_template(clinic)

    def set_background(data: bytes, name: str, page: int = 1) -> int:
        return call(
            template_backgrounds.set_background,
            admin,
            template_id,
            file_name=name,
            source=io.BytesIO(data),
            page_number=page,
        )

    with pytest.raises(ValidationFailed, match="The PDF has 3 pages; choose a page from 1 to 3"):
        set_background(pdf_bytes(3), "chart.pdf", page=5)
    with pytest.raises(UploadRefused):
        set_background(b"%PDF-1.4 not really", "chart.pdf")
    with pytest.raises(UploadRefused):
        set_background(b"<html><script>alert(1)</script></html>", "chart.png")
    assert not call(template_builder.read_template, admin, template_id).is_draft

    assert set_background(pdf_bytes(3), "chart.pdf", page=2) == 2
    with session_scope() as session:
        draft = session.exec(
            select(TemplateVersion).where(
                TemplateVersion.template_id == template_id, TemplateVersion.version == 2
            )
        ).one()
        key = draft.background_file_key
    assert key and key.startswith(f"templates/{template_id}/")
    with get_store().open(key) as blob:
        page = Image.open(io.BytesIO(blob.read())).convert("RGB")
    assert page.getpixel((5, 5)) == PAGE_COLOURS[1]

    photo = encode(stored_for(6), JPEG, exif=camera_exif(6).tobytes())
    set_background(photo, "photo.jpg")
    with session_scope() as session:
        newer = session.get(TemplateVersion, draft.id)
        assert newer is not None and newer.background_file_key != key
        replaced = newer.background_file_key
    assert not get_store().exists(key)  # the replaced draft background is gone
    with get_store().open(replaced) as blob:
        assert_upright(Image.open(io.BytesIO(blob.read())))
    call(template_builder.publish, admin, template_id)
    record_id = new_record(clinic, 0, template_id, {})
    assert opened(clinic, 0).background_url
    with session_scope() as session:
        assert session.get(MedicalRecord, record_id).template_version_id == draft.id


def test_an_empty_record_may_change_template_and_one_with_content_may_not(clinic_factory):
    clinic = clinic_factory()
    knee = published_template(clinic, "Knee")
    shoulder = published_template(clinic, "Shoulder")
    practitioner = clinic.actors[Role.PRACTITIONER]
    record_id = new_record(clinic, 0, knee, {})
    call(template_choice.change_template, practitioner, record_id, shoulder)
    assert opened(clinic, 0).template_name == "Shoulder"

    call(
        editing.save_operations,
        practitioner,
        record_id,
        [{"op": "setField", "opId": "op-field-1", "path": "complaint", "value": "Pain"}],
    )
    with pytest.raises(TemplateChangeRefused, match="has content already"):
        call(template_choice.change_template, practitioner, record_id, knee)
    after = opened(clinic, 0)
    assert after.template_name == "Shoulder" and after.form_data == {"complaint": "Pain"}
    with pytest.raises(PermissionDenied):
        call(template_choice.change_template, clinic.actors[Role.READ_ONLY], record_id, knee)
    other = clinic_factory()
    with pytest.raises(NotFound):
        call(template_choice.change_template, practitioner, record_id, published_template(other))


def test_a_rename_alone_saves_at_once_and_makes_no_draft(clinic_factory):
    clinic = clinic_factory()
    admin = clinic.actors[Role.ADMIN]
    template_id = published_template(clinic)
    assert (
        call(
            template_builder.save_draft,
            admin,
            template_id,
            name="Knee, first visit",
            description="For knees",
            form_schema=EVERY_TYPE,
        )
        == 0
    )
    detail = call(template_builder.read_template, admin, template_id)
    assert detail.summary.name == "Knee, first visit" and not detail.is_draft
    assert [v.version for v in detail.versions] == [1]
