"""Finding a record, or the appointment it belongs to, inside the actor's clinic.

The one place that scopes records: every record function starts here, so an id from
another clinic is indistinguishable from one that does not exist. A record that is
about to change is read with :func:`locked_record`: the row is locked ``FOR UPDATE`` and
read fresh under the lock, never taken from what the session loaded before, so a
read-modify-write always starts from what the last writer committed. A change of the
record itself goes through :func:`writable_record` (or ``record_keys(writable=True)``),
which refuses a signed record under that lock, so a save can never follow a signature.
"""

from __future__ import annotations

from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from medrec_app.domain.permissions import Actor
from medrec_app.models import Appointment, MedicalRecord
from medrec_app.services.errors import NotFound, RecordSigned

Query = TypeVar("Query", bound=Select[Any])


class RecordKeys(NamedTuple):
    record_id: int
    appointment_id: int
    patient_id: int


def in_clinic(query: Query, actor: Actor, record_id: int) -> Query:
    """``query`` narrowed to the record ``record_id`` if it is in the actor's clinic."""
    return query.join(
        Appointment, col(Appointment.calendar_event_id) == col(MedicalRecord.appointment_id)
    ).where(MedicalRecord.id == record_id, Appointment.clinic_id == actor.clinic_id)


def record_keys(
    session: Session, actor: Actor, record_id: int, *, writable: bool = False
) -> RecordKeys:
    """The record's ids and its patient's; reads no document (a drawing can be MBs).

    With ``writable``, the record row is locked for this transaction and a signed record
    refused (``RecordSigned``), for changes that touch the record's links but not its
    documents (attaching a file).
    """
    query = in_clinic(
        select(
            MedicalRecord.id,
            MedicalRecord.appointment_id,
            Appointment.patient_id,
            MedicalRecord.signed_at,
        ),
        actor,
        record_id,
    )
    if writable:
        query = query.with_for_update(of=MedicalRecord)
    row = session.exec(query).first()
    if row is None:
        raise NotFound("record")
    if writable and row.signed_at is not None:
        raise RecordSigned()
    return RecordKeys(*row[:3])


def scoped_record(session: Session, actor: Actor, record_id: int) -> MedicalRecord:
    """The record, for reading."""
    record = session.exec(in_clinic(select(MedicalRecord), actor, record_id)).first()
    if record is None:
        raise NotFound("record")
    return record


def locked_record(session: Session, actor: Actor, record_id: int) -> tuple[MedicalRecord, int]:
    """The record and its patient id, locked for this transaction and read fresh.

    ``populate_existing`` makes the session overwrite a copy it loaded earlier in the
    transaction with the row as it is now, under the lock; without it the session would
    hand back its stale copy, and the write would undo a concurrent writer's change.
    ``drawing_data`` is loaded only when used: most saves never read it
    (``domain/drawing_tail.py``).
    """
    row = session.exec(
        in_clinic(select(MedicalRecord, Appointment.patient_id), actor, record_id)
        .options(defer(MedicalRecord.drawing_data))
        .with_for_update(of=MedicalRecord)
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        raise NotFound("record")
    return row[0], row[1]


def writable_record(session: Session, actor: Actor, record_id: int) -> tuple[MedicalRecord, int]:
    """:func:`locked_record`, refused with ``RecordSigned`` when the record is signed."""
    record, patient_id = locked_record(session, actor, record_id)
    if record.signed_at is not None:
        raise RecordSigned()
    return record, patient_id


def get_appointment(
    session: Session, actor: Actor, appointment_id: int, *, lock: bool = False
) -> Appointment:
    """The appointment if it belongs to the actor's clinic, else ``NotFound``.

    With ``lock``, the row is locked for this transaction: creating its one record
    holds it, so two first openings of a visit wait for each other instead of racing.
    """
    query = select(Appointment).where(
        Appointment.calendar_event_id == appointment_id,
        Appointment.clinic_id == actor.clinic_id,
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    appointment = session.exec(query).first()
    if appointment is None:
        raise NotFound("appointment")
    return appointment


def record_of_appointment(session: Session, appointment_id: int) -> MedicalRecord | None:
    """The appointment's record, if it has one (the caller has scoped the appointment)."""
    return session.exec(
        select(MedicalRecord).where(col(MedicalRecord.appointment_id) == appointment_id)
    ).first()
