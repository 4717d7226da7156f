"""The record editor's save path: open a record, read its drawing, apply edit operations.

One save path for every client: the Reflex editor and its keepalive route send
operations (``domain/edits.py``) to :func:`save_operations`; the REST API's draft update
becomes operations too (:func:`save_draft`). A save locks the record row and reads it
fresh under the lock, skips operations it has applied before (the browser re-sends until
acknowledged), applies the rest to the *latest* stored documents, so concurrent editors
merge rather than overwrite, and writes the documents, the operation log and one audit
row in one transaction.

The editor's operations are applied or refused one by one: an operation that breaks a
rule is refused alone, with its reason, and the others are saved. A REST draft update is
one request: it is saved whole or refused whole.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

import orjson
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import Text, cast
from sqlmodel import Session, col, select

from medrec_app.domain.conflicts import newest_wins
from medrec_app.domain.draft_patch import draft_operations
from medrec_app.domain.drawing import has_content
from medrec_app.domain.drawing_tail import NOTHING, TAIL_OPS, fold_due, splits_off, tail_bounds
from medrec_app.domain.edits import (
    Operation,
    RefusedOp,
    SetBackground,
    SetField,
    parse_each,
    parse_operations,
)
from medrec_app.domain.errors import DocumentError
from medrec_app.domain.forms import DEFAULT_TEMPLATE_SCHEMA
from medrec_app.domain.merge import apply_each, apply_operations
from medrec_app.domain.permissions import Action, Actor, can, require
from medrec_app.models import (
    MedicalRecord,
    MedicalRecordOp,
    MedicalRecordTemplate,
    Patient,
    TemplateVersion,
    User,
)
from medrec_app.services import audit, templates
from medrec_app.services.errors import (
    NotFound,
    RecordExists,
    RecordSigned,
    RevisionMismatch,
    ValidationFailed,
)
from medrec_app.services.records.create import MedicalRecordCreate, create_record
from medrec_app.services.records.files import (
    background_problems,
    named_background,
    set_background_link,
)
from medrec_app.services.records.op_log import log_record_ops
from medrec_app.services.records.revisions import log_revision
from medrec_app.services.records.scope import (
    get_appointment,
    in_clinic,
    locked_record,
    record_of_appointment,
    writable_record,
)
from medrec_app.services.records.signing import Signature, signature_of
from medrec_app.services.records.tail import (
    bounds,
    current_drawing,
    drawing_as_stored,
    grow_tail,
    recounted,
)
from medrec_app.services.templates import TemplatePublic


class EditorRecord(BaseModel):
    """What the editor page needs to open a record.

    ``template_choices`` is set, and no record created, when an editor opens a visit
    without a record in a clinic that has several templates: they pick one first.
    """

    record_id: int | None
    template_choices: list[TemplatePublic] = []
    appointment_id: int
    revision: int
    starts_at: datetime
    patient_id: int
    patient_name: str
    practitioner_name: str
    template_name: str
    other_templates: list[TemplatePublic] = []
    """Templates an editor may switch this record to: set only while it is empty."""
    template_version: int
    """The version of the template the record was made with (0: no template)."""
    form_schema: dict[str, Any]
    form_data: dict[str, Any]
    background_url: str
    can_edit: bool
    """This user may change the record now: a role that edits, and not signed."""
    can_sign: bool
    """This user is the visit's practitioner and the record is not signed yet."""
    can_amend: bool
    """The record is signed and this user's role may write amendments."""
    can_export: bool
    """This user's role may export the record as PDF (read-only users open exports)."""
    signature: Signature | None
    updated_at: datetime | None


class RefusedChange(BaseModel):
    """An operation that was not saved: ``op_id`` (None if it had no usable one) and why."""

    op_id: str | None
    message: str

    @classmethod
    def of(cls, refused: RefusedOp) -> RefusedChange:
        """The domain's refusal as the editor and its routes report it."""
        return cls(op_id=refused.op_id, message="; ".join(refused.messages))


class SaveResult(BaseModel):
    revision: int
    acked_op_ids: list[str]
    """Every operation the sender can forget: saved now or before, outdated by a newer
    change, or refused (see ``refused``)."""
    refused: list[RefusedChange] = []
    updated_at: datetime | None


class DraftSaved(BaseModel):
    id: int
    revision: int = Field(description="The new revision, also sent as the `ETag` header.")
    updated_at: AwareDatetime


def open_for_editing(
    session: Session, actor: Actor, appointment_id: int, template_id: int | None = None
) -> EditorRecord:
    """The appointment's record; the first opening by an editor creates it.

    A new record uses ``template_id`` if given (one of the clinic's templates), else the
    clinic's only or default template; with several templates and none given, nothing is
    created and the choices come back. Users who may not edit see the record if it
    exists, and an empty, read-only one if it does not.
    """
    require(actor, Action.VIEW_RECORD)
    appointment = get_appointment(session, actor, appointment_id)
    record = record_of_appointment(session, appointment_id)
    signature = signature_of(session, record) if record is not None else None
    can_edit = can(actor.role, Action.EDIT_RECORD) and signature is None
    choices: list[TemplatePublic] = []
    if record is None and can_edit:
        choices = templates.list_templates(session, actor)
        if template_id is not None and template_id not in {c.id for c in choices}:
            raise NotFound("template")
        if template_id is not None or len(choices) <= 1:
            chosen = template_id if template_id is not None else next((c.id for c in choices), None)
            record = first_record(session, actor, appointment_id, chosen)
    template, version = _template(session, record)
    others: list[TemplatePublic] = []
    if (
        record is not None
        and can_edit
        and not has_content(current_drawing(session, record), record.form_data)
    ):
        others = [t for t in templates.list_templates(session, actor) if t.id != record.template_id]
    patient = session.get(Patient, appointment.patient_id)
    practitioner = session.get(User, appointment.practitioner_id)
    assert patient is not None and practitioner is not None  # foreign keys
    audit.record(
        session,
        actor,
        "record.open",
        patient_id=patient.id,
        appointment_id=appointment_id,
        record_id=record.id if record else None,
    )
    return EditorRecord(
        record_id=record.id if record else None,
        template_choices=choices if record is None else [],
        appointment_id=appointment_id,
        revision=record.revision if record else 0,
        starts_at=appointment.starts_at,
        patient_id=appointment.patient_id,
        patient_name=f"{patient.first_name} {patient.last_name}",
        practitioner_name=practitioner.full_name,
        template_name=template.name if template else "",
        other_templates=others,
        template_version=version.version if version else 0,
        form_schema=version.form_schema if version else DEFAULT_TEMPLATE_SCHEMA.to_document(),
        form_data=record.form_data if record else {},
        background_url=templates.background_url(version),
        can_edit=can_edit,
        can_sign=(
            record is not None
            and signature is None
            and can(actor.role, Action.SIGN_RECORD)
            and appointment.practitioner_id == actor.user_id
        ),
        can_amend=signature is not None and can(actor.role, Action.EDIT_RECORD),
        can_export=record is not None and can(actor.role, Action.EXPORT_RECORD),
        signature=signature,
        updated_at=record.updated_at if record else None,
    )


def first_record(
    session: Session, actor: Actor, appointment_id: int, template_id: int | None
) -> MedicalRecord:
    """Create the record, or take the one a concurrent first opening (or import) made
    meanwhile."""
    try:
        new = MedicalRecordCreate(appointment_id=appointment_id, template_id=template_id)
        return create_record(session, actor, new)
    except RecordExists:
        # create_record holds the appointment's lock now: the record is committed.
        record = record_of_appointment(session, appointment_id)
        assert record is not None
        return record


def _template(
    session: Session, record: MedicalRecord | None
) -> tuple[MedicalRecordTemplate | None, TemplateVersion | None]:
    """The record's template and the exact version it was made with."""
    if record is None or record.template_version_id is None:
        return None, None
    version = session.get(TemplateVersion, record.template_version_id)
    assert version is not None  # foreign key
    return session.get(MedicalRecordTemplate, version.template_id), version


def load_drawing(
    session: Session, actor: Actor, record_id: int
) -> tuple[int, orjson.Fragment | dict[str, Any]]:
    """The record's revision and drawing document (as stored: see ``drawing_as_stored``)."""
    require(actor, Action.VIEW_RECORD)
    row = session.execute(
        in_clinic(
            select(
                MedicalRecord.id,
                MedicalRecord.appointment_id,
                MedicalRecord.revision,
                MedicalRecord.drawing_revision,
                MedicalRecord.tail_bytes,
                cast(col(MedicalRecord.drawing_data), Text).label("drawing_json"),
            ),
            actor,
            record_id,
        )
    ).first()
    if row is None:
        raise NotFound("record")
    audit.record(
        session,
        actor,
        "record.drawing_read",
        appointment_id=row.appointment_id,
        record_id=row.id,
    )
    drawing = drawing_as_stored(
        session, row.id, row.drawing_json, row.drawing_revision, row.tail_bytes
    )
    return row.revision, drawing


def save_operations(session: Session, actor: Actor, record_id: int, raw_ops: object) -> SaveResult:
    """Apply the editor's operations to the latest stored record, each on its own.

    An operation that is malformed, names a background that is not the patient's file of
    its kind, or would break a document rule is refused alone (``SaveResult.refused``);
    the rest are saved. Raises ``ValidationFailed`` only for a batch refused as a whole
    (not a list, too large), ``NotFound`` for another clinic's record and
    ``PermissionDenied`` for roles that may not edit.
    """
    require(actor, Action.EDIT_RECORD)
    try:
        ops, refused = parse_each(raw_ops)
    except DocumentError as exc:
        raise ValidationFailed(exc.messages) from exc
    record, patient_id = locked_record(session, actor, record_id)
    if record.signed_at is not None:
        return _refused_as_signed(record, ops, refused)
    fresh = _not_applied_before(session, record, ops)
    newer, _ = newest_wins(fresh, record.edit_clock, _now_ms())
    wrong_backgrounds = background_problems(session, patient_id, newer)
    refused += [RefusedOp(op_id, (problem,)) for op_id, problem in wrong_backgrounds.items()]
    candidates = [op for op in newer if op.op_id not in wrong_backgrounds]
    drawing: dict[str, Any] | None = None
    if _goes_to_tail(record, candidates):
        form, applied, broke_rules = _apply_form_only(record.form_data, candidates)
    else:
        drawing, form, applied, broke_rules = apply_each(
            current_drawing(session, record), record.form_data, candidates
        )
    refused += broke_rules
    refused_ids = {r.op_id for r in refused}
    logged = [op for op in fresh if op.op_id not in refused_ids]
    updated_at = record.updated_at
    if logged:
        updated_at = _write(session, actor, record, patient_id, drawing, form, applied, logged)
    return SaveResult(
        revision=record.revision,
        acked_op_ids=list(
            dict.fromkeys([*(op.op_id for op in ops), *(r.op_id for r in refused if r.op_id)])
        ),
        refused=[RefusedChange.of(r) for r in refused],
        updated_at=updated_at,
    )


def save_draft(
    session: Session,
    actor: Actor,
    record_id: int,
    *,
    drawing_patch: dict[str, Any] | None,
    form_patch: dict[str, Any] | None,
    expected_revision: int | None,
    kind: Literal["edited", "imported"] = "edited",
) -> DraftSaved:
    """Apply a REST draft update (``domain/draft_patch.py``) as one revision.

    The patch is merged into the record as it is under the row lock. With
    ``expected_revision`` (the ``If-Match`` ETag) the record must still be at that
    revision, else ``RevisionMismatch`` and nothing is saved; None (``If-Match: *``)
    takes whatever is stored. Refusals raise ``ValidationFailed`` with path-first
    messages, and nothing is saved. ``kind`` names the revision in the record's history
    (the importer's saves are "imported").
    """
    require(actor, Action.EDIT_RECORD)
    record, patient_id = writable_record(session, actor, record_id)
    if expected_revision is not None and record.revision != expected_revision:
        raise RevisionMismatch(record.revision)
    try:
        current = current_drawing(session, record)
        ops = parse_operations(
            draft_operations(
                current,
                record.form_data,
                drawing_patch,
                form_patch,
                background_file=named_background(session, patient_id, drawing_patch or {}),
            )
        )
        newer, _ = newest_wins(ops, record.edit_clock, _now_ms())
        wrong_backgrounds = background_problems(session, patient_id, newer)
        if wrong_backgrounds:
            raise DocumentError(list(dict.fromkeys(wrong_backgrounds.values())))
        drawing, form = apply_operations(current, record.form_data, newer)
    except DocumentError as exc:
        raise ValidationFailed(exc.messages) from exc
    updated_at = record.updated_at
    if ops:
        updated_at = _write(
            session, actor, record, patient_id, drawing, form, newer, ops, kind=kind
        )
    assert record.id is not None and updated_at is not None
    return DraftSaved(id=record.id, revision=record.revision, updated_at=updated_at)


def _goes_to_tail(record: MedicalRecord, ops: Sequence[Operation]) -> bool:
    """Whether the save may leave ``drawing_data`` alone and log its drawing operations
    as the tail: none needs the document, the bounds stay within the limits, and no
    fold is due (``domain/drawing_tail.py``)."""
    if not splits_off(ops):
        return False
    added = tail_bounds(ops)
    if added == NOTHING:
        return True
    return (bounds(record) + added).within_limits() and not fold_due(
        record.tail_bytes + added.bytes, record.drawing_bytes
    )


def _apply_form_only(
    form: dict[str, Any], ops: Sequence[Operation]
) -> tuple[dict[str, Any], list[Operation], list[RefusedOp]]:
    """The form after the batch's field changes, and which operations are applied:
    every drawing operation (it goes to the tail) and the fields that were not refused."""
    fields = [op for op in ops if isinstance(op, SetField)]
    _, new_form, applied_fields, refused = apply_each({}, form, fields)
    taken = {op.op_id for op in applied_fields}
    return (
        new_form,
        [op for op in ops if not isinstance(op, SetField) or op.op_id in taken],
        refused,
    )


def _refused_as_signed(
    record: MedicalRecord, ops: Sequence[Operation], refused: list[RefusedOp]
) -> SaveResult:
    """Every operation refused on its own: the record was signed (in another tab, say)."""
    refused = refused + [RefusedOp(op.op_id, (RecordSigned.MESSAGE,)) for op in ops]
    return SaveResult(
        revision=record.revision,
        acked_op_ids=[r.op_id for r in refused if r.op_id],
        refused=[RefusedChange.of(r) for r in refused],
        updated_at=record.updated_at,
    )


def _not_applied_before(
    session: Session, record: MedicalRecord, ops: Sequence[Operation]
) -> list[Operation]:
    ids = [op.op_id for op in ops]
    seen = set(
        session.exec(
            select(MedicalRecordOp.op_id).where(
                MedicalRecordOp.medical_record_id == record.id, col(MedicalRecordOp.op_id).in_(ids)
            )
        ).all()
    )
    return [op for op in ops if op.op_id not in seen]


def _write(
    session: Session,
    actor: Actor,
    record: MedicalRecord,
    patient_id: int,
    drawing: dict[str, Any] | None,
    form: dict[str, Any],
    applied: Sequence[Operation],
    logged: Sequence[Operation],
    *,
    kind: Literal["edited", "imported"] = "edited",
) -> datetime | None:
    """Store the documents as one new revision, log ``logged`` and audit; the new
    ``updated_at``. With ``drawing`` None the applied drawing operations join the
    drawing's tail, and ``drawing_data`` is left alone. ``applied`` are the operations
    that changed the documents, in the order they were applied and as applied
    (``newest_wins`` may trim a delete); each is one of ``logged`` by its id. The log
    keeps them so and marks the others, so that the applied ones replayed from the
    record's start give this revision (``history.py``)."""
    assert record.id is not None
    as_applied = {op.op_id: op for op in applied}
    _, clock = newest_wins(applied, record.edit_clock, _now_ms())
    if any(isinstance(op, SetBackground) for op in applied):
        assert drawing is not None  # a background change never goes to the tail
        set_background_link(session, actor, record.id, patient_id, drawing.get("backgroundFileId"))
    if drawing is None:
        grow_tail(record, [op for op in applied if isinstance(op, TAIL_OPS)])
    else:
        record.drawing_data = drawing  # the trigger counts it and empties the tail
    record.form_data, record.edit_clock = form, clock
    record.revision += 1
    record.updated_by_user_id = actor.user_id
    session.add(record)
    session.flush()  # the record row first, then its operations
    if drawing is not None:
        recounted(session, record)
    log_record_ops(
        session,
        record.id,
        record.revision,
        actor.user_id,
        [as_applied.get(op.op_id, op) for op in logged],
        [op.op_id in as_applied for op in logged],
    )
    log_revision(session, actor, record, kind)
    audit.record(
        session,
        actor,
        "record.save",
        appointment_id=record.appointment_id,
        record_id=record.id,
        details={"revision": record.revision, "operations": len(logged)},
    )
    session.flush()
    # Only the trigger-set timestamp: refreshing the row would decode the drawing again.
    return session.exec(select(MedicalRecord.updated_at).where(MedicalRecord.id == record.id)).one()


def _now_ms() -> int:
    return int(time.time() * 1000)
