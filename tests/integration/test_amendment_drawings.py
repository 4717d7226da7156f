"""An amendment's drawn layer on real PostgreSQL (issue 14 item 3): it draws on its own
layer, never on the signed one, is signed with its drawing, and shows in its colour in
the export."""

from __future__ import annotations

import io
import uuid

import pypdf
import pypdfium2
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from medrec_app.db import session_scope
from medrec_app.domain.amendment_layers import (
    AMENDMENT_COLOURS,
    ONLY_DRAWING,
    SIGNED_ELEMENT,
    STAGE_KEYS,
)
from medrec_app.domain.permissions import Role
from medrec_app.domain.signature import amendment_hash
from medrec_app.models import MedicalRecord, RecordAmendment
from medrec_app.services import unit_of_work
from medrec_app.services.errors import NotFound
from medrec_app.services.records import amendments
from medrec_app.services.records.export import export_record
from tests.integration.test_record_export import blob
from tests.integration.test_signing import IP, field_op, sign, started
from tests.plugins.factories import PASSWORD


def stroke(line_id: str, points=(100, 300, 700, 300), color="#000000") -> dict:
    return {
        "op": "addLine",
        "opId": uuid.uuid4().hex,
        "line": {
            "id": line_id,
            "tool": "pen",
            "points": list(points),
            "color": color,
            "strokeWidth": 12,
        },
    }


def signed_with_draft(clinic):
    """A signed record (one stroke, id in the record) and its practitioner's draft."""
    doctor = clinic.actors[Role.PRACTITIONER]
    opened = started(clinic)
    sign(clinic, opened)
    draft = unit_of_work.run(amendments.start_amendment, doctor, opened.record_id)
    return opened, draft, doctor


def signed_line_id(record_id: int) -> str:
    with session_scope() as session:
        return session.get(MedicalRecord, record_id).drawing_data["lines"][0]["id"]


def draw(doctor, draft_id: int, ops: list[dict]):
    return unit_of_work.run(amendments.save_amendment_drawing, doctor, draft_id, ops)


def test_an_amendment_draws_on_its_own_layer_and_the_signed_drawing_never_changes(
    clinic_factory,
):
    clinic = clinic_factory()
    opened, draft, doctor = signed_with_draft(clinic)
    with session_scope() as session:
        before = session.get(MedicalRecord, opened.record_id).drawing_data

    added = stroke("amend-1")
    saved = draw(doctor, draft.id, [added])
    assert not saved.refused and saved.acked_op_ids == [added["opId"]]
    again = draw(doctor, draft.id, [added])  # the canvas re-sends until it sees the ack
    assert again.revision == saved.revision and again.acked_op_ids == [added["opId"]]

    revision, drawing = unit_of_work.run(amendments.load_amendment_drawing, doctor, draft.id)
    assert revision == saved.revision
    assert [line["id"] for line in drawing["lines"]] == ["amend-1"]
    assert {k: drawing.get(k) for k in STAGE_KEYS} == {k: before.get(k) for k in STAGE_KEYS}
    with session_scope() as session:
        assert session.get(MedicalRecord, opened.record_id).drawing_data == before
    layers = unit_of_work.run(amendments.drawing_layers, doctor, opened.record_id, draft.id)
    assert layers["below"] == [{"drawing": before, "tint": None}] and layers["above"] == []


def test_operations_on_the_signed_layer_or_beyond_drawing_are_refused_alone(clinic_factory):
    clinic = clinic_factory()
    opened, draft, doctor = signed_with_draft(clinic)
    signed_id = signed_line_id(opened.record_id)
    erase_signed = {
        "op": "deleteElements",
        "opId": uuid.uuid4().hex,
        "lineIds": [signed_id],
    }
    overwrite_signed = stroke(signed_id, color="#ff0000")
    page_turn = {
        "op": "setBackground",
        "opId": uuid.uuid4().hex,
        "backgroundType": None,
    }
    form = field_op("chief_complaint", "changed after signing")
    kept = stroke("amend-ok")

    saved = draw(doctor, draft.id, [erase_signed, overwrite_signed, page_turn, form, kept])

    reasons = {r.op_id: r.message for r in saved.refused}
    assert reasons == {
        erase_signed["opId"]: SIGNED_ELEMENT,
        overwrite_signed["opId"]: SIGNED_ELEMENT,
        page_turn["opId"]: ONLY_DRAWING,
        form["opId"]: ONLY_DRAWING,
    }
    assert kept["opId"] in saved.acked_op_ids and len(saved.acked_op_ids) == 5
    _, drawing = unit_of_work.run(amendments.load_amendment_drawing, doctor, draft.id)
    assert [line["id"] for line in drawing["lines"]] == ["amend-ok"]


def test_only_the_author_draws_on_their_draft(clinic_factory):
    clinic = clinic_factory()
    other = clinic_factory()
    _, draft, _ = signed_with_draft(clinic)
    for actor in (clinic.actors[Role.ADMIN], other.actors[Role.ADMIN]):
        with pytest.raises(NotFound):
            draw(actor, draft.id, [stroke("intruder")])
        with pytest.raises(NotFound):
            unit_of_work.run(amendments.load_amendment_drawing, actor, draft.id)


def test_the_signed_hash_covers_the_drawing_and_a_signed_layer_is_frozen(clinic_factory):
    clinic = clinic_factory()
    opened, draft, doctor = signed_with_draft(clinic)
    draw(doctor, draft.id, [stroke("amend-1")])
    saved = unit_of_work.run(
        amendments.save_amendment, doctor, draft.id, reason="Missed a lesion", text="Marked."
    )
    signed = unit_of_work.run(
        amendments.sign_amendment,
        doctor,
        draft.id,
        password=PASSWORD,
        revision=saved.revision,
        ip=IP,
    )
    with session_scope() as session:
        row = session.get(RecordAmendment, draft.id)
        record = session.get(MedicalRecord, opened.record_id)
        assert signed.sha256 == amendment_hash(
            record.signature_sha256, "Missed a lesion", "Marked.", row.drawing_data
        )
        assert signed.sha256 != amendment_hash(
            record.signature_sha256, "Missed a lesion", "Marked."
        )
    with pytest.raises(NotFound):  # a signed amendment is no draft any more
        draw(doctor, draft.id, [stroke("late")])
    with pytest.raises(DBAPIError, match="is signed"), session_scope() as session:
        session.execute(
            text("UPDATE record_amendments SET drawing_data = '{}' WHERE id = :id"),
            {"id": draft.id},
        )

    viewer = clinic.actors[Role.READ_ONLY]
    layers = unit_of_work.run(amendments.drawing_layers, viewer, opened.record_id)
    assert layers["below"] == []
    assert [layer["tint"] for layer in layers["above"]] == [AMENDMENT_COLOURS[0]]


def test_the_export_paints_a_signed_amendment_in_its_colour_with_a_legend(clinic_factory):
    clinic = clinic_factory()
    opened, draft, doctor = signed_with_draft(clinic)
    draw(doctor, draft.id, [stroke("amend-1", points=(100, 450, 700, 450))])
    saved = unit_of_work.run(
        amendments.save_amendment, doctor, draft.id, reason="Missed a lesion", text="Marked."
    )
    unit_of_work.run(
        amendments.sign_amendment,
        doctor,
        draft.id,
        password=PASSWORD,
        revision=saved.revision,
        ip=IP,
    )

    made = unit_of_work.run(export_record, doctor, opened.record_id)

    pdf = blob(made.pdf.id)
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    assert "Amendment 1, by Practitioner" in pages[0].extract_text()  # the legend
    assert "shown in violet on page 1" in "\n".join(p.extract_text() for p in pages[1:])
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=1).to_pil().convert("RGB")
    finally:
        document.close()
    red, green, blue = image.getpixel((400, 450))
    assert (red, green, blue) == pytest.approx((0x7C, 0x3A, 0xED), abs=12)  # violet
