"""The request body of ``POST /api/medical-records``: JSON, or multipart with files.

The spec's request carries ``background_file`` and ``attachment_files`` beside the
JSON fields; a client that has the files in hand sends them as multipart/form-data
(``appointment_id``, ``template_id`` as text, ``drawing_data`` and ``form_data`` as JSON
text, and the file parts). Files go through the same upload checks as the upload route.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from medrec_app.api.errors import ApiError, ErrorDetail

Model = TypeVar("Model", bound=BaseModel)
MAX_ATTACHMENTS = 20
JSON_PARTS = ("drawing_data", "form_data")


def is_multipart(request: Request) -> bool:
    return request.headers.get("content-type", "").lower().startswith("multipart/form-data")


async def json_body(request: Request, model: type[Model]) -> Model:
    """The body as ``model``; 415 for other media types, 422 with paths when invalid."""
    content_type = request.headers.get("content-type", "application/json").lower()
    if "json" not in content_type:
        raise ApiError(415, "Send the record as application/json or multipart/form-data.")
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as exc:
        raise _invalid(exc) from None


async def multipart_body(
    request: Request, model: type[Model]
) -> tuple[Model, UploadFile | None, list[UploadFile], FormData]:
    """The fields as ``model``, the background file and the attachments.

    The form is the caller's to close (its file parts are spooled to disk).
    """
    parser = MultiPartParser(
        request.headers,
        request.stream(),
        max_files=1 + MAX_ATTACHMENTS,
        max_fields=len(model.model_fields),
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise ApiError(422, f"The multipart body cannot be read: {exc.message}") from None
    try:
        try:
            body = model.model_validate(_fields(form, model))
        except ValidationError as exc:
            raise _invalid(exc) from None
        background = form.get("background_file")
        attachments = form.getlist("attachment_files")
        files = [background, *attachments] if background is not None else attachments
        if not all(isinstance(f, UploadFile) for f in files):
            raise _part_problem("background_file", "must be file parts, with a filename")
    except BaseException:
        await form.close()
        raise
    return body, background, attachments, form  # type: ignore[return-value]


def _fields(form: FormData, model: type[BaseModel]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in model.model_fields:
        value = form.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise _part_problem(name, "must be a text part, not a file")
        if name in JSON_PARTS:
            try:
                value = json.loads(value)
            except (ValueError, RecursionError):
                raise _part_problem(name, "must be JSON text") from None
        values[name] = value
    return values


def _part_problem(path: str, message: str) -> ApiError:
    return ApiError(
        422, "The request is not valid.", details=[ErrorDetail(path=path, message=message)]
    )


def _invalid(exc: ValidationError) -> RequestValidationError:
    return RequestValidationError(
        [{**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_url=False)]
    )
