"""Reading the audit trail (``audit.py`` writes it): filtered lists, a patient's access
report and CSV exports, for administrators and read-only users (auditors).

Only the actor's clinic's rows are ever read. A row may name its patient only through a
record (``record_id``: a record's drawing loaded or saved), a file (``file_id``) or an
appointment, so the patient of a row is resolved through those tables, and the patient
filter finds every row that concerns the patient, refusals of their ids included.

Every reading is itself audited (``audit.view``, ``audit.access_report``,
``audit.export``) with the filters' ids, never names. Rows show staff names and roles;
patient names are for the page only: exports carry patient ids.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel
from sqlalchemy import String, and_, cast, func, or_, tuple_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from medrec_app.domain.audit_query import (
    ANY_REFUSAL,
    AuditQuery,
    QueryRefused,
    decode_cursor,
    encode_cursor,
    outcome,
    parse_query,
)
from medrec_app.domain.csv_cells import csv_text
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import (
    Appointment,
    AuditEvent,
    MedicalRecord,
    Patient,
    PatientFile,
    User,
)
from medrec_app.services import audit
from medrec_app.services.clinic_time import clinic_zone
from medrec_app.services.errors import NotFound, ValidationFailed

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_EXPORT_ROWS = 100_000
CSV_HEADER = (
    "time",
    "user_id",
    "user_name",
    "user_role",
    "action",
    "outcome",
    "patient_id",
    "appointment_id",
    "record_id",
    "file_id",
    "ip",
    "details",
)


class AuditRow(BaseModel):
    id: int
    occurred_at: AwareDatetime
    user_id: int | None
    user_name: str
    user_role: str
    action: str
    outcome: str
    patient_id: int | None
    """The patient the row concerns: its own ``patient_id``, or the one of its record,
    file or appointment."""
    patient_name: str
    appointment_id: int | None
    record_id: int | None
    file_id: int | None
    ip: str
    details: dict[str, Any]


class AuditPage(BaseModel):
    rows: list[AuditRow]
    next_cursor: str | None
    """Where the next, older page starts; None on the last page."""


class UserChoice(BaseModel):
    user_id: int
    name: str
    role: str


class PersonAccess(BaseModel):
    """One person's accesses to one patient, in the access report."""

    user_id: int | None
    user_name: str
    user_role: str
    accesses: int
    first_at: AwareDatetime
    last_at: AwareDatetime
    actions: list[str]
    ips: list[str]


class AccessReport(BaseModel):
    patient_id: int
    patient_name: str
    people: list[PersonAccess]
    """Who reached the patient's data, the most recent first."""
    page: AuditPage


class AuditExport(BaseModel):
    csv: str
    rows: int
    truncated: bool


def audit_users(session: Session, actor: Actor) -> list[UserChoice]:
    """The clinic's users, for the user filter (by name)."""
    require(actor, Action.VIEW_AUDIT)
    users = session.exec(
        select(User)
        .where(User.clinic_id == actor.clinic_id)
        .order_by(col(User.full_name), col(User.id))
    ).all()
    return [UserChoice(user_id=u.id, name=u.full_name, role=u.role) for u in users]


def list_audit(
    session: Session,
    actor: Actor,
    filters: Mapping[str, object],
    *,
    cursor: str | None = None,
    page_size: int = PAGE_SIZE,
) -> AuditPage:
    """The clinic's audit rows matching ``filters`` (``patient``, ``user``, ``action``,
    ``from``, ``to``, as text), newest first, ``page_size`` (at most 200) from ``cursor``.

    ``ValidationFailed`` names each bad filter; a patient or user not of this clinic is
    ``NotFound``.
    """
    require(actor, Action.VIEW_AUDIT)
    query = _checked(session, actor, filters)
    page = _page(session, actor, query, cursor, page_size)
    audit.record(
        session,
        actor,
        "audit.view",
        details={**query.audit_details(), "rows": len(page.rows), "next_page": cursor is not None},
    )
    return page


def access_report(
    session: Session, actor: Actor, patient_id: int, *, cursor: str | None = None
) -> AccessReport:
    """Who opened, changed or downloaded the patient's records and files (and their
    details), when and from where: a summary per person, and the rows, newest first."""
    require(actor, Action.VIEW_AUDIT)
    patient = _clinic_patient(session, actor, patient_id)
    query = AuditQuery(patient_id=patient_id)
    concerning = _matching(actor, query, clinic_zone(session, actor))
    grouped = session.exec(
        select(
            AuditEvent.user_id,
            func.count(),
            func.min(AuditEvent.occurred_at),
            func.max(AuditEvent.occurred_at),
            func.array_agg(col(AuditEvent.action).distinct()),
            func.array_agg(col(AuditEvent.ip).distinct()),
        )
        .where(*concerning)
        .group_by(col(AuditEvent.user_id))
        .order_by(func.max(AuditEvent.occurred_at).desc())
    ).all()
    users = _users(session, actor, {row[0] for row in grouped if row[0] is not None})
    people = [
        PersonAccess(
            user_id=user_id,
            user_name=users[user_id][0] if user_id in users else "",
            user_role=users[user_id][1] if user_id in users else "",
            accesses=count,
            first_at=first,
            last_at=last,
            actions=sorted(actions),
            ips=sorted(ip for ip in ips if ip),
        )
        for user_id, count, first, last, actions, ips in grouped
    ]
    page = _page(session, actor, query, cursor, PAGE_SIZE)
    audit.record(
        session,
        actor,
        "audit.access_report",
        details={"patient_id": patient_id, "rows": len(page.rows)},
    )
    return AccessReport(
        patient_id=patient_id,
        patient_name=f"{patient.last_name}, {patient.first_name}",
        people=people,
        page=page,
    )


def export_audit(
    session: Session,
    actor: Actor,
    filters: Mapping[str, object],
    *,
    max_rows: int = MAX_EXPORT_ROWS,
) -> AuditExport:
    """The rows ``list_audit`` finds, the newest ``max_rows`` (at most 100,000), as CSV
    (patient ids, no names; times in the clinic's zone). A cut list ends with a line
    saying so."""
    require(actor, Action.VIEW_AUDIT)
    query = _checked(session, actor, filters)
    zone = clinic_zone(session, actor)
    max_rows = max(1, min(max_rows, MAX_EXPORT_ROWS))
    found = session.exec(_rows(actor, query, zone).limit(max_rows + 1)).all()
    truncated = len(found) > max_rows
    found = found[:max_rows]
    lines: list[Sequence[object]] = [CSV_HEADER]
    lines.extend(
        (
            row.occurred_at.astimezone(zone).isoformat(timespec="seconds"),
            row.user_id,
            row.full_name,
            row.role,
            row.action,
            outcome(row.action),
            row.concerned,
            row.appointment_id,
            row.record_id,
            row.file_id,
            row.ip,
            json.dumps(row.details, sort_keys=True) if row.details else "",
        )
        for row in found
    )
    if truncated:
        lines.append(
            (
                f"Only the newest {max_rows:,} rows were exported: more rows match. "
                "Narrow the dates to export the rest.",
            )
        )
    audit.record(
        session,
        actor,
        "audit.export",
        details={**query.audit_details(), "rows": len(found), "truncated": truncated},
    )
    return AuditExport(csv=csv_text(lines), rows=len(found), truncated=truncated)


# --- the query --------------------------------------------------------------------


def _checked(session: Session, actor: Actor, filters: Mapping[str, object]) -> AuditQuery:
    try:
        query = parse_query(filters)
    except QueryRefused as refused:
        raise ValidationFailed(refused.problems) from None
    if query.patient_id is not None:
        _clinic_patient(session, actor, query.patient_id)
    if query.user_id is not None:
        user = session.exec(
            select(User.id).where(User.id == query.user_id, User.clinic_id == actor.clinic_id)
        ).first()
        if user is None:
            raise NotFound("user")
    return query


def _clinic_patient(session: Session, actor: Actor, patient_id: int) -> Patient:
    patient = session.exec(
        select(Patient).where(Patient.id == patient_id, Patient.clinic_id == actor.clinic_id)
    ).first()
    if patient is None:
        raise NotFound("patient")
    return patient


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def _matching(actor: Actor, query: AuditQuery, zone: ZoneInfo) -> list[Any]:
    """The WHERE conditions: the clinic, then each filter set."""
    conditions: list[Any] = [AuditEvent.clinic_id == actor.clinic_id]
    if query.patient_id is not None:
        conditions.append(_concerns_patient(actor, query.patient_id))
    if query.user_id is not None:
        conditions.append(AuditEvent.user_id == query.user_id)
    if query.action == ANY_REFUSAL:
        conditions.append(col(AuditEvent.action).endswith(".denied", autoescape=True))
    elif query.action is not None and query.action_is_prefix:
        conditions.append(col(AuditEvent.action).startswith(query.action, autoescape=True))
    elif query.action is not None:
        conditions.append(AuditEvent.action == query.action)
    if query.first_day is not None:
        conditions.append(col(AuditEvent.occurred_at) >= _day_start(query.first_day, zone))
    if query.last_day is not None and query.last_day < date.max:
        after = _day_start(query.last_day + timedelta(days=1), zone)
        conditions.append(col(AuditEvent.occurred_at) < after)
    return conditions


def _concerns_patient(actor: Actor, patient_id: int) -> Any:
    """A row concerns the patient when it names them, one of their appointments, records
    or files, or when it is a refusal of one of those ids."""
    appointments = select(Appointment.calendar_event_id).where(
        Appointment.patient_id == patient_id, Appointment.clinic_id == actor.clinic_id
    )
    records = (
        select(MedicalRecord.id)
        .join(Appointment, col(Appointment.calendar_event_id) == col(MedicalRecord.appointment_id))
        .where(Appointment.patient_id == patient_id, Appointment.clinic_id == actor.clinic_id)
    )
    files = (
        select(PatientFile.id)
        .join(Patient, col(Patient.id) == col(PatientFile.patient_id))
        .where(PatientFile.patient_id == patient_id, Patient.clinic_id == actor.clinic_id)
    )
    details = col(AuditEvent.details)

    def asked(name: str, ids: Any) -> Any:
        # What a refused call was asked, compared as text: never a cast that could fail.
        listed = ids.subquery()
        return details[("asked", name)].astext.in_(select(cast(next(iter(listed.c)), String)))

    return or_(
        AuditEvent.patient_id == patient_id,
        col(AuditEvent.appointment_id).in_(appointments),
        col(AuditEvent.record_id).in_(records),
        col(AuditEvent.file_id).in_(files),
        and_(
            col(AuditEvent.action).endswith(".denied", autoescape=True),
            or_(
                details[("asked", "patient_id")].astext == str(patient_id),
                asked("appointment_id", appointments),
                asked("record_id", records),
                asked("file_id", files),
            ),
        ),
    )


def _rows(actor: Actor, query: AuditQuery, zone: ZoneInfo) -> Any:
    """The matching rows with their user and the patient they concern, newest first."""
    record = aliased(MedicalRecord)
    record_visit = aliased(Appointment)
    visit = aliased(Appointment)
    stored = aliased(PatientFile)
    concerned = func.coalesce(
        AuditEvent.patient_id, record_visit.patient_id, stored.patient_id, visit.patient_id
    )
    return (
        select(
            AuditEvent.id,
            AuditEvent.occurred_at,
            AuditEvent.user_id,
            User.full_name,
            User.role,
            AuditEvent.action,
            concerned.label("concerned"),
            AuditEvent.appointment_id,
            AuditEvent.record_id,
            AuditEvent.file_id,
            AuditEvent.ip,
            AuditEvent.details,
        )
        .outerjoin(
            User, and_(col(User.id) == AuditEvent.user_id, User.clinic_id == actor.clinic_id)
        )
        .outerjoin(record, col(record.id) == AuditEvent.record_id)
        .outerjoin(
            record_visit,
            and_(
                col(record_visit.calendar_event_id) == record.appointment_id,
                record_visit.clinic_id == actor.clinic_id,
            ),
        )
        .outerjoin(stored, col(stored.id) == AuditEvent.file_id)
        .outerjoin(
            visit,
            and_(
                col(visit.calendar_event_id) == AuditEvent.appointment_id,
                visit.clinic_id == actor.clinic_id,
            ),
        )
        .where(*_matching(actor, query, zone))
        .order_by(col(AuditEvent.occurred_at).desc(), col(AuditEvent.id).desc())
    )


def _page(
    session: Session, actor: Actor, query: AuditQuery, cursor: str | None, page_size: int
) -> AuditPage:
    size = max(1, min(page_size, MAX_PAGE_SIZE))
    statement = _rows(actor, query, clinic_zone(session, actor))
    if cursor:
        try:
            at, last_id = decode_cursor(cursor)
        except QueryRefused as refused:
            raise ValidationFailed(refused.problems) from None
        statement = statement.where(
            tuple_(col(AuditEvent.occurred_at), col(AuditEvent.id)) < tuple_(at, last_id)
        )
    found = session.exec(statement.limit(size + 1)).all()
    shown = found[:size]
    names = _patient_names(session, actor, {r.concerned for r in shown if r.concerned})
    rows = [
        AuditRow(
            id=r.id,
            occurred_at=r.occurred_at,
            user_id=r.user_id,
            user_name=r.full_name or "",
            user_role=r.role or "",
            action=r.action,
            outcome=outcome(r.action),
            patient_id=r.concerned,
            patient_name=names.get(r.concerned, "") if r.concerned else "",
            appointment_id=r.appointment_id,
            record_id=r.record_id,
            file_id=r.file_id,
            ip=r.ip or "",
            details=r.details or {},
        )
        for r in shown
    ]
    last = shown[-1] if shown and len(found) > size else None
    return AuditPage(
        rows=rows, next_cursor=encode_cursor(last.occurred_at, last.id) if last else None
    )


def _patient_names(session: Session, actor: Actor, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    found = session.exec(
        select(Patient.id, Patient.first_name, Patient.last_name).where(
            col(Patient.id).in_(ids), Patient.clinic_id == actor.clinic_id
        )
    ).all()
    return {pid: f"{last}, {first}" for pid, first, last in found}


def _users(session: Session, actor: Actor, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    found = session.exec(
        select(User.id, User.full_name, User.role).where(
            col(User.id).in_(ids), User.clinic_id == actor.clinic_id
        )
    ).all()
    return {uid: (name, role) for uid, name, role in found}
