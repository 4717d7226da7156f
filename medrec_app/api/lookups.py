"""The reads a client needs to find ids: appointments by date, patients, templates."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import AwareDatetime

from medrec_app.api.deps import call, current_actor
from medrec_app.api.errors import ApiError, ErrorResponse
from medrec_app.api.params import TemplateId
from medrec_app.domain.ids import MAX_ID
from medrec_app.domain.permissions import Actor
from medrec_app.services import appointments, patients, templates
from medrec_app.services.appointments import AppointmentList
from medrec_app.services.patients import PatientPublic
from medrec_app.services.templates import TemplatePublic, TemplateVersionPublic

MAX_APPOINTMENTS = 500

ActorDep = Annotated[Actor, Depends(current_actor)]
ERRORS: dict[int | str, dict] = {
    401: {"model": ErrorResponse, "description": "No valid API token or session."},
    403: {"model": ErrorResponse, "description": "The user's role may not do this."},
    422: {"model": ErrorResponse, "description": "A parameter is not valid."},
    429: {"model": ErrorResponse, "description": "Too many requests with this API token."},
}
NOT_FOUND: dict[int | str, dict] = {
    **ERRORS,
    404: {"model": ErrorResponse, "description": "No such template version in the clinic."},
}

router = APIRouter(tags=["lookups"])


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
    since: Annotated[
        AwareDatetime | None,
        Query(description="Only those created, moved or cancelled since this instant."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_APPOINTMENTS)] = 100,
) -> AppointmentList:
    """Appointments whose start falls within the days `from`..`to` in the clinic's time
    zone, newest first, at most `limit` (then `truncated` is true: narrow the range).
    Cancelled ones are included, with `status` `cancelled`; a sync asks for
    `since` its last run to see what changed."""
    if start and end and end < start:
        raise ApiError(422, "'to' is before 'from'.")
    return await call(
        appointments.list_appointments,
        actor,
        first_day=start,
        last_day=end,
        changed_since=since,
        limit=limit,
    )


@router.get(
    "/patients",
    response_model=list[PatientPublic],
    responses=ERRORS,
    summary="Find patients by name and date of birth",
)
async def search_patients(
    actor: ActorDep,
    q: Annotated[
        str, Query(max_length=200, pattern=r"^[^\x00]*$", description="Name prefixes, any order.")
    ] = "",
    date_of_birth: date | None = None,
) -> list[PatientPublic]:
    """At most 50 patients of the clinic, by name."""
    return await call(patients.search_patients, actor, q, date_of_birth)


@router.get(
    "/templates",
    response_model=list[TemplatePublic],
    responses=ERRORS,
    summary="The clinic's record templates",
)
async def list_templates(actor: ActorDep) -> list[TemplatePublic]:
    """Templates a new record may follow (published, not archived), the default first;
    `id` is the `template_id` of `POST /api/medical-records`."""
    return await call(templates.list_templates, actor)


@router.get(
    "/templates/{template_id}/versions/{version}",
    response_model=TemplateVersionPublic,
    responses=NOT_FOUND,
    summary="One published version of a template: the fields its records follow",
)
async def read_template_version(
    template_id: TemplateId,
    version: Annotated[int, Path(ge=1, le=MAX_ID)],
    actor: ActorDep,
) -> TemplateVersionPublic:
    """A record's `form_data` matches the version named by its `template_id` and
    `template_version`; the version never changes once published."""
    return await call(templates.read_version, actor, template_id, version)
