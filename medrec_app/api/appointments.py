"""The booking system's way in for appointments: upsert by its calendar id, and cancel.

A sync may send the same appointment again and again: an unchanged body answers
``"outcome": "unchanged"`` and writes nothing. Cancelling keeps the appointment and its
record (``DELETE`` never deletes).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from medrec_app.api.deps import call, current_actor
from medrec_app.api.errors import NO_STORE, ErrorResponse
from medrec_app.api.lookups import ERRORS
from medrec_app.domain.ids import MAX_ID
from medrec_app.domain.permissions import Actor
from medrec_app.services import appointment_sync
from medrec_app.services.appointment_sync import AppointmentSynced, AppointmentUpsert
from medrec_app.services.appointments import AppointmentPublic

ActorDep = Annotated[Actor, Depends(current_actor)]
EventId = Annotated[int, Path(ge=1, le=MAX_ID, description="The calendar's id of the appointment.")]
NOT_FOUND = {404: {"model": ErrorResponse, "description": "No such appointment in the clinic."}}
CONFLICT = {
    409: {
        "model": ErrorResponse,
        "description": "The id belongs to another appointment, or the change cannot be made.",
    }
}

router = APIRouter(tags=["appointments"])


@router.put(
    "/appointments/{calendar_event_id}",
    response_model=AppointmentSynced,
    status_code=200,
    responses={
        **ERRORS,
        **CONFLICT,
        201: {"model": AppointmentSynced, "description": "Created."},
    },
    summary="Create or update the booking system's appointment",
)
async def upsert_appointment(
    calendar_event_id: EventId, body: AppointmentUpsert, actor: ActorDep
) -> JSONResponse:
    """Idempotent: 201 when the appointment is new, 200 otherwise (`outcome` says whether
    anything changed). The patient by `patient_external_id` (or `patient_id`), the
    practitioner by `practitioner_email` (or `practitioner_id`). Overlapping visits of the
    practitioner are booked and listed in `overlapping_appointment_ids`. Ids from
    1,000,000,000 up are medrec's own bookings and are refused here."""
    synced = await call(
        appointment_sync.upsert_calendar_appointment,
        actor,
        calendar_event_id,
        body.model_dump(exclude_none=True),
    )
    return JSONResponse(
        synced.model_dump(mode="json"),
        status_code=201 if synced.outcome == "created" else 200,
        headers=NO_STORE,
    )


@router.delete(
    "/appointments/{calendar_event_id}",
    response_model=AppointmentPublic,
    responses={**ERRORS, **NOT_FOUND},
    summary="Cancel an appointment (it and its record are kept)",
)
async def cancel_appointment(calendar_event_id: EventId, actor: ActorDep) -> AppointmentPublic:
    """The appointment's `status` becomes `cancelled`; cancelling again changes nothing."""
    return await call(appointment_sync.cancel_calendar_appointment, actor, calendar_event_id)
