"""``/api/medical-records``: create, read and draft-update records (the spec's endpoints)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Depends, Header, Request
from fastapi import Path as FastApiPath
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from medrec_app.api.deps import call, current_actor
from medrec_app.api.errors import NO_STORE, ApiError, ErrorResponse, etag
from medrec_app.api.files import store_upload
from medrec_app.api.params import RecordId
from medrec_app.api.record_uploads import (
    MAX_ATTACHMENTS,
    is_multipart,
    json_body,
    multipart_body,
)
from medrec_app.domain.ids import MAX_ID
from medrec_app.domain.permissions import Actor
from medrec_app.services import unit_of_work
from medrec_app.services.records import (
    create,
    documents,
    editing,
    export,
    history,
    previous_visit,
)
from medrec_app.services.records.create import (
    DRAWING_DESCRIPTION,
    FORM_DESCRIPTION,
    MedicalRecordCreate,
)
from medrec_app.services.records.documents import MedicalRecordPublic, RecordRead
from medrec_app.services.records.editing import DraftSaved, SaveResult

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


class DraftPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    drawing_data: dict[str, Any] | None = Field(
        None, description="Partial drawing: see the merge rule."
    )
    form_data: dict[str, Any] | None = Field(None, description="JSON Merge Patch of the form.")


router = APIRouter(prefix="/medical-records", tags=["medical records"])
ActorDep = Annotated[Actor, Depends(current_actor)]
ETAG_HEADER = {
    "ETag": {"description": "The record's revision, quoted.", "schema": {"type": "string"}}
}


def record_response(request: Request, read: RecordRead, status: int = 200) -> Response:
    """The record as JSON (its documents spliced in as stored), with its ``ETag``."""
    body = documents.record_json(
        read.record, link_base=f"{request.url.scheme}://{request.url.netloc}"
    )
    return Response(
        body,
        status_code=status,
        media_type="application/json",
        headers={**NO_STORE, "ETag": etag(read.revision)},
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
    response_model=MedicalRecordPublic,
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
        read = await run_in_threadpool(_create, actor, body, None, [])
    else:
        body, background, attachments, form = await multipart_body(request, MedicalRecordCreate)
        try:
            read = await run_in_threadpool(_create, actor, body, background, attachments)
        finally:
            await form.close()
    response = record_response(request, read, status=201)
    response.headers["Location"] = (
        f"{request.scope.get('root_path', '')}/medical-records/{read.record.id}"
    )
    return response


def _create(
    actor: Actor,
    body: MedicalRecordCreate,
    background: UploadFile | None,
    attachments: list[UploadFile],
) -> RecordRead:
    """Check, store the files (each upload commits on its own), then create the record."""
    attachment_ids: list[int] = []
    if background is not None or attachments:
        patient_id = unit_of_work.run(create.check_new_record, actor, body)
        if background is not None:
            stored = store_upload(actor, patient_id, background)
            drawing = {k: v for k, v in body.drawing_data.items() if k != "backgroundType"}
            drawing["backgroundFileId"] = stored.file_id
            body = body.model_copy(update={"drawing_data": drawing})
        attachment_ids = [store_upload(actor, patient_id, f).file_id for f in attachments]
    return unit_of_work.run(documents.create_and_read, actor, body, attachment_ids)


@router.get(
    "/{record_id}",
    response_model=MedicalRecordPublic,
    responses={200: {"headers": ETAG_HEADER}, **STANDARD_ERRORS},
    summary="Read a record",
)
async def get_medical_record(request: Request, record_id: RecordId, actor: ActorDep) -> Response:
    """The record, with time-limited links to its background and attachments."""
    return record_response(request, await call(documents.read_record, actor, record_id))


@router.patch(
    "/{record_id}/draft",
    response_model=DraftSaved,
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
    saved = await call(
        editing.save_draft,
        actor,
        record_id,
        drawing_patch=body.drawing_data,
        form_patch=body.form_data,
        expected_revision=_expected_revision(if_match),
    )
    return Response(
        saved.model_dump_json(),
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
    if value.isascii() and value.isdigit() and len(value) <= 10:
        return int(value)
    return -1


# --- the editor's own transport (not part of the API document) --------------------------
# The canvas loads the drawing over HTTP (it can be several MB, over Reflex's 1 MB
# websocket message), and a closing tab posts its unacknowledged operations with
# ``keepalive``. Both use the session cookie; the operations go through the editor's save
# path, where each is applied or refused on its own. Their format is the editor's
# (``domain/edits.py``), not a contract for other programs, so they stay out of the
# OpenAPI document.


class EditorOperations(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ops: list[Any]


@router.post(
    "/{record_id}/export",
    status_code=201,
    response_model=export.RecordExport,
    responses={
        200: {"description": "The record had not changed: its earlier export, linked again."},
        **STANDARD_ERRORS,
    },
    summary="Export a record as PDF and PNG",
)
async def export_medical_record(request: Request, record_id: RecordId, actor: ActorDep) -> Response:
    """The annotated PDF (the canvas, then the written note with signature and
    amendments) and a PNG of the canvas, kept as the patient's files with the ``export``
    role, with time-limited links. Exporting an unchanged record again answers 200 with
    the same files."""
    made: export.RecordExport = await call(export.export_record, actor, record_id)
    base = f"{request.url.scheme}://{request.url.netloc}"
    for linked in (made.pdf, made.png):
        if linked.s3_url.startswith("/"):
            linked.s3_url = base + linked.s3_url
    return Response(
        made.model_dump_json(),
        status_code=200 if made.reused else 201,
        media_type="application/json",
        headers=NO_STORE,
    )


@router.get("/{record_id}/drawing", include_in_schema=False)
async def get_drawing(record_id: RecordId, actor: ActorDep) -> Response:
    revision, drawing = await call(editing.load_drawing, actor, record_id)
    return Response(
        orjson.dumps({"revision": revision, "drawing": drawing}),
        media_type="application/json",
        headers=NO_STORE,
    )


@router.get("/{record_id}/previous-visit", include_in_schema=False)
async def get_previous_visit(record_id: RecordId, actor: ActorDep) -> Response:
    """The last earlier visit's drawing (same patient and template), shown faded under
    this one: ``{"recordId", "visitDate", "drawing"}``, or ``{"recordId": null}``."""
    found = await call(previous_visit.previous_visit, actor, record_id)
    return Response(orjson.dumps(found), media_type="application/json", headers=NO_STORE)


@router.get("/{record_id}/revisions/{revision}/drawing", include_in_schema=False)
async def get_drawing_at_revision(
    record_id: RecordId,
    revision: Annotated[int, FastApiPath(ge=0, le=MAX_ID)],
    actor: ActorDep,
) -> Response:
    """The drawing as it was at a past revision, for the History panel's read-only canvas."""
    drawing = await call(history.drawing_at_revision, actor, record_id, revision)
    return Response(
        orjson.dumps({"revision": revision, "drawing": drawing}),
        media_type="application/json",
        headers=NO_STORE,
    )


@router.post("/{record_id}/operations", include_in_schema=False)
async def post_operations(
    record_id: RecordId, body: Annotated[EditorOperations, Body()], actor: ActorDep
) -> Response:
    saved: SaveResult = await call(editing.save_operations, actor, record_id, body.ops)
    return Response(saved.model_dump_json(), media_type="application/json", headers=NO_STORE)
