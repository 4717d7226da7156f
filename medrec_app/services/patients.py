"""Patients: finding them within the actor's clinic.

Every lookup goes through the actor's clinic, so another clinic's patient id answers
"not found", exactly like an id that does not exist.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel
from sqlmodel import Session, col, func, or_, select

from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import Patient
from medrec_app.services import audit
from medrec_app.services.errors import NotFound

MAX_RESULTS = 50


class PatientPublic(BaseModel):
    id: int
    first_name: str
    last_name: str
    date_of_birth: date


def get_patient(session: Session, actor: Actor, patient_id: int) -> Patient:
    """The patient if they belong to the actor's clinic, else ``NotFound``."""
    require(actor, Action.VIEW_FILES)
    patient = session.exec(
        select(Patient).where(Patient.id == patient_id, Patient.clinic_id == actor.clinic_id)
    ).first()
    if patient is None:
        raise NotFound("patient")
    return patient


def read_patient(session: Session, actor: Actor, patient_id: int) -> PatientPublic:
    """The patient as pages show them; ``NotFound`` outside the actor's clinic."""
    patient = get_patient(session, actor, patient_id)
    return PatientPublic.model_validate(patient, from_attributes=True)


def search_patients(
    session: Session, actor: Actor, text: str = "", date_of_birth: date | None = None
) -> list[PatientPublic]:
    """Patients whose first or last name starts with each word of ``text``, by name.

    Matching ignores case; ``date_of_birth`` narrows to that exact day. At most
    ``MAX_RESULTS`` rows come back. The search itself is audited without the text typed.
    """
    require(actor, Action.VIEW_FILES)
    query = select(Patient).where(Patient.clinic_id == actor.clinic_id)
    for word in text.split()[:4]:
        prefix = _like_prefix(word[:100])
        query = query.where(
            or_(
                func.lower(Patient.first_name).like(prefix, escape="\\"),
                func.lower(Patient.last_name).like(prefix, escape="\\"),
            )
        )
    if date_of_birth is not None:
        query = query.where(Patient.date_of_birth == date_of_birth)
    rows = session.exec(
        query.order_by(col(Patient.last_name), col(Patient.first_name), col(Patient.id)).limit(
            MAX_RESULTS
        )
    ).all()
    audit.record(session, actor, "patient.search", details={"results": len(rows)})
    return [PatientPublic.model_validate(row, from_attributes=True) for row in rows]


def _like_prefix(word: str) -> str:
    escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"
