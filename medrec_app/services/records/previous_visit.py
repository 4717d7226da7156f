"""The patient's last visit before this one, as a guide under the current drawing.

The editor can show the drawing of the patient's most recent earlier record made with
the same template, faded under the current one, and carry some of its elements forward
(``domain/carry_forward.py``). It is shown as it stands: with the drawings of its
signed amendments. Showing it is a read of that record: audited as such.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from medrec_app.domain.amendment_layers import amended_drawing
from medrec_app.domain.formatting import local_day
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import Appointment, Clinic, MedicalRecord
from medrec_app.services import audit
from medrec_app.services.errors import NotFound
from medrec_app.services.records.amendments import signed_layers
from medrec_app.services.records.scope import in_clinic
from medrec_app.services.records.tail import current_drawing


def previous_visit(session: Session, actor: Actor, record_id: int) -> dict[str, Any]:
    """``{"recordId", "visitDate" (YYYY-MM-DD, the clinic's day), "drawing"}`` of the
    last earlier record of the same patient and template (or, for a record without a
    template, without one), or ``{"recordId": None}``."""
    require(actor, Action.VIEW_RECORD)
    this = session.exec(
        in_clinic(
            select(MedicalRecord.template_id, Appointment.patient_id, Appointment.starts_at),
            actor,
            record_id,
        )
    ).first()
    if this is None:
        raise NotFound("medical record")
    template_id, patient_id, starts_at = this
    # Records made without a template (free drawings) follow each other too.
    same_template = (
        col(MedicalRecord.template_id).is_(None)
        if template_id is None
        else MedicalRecord.template_id == template_id
    )
    earlier = session.exec(
        select(MedicalRecord.id, Appointment.starts_at)
        .join(Appointment, col(Appointment.calendar_event_id) == col(MedicalRecord.appointment_id))
        .where(
            Appointment.clinic_id == actor.clinic_id,
            Appointment.patient_id == patient_id,
            same_template,
            col(Appointment.starts_at) < starts_at,
            MedicalRecord.id != record_id,
        )
        .order_by(col(Appointment.starts_at).desc(), col(MedicalRecord.id).desc())
        .limit(1)
    ).first()
    if earlier is None:
        return {"recordId": None}
    earlier_id, earlier_start = earlier
    record = session.get(MedicalRecord, earlier_id)
    clinic = session.get(Clinic, actor.clinic_id)
    assert record is not None and clinic is not None  # just found; foreign key
    audit.record(
        session,
        actor,
        "record.drawing_read",
        appointment_id=record.appointment_id,
        record_id=record.id,
        details={"shown_under_record": record_id},
    )
    return {
        "recordId": record.id,
        "visitDate": local_day(earlier_start, clinic.timezone).isoformat(),
        "drawing": amended_drawing(
            current_drawing(session, record),
            [layer.drawing for layer in signed_layers(session, record)],
        ),
    }
