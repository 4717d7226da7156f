"""One JSON error shape for every REST answer that is not a success.

``{"error": {"code": "...", "message": "...", "details": [...]}}``: ``code`` is stable
for programs, ``message`` is a sentence for a person, ``details`` lists field problems
(``{"path": "...", "message": "..."}``). No stack trace or internal text ever leaves.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from medrec_app.domain.permissions import PermissionDenied
from medrec_app.domain.uploads import Refusal
from medrec_app.services.errors import (
    NotFound,
    NotSignedIn,
    RevisionMismatch,
    ServiceError,
    ServiceUnavailable,
    UploadRefused,
    ValidationFailed,
)

log = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "private, no-store"}
CHALLENGE = {"WWW-Authenticate": "Bearer"}
RETRY_AFTER_SECONDS = "5"
_REFUSAL_STATUS = {
    Refusal.TOO_LARGE: 413,
    Refusal.UNSUPPORTED_TYPE: 415,
    Refusal.INVALID_CONTENT: 422,
}

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    428: "precondition_required",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class ErrorDetail(BaseModel):
    path: str = ""
    message: str


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[ErrorDetail] = []


class ErrorResponse(BaseModel):
    """The body of every error answer (documented in the OpenAPI document)."""

    error: ErrorBody


class ApiError(Exception):
    """Raise from an endpoint to answer with the error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        details: list[ErrorDetail] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or _CODES.get(status, "error")
        self.details = details or []
        self.headers = headers or {}


def error_response(
    status: int,
    message: str,
    *,
    code: str | None = None,
    details: list[ErrorDetail] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorResponse(
        error=ErrorBody(
            code=code or _CODES.get(status, "error"), message=message, details=details or []
        )
    )
    return JSONResponse(
        body.model_dump(mode="json"), status_code=status, headers={**NO_STORE, **(headers or {})}
    )


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def split_message(message: str) -> ErrorDetail:
    """``"drawing_data: lines[2].points: must be ..."`` -> path ``drawing_data.lines[2].points``
    and the message: the services prefix each message with the path of what it checked."""
    path, rest = "", message
    while True:
        head, sep, tail = rest.partition(": ")
        quoted = head.startswith("'") and head.endswith("'")
        if not sep or not head or (" " in head and not quoted):
            break
        path = f"{path}{head}" if head.startswith("[") or not path else f"{path}.{head}"
        rest = tail
    return ErrorDetail(path=path, message=rest)


def etag(revision: int) -> str:
    return f'"{revision}"'


def install_handlers(app: FastAPI) -> None:
    """Map every exception an endpoint can raise onto the error shape."""

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(
            exc.status, exc.message, code=exc.code, details=exc.details, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            ErrorDetail(path=_field_path(tuple(e.get("loc", ()))), message=str(e.get("msg", "")))
            for e in exc.errors()[:50]
        ]
        return error_response(422, "The request is not valid.", details=details)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # FastAPI's answer to a body it cannot decode (not UTF-8, say): a validation
            # failure like any other malformed input.
            return error_response(422, "The request body is not valid JSON text (UTF-8).")
        message = exc.detail if isinstance(exc.detail, str) else "The request failed."
        return error_response(exc.status_code, message, headers=dict(exc.headers or {}))

    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return error_response(404, str(exc))

    @app.exception_handler(PermissionDenied)
    async def denied(_: Request, exc: PermissionDenied) -> JSONResponse:
        return error_response(403, str(exc))

    @app.exception_handler(NotSignedIn)
    async def signed_out(_: Request, exc: NotSignedIn) -> JSONResponse:
        return error_response(401, "Sign in, or send a valid API token.", headers=CHALLENGE)

    @app.exception_handler(ServiceUnavailable)
    async def unavailable(_: Request, exc: ServiceUnavailable) -> JSONResponse:
        return error_response(503, str(exc), headers={"Retry-After": RETRY_AFTER_SECONDS})

    @app.exception_handler(UploadRefused)
    async def upload_refused(_: Request, exc: UploadRefused) -> JSONResponse:
        return error_response(_REFUSAL_STATUS.get(exc.kind, 422), str(exc))

    @app.exception_handler(ValidationFailed)
    async def refused(_: Request, exc: ValidationFailed) -> JSONResponse:
        details = [split_message(m) for m in exc.messages[:50]]
        return error_response(422, "The request is not valid.", details=details)

    @app.exception_handler(RevisionMismatch)
    async def stale(_: Request, exc: RevisionMismatch) -> JSONResponse:
        return error_response(412, str(exc), headers={"ETag": etag(exc.current)})

    @app.exception_handler(ServiceError)
    async def service_error(_: Request, exc: ServiceError) -> JSONResponse:
        return error_response(409, str(exc))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Type only: the message of an unexpected error may quote patient data.
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return error_response(500, "Something went wrong on the server. Try again later.")
