"""Patient files over REST: upload (streamed, size-limited), list, read, delete.

The upload body is never held in memory: its declared length is checked before
reading, the bytes are counted while they stream in, and the one file part is parsed
into a temporary file on disk that the upload service checks and stores.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from medrec_app.api.deps import current_actor
from medrec_app.api.errors import ApiError, ErrorResponse
from medrec_app.db import session_scope
from medrec_app.domain.permissions import Actor
from medrec_app.domain.uploads import Refusal, too_large_message
from medrec_app.services import files, uploads
from medrec_app.services.errors import StorageUnavailable, UploadRefused
from medrec_app.settings import get_settings

# Room for the multipart boundaries and part headers around the file itself.
MULTIPART_OVERHEAD = 64 * 1024
MAX_ID = 2**31 - 1
PARSE_CHUNK_BYTES = 1024 * 1024
_REFUSAL_STATUS = {
    Refusal.TOO_LARGE: 413,
    Refusal.UNSUPPORTED_TYPE: 415,
    Refusal.INVALID_CONTENT: 422,
}

router = APIRouter(tags=["files"])
ActorDep = Annotated[Actor, Depends(current_actor)]
PatientId = Annotated[int, Path(gt=0, le=MAX_ID)]
FileId = Annotated[int, Path(gt=0, le=MAX_ID)]


class UploadedFileOut(BaseModel):
    file_id: int
    file_name: str
    file_type: str
    file_size: int
    page_count: int | None
    s3_url: str


class PatientFileOut(BaseModel):
    id: int
    patient_id: int
    file_name: str
    file_type: str
    file_size: int
    page_count: int | None
    uploaded_by_user_id: int
    uploaded_by_name: str
    created_at: datetime | None
    thumbnail_url: str | None = None


class PatientFileDetailOut(PatientFileOut):
    s3_url: str
    s3_url_expires_at: datetime


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorResponse} for status in statuses}


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
                                "The one file part. Its filename is kept for display; its "
                                "Content-Type must match the content (image/jpeg, "
                                "image/png, image/webp or application/pdf)."
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
    response_model=UploadedFileOut,
    responses=_errors(400, 401, 403, 404, 413, 415, 422, 503),
    openapi_extra=_UPLOAD_BODY,
    summary="Upload a JPEG, PNG, WebP or PDF file for a patient",
)
async def upload_file(patient_id: PatientId, request: Request, actor: ActorDep) -> UploadedFileOut:
    limit = get_settings().max_upload_bytes
    _check_request_headers(request, limit)
    form = await _parse_form(request, limit)
    try:
        part = _file_part(form)
        result = await run_in_threadpool(_store_upload, actor, patient_id, part)
    finally:
        await form.close()
    return UploadedFileOut(
        file_id=result.file.id,
        file_name=result.file.file_name,
        file_type=result.file.file_type,
        file_size=result.file.file_size,
        page_count=result.file.page_count,
        s3_url=result.link.url,
    )


def _check_request_headers(request: Request, limit: int) -> None:
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise ApiError(415, "Send the file as multipart/form-data, in a part named 'file'.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + MULTIPART_OVERHEAD:
        raise ApiError(413, too_large_message(limit))


async def _parse_form(request: Request, limit: int) -> FormData:
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


def _file_part(form: FormData) -> UploadFile:
    part = form.get("file")
    if not isinstance(part, UploadFile) or len(form) != 1:
        raise ApiError(400, "Send exactly one part, named 'file', with a filename.")
    return part


def _store_upload(actor: Actor, patient_id: int, part: UploadFile) -> uploads.UploadedFile:
    try:
        with session_scope() as session:
            return uploads.upload_patient_file(
                session,
                actor,
                patient_id,
                file_name=part.filename or "",
                declared_type=part.content_type or "",
                source=part.file,
            )
    except UploadRefused as refused:
        raise ApiError(_REFUSAL_STATUS.get(refused.kind, 422), str(refused)) from None
    except StorageUnavailable as error:
        raise ApiError(503, str(error)) from None


@router.get(
    "/patients/{patient_id}/files",
    response_model=list[PatientFileOut],
    responses=_errors(401, 403, 404),
    summary="List a patient's files, newest first, with preview links",
)
async def list_files(patient_id: PatientId, actor: ActorDep) -> list[PatientFileOut]:
    def load() -> list[PatientFileOut]:
        with session_scope() as session:
            listed = files.list_patient_files(session, actor, patient_id)
            thumbs = files.thumbnail_links(session, actor, listed)
        return [_out(f, thumbnail_url=thumbs.get(f.id)) for f in listed]

    return await run_in_threadpool(load)


@router.get(
    "/files/{file_id}",
    response_model=PatientFileDetailOut,
    responses=_errors(401, 403, 404),
    summary="A file's details and a time-limited link to its content",
)
async def get_file(file_id: FileId, actor: ActorDep) -> PatientFileDetailOut:
    def load() -> PatientFileDetailOut:
        with session_scope() as session:
            found = files.get_file(session, actor, file_id)
            link = files.file_link(session, actor, file_id)
        return PatientFileDetailOut(
            **_out(found).model_dump(), s3_url=link.url, s3_url_expires_at=link.expires_at
        )

    return await run_in_threadpool(load)


@router.delete(
    "/files/{file_id}",
    status_code=204,
    response_class=Response,
    responses=_errors(401, 403, 404, 409),
    summary="Delete a file unless a signed record uses it",
)
async def delete_file(file_id: FileId, actor: ActorDep) -> Response:
    def delete() -> None:
        with session_scope() as session:
            uploads.delete_patient_file(session, actor, file_id)

    await run_in_threadpool(delete)
    return Response(status_code=204)


def _out(found: files.PatientFilePublic, thumbnail_url: str | None = None) -> PatientFileOut:
    return PatientFileOut(
        **found.model_dump(exclude={"has_thumbnail"}), thumbnail_url=thumbnail_url
    )
