"""Patient files over REST: upload (streamed, size-limited), list, read, delete.

The upload body is never held in memory: its declared length is checked before
reading, the bytes are counted while they stream in, and the one file part is parsed
into a temporary file on disk that the upload service checks and stores.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from medrec_app.api.deps import call, current_actor
from medrec_app.api.errors import ApiError, ErrorResponse
from medrec_app.api.limits import MULTIPART_OVERHEAD, declared_length
from medrec_app.api.params import FileId, PatientId
from medrec_app.domain.file_types import ACCEPTED_SUMMARY, ACCEPTED_TYPES
from medrec_app.domain.permissions import Actor
from medrec_app.domain.uploads import too_large_message
from medrec_app.services import files, unit_of_work, uploads
from medrec_app.services.files import PatientFileLinked, PatientFilePublic
from medrec_app.services.uploads import UploadedFile
from medrec_app.settings import get_settings

PARSE_CHUNK_BYTES = 1024 * 1024

router = APIRouter(tags=["files"])
ActorDep = Annotated[Actor, Depends(current_actor)]


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorResponse} for status in statuses}


_ACCEPTED_MIMES = ", ".join(t.mime for t in ACCEPTED_TYPES[:-1]) + f" or {ACCEPTED_TYPES[-1].mime}"
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": (
                                "The one file part. Its filename is kept for display. Its "
                                "Content-Type is not relied on: the type is read from the "
                                f"content, which must be one of {_ACCEPTED_MIMES}."
                            ),
                        }
                    },
                }
            }
        },
    }
}


@router.post(
    "/patients/{patient_id}/files",
    status_code=201,
    response_model=UploadedFile,
    responses=_errors(400, 401, 403, 404, 413, 415, 422, 503),
    openapi_extra=_UPLOAD_BODY,
    summary=f"Upload a file for a patient ({ACCEPTED_SUMMARY})",
)
async def upload_file(patient_id: PatientId, request: Request, actor: ActorDep) -> UploadedFile:
    async with uploaded_part(request, get_settings().max_upload_bytes) as part:
        return await run_in_threadpool(store_upload, actor, patient_id, part)


@asynccontextmanager
async def uploaded_part(request: Request, limit: int) -> AsyncIterator[UploadFile]:
    """The request's one file part, at most ``limit`` bytes, spooled to disk; closed after.

    Every upload route takes its file this way: headers checked before reading, the body
    counted while it streams, exactly one part named ``file``.
    """
    check_request_headers(request, limit)
    form = await parse_form(request, limit)
    try:
        yield file_part(form)
    finally:
        await form.close()


def check_request_headers(request: Request, limit: int) -> None:
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise ApiError(415, "Send the file as multipart/form-data, in a part named 'file'.")
    declared = declared_length(request.headers.get("content-length"))
    if declared is not None and declared > limit + MULTIPART_OVERHEAD:
        raise ApiError(413, too_large_message(limit))


async def parse_form(request: Request, limit: int) -> FormData:
    """Parse the body into at most one file part, spooled to disk past 1 MB."""
    parser = MultiPartParser(
        request.headers, _counted(request, limit + MULTIPART_OVERHEAD), max_files=1, max_fields=0
    )
    try:
        return await parser.parse()
    except MultiPartException:
        raise ApiError(
            400, "The upload is not valid multipart/form-data with one part named 'file'."
        ) from None


async def _counted(request: Request, limit: int) -> AsyncIterator[bytes]:
    """The request body in ~1 MB pieces, stopping with 413 once it passes ``limit`` bytes.

    Servers deliver the body in small chunks; the parser writes each file piece to disk
    in a thread, so regrouping them cuts that overhead (100 MB: 1 s down to 0.2 s).
    """
    received = 0
    buffer = bytearray()
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise ApiError(413, too_large_message(get_settings().max_upload_bytes))
        buffer += chunk
        if len(buffer) >= PARSE_CHUNK_BYTES:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


def file_part(form: FormData) -> UploadFile:
    part = form.get("file")
    if not isinstance(part, UploadFile) or len(form) != 1:
        raise ApiError(400, "Send exactly one part, named 'file', with a filename.")
    return part


def store_upload(
    actor: Actor, patient_id: int, part: UploadFile, *, with_link: bool = True
) -> UploadedFile:
    """Check and store one uploaded part for the patient (blocking: run it in a thread)."""
    return unit_of_work.run(
        uploads.upload_patient_file,
        actor,
        patient_id,
        file_name=part.filename or "",
        source=part.file,
        with_link=with_link,
    )


@router.get(
    "/patients/{patient_id}/files",
    response_model=list[PatientFilePublic],
    responses=_errors(401, 403, 404),
    summary="List a patient's files, newest first, with preview links",
)
async def list_files(patient_id: PatientId, actor: ActorDep) -> list[PatientFilePublic]:
    return await call(files.list_files_with_preview_links, actor, patient_id)


@router.get(
    "/files/{file_id}",
    response_model=PatientFileLinked,
    responses=_errors(401, 403, 404),
    summary="A file's details and a time-limited link to its content",
)
async def get_file(file_id: FileId, actor: ActorDep) -> PatientFileLinked:
    return await call(files.issue_file_link, actor, file_id)


@router.delete(
    "/files/{file_id}",
    status_code=204,
    response_class=Response,
    responses=_errors(401, 403, 404, 409),
    summary="Delete a file unless a signed record uses it",
)
async def delete_file(file_id: FileId, actor: ActorDep) -> Response:
    await call(uploads.delete_patient_file, actor, file_id)
    return Response(status_code=204)
