"""Reading the clinic's appointments: the day list of the first page, and the API's list.

Days are the clinic's own (its time zone), so a visit at 23:30 in Amsterdam is on that
day's list wherever the server runs. A practitioner's day list shows their own visits
unless they ask for everyone's.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from medrec_app.domain.bookings import Status
from medrec_app.domain.permissions import Action, Actor, Role, can, require
from medrec_app.models import Appointment, MedicalRecord, Patient, User
from medrec_app.services import audit
from medrec_app.services.clinic_time import clinic_zone
from medrec_app.services.errors import NotFound

NOT_STARTED = "Not started"
IN_PROGRESS = "In progress"
SIGNED = "Signed"
DEFAULT_LIMIT = 200
MAX_LIMIT = 1000
MAX_DAY = 500
MAX_VISITS = 500
MAX_OVERLAPS = 20


class AppointmentPublic(BaseModel):
    appointment_id: int = Field(
        description="The `calendar_event_id`; the record's `appointment_id`."
    )
    starts_at: AwareDatetime
    duration_minutes: int
    visit_type: str | None = None
    status: str = Field(default="booked", description="`booked` or `cancelled`.")
    booked_in: str = Field(
        default="calendar",
        description="`calendar` (the booking system's id) or `medrec` (booked on the page).",
    )
    patient_id: int
    patient_name: str
    practitioner_id: int
    practitioner_name: str
    record_id: int | None = Field(description="The appointment's record, if it has one.")
    record_updated_at: AwareDatetime | None
    record_status: str = Field(
        default=NOT_STARTED, description="`Not started`, `In progress` or `Signed`."
    )
    updated_at: AwareDatetime | None = None


class AppointmentList(BaseModel):
    items: list[AppointmentPublic] = Field(description="Newest first.")
    truncated: bool = Field(description="True when more appointments match than `limit`.")


class PatientVisits(BaseModel):
    items: list[AppointmentPublic] = Field(description="Newest first.")
    truncated: bool = Field(description="True when the oldest visits are left off.")


class Practitioner(BaseModel):
    id: int
    name: str


class DayList(BaseModel):
    day: date
    practitioner_id: int | None = Field(description="Whose visits; None for everyone's.")
    items: list[AppointmentPublic] = Field(description="In order of their start.")
    practitioners: list[Practitioner]


def list_appointments(
    session: Session,
    actor: Actor,
    *,
    first_day: date | None = None,
    last_day: date | None = None,
    changed_since: datetime | None = None,
    limit: int = DEFAULT_LIMIT,
) -> AppointmentList:
    """The actor's clinic's appointments, newest first, at most ``limit``.

    ``first_day`` and ``last_day`` (inclusive) are days in the clinic's time zone;
    ``changed_since`` keeps those created, moved or cancelled since that instant.
    """
    require(actor, Action.VIEW_APPOINTMENTS)
    zone = clinic_zone(session, actor)
    start = _day_start(first_day, zone)
    after_last = last_day + timedelta(days=1) if last_day and last_day < date.max else None
    end = _day_start(after_last, zone)
    limit = max(1, min(limit, MAX_LIMIT))
    query = _with_names(actor).order_by(
        col(Appointment.starts_at).desc(), col(Appointment.calendar_event_id).desc()
    )
    if start is not None:
        query = query.where(col(Appointment.starts_at) >= start)
    if end is not None:
        query = query.where(col(Appointment.starts_at) < end)
    if changed_since is not None:
        query = query.where(col(Appointment.updated_at) >= changed_since)
    rows = _publics(session, query.limit(limit + 1))
    shown = rows[:limit]
    audit.record(session, actor, "appointments.list", details={"count": len(shown)})
    return AppointmentList(items=shown, truncated=len(rows) > limit)


def list_day(
    session: Session,
    actor: Actor,
    day: date | None = None,
    *,
    practitioner_id: int | None = None,
    everyone: bool = False,
) -> DayList:
    """One day's visits in the clinic's time zone (today by default), by start time.

    A practitioner sees their own unless ``everyone``; anyone may name a practitioner of
    the clinic (another clinic's id answers "not found").
    """
    require(actor, Action.VIEW_APPOINTMENTS)
    zone = clinic_zone(session, actor)
    day = day or datetime.now(zone).date()
    practitioners = list_practitioners(session, actor)
    if practitioner_id is None and not everyone and actor.role == Role.PRACTITIONER:
        practitioner_id = actor.user_id
    if practitioner_id is not None and practitioner_id not in {p.id for p in practitioners}:
        raise NotFound("practitioner")
    start = _day_start(day, zone)
    end = _day_start(day + timedelta(days=1), zone) if day < date.max else None
    query = _with_names(actor).where(col(Appointment.starts_at) >= start)
    if end is not None:
        query = query.where(col(Appointment.starts_at) < end)
    if practitioner_id is not None:
        query = query.where(Appointment.practitioner_id == practitioner_id)
    query = query.order_by(col(Appointment.starts_at), col(Appointment.calendar_event_id))
    items = _publics(session, query.limit(MAX_DAY))
    audit.record(session, actor, "appointments.list", details={"count": len(items)})
    return DayList(
        day=day, practitioner_id=practitioner_id, items=items, practitioners=practitioners
    )


def list_patient_visits(session: Session, actor: Actor, patient_id: int) -> PatientVisits:
    """One patient's visits for their chart, newest first, cancelled ones too; a patient
    outside the actor's clinic answers "not found". Audited as a read of the patient."""
    require(actor, Action.VIEW_APPOINTMENTS)
    found = session.exec(
        select(Patient.id).where(Patient.id == patient_id, Patient.clinic_id == actor.clinic_id)
    ).first()
    if found is None:
        raise NotFound("patient")
    query = (
        _with_names(actor)
        .where(Appointment.patient_id == patient_id)
        .order_by(col(Appointment.starts_at).desc(), col(Appointment.calendar_event_id).desc())
    )
    visits = _publics(session, query.limit(MAX_VISITS + 1))
    shown = visits[:MAX_VISITS]
    audit.record(
        session, actor, "patient.visits_list", patient_id=patient_id, details={"count": len(shown)}
    )
    return PatientVisits(items=shown, truncated=len(visits) > MAX_VISITS)


def list_practitioners(session: Session, actor: Actor) -> list[Practitioner]:
    """Active users of the clinic who may document visits, by name."""
    require(actor, Action.VIEW_APPOINTMENTS)
    roles = [role.value for role in Role if can(role, Action.EDIT_RECORD)]
    users = session.exec(
        select(User)
        .where(User.clinic_id == actor.clinic_id, User.is_active, col(User.role).in_(roles))
        .order_by(col(User.full_name), col(User.id))
    ).all()
    return [Practitioner(id=user.id, name=user.full_name) for user in users]


def list_overlapping(
    session: Session,
    actor: Actor,
    practitioner_id: int,
    starts_at: datetime,
    ends_at: datetime,
    *,
    except_id: int | None = None,
) -> list[AppointmentPublic]:
    """The practitioner's booked visits that overlap ``starts_at``..``ends_at`` (touching
    ends do not), by start; at most 20."""
    require(actor, Action.VIEW_APPOINTMENTS)
    ends = col(Appointment.starts_at) + func.make_interval(
        0, 0, 0, 0, 0, col(Appointment.duration_minutes)
    )
    query = (
        _with_names(actor)
        .where(
            Appointment.practitioner_id == practitioner_id,
            Appointment.status == Status.BOOKED.value,
            col(Appointment.starts_at) < ends_at,
            ends > starts_at,
            Appointment.calendar_event_id != (except_id or 0),
        )
        .order_by(col(Appointment.starts_at), col(Appointment.calendar_event_id))
        .limit(MAX_OVERLAPS)
    )
    return _publics(session, query)


def read_appointment(session: Session, actor: Actor, appointment_id: int) -> AppointmentPublic:
    """One appointment of the actor's clinic, else ``NotFound``."""
    require(actor, Action.VIEW_APPOINTMENTS)
    rows = _publics(
        session, _with_names(actor).where(Appointment.calendar_event_id == appointment_id)
    )
    if not rows:
        raise NotFound("appointment")
    return rows[0]


_practitioner = aliased(User)


def _with_names(actor: Actor) -> SelectOfScalar:
    return (
        select(Appointment, Patient, _practitioner, MedicalRecord)
        .join(Patient, col(Patient.id) == col(Appointment.patient_id))
        .join(_practitioner, col(_practitioner.id) == col(Appointment.practitioner_id))
        .outerjoin(
            MedicalRecord,
            col(MedicalRecord.appointment_id) == col(Appointment.calendar_event_id),
        )
        .where(Appointment.clinic_id == actor.clinic_id)
    )


def _publics(session: Session, query: SelectOfScalar) -> list[AppointmentPublic]:
    return [
        AppointmentPublic(
            appointment_id=appt.calendar_event_id,
            starts_at=appt.starts_at,
            duration_minutes=appt.duration_minutes,
            visit_type=appt.visit_type,
            status=appt.status,
            booked_in=appt.booked_in,
            patient_id=patient.id,
            patient_name=f"{patient.last_name}, {patient.first_name}",
            practitioner_id=prac.id,
            practitioner_name=prac.full_name,
            record_id=record.id if record else None,
            record_updated_at=record.updated_at if record else None,
            record_status=record_status(record),
            updated_at=appt.updated_at,
        )
        # Fresh from the row: a change just flushed has a trigger-set ``updated_at``.
        for appt, patient, prac, record in session.exec(
            query.execution_options(populate_existing=True)
        ).all()
    ]


def record_status(record: MedicalRecord | None) -> str:
    if record is None:
        return NOT_STARTED
    return SIGNED if record.signed_at is not None else IN_PROGRESS


def _day_start(day: date | None, zone: ZoneInfo) -> datetime | None:
    return datetime.combine(day, time(), tzinfo=zone) if day else None
