"""Patients: finding, registering and editing them within the actor's clinic.

Every lookup goes through the actor's clinic, so another clinic's patient id answers
"not found", exactly like an id that does not exist. Registering warns of a possible
duplicate (same name and date of birth) and goes ahead only when told to; an external id
is unique within the clinic (the database enforces it too, so two desks registering the
same id at once cannot both succeed). Audit rows name the changed fields, never values.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, or_, select

from medrec_app.domain.patient_details import DetailsRefused, PatientDetails, check_details
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import Patient
from medrec_app.services import audit
from medrec_app.services.clinic_time import clinic_today
from medrec_app.services.errors import NotFound, ServiceError, ValidationFailed

MAX_RESULTS = 50


class PatientPublic(BaseModel):
    id: int
    first_name: str
    last_name: str
    date_of_birth: date
    sex: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    external_id: str | None = None


class PossibleDuplicate(ServiceError):
    """Patients of the clinic with the same name and date of birth exist."""

    def __init__(self, matches: list[PatientPublic]) -> None:
        self.matches = matches
        super().__init__(
            f"{len(matches)} patient(s) of this clinic already have this name and date of "
            "birth. Check that this is not one of them; register anyway only if it is "
            "someone else."
        )


def register_patient(
    session: Session, actor: Actor, values: dict[str, Any], *, allow_duplicate: bool = False
) -> PatientPublic:
    """A new patient of the actor's clinic; ``ValidationFailed`` names every bad field,
    ``PossibleDuplicate`` unless ``allow_duplicate``."""
    require(actor, Action.REGISTER_PATIENT)
    details = _checked(session, actor, values)
    if not allow_duplicate and (matches := _same_person(session, actor, details)):
        raise PossibleDuplicate(matches)
    _external_id_free(session, actor, details.external_id, None)
    patient = Patient(clinic_id=actor.clinic_id, **_columns(details))
    session.add(patient)
    _flush_or_taken(session, details.external_id)
    audit.record(session, actor, "patient.create", patient_id=patient.id)
    return _public(patient)


def update_patient(
    session: Session, actor: Actor, patient_id: int, values: dict[str, Any]
) -> PatientPublic:
    """Change a patient's details (row locked, read fresh); the audit names the fields."""
    require(actor, Action.REGISTER_PATIENT)
    details = _checked(session, actor, values)
    patient = session.exec(
        select(Patient)
        .where(Patient.id == patient_id, Patient.clinic_id == actor.clinic_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if patient is None:
        raise NotFound("patient")
    _external_id_free(session, actor, details.external_id, patient_id)
    changed = [name for name, value in _columns(details).items() if getattr(patient, name) != value]
    for name in changed:
        setattr(patient, name, _columns(details)[name])
    if changed:
        session.add(patient)
        _flush_or_taken(session, details.external_id)
        audit.record(
            session, actor, "patient.update", patient_id=patient_id, details={"fields": changed}
        )
    return _public(patient)


def _checked(session: Session, actor: Actor, values: dict[str, Any]) -> PatientDetails:
    """The details, with "today" in the clinic's own time zone (a birth tonight is not in
    the future)."""
    try:
        return check_details(values, clinic_today(session, actor))
    except DetailsRefused as refused:
        raise ValidationFailed(refused.problems) from None


def _columns(details: PatientDetails) -> dict[str, Any]:
    columns = dataclasses.asdict(details)
    columns["sex"] = details.sex.value if details.sex else None
    return columns


def _same_person(session: Session, actor: Actor, details: PatientDetails) -> list[PatientPublic]:
    rows = session.exec(
        select(Patient).where(
            Patient.clinic_id == actor.clinic_id,
            func.lower(Patient.first_name) == details.first_name.lower(),
            func.lower(Patient.last_name) == details.last_name.lower(),
            Patient.date_of_birth == details.date_of_birth,
        )
    ).all()
    return [_public(row) for row in rows]


def _external_id_free(
    session: Session, actor: Actor, external_id: str | None, patient_id: int | None
) -> None:
    if external_id is None:
        return
    other = session.exec(
        select(Patient.id).where(
            Patient.clinic_id == actor.clinic_id, Patient.external_id == external_id
        )
    ).first()
    if other is not None and other != patient_id:
        raise ValidationFailed([_taken(external_id)])


def _flush_or_taken(session: Session, external_id: str | None) -> None:
    """Flush; a unique violation (another desk took the id a moment ago) says so."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise ValidationFailed([_taken(external_id or "")]) from None


def _taken(external_id: str) -> str:
    return f"External id: {external_id!r} is already used by another patient of this clinic."


def _public(patient: Patient) -> PatientPublic:
    return PatientPublic.model_validate(patient, from_attributes=True)


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
    """The patient as pages show them (audited: who opened whom); ``NotFound`` outside
    the actor's clinic."""
    patient = get_patient(session, actor, patient_id)
    audit.record(session, actor, "patient.read", patient_id=patient_id)
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
