"""Amendments of a signed record on real PostgreSQL: drafts, signing, order, and that
neither the amendment once signed nor the record it amends ever changes (issue 14 item 3)."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from medrec_app.db import session_scope
from medrec_app.domain.permissions import PermissionDenied, Role
from medrec_app.domain.signature import canonical_json
from medrec_app.services import unit_of_work
from medrec_app.services.errors import NotFound, ValidationFailed
from medrec_app.services.records import amendments
from medrec_app.services.records.signing import SignRefused
from tests.integration.test_signing import IP, sign, started, stored
from tests.plugins.factories import PASSWORD, make_clinic


def signed_record(clinic) -> int:
    opened = started(clinic)
    sign(clinic, opened)
    return opened.record_id


def run(clinic, role, service, *args, **kwargs):
    return unit_of_work.run(service, clinic.actors[role], *args, **kwargs)


def write(clinic, role, draft, reason: str, body: str) -> amendments.AmendmentPublic:
    return run(clinic, role, amendments.save_amendment, draft.id, reason=reason, text=body)


def sign_draft(clinic, role, draft, password=PASSWORD):
    return run(
        clinic,
        role,
        amendments.sign_amendment,
        draft.id,
        password=password,
        revision=draft.revision,
        ip=IP,
    )


def test_only_a_signed_record_takes_amendments_and_each_author_has_one_draft(clinic_factory):
    clinic = clinic_factory()
    opened = started(clinic)
    with pytest.raises(amendments.AmendmentRefused, match="Only a signed record"):
        run(clinic, Role.PRACTITIONER, amendments.start_amendment, opened.record_id)
    sign(clinic, opened)
    first = run(clinic, Role.PRACTITIONER, amendments.start_amendment, opened.record_id)
    again = run(clinic, Role.PRACTITIONER, amendments.start_amendment, opened.record_id)
    admins = run(clinic, Role.ADMIN, amendments.start_amendment, opened.record_id)
    assert first.id == again.id != admins.id
    for role in (Role.FRONT_DESK, Role.READ_ONLY):
        with pytest.raises(PermissionDenied):
            run(clinic, role, amendments.start_amendment, opened.record_id)


def test_a_signed_amendment_shows_in_order_and_the_record_never_changes(clinic_factory):
    clinic = clinic_factory()
    record_id = signed_record(clinic)
    before = stored(record_id)
    doctor = run(clinic, Role.PRACTITIONER, amendments.start_amendment, record_id)
    admin = run(clinic, Role.ADMIN, amendments.start_amendment, record_id)
    doctor = write(clinic, Role.PRACTITIONER, doctor, "Wrong side", "Right knee, not left.")
    admin = write(clinic, Role.ADMIN, admin, "Lab result", "X-ray report received.")
    assert run(clinic, Role.READ_ONLY, amendments.amendments_of, record_id) == []
    mine = run(clinic, Role.PRACTITIONER, amendments.amendments_of, record_id)
    assert [(a.reason, a.signed_at) for a in mine] == [("Wrong side", None)]

    signed_admin = sign_draft(clinic, Role.ADMIN, admin)
    signed_doctor = sign_draft(clinic, Role.PRACTITIONER, doctor)
    listed = run(clinic, Role.READ_ONLY, amendments.amendments_of, record_id)
    assert [(a.reason, a.text) for a in listed] == [
        ("Lab result", "X-ray report received."),
        ("Wrong side", "Right knee, not left."),
    ]
    assert listed[0].author_name.startswith("Admin")
    content = {"record": before.signature_sha256, "reason": "Wrong side"}
    content["text"] = "Right knee, not left."
    assert signed_doctor.sha256 == hashlib.sha256(canonical_json(content)).hexdigest()
    assert signed_admin.signed_at < signed_doctor.signed_at
    after = stored(record_id)
    assert (after.drawing_data, after.form_data, after.revision) == (
        before.drawing_data,
        before.form_data,
        before.revision,
    )
    with pytest.raises(NotFound):
        write(clinic, Role.PRACTITIONER, signed_doctor, "Changed", "Changed")
    with pytest.raises(DBAPIError, match="is signed: it cannot change"), session_scope() as s:
        s.execute(
            text("UPDATE record_amendments SET body = 'x' WHERE id = :a"), {"a": signed_doctor.id}
        )


def test_signing_an_amendment_needs_its_reason_text_password_and_saved_revision(clinic_factory):
    clinic = clinic_factory()
    record_id = signed_record(clinic)
    draft = run(clinic, Role.PRACTITIONER, amendments.start_amendment, record_id)
    with pytest.raises(SignRefused, match="needs a reason and text"):
        sign_draft(clinic, Role.PRACTITIONER, draft)
    draft = write(clinic, Role.PRACTITIONER, draft, "  ", "Pulse was 88.")
    with pytest.raises(SignRefused, match="needs a reason before"):
        sign_draft(clinic, Role.PRACTITIONER, draft)
    stale = draft
    draft = write(clinic, Role.PRACTITIONER, draft, "Typo", "Pulse was 88.")
    with pytest.raises(SignRefused, match="changed after this page last saved"):
        sign_draft(clinic, Role.PRACTITIONER, stale)
    with pytest.raises(SignRefused, match="password is not right"):
        sign_draft(clinic, Role.PRACTITIONER, draft, password="wrong")
    with pytest.raises(ValidationFailed, match="limit is 500"):
        write(clinic, Role.PRACTITIONER, draft, "x" * 501, "Pulse was 88.")
    with pytest.raises(NotFound):  # someone else's draft
        write(clinic, Role.ADMIN, draft, "Mine now", "Mine now")
    outsider = make_clinic()
    with pytest.raises(NotFound):
        unit_of_work.run(
            amendments.save_amendment,
            outsider.actors[Role.PRACTITIONER],
            draft.id,
            reason="x",
            text="x",
        )
    (shown,) = run(clinic, Role.PRACTITIONER, amendments.amendments_of, record_id)
    assert (shown.reason, shown.text, shown.signed_at) == ("Typo", "Pulse was 88.", None)
    assert sign_draft(clinic, Role.PRACTITIONER, draft).signed_at is not None
