"""``/api/medical-records``: create, read and draft-update records (the spec's endpoints)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from medrec_app.api.deps import current_actor
from medrec_app.api.errors import NO_STORE, ApiError, ErrorResponse, etag

# The upload route's own store-and-map-refusals step, so both routes answer alike.
from medrec_app.api.files import _store_upload as store_upload
from medrec_app.api.record_uploads import (
    MAX_ATTACHMENTS,
    is_multipart,
    json_body,
    multipart_body,
)
from medrec_app.db import session_scope
from medrec_app.domain.permissions import Actor
from medrec_app.services import record_documents
from medrec_app.services.record_documents import FileRef, RecordDocument

MAX_ID = 2**31 - 1
RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="The record's id.")]

DRAWING_DESCRIPTION = (
    "The spec's drawing document: `lines`, `shapes`, `stageSize`, `backgroundType`, "
    "`backgroundFileId`, `pdfPageNumber`, `pdfNumPages` (camelCase keys)."
)
FORM_DESCRIPTION = "Form field values by key; one level of groups (`vital_signs.bp`)."

MERGE_RULE = """Partial update of `drawing_data` and `form_data`, saved as one revision.

**Merge rule**
- `form_data` is a JSON Merge Patch (RFC 7396) of the stored form: a key with a text
  value sets it, `null` deletes it, an object merges into the group of that name.
- `drawing_data.lines` and `drawing_data.shapes` are merged **by `id`**: an element whose
  id is stored replaces it in place, a new id is appended; every element needs an `id`.
  `drawing_data.deletedLineIds` / `deletedShapeIds` (lists of ids) delete elements.
- `drawing_data.stageSize` replaces the stage size.
- Background keys (`backgroundType`, `backgroundFileId`, `pdfPageNumber`,
  `pdfNumPages`) replace the stored ones; `backgroundType: null` clears the background.
  A `backgroundFileId` must be a file of the record's patient; its type is inferred.

**Concurrency**: `If-Match` with the record's current `ETag` (its revision, from `GET`)
is required: without it the answer is 428; with a stale one, 412 and nothing changes.
The answer carries the new `ETag`. At most 500 changed elements per request."""

STANDARD_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in {
        401: "No valid API token or session.",
        403: "The user's role may not do this.",
        404: "No such record in the user's clinic.",
        413: "The request body is too large.",
        422: "The request is not valid; `details` lists each field's path and problem.",
        429: "Too many requests with this API token; see `Retry-After`.",
    }.items()
}


class MedicalRecordCreate(BaseModel):
    """The spec's `POST /api/medical-records` request (JSON form)."""

    model_config = ConfigDict(extra="forbid")

    appointment_id: int = Field(
        ge=1, le=MAX_ID, description="The appointment's `calendar_event_id`."
    )
    template_id: int | None = Field(None, ge=1, le=MAX_ID)
    drawing_data: dict[str, Any] = Field(default_factory=dict, description=DRAWING_DESCRIPTION)
    form_data: dict[str, Any] = Field(default_factory=dict, description=FORM_DESCRIPTION)


class FileOut(BaseModel):
    id: int
    file_name: str
    s3_url: str = Field(description="A time-limited link to the file.")
    file_type: str


class MedicalRecordOut(BaseModel):
    """The spec's `GET /api/medical-records/{id}` response."""

    id: int
    appointment_id: int
    drawing_data: dict[str, Any] = Field(description=DRAWING_DESCRIPTION)
    form_data: dict[str, Any] = Field(description=FORM_DESCRIPTION)
    background_file: FileOut | None
    attachment_files: list[FileOut]
    created_at: AwareDatetime
    updated_at: AwareDatetime


class DraftPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    drawing_data: dict[str, Any] | None = Field(
        None, description="Partial drawing: see the merge rule."
    )
    form_data: dict[str, Any] | None = Field(None, description="JSON Merge Patch of the form.")


class DraftSavedOut(BaseModel):
    id: int
    revision: int = Field(description="The new revision, also sent as the `ETag` header.")
    updated_at: AwareDatetime


router = APIRouter(prefix="/medical-records", tags=["medical records"])
ActorDep = Annotated[Actor, Depends(current_actor)]
ETAG_HEADER = {
    "ETag": {"description": "The record's revision, quoted.", "schema": {"type": "string"}}
}


def _absolute(request: Request, file: FileRef) -> dict[str, Any]:
    """The file with an absolute link (the local store signs links relative to the app)."""
    out = file.model_dump()
    if file.s3_url.startswith("/"):
        out["s3_url"] = f"{request.url.scheme}://{request.url.netloc}{file.s3_url}"
    return out


def record_response(request: Request, document: RecordDocument, status: int = 200) -> Response:
    """The record as JSON. The two documents go out as the JSON text PostgreSQL holds,
    spliced in, so a megabyte drawing is neither decoded nor encoded here."""
    background = document.background_file
    rest = orjson.dumps(
        {
            "background_file": _absolute(request, background) if background else None,
            "attachment_files": [_absolute(request, f) for f in document.attachment_files],
            "created_at": document.created_at,
            "updated_at": document.updated_at,
        }
    )
    head = f'{{"id":{document.id},"appointment_id":{document.appointment_id},"drawing_data":'
    body = b"".join(
        [
            head.encode(),
            document.drawing_json.encode(),
            b',"form_data":',
            document.form_json.encode(),
            b",",
            rest[1:],
        ]
    )
    return Response(
        body,
        status_code=status,
        media_type="application/json",
        headers={**NO_STORE, "ETag": etag(document.revision)},
    )


_MULTIPART_SCHEMA = {
    "type": "object",
    "required": ["appointment_id"],
    "properties": {
        "appointment_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        "template_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        "drawing_data": {"type": "string", "description": "JSON text. " + DRAWING_DESCRIPTION},
        "form_data": {"type": "string", "description": "JSON text. " + FORM_DESCRIPTION},
        "background_file": {
            "type": "string",
            "format": "binary",
            "description": "Uploaded for the patient and used as the background.",
        },
        "attachment_files": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "maxItems": MAX_ATTACHMENTS,
            "description": "Uploaded for the patient and attached to the record.",
        },
    },
}
_CREATE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": MedicalRecordCreate.model_json_schema()},
            "multipart/form-data": {"schema": _MULTIPART_SCHEMA},
        },
    }
}


@router.post(
    "",
    status_code=201,
    response_model=MedicalRecordOut,
    responses={
        201: {"description": "The created record, as `GET` returns it.", "headers": ETAG_HEADER},
        409: {"model": ErrorResponse, "description": "The appointment already has a record."},
        415: {"model": ErrorResponse, "description": "Neither JSON nor multipart."},
        503: {"model": ErrorResponse, "description": "A file could not be stored; try again."},
        **STANDARD_ERRORS,
    },
    openapi_extra=_CREATE_BODY,
    summary="Create the record of an appointment",
)
async def create_medical_record(request: Request, actor: ActorDep) -> Response:
    """The spec's save request, as JSON or as multipart/form-data with files.

    `backgroundFileId` must name an image or PDF of the appointment's patient;
    `backgroundType` is inferred from it when left out. In the multipart form,
    `background_file` and `attachment_files` are uploaded for the patient (the same checks
    as `POST /patients/{id}/files`) after the rest of the request is checked; a file that
    is refused leaves no record, and files stored before a later refusal stay with the
    patient."""
    if not is_multipart(request):
        body = await json_body(request, MedicalRecordCreate)
        document = await run_in_threadpool(_create, actor, body, None, [])
    else:
        body, background, attachments, form = await multipart_body(request, MedicalRecordCreate)
        try:
            document = await run_in_threadpool(_create, actor, body, background, attachments)
        finally:
            await form.close()
    response = record_response(request, document, status=201)
    response.headers["Location"] = (
        f"{request.scope.get('root_path', '')}/medical-records/{document.id}"
    )
    return response


def _create(
    actor: Actor,
    body: MedicalRecordCreate,
    background: UploadFile | None,
    attachments: list[UploadFile],
) -> RecordDocument:
    drawing = body.drawing_data
    attachment_ids: list[int] = []
    if background is not None or attachments:
        with session_scope() as session:
            patient_id = record_documents.check_new_record(
                session,
                actor,
                appointment_id=body.appointment_id,
                template_id=body.template_id,
                drawing_data=drawing,
                form_data=body.form_data,
            )
        if background is not None:
            stored = store_upload(actor, patient_id, background)
            drawing = {k: v for k, v in drawing.items() if k != "backgroundType"}
            drawing["backgroundFileId"] = stored.file.id
        attachment_ids = [store_upload(actor, patient_id, f).file.id for f in attachments]
    with session_scope() as session:
        record = record_documents.create_record(
            session,
            actor,
            appointment_id=body.appointment_id,
            template_id=body.template_id,
            drawing_data=drawing,
            form_data=body.form_data,
            attachment_file_ids=attachment_ids,
        )
        session.flush()
        return record_documents.read_record(session, actor, record.id)


@router.get(
    "/{record_id}",
    response_model=MedicalRecordOut,
    responses={200: {"headers": ETAG_HEADER}, **STANDARD_ERRORS},
    summary="Read a record",
)
async def get_medical_record(request: Request, record_id: RecordId, actor: ActorDep) -> Response:
    """The record, with time-limited links to its background and attachments."""

    def run() -> RecordDocument:
        with session_scope() as session:
            return record_documents.read_record(session, actor, record_id)

    return record_response(request, await run_in_threadpool(run))


@router.patch(
    "/{record_id}/draft",
    response_model=DraftSavedOut,
    responses={
        200: {"headers": ETAG_HEADER},
        409: {"model": ErrorResponse, "description": "The record cannot take this change."},
        412: {"model": ErrorResponse, "description": "`If-Match` is stale; nothing changed."},
        428: {"model": ErrorResponse, "description": "`If-Match` is missing."},
        **STANDARD_ERRORS,
    },
    summary="Auto-save a partial update",
    description=MERGE_RULE,
)
async def patch_draft(
    record_id: RecordId,
    body: DraftPatch,
    actor: ActorDep,
    if_match: Annotated[
        str | None, Header(description="The `ETag` the update is based on.", max_length=100)
    ] = None,
) -> Response:
    if if_match is None:
        raise ApiError(428, "Send If-Match with the record's ETag (from GET).")

    def run() -> record_documents.DraftSaved:
        with session_scope() as session:
            expected = _expected_revision(if_match)
            if expected is None:
                expected = record_documents.record_revision(session, actor, record_id)
            return record_documents.save_draft(
                session,
                actor,
                record_id,
                drawing_patch=body.drawing_data,
                form_patch=body.form_data,
                expected_revision=expected,
            )

    saved = await run_in_threadpool(run)
    out = DraftSavedOut.model_validate(saved.model_dump())
    return Response(
        out.model_dump_json(),
        media_type="application/json",
        headers={**NO_STORE, "ETag": etag(saved.revision)},
    )


def _expected_revision(if_match: str) -> int | None:
    """The revision an ``If-Match`` names; None for ``*`` (any current revision).

    A value that is no revision of ours can never match: 412, like a stale one.
    """
    value = if_match.strip()
    if value == "*":
        return None
    value = value.removeprefix("W/").strip('"')
    if value.isdigit() and len(value) <= 10:
        return int(value)
    return -1
