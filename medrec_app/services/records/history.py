"""A record's history: every revision with who and when, and the documents at any of them.

How a revision is rebuilt, exactly and without a copy per save
---------------------------------------------------------------

Every change that bumps ``medical_records.revision`` writes one ``medical_record_revisions``
row in its transaction, under the record's row lock (``revisions.log_revision``): its kind,
who, when and the template version. Documents are copied only where no operation leads to
them: the record as created (editor's first opening, REST POST, importer, demo data: all
through ``create.create_record``), and every record as it stood when migration 0018 began
keeping history. Every other revision comes from the operation log, which since 0018
marks each logged operation ``applied`` or not and logs the applied ones *as applied* (a
delete trimmed by ``newest_wins`` is logged trimmed). So revision *r* is the nearest
document row at or before *r* with, revision by revision, the applied operations replayed
through the save path's own ``merge.apply_operations`` (``domain/history.replay``).

Why not a snapshot per save: a save would then cost the drawing's size (issue 15 makes a
one-stroke save independent of it); here a save adds one small row. Why not replay the
whole log as it was: it held operations that lost to newer edits and nothing of a
record's starting documents, and re-running the conflict rules later cannot be exact
(they depend on the server's clock and on which files existed at the time). The price is
paid when history is read: rebuilding revision *r* applies every save since the nearest
document row (a long-edited record takes longer to rewind; a periodic document row would
bound it, at a cost in storage, if that is ever needed).

Whatever changes a record's documents without operations must write a document row
(``log_revision(..., documents=True)``) in its transaction: a later data migration that
rewrites documents, say. A revision whose row is missing (a change made in SQL by hand)
is reported as not kept rather than rebuilt from a log that no longer leads to it.

Revisions from before 0018 are listed from what the log knew (who and when), but their
documents are "not kept": the log cannot say which of their operations were applied.
Signing and template changes apply no operation, so their revision shows what the one
before it held; signed amendments are listed as points after the signature.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from medrec_app.domain.errors import DocumentError
from medrec_app.domain.forms import DEFAULT_TEMPLATE_SCHEMA
from medrec_app.domain.history import drawing_summary, replay
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import (
    MedicalRecord,
    MedicalRecordOp,
    MedicalRecordRevision,
    RecordAmendment,
    TemplateVersion,
    User,
)
from medrec_app.services import audit, templates
from medrec_app.services.errors import NotFound, ServiceError, ValidationFailed
from medrec_app.services.records.scope import in_clinic

KIND_LABELS = {
    "created": "Created",
    "edited": "Edited",
    "imported": "Imported",
    "template": "Template changed",
    "signed": "Signed",
    "kept": "History kept from here",
    "not_kept": "Edited (not kept)",
    "unknown": "Changed (not recorded)",
}


MAX_REVISION = 2**31 - 1
"""``medical_records.revision`` is a PostgreSQL integer."""


class RevisionNotKept(ServiceError):
    """The revision existed, but its documents cannot be shown (see the module doc)."""


class RevisionEntry(BaseModel):
    revision: int
    kind: str
    """One of ``KIND_LABELS``."""
    label: str
    user_name: str | None
    at: datetime | None
    operations: int
    """Operations the save applied."""
    outdated: int
    """Operations it logged that lost to a newer change (applied nothing)."""
    kept: bool
    """Whether the drawing and form of this revision can be shown."""
    signed: bool
    """The record was signed at this revision."""


class AmendmentPoint(BaseModel):
    author_name: str
    signed_at: datetime
    reason: str


class RecordHistory(BaseModel):
    record_id: int
    head_revision: int
    revisions: list[RevisionEntry]
    """Newest first."""
    amendments: list[AmendmentPoint]
    """Signed amendments of the signed head revision, newest first."""
    kept_since: datetime | None
    """When history began to be kept, if earlier revisions are listed as not kept."""


class RevisionDocuments(BaseModel):
    revision: int
    drawing_data: dict[str, Any]
    form_data: dict[str, Any]
    form_schema: dict[str, Any]
    """Of the template version the record followed at that revision."""
    background_url: str
    """That version's own canvas background (a link), or ``""``."""
    drawing_summary: str


def record_history(session: Session, actor: Actor, record_id: int) -> RecordHistory:
    """Every revision of the record, newest first, with the signed amendment points."""
    require(actor, Action.VIEW_RECORD)
    record = _record_row(session, actor, record_id)
    rows = _revision_rows(session, record.id)
    logged = _op_counts(session, record.id)
    base = _first_document_row(rows)
    names = _names(session, {r.user_id for r in rows.values()} | _users(logged, record))
    entries = []
    for revision in range(record.revision, -1, -1):
        entries.append(_entry(revision, record, rows, logged, base, names))
    amendments = session.exec(
        select(RecordAmendment.signed_at, RecordAmendment.reason, User.full_name)
        .join(User, col(User.id) == col(RecordAmendment.author_user_id))
        .where(
            RecordAmendment.medical_record_id == record.id,
            col(RecordAmendment.signed_at).is_not(None),
        )
        .order_by(col(RecordAmendment.signed_at).desc(), col(RecordAmendment.id).desc())
    ).all()
    audit.record(
        session,
        actor,
        "record.history_view",
        appointment_id=record.appointment_id,
        record_id=record.id,
        details={"revision": record.revision},
    )
    return RecordHistory(
        record_id=record.id,
        head_revision=record.revision,
        revisions=entries,
        amendments=[
            AmendmentPoint(author_name=name, signed_at=at, reason=reason)
            for at, reason, name in amendments
        ],
        kept_since=rows[base].created_at if base is not None and base > 0 else None,
    )


def record_at_revision(
    session: Session, actor: Actor, record_id: int, revision: int
) -> RevisionDocuments:
    """The drawing and form as they were at ``revision`` (audited ``record.revision_view``).

    ``ValidationFailed`` for a revision that is not a whole number from 0 to
    ``MAX_REVISION``, ``NotFound`` for one the record has not reached (or another clinic's record),
    ``RevisionNotKept`` for one from before history was kept.
    """
    documents = _documents_at(session, actor, record_id, revision)
    audit.record(
        session,
        actor,
        "record.revision_view",
        appointment_id=documents[0].appointment_id,
        record_id=record_id,
        details={"revision": revision},
    )
    return documents[1]


def drawing_at_revision(
    session: Session, actor: Actor, record_id: int, revision: int
) -> dict[str, Any]:
    """Only the drawing at ``revision``, for the history's canvas (audited
    ``record.revision_drawing_read``)."""
    record, documents = _documents_at(session, actor, record_id, revision)
    audit.record(
        session,
        actor,
        "record.revision_drawing_read",
        appointment_id=record.appointment_id,
        record_id=record_id,
        details={"revision": revision},
    )
    return documents.drawing_data


# --- reading ------------------------------------------------------------------------


class _Record(BaseModel):
    id: int
    appointment_id: int
    revision: int
    created_at: datetime
    created_by_user_id: int
    signed_at: datetime | None
    signed_by_user_id: int | None


def _record_row(session: Session, actor: Actor, record_id: int) -> _Record:
    """The record's ids, revision and signature; not its documents (a drawing can be MBs)."""
    columns = (
        MedicalRecord.id,
        MedicalRecord.appointment_id,
        MedicalRecord.revision,
        MedicalRecord.created_at,
        MedicalRecord.created_by_user_id,
        MedicalRecord.signed_at,
        MedicalRecord.signed_by_user_id,
    )
    row = session.exec(in_clinic(select(*columns), actor, record_id)).first()
    if row is None:
        raise NotFound("record")
    return _Record(**row._asdict())


def _revision_rows(session: Session, record_id: int) -> dict[int, Any]:
    """The record's revision rows by revision, without their documents."""
    rows = session.exec(
        select(
            MedicalRecordRevision.revision,
            MedicalRecordRevision.kind,
            MedicalRecordRevision.user_id,
            MedicalRecordRevision.created_at,
            col(MedicalRecordRevision.drawing_data).is_not(None).label("has_documents"),
        ).where(MedicalRecordRevision.medical_record_id == record_id)
    ).all()
    return {row.revision: row for row in rows}


def _op_counts(session: Session, record_id: int) -> dict[int, Any]:
    """Per revision: who logged operations, when, how many were applied and how many were
    not, and how many were logged before anyone recorded which (``applied`` null)."""
    applied = col(MedicalRecordOp.applied)
    rows = session.exec(
        select(
            MedicalRecordOp.revision,
            func.min(MedicalRecordOp.user_id).label("user_id"),
            func.min(MedicalRecordOp.applied_at).label("at"),
            func.count().filter(applied.is_(True)).label("applied"),
            func.count().filter(applied.is_(False)).label("outdated"),
            func.count().filter(applied.is_(None)).label("unknown"),
        )
        .where(MedicalRecordOp.medical_record_id == record_id)
        .group_by(col(MedicalRecordOp.revision))
    ).all()
    return {row.revision: row for row in rows}


def _first_document_row(rows: dict[int, Any]) -> int | None:
    """The revision from which every later one can be rebuilt: the last document row
    that starts an unbroken run of revision rows up to the newest (``None``: none)."""
    if not rows:
        return None
    newest = max(rows)
    base = None
    revision = newest
    while revision in rows:
        if rows[revision].has_documents:
            base = revision
        revision -= 1
    return base


def _users(logged: dict[int, Any], record: _Record) -> set[int]:
    ids = {row.user_id for row in logged.values()} | {record.created_by_user_id}
    return ids | ({record.signed_by_user_id} if record.signed_by_user_id else set())


def _names(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = session.exec(select(User.id, User.full_name).where(col(User.id).in_(user_ids))).all()
    return dict(rows)


def _entry(
    revision: int,
    record: _Record,
    rows: dict[int, Any],
    logged: dict[int, Any],
    base: int | None,
    names: dict[int, str],
) -> RevisionEntry:
    ops = logged.get(revision)
    applied = ops.applied if ops else 0
    outdated = ops.outdated if ops else 0
    signed = record.signed_at is not None and revision == record.revision
    row = rows.get(revision)
    kept = row is not None and base is not None and base <= revision <= max(rows)
    if row is not None and kept:
        kind, user_id, at = row.kind, row.user_id, row.created_at
    elif revision == 0:
        kind, user_id, at = "created", record.created_by_user_id, record.created_at
    elif signed:
        kind, user_id, at = "signed", record.signed_by_user_id, record.signed_at
    elif ops is not None:
        kind, user_id, at = "not_kept", ops.user_id, ops.at
        applied = ops.applied + ops.unknown
    else:
        kind, user_id, at = "unknown", None, None
    return RevisionEntry(
        revision=revision,
        kind=kind,
        label=KIND_LABELS[kind],
        user_name=names.get(user_id) if user_id is not None else None,
        at=at,
        operations=applied,
        outdated=outdated,
        kept=kept,
        signed=signed,
    )


def _documents_at(
    session: Session, actor: Actor, record_id: int, revision: object
) -> tuple[_Record, RevisionDocuments]:
    require(actor, Action.VIEW_RECORD)
    if isinstance(revision, bool) or not isinstance(revision, int) or revision < 0:
        raise ValidationFailed(["revision: must be a whole number of at least 0"])
    if revision > MAX_REVISION:
        raise ValidationFailed([f"revision: no record has more than {MAX_REVISION} revisions"])
    record = _record_row(session, actor, record_id)
    if revision > record.revision:
        raise NotFound("revision")
    start = session.exec(
        select(MedicalRecordRevision)
        .where(
            MedicalRecordRevision.medical_record_id == record.id,
            MedicalRecordRevision.revision <= revision,
            col(MedicalRecordRevision.drawing_data).is_not(None),
        )
        .order_by(col(MedicalRecordRevision.revision).desc())
        .limit(1)
    ).first()
    kept_since = _kept_since(session, record.id)
    if start is None:
        raise RevisionNotKept(_not_kept(revision, kept_since))
    steps = session.exec(
        select(MedicalRecordRevision.revision, MedicalRecordRevision.template_version_id).where(
            MedicalRecordRevision.medical_record_id == record.id,
            MedicalRecordRevision.revision > start.revision,
            MedicalRecordRevision.revision <= revision,
        )
    ).all()
    if len(steps) != revision - start.revision:  # a revision without its row: not exact
        raise RevisionNotKept(_not_kept(revision, kept_since))
    logged = session.exec(
        select(MedicalRecordOp.revision, MedicalRecordOp.op, MedicalRecordOp.applied)
        .where(
            MedicalRecordOp.medical_record_id == record.id,
            MedicalRecordOp.revision > start.revision,
            MedicalRecordOp.revision <= revision,
        )
        .order_by(col(MedicalRecordOp.id))
    ).all()
    if any(applied is None for _, _, applied in logged):
        raise RevisionNotKept(_not_kept(revision, kept_since))
    by_revision: dict[int, list[dict[str, Any]]] = {}
    for rev, op, applied in logged:
        if applied:
            by_revision.setdefault(rev, []).append(op)
    assert start.drawing_data is not None and start.form_data is not None  # the query
    try:
        drawing, form = replay(
            start.drawing_data,
            start.form_data,
            (by_revision.get(rev, []) for rev in range(start.revision + 1, revision + 1)),
        )
    except DocumentError:
        raise RevisionNotKept(
            f"Revision {revision} cannot be rebuilt: its saved changes no longer apply."
        ) from None
    version_id = start.template_version_id
    if steps:
        version_id = max(steps, key=lambda step: step[0])[1]
    version = session.get(TemplateVersion, version_id) if version_id is not None else None
    return record, RevisionDocuments(
        revision=revision,
        drawing_data=drawing,
        form_data=form,
        form_schema=(version.form_schema if version else DEFAULT_TEMPLATE_SCHEMA.to_document()),
        background_url=templates.background_url(version),
        drawing_summary=drawing_summary(drawing),
    )


def _kept_since(session: Session, record_id: int) -> datetime | None:
    return session.exec(
        select(func.min(MedicalRecordRevision.created_at)).where(
            MedicalRecordRevision.medical_record_id == record_id,
            col(MedicalRecordRevision.drawing_data).is_not(None),
        )
    ).one()


def _not_kept(revision: int, since: datetime | None) -> str:
    when = f" before {since:%d %b %Y}" if since is not None else ""
    return (
        f"Revision {revision} is not kept: medrec did not keep a record's past "
        f"revisions{when}, so it cannot be shown."
    )
