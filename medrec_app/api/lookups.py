"""The reads a client needs to find ids: appointments by date, patients, templates."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, Field
from starlette.concurrency import run_in_threadpool

from medrec_app.api.deps import current_actor
from medrec_app.api.errors import ApiError, ErrorResponse
from medrec_app.db import session_scope
from medrec_app.domain.permissions import Actor
from medrec_app.services import accounts, appointments, editing, patients

MAX_APPOINTMENTS = 500

ActorDep = Annotated[Actor, Depends(current_actor)]
ERRORS: dict[int | str, dict] = {
    401: {"model": ErrorResponse, "description": "No valid API token or session."},
    403: {"model": ErrorResponse, "description": "The user's role may not do this."},
    422: {"model": ErrorResponse, "description": "A parameter is not valid."},
    429: {"model": ErrorResponse, "description": "Too many requests with this API token."},
}

router = APIRouter(tags=["lookups"])


class AppointmentOut(BaseModel):
    appointment_id: int = Field(
        description="The `calendar_event_id`; the record's `appointment_id`."
    )
    starts_at: AwareDatetime
    duration_minutes: int
    patient_id: int
    patient_name: str
    practitioner_name: str
    record_id: int | None = Field(description="The appointment's record, if it has one.")
    record_updated_at: AwareDatetime | None


class AppointmentList(BaseModel):
    items: list[AppointmentOut] = Field(description="Newest first.")
    truncated: bool = Field(description="True when more appointments match than `limit`.")


class PatientOut(BaseModel):
    id: int
    first_name: str
    last_name: str
    date_of_birth: date


class TemplateOut(BaseModel):
    id: int
    name: str
    is_default: bool


@router.get(
    "/appointments",
    response_model=AppointmentList,
    responses=ERRORS,
    summary="List the clinic's appointments in a date range",
)
async def list_appointments(
    actor: ActorDep,
    start: Annotated[
        date | None,
        Query(alias="from", description="First day (clinic time), inclusive, `YYYY-MM-DD`."),
    ] = None,
    end: Annotated[
        date | None, Query(alias="to", description="Last day (clinic time), inclusive.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_APPOINTMENTS)] = 100,
) -> AppointmentList:
    """Appointments whose start falls within the days `from`..`to` in the clinic's time
    zone, newest first, at most `limit` (then `truncated` is true: narrow the range)."""
    if start and end and end < start:
        raise ApiError(422, "'to' is before 'from'.")

    def run() -> AppointmentList:
        with session_scope() as session:
            zone = ZoneInfo(accounts.get_clinic(session, actor).timezone)
            rows = appointments.list_appointments(
                session,
                actor,
                start=_day_start(start, zone),
                end=_day_start(_next_day(end), zone),
                limit=limit + 1,
            )
        items = [AppointmentOut.model_validate(r.model_dump()) for r in rows[:limit]]
        return AppointmentList(items=items, truncated=len(rows) > limit)

    return await run_in_threadpool(run)


def _day_start(day: date | None, zone: ZoneInfo) -> datetime | None:
    return datetime.combine(day, time(), tzinfo=zone) if day else None


def _next_day(day: date | None) -> date | None:
    """The day after ``day``; None (no end) after the last representable day."""
    return day + timedelta(days=1) if day and day < date.max else None


@router.get(
    "/patients",
    response_model=list[PatientOut],
    responses=ERRORS,
    summary="Find patients by name and date of birth",
)
async def search_patients(
    actor: ActorDep,
    q: Annotated[
        str, Query(max_length=200, pattern=r"^[^\x00]*$", description="Name prefixes, any order.")
    ] = "",
    date_of_birth: date | None = None,
) -> list[PatientOut]:
    """At most 50 patients of the clinic, by name."""

    def run() -> list[PatientOut]:
        with session_scope() as session:
            found = patients.search_patients(session, actor, q, date_of_birth)
        return [PatientOut.model_validate(p.model_dump()) for p in found]

    return await run_in_threadpool(run)


@router.get(
    "/templates",
    response_model=list[TemplateOut],
    responses=ERRORS,
    summary="The clinic's record templates",
)
async def list_templates(actor: ActorDep) -> list[TemplateOut]:
    """The newest version of each template, the default first (`template_id` values)."""

    def run() -> list[TemplateOut]:
        with session_scope() as session:
            return [
                TemplateOut.model_validate(t.model_dump())
                for t in editing.list_templates(session, actor)
            ]

    return await run_in_threadpool(run)
