"""Request body limits for the REST API, enforced before anything parses the body.

A declared ``Content-Length`` over the limit is answered 413 at once, without reading;
a body without one (chunked) is counted as it arrives and refused with 413 as soon as
it passes the limit. Multipart uploads get the upload limit, everything else the JSON
limit.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medrec_app.api.errors import error_response
from medrec_app.domain.uploads import too_large_message
from medrec_app.settings import get_settings

MULTIPART_OVERHEAD = 64 * 1024
"""Room for multipart boundaries and part headers (as the upload route allows)."""


def body_limit(content_type: str) -> tuple[int, str]:
    """The byte limit for a body of ``content_type``, and the message when it is passed."""
    settings = get_settings()
    if content_type.lower().startswith("multipart/"):
        # The upload route counts too; the same limit and words, whichever notices first.
        upload = settings.max_upload_bytes
        return upload + MULTIPART_OVERHEAD, too_large_message(upload)
    limit = settings.api_max_json_bytes
    return limit, f"The request body is larger than the limit of {limit // (1024 * 1024)} MB."


def declared_length(value: str | None) -> int | None:
    """A ``Content-Length`` value as a number; None if absent or not ASCII digits."""
    if value is None or not (value.isascii() and value.isdigit()):
        return None
    return int(value)


class BodyLimit:
    """ASGI middleware: 413 for bodies over :func:`body_limit`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        limit, too_large = body_limit(headers.get("content-type", ""))
        declared = headers.get("content-length")
        if declared is not None:
            if declared_length(declared) is None:
                await error_response(400, "Content-Length is not a number.")(scope, receive, send)
                return
            if int(declared) > limit:
                await error_response(413, too_large)(scope, receive, send)
                return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # FastAPI passes an HTTPException from body reading through unchanged,
                    # and the error handlers turn it into the one error shape.
                    raise HTTPException(413, too_large)
            return message

        await self.app(scope, counted, send)
