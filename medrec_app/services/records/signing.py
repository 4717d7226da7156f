"""Signing a record: the practitioner of the visit confirms it, and it never changes again.

Signing asks for the signer's password again (recent authentication, throttled like a
sign-in). Under the record's row lock it checks that the record is still what the
signer's page last saved (its revision) and that the form is complete, then stores who
signed, when, and the SHA-256 of the signed documents (``domain/signature.py``). From
then on every write path refuses the record (``scope.writable_record``), and the
database refuses it too (trigger ``medical_records_signed_frozen``).

A refusal is audited as ``record.sign.denied`` with its reason, and committed before it
is raised, so the unit of work's rollback does not take the audit row with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import NoReturn

from pydantic import BaseModel
from sqlmodel import Session

from medrec_app.domain.carry_forward import unconfirmed, unconfirmed_message
from medrec_app.domain.forms import DEFAULT_TEMPLATE_SCHEMA, validate_form_against_schema
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.domain.signature import signature_hash
from medrec_app.models import Appointment, MedicalRecord, TemplateVersion, User
from medrec_app.services import accounts, audit
from medrec_app.services.errors import ServiceError, SignInDelayed, SignInFailed
from medrec_app.services.records.revisions import log_revision
from medrec_app.services.records.scope import locked_record, scoped_record
from medrec_app.services.records.tail import current_drawing, has_tail, recounted

SIGN_REFUSED = "record.sign.denied"


class SignRefused(ServiceError):
    """The record was not signed; ``reason`` names why, the message says it to a person."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class Signature(BaseModel):
    """Who signed a record, when, and the hash of what they signed."""

    signed_at: datetime
    signer_name: str
    sha256: str


MISTYPED = "The password is not right. Type the password you signed in with to sign."
CHANGED = (
    "The record changed after this page last saved it (in another tab or by someone "
    "else). Look at it again, then sign."
)


def signature_of(session: Session, record: MedicalRecord) -> Signature | None:
    """The record's signature, if it is signed."""
    if record.signed_at is None or record.signature_sha256 is None:
        return None
    signer = session.get(User, record.signed_by_user_id)
    assert signer is not None  # foreign key
    return Signature(
        signed_at=record.signed_at, signer_name=signer.full_name, sha256=record.signature_sha256
    )


def sign_record(
    session: Session, actor: Actor, record_id: int, *, password: str, revision: int, ip: str
) -> Signature:
    """Sign the record as the visit's practitioner; ``revision`` is the one the signer's
    page shows. Raises ``SignRefused`` (or ``SignInDelayed`` after too many wrong
    passwords) and changes nothing when it does not sign."""
    require(actor, Action.SIGN_RECORD)
    record = scoped_record(session, actor, record_id)
    _refuse_unless_signable(session, actor, record)
    confirm_signer(session, actor, record, password, ip, failed_action=SIGN_REFUSED)
    record, _ = locked_record(session, actor, record_id)
    _refuse_unless_signable(session, actor, record)
    if record.revision != revision:
        _refuse(session, actor, record, "changed", CHANGED)
    problems = validate_form_against_schema(_schema(session, record), record.form_data)
    if problems:
        listed = "; ".join(problems.values())
        _refuse(session, actor, record, "form_incomplete", f"The form is not complete: {listed}.")
    drawing = current_drawing(session, record)
    marks = unconfirmed(drawing)
    if marks:
        _refuse(session, actor, record, "carried_unconfirmed", unconfirmed_message(marks))
    if has_tail(record):
        record.drawing_data = drawing  # signed whole, then frozen
    digest = signature_hash(record.drawing_data, record.form_data)
    record.signed_at = accounts.now()
    record.signed_by_user_id = actor.user_id
    record.signature_sha256 = digest
    record.revision += 1
    session.add(record)
    log_revision(session, actor, record, "signed")
    audit.record(
        session,
        actor,
        "record.sign",
        appointment_id=record.appointment_id,
        record_id=record.id,
        details={"sha256": digest, "revision": record.revision},
    )
    session.flush()
    recounted(session, record)
    signature = signature_of(session, record)
    assert signature is not None
    return signature


def confirm_signer(
    session: Session,
    actor: Actor,
    record: MedicalRecord,
    password: str,
    ip: str,
    *,
    failed_action: str,
) -> None:
    """The signer's password, checked like a sign-in (``accounts.confirm_password``); a
    wrong one is audited as ``failed_action`` on ``record`` and raises ``SignRefused``,
    too many raise ``SignInDelayed``. Commits, ending the caller's transaction."""
    try:
        accounts.confirm_password(
            session,
            actor,
            password,
            ip,
            failed_action=failed_action,
            failed_audit={
                "appointment_id": record.appointment_id,
                "record_id": record.id,
                "details": {"reason": "wrong_password"},
            },
        )
    except SignInDelayed:
        raise
    except SignInFailed:
        raise SignRefused("wrong_password", MISTYPED) from None


def _refuse_unless_signable(session: Session, actor: Actor, record: MedicalRecord) -> None:
    signature = signature_of(session, record)
    if signature is not None:
        _refuse(
            session,
            actor,
            record,
            "already_signed",
            f"This record was signed already, by {signature.signer_name}.",
        )
    appointment = session.get(Appointment, record.appointment_id)
    assert appointment is not None  # foreign key
    if appointment.practitioner_id != actor.user_id:
        owner = session.get(User, appointment.practitioner_id)
        assert owner is not None  # foreign key
        _refuse(
            session,
            actor,
            record,
            "not_their_visit",
            f"Only the practitioner of this visit, {owner.full_name}, can sign its record.",
        )


def _schema(session: Session, record: MedicalRecord) -> dict:
    if record.template_version_id is None:
        return DEFAULT_TEMPLATE_SCHEMA.to_document()
    version = session.get(TemplateVersion, record.template_version_id)
    assert version is not None  # foreign key
    return version.form_schema


def _refuse(
    session: Session, actor: Actor, record: MedicalRecord, reason: str, message: str
) -> NoReturn:
    """Audit the refusal in its own commit, then raise it."""
    appointment_id, record_id = record.appointment_id, record.id
    session.rollback()
    audit.record(
        session,
        actor,
        SIGN_REFUSED,
        appointment_id=appointment_id,
        record_id=record_id,
        details={"reason": reason},
    )
    session.commit()
    raise SignRefused(reason, message)
