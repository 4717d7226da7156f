"""``PUT /api/patients/by-external-id/{external_id}``: a booking system's patient upsert."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from medrec_app.api.deps import call, current_actor
from medrec_app.api.errors import ApiError, ErrorDetail, ErrorResponse
from medrec_app.domain.patient_details import problem_field
from medrec_app.domain.permissions import Actor
from medrec_app.services import patient_sync
from medrec_app.services.errors import ValidationFailed
from medrec_app.services.patients import PatientPublic

DESCRIPTION = """Create or update the clinic's patient with this external id (the booking
system's id of the patient), idempotently: send the same body again and again.

- **201** when the patient was created, **200** when updated or when nothing changed
  (`outcome` says which). A body equal to what is stored writes nothing (no audit row),
  so a nightly sync may send every patient every night.
- The body is the whole patient: an optional field left out or `null` is cleared.
- Every field is checked as the front desk's form checks it; a 422 lists each bad field
  in `details` (`path`: `first_name`, `date_of_birth`, ..., `external_id`).
  There is no duplicate-name warning here: the booking system decides who is who.
- Two requests with the same new external id at once make one patient.
- The user of the token must be allowed to register patients (front desk,
  practitioner, admin); a read-only user gets 403. Another clinic's patient with the
  same external id is another patient."""

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in {
        401: "No valid API token or session.",
        403: "The user's role may not register patients.",
        413: "The request body is too large.",
        422: "A field is not valid; `details` names each field and its problem.",
        429: "Too many requests with this API token; see `Retry-After`.",
    }.items()
}


class PatientSync(BaseModel):
    """The patient as the booking system knows them."""

    model_config = ConfigDict(extra="forbid")

    first_name: str = Field(description="Up to 100 characters, any script.")
    last_name: str = Field(description="Up to 100 characters, any script.")
    date_of_birth: str = Field(
        description="`YYYY-MM-DD`, not in the future (the clinic's today), from 1900.",
        json_schema_extra={"format": "date"},
    )
    sex: str | None = Field(None, description="`female`, `male`, `other` or `unknown`.")
    phone: str | None = Field(None, description="Digits, spaces and + ( ) - . / only.")
    email: str | None = Field(None, description="An email address.")
    address: str | None = Field(None, description="Up to 500 characters; line breaks kept.")


class SyncedPatient(PatientPublic):
    outcome: Literal["created", "updated", "unchanged"] = Field(
        description="What this request did."
    )


router = APIRouter(tags=["booking system sync"])
ActorDep = Annotated[Actor, Depends(current_actor)]
ExternalId = Annotated[
    str,
    Path(
        description="The booking system's id of the patient: up to 100 letters, digits "
        "and `. _ : / -`, starting with a letter or digit (like `MRN-004512`)."
    ),
]


@router.put(
    "/patients/by-external-id/{external_id:path}",
    response_model=SyncedPatient,
    response_description="The patient was updated, or already had these details.",
    responses={
        201: {"model": SyncedPatient, "description": "The patient was created."},
        **ERRORS,
    },
    summary="Create or update a patient by the booking system's id",
    description=DESCRIPTION,
)
async def put_patient(
    actor: ActorDep, external_id: ExternalId, body: PatientSync, response: Response
) -> SyncedPatient:
    try:
        done = await call(
            patient_sync.upsert_patient_by_external_id, actor, external_id, body.model_dump()
        )
    except ValidationFailed as refused:
        raise ApiError(
            422,
            "The patient's details are not valid.",
            details=[ErrorDetail(path=path, message=text) for path, text in _fields(refused)],
        ) from None
    assert done.patient is not None
    response.status_code = 201 if done.outcome == "created" else 200
    return SyncedPatient(**done.patient.model_dump(), outcome=done.outcome)


def _fields(refused: ValidationFailed) -> list[tuple[str, str]]:
    return [problem_field(message) for message in refused.messages[:50]]
