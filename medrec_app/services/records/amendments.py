"""Amendments: how a signed record is corrected without changing it.

An amendment belongs to a signed record and to its author. The author writes a reason and
the text, saved as a draft as they type (one draft per author and record), then signs it
with their password like the record, and from then on it never changes (trigger
``record_amendments_frozen``). Its hash covers the record's own signature hash with the
reason and text, so it names what it amends. Readers see the signed amendments in the
order they were signed; a draft is its author's alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from medrec_app.domain.amendment_layers import (
    STAGE_KEYS,
    amendment_colour,
    amendment_refusals,
    element_ids,
)
from medrec_app.domain.checks import string_problem
from medrec_app.domain.edits import parse_each
from medrec_app.domain.errors import DocumentError
from medrec_app.domain.merge import apply_each
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.domain.signature import amendment_hash
from medrec_app.models import MedicalRecord, RecordAmendment, RecordAmendmentOp, User
from medrec_app.services import accounts, audit
from medrec_app.services.errors import (
    NotFound,
    ServiceError,
    ValidationFailed,
)
from medrec_app.services.records.editing import RefusedChange, SaveResult
from medrec_app.services.records.op_log import log_amendment_ops
from medrec_app.services.records.scope import locked_record, record_keys, scoped_record
from medrec_app.services.records.signing import CHANGED, SignRefused, confirm_signer

MAX_REASON_CHARS = 500
MAX_TEXT_CHARS = 10_000
SIGN_REFUSED = "record.amendment_sign.denied"


class AmendmentRefused(ServiceError):
    """The amendment was not started or changed; the message says why."""


class AmendmentPublic(BaseModel):
    id: int
    author_name: str
    reason: str
    text: str
    revision: int
    signed_at: datetime | None
    sha256: str | None
    has_drawing: bool = False


class AmendmentLayer(BaseModel):
    """A signed amendment's drawing as it is shown: in its colour, with its legend."""

    amendment_id: int
    drawing: dict
    colour: str
    colour_name: str
    legend: str


def amendments_of(session: Session, actor: Actor, record_id: int) -> list[AmendmentPublic]:
    """The record's signed amendments in the order they were signed, then the actor's own
    draft if they have one."""
    require(actor, Action.VIEW_RECORD)
    keys = record_keys(session, actor, record_id)
    rows = session.exec(
        select(RecordAmendment, User.full_name)
        .join(User, col(User.id) == col(RecordAmendment.author_user_id))
        .where(RecordAmendment.medical_record_id == keys.record_id)
        .where(
            col(RecordAmendment.signed_at).is_not(None)
            | (RecordAmendment.author_user_id == actor.user_id)
        )
        .order_by(col(RecordAmendment.signed_at).asc().nulls_last(), col(RecordAmendment.id))
    ).all()
    return [_public(row, name) for row, name in rows]


def start_amendment(session: Session, actor: Actor, record_id: int) -> AmendmentPublic:
    """The actor's draft amendment of the signed record, made if they have none."""
    require(actor, Action.EDIT_RECORD)
    record, _ = locked_record(session, actor, record_id)
    if record.signed_at is None:
        raise AmendmentRefused(
            "Only a signed record takes amendments: this one can still be changed itself."
        )
    draft = _draft(session, actor, record_id)
    if draft is None:
        draft = RecordAmendment(medical_record_id=record_id, author_user_id=actor.user_id)
        session.add(draft)
        session.flush()
        audit.record(
            session,
            actor,
            "record.amendment_start",
            appointment_id=record.appointment_id,
            record_id=record_id,
            details={"amendment_id": draft.id},
        )
    return _public(draft, _name(session, actor))


def save_amendment(
    session: Session, actor: Actor, amendment_id: int, *, reason: str, text: str
) -> AmendmentPublic:
    """Store the draft's reason and text as typed (both may still be empty)."""
    require(actor, Action.EDIT_RECORD)
    problems = [
        f"{label} {problem}"
        for label, value, limit in (
            ("The reason", reason, MAX_REASON_CHARS),
            ("The text", text, MAX_TEXT_CHARS),
        )
        if (problem := string_problem(value, limit))
    ]
    if problems:
        raise ValidationFailed(problems)
    draft, record = _locked_draft(session, actor, amendment_id)
    if (draft.reason, draft.body) != (reason, text):
        draft.reason, draft.body = reason, text
        draft.revision += 1
        session.add(draft)
        audit.record(
            session,
            actor,
            "record.amendment_save",
            appointment_id=record.appointment_id,
            record_id=record.id,
            details={"amendment_id": draft.id, "revision": draft.revision},
        )
        session.flush()
    return _public(draft, _name(session, actor))


def sign_amendment(
    session: Session,
    actor: Actor,
    amendment_id: int,
    *,
    password: str,
    revision: int,
    ip: str,
) -> AmendmentPublic:
    """Sign the actor's draft as saved at ``revision``; it needs a reason and text."""
    require(actor, Action.EDIT_RECORD)
    draft, record = _locked_draft(session, actor, amendment_id)
    confirm_signer(session, actor, record, password, ip, failed_action=SIGN_REFUSED)
    draft, record = _locked_draft(session, actor, amendment_id)
    if draft.revision != revision:
        raise SignRefused("changed", CHANGED)
    missing = [
        label
        for label, value in (("a reason", draft.reason), ("text", draft.body))
        if not value.strip()
    ]
    if missing:
        raise SignRefused(
            "incomplete", f"An amendment needs {' and '.join(missing)} before it is signed."
        )
    draft.signature_sha256 = amendment_hash(
        record.signature_sha256, draft.reason, draft.body, draft.drawing_data
    )
    draft.signed_at = accounts.now()
    session.add(draft)
    audit.record(
        session,
        actor,
        "record.amendment_sign",
        appointment_id=record.appointment_id,
        record_id=record.id,
        details={"amendment_id": draft.id, "sha256": draft.signature_sha256},
    )
    session.flush()
    return _public(draft, _name(session, actor))


def save_amendment_drawing(
    session: Session, actor: Actor, amendment_id: int, raw_ops: object
) -> SaveResult:
    """Apply the canvas's operations to the actor's draft amendment, each on its own.

    Only drawing on the amendment's own layer: an operation on the form, background or
    stage, or on a line or shape of the signed record or an earlier amendment, is refused
    alone with the reason (``domain/amendment_layers.py``); an operation seen before is
    acknowledged and not applied again.
    """
    require(actor, Action.EDIT_RECORD)
    try:
        ops, refused = parse_each(raw_ops)
    except DocumentError as exc:
        raise ValidationFailed(exc.messages) from exc
    draft, record = _locked_draft(session, actor, amendment_id)
    seen = set(
        session.exec(
            select(RecordAmendmentOp.op_id).where(
                RecordAmendmentOp.amendment_id == draft.id,
                col(RecordAmendmentOp.op_id).in_([op.op_id for op in ops]),
            )
        ).all()
    )
    fresh = [op for op in ops if op.op_id not in seen]
    signed = [record.drawing_data, *(layer.drawing for layer in signed_layers(session, record))]
    refused += amendment_refusals(fresh, element_ids(signed))
    refused_ids = {r.op_id for r in refused}
    drawing, _, applied, broke_rules = apply_each(
        draft.drawing_data, {}, [op for op in fresh if op.op_id not in refused_ids]
    )
    refused += broke_rules
    if applied:
        draft.drawing_data = drawing
        draft.revision += 1
        session.add(draft)
        session.flush()
        log_amendment_ops(session, draft.id, draft.revision, actor.user_id, applied)
        audit.record(
            session,
            actor,
            "record.amendment_save",
            appointment_id=record.appointment_id,
            record_id=record.id,
            details={
                "amendment_id": draft.id,
                "revision": draft.revision,
                "operations": len(applied),
            },
        )
        session.flush()
    return SaveResult(
        revision=draft.revision,
        acked_op_ids=list(
            dict.fromkeys([*(op.op_id for op in ops), *(r.op_id for r in refused if r.op_id)])
        ),
        refused=[RefusedChange.of(r) for r in refused],
        updated_at=draft.updated_at,
    )


def load_amendment_drawing(
    session: Session, actor: Actor, amendment_id: int
) -> tuple[int, dict[str, Any]]:
    """The actor's draft's revision and drawing for the canvas: its own lines and shapes
    on the record's stage and background (which it cannot change)."""
    require(actor, Action.EDIT_RECORD)
    draft, record = _locked_draft(session, actor, amendment_id)
    stage = {key: record.drawing_data[key] for key in STAGE_KEYS if key in record.drawing_data}
    return draft.revision, {**draft.drawing_data, **stage}


def drawing_layers(
    session: Session, actor: Actor, record_id: int, amendment_id: int | None = None
) -> dict[str, list[dict[str, Any]]]:
    """What the canvas shows beside its document, and never changes: for the author of
    draft ``amendment_id``, the signed record and the signed amendments under it; for
    anyone else, the signed amendments over the record."""
    require(actor, Action.VIEW_RECORD)
    keys = record_keys(session, actor, record_id)
    record = session.get(MedicalRecord, keys.record_id)
    assert record is not None
    tinted = [
        {"drawing": layer.drawing, "tint": layer.colour} for layer in signed_layers(session, record)
    ]
    audit.record(
        session,
        actor,
        "record.drawing_read",
        appointment_id=record.appointment_id,
        record_id=record.id,
        details={"layers": len(tinted)},
    )
    if amendment_id is None:
        return {"below": [], "above": tinted}
    draft, _ = _locked_draft(session, actor, amendment_id)
    if draft.medical_record_id != record.id:
        raise NotFound("amendment")
    return {"below": [{"drawing": record.drawing_data, "tint": None}, *tinted], "above": []}


def next_colour(session: Session, actor: Actor, record_id: int) -> str:
    """The colour a new amendment of the record draws in: the next after those signed."""
    keys = record_keys(session, actor, record_id)
    signed = session.exec(
        select(RecordAmendment.id).where(
            RecordAmendment.medical_record_id == keys.record_id,
            col(RecordAmendment.signed_at).is_not(None),
        )
    ).all()
    return amendment_colour(len(signed))[0]


def signed_layers(session: Session, record: MedicalRecord) -> list[AmendmentLayer]:
    """The drawings of ``record``'s signed amendments (the caller has scoped it)."""
    rows = session.exec(
        select(RecordAmendment, User.full_name)
        .join(User, col(User.id) == col(RecordAmendment.author_user_id))
        .where(
            RecordAmendment.medical_record_id == record.id,
            col(RecordAmendment.signed_at).is_not(None),
        )
        .order_by(col(RecordAmendment.signed_at), col(RecordAmendment.id))
    ).all()
    layers = []
    for position, (row, author) in enumerate(rows):
        if not _drew(row):
            continue
        colour, name = amendment_colour(position)
        assert row.id is not None and row.signed_at is not None
        layers.append(
            AmendmentLayer(
                amendment_id=row.id,
                drawing=row.drawing_data,
                colour=colour,
                colour_name=name,
                legend=f"Amendment {position + 1}, by {author}",
            )
        )
    return layers


def _drew(row: RecordAmendment) -> bool:
    drawing = row.drawing_data or {}
    return bool(drawing.get("lines") or drawing.get("shapes"))


def _draft(session: Session, actor: Actor, record_id: int) -> RecordAmendment | None:
    return session.exec(
        select(RecordAmendment).where(
            RecordAmendment.medical_record_id == record_id,
            RecordAmendment.author_user_id == actor.user_id,
            col(RecordAmendment.signed_at).is_(None),
        )
    ).first()


def _locked_draft(
    session: Session, actor: Actor, amendment_id: int
) -> tuple[RecordAmendment, MedicalRecord]:
    """The actor's own unsigned amendment, locked and read fresh, and its record; another
    clinic's, another author's or a signed one is not found."""
    draft = session.exec(
        select(RecordAmendment)
        .where(
            RecordAmendment.id == amendment_id,
            RecordAmendment.author_user_id == actor.user_id,
            col(RecordAmendment.signed_at).is_(None),
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if draft is None:
        raise NotFound("amendment")
    try:
        record = scoped_record(session, actor, draft.medical_record_id)
    except NotFound:
        raise NotFound("amendment") from None
    return draft, record


def _name(session: Session, actor: Actor) -> str:
    user = session.get(User, actor.user_id)
    assert user is not None  # the actor's own row
    return user.full_name


def _public(row: RecordAmendment, author_name: str) -> AmendmentPublic:
    assert row.id is not None
    return AmendmentPublic(
        id=row.id,
        author_name=author_name,
        reason=row.reason,
        text=row.body,
        revision=row.revision,
        signed_at=row.signed_at,
        sha256=row.signature_sha256,
        has_drawing=_drew(row),
    )
