"""A record's documents as every reader sees them: the drawing with its tail applied
(``domain/drawing_tail.py``), for tests that look into the database after saves."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine
from sqlmodel import Session, col, select

from medrec_app.models import MedicalRecord
from medrec_app.services.records import tail


class Stored(NamedTuple):
    drawing: dict[str, Any]
    form: dict[str, Any]
    revision: int


def stored(
    bind: Engine | Connection | Session,
    *,
    record_id: int | None = None,
    appointment_id: int | None = None,
) -> Stored:
    """The record (by id or by appointment) as stored now."""
    if isinstance(bind, Session):
        return _stored(bind, record_id, appointment_id)
    with Session(bind) as session:
        return _stored(session, record_id, appointment_id)


def _stored(session: Session, record_id: int | None, appointment_id: int | None) -> Stored:
    query = select(MedicalRecord).execution_options(populate_existing=True)
    if record_id is not None:
        query = query.where(col(MedicalRecord.id) == record_id)
    else:
        query = query.where(col(MedicalRecord.appointment_id) == appointment_id)
    record = session.exec(query).one()
    return Stored(tail.current_drawing(session, record), record.form_data, record.revision)
