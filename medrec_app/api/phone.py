"""The phone side of a phone upload link: a plain page and the one route it posts to.

``GET /phone/<secret>`` is a small HTML page (no Reflex, no sign-in) whose script,
``/phone/upload.js``, sends each chosen photo or PDF to ``POST /phone/<secret>/files``
with a progress bar per file. The secret is the only credential and it opens nothing
else: no list, no download, no other patient. Each upload is counted on the link first
(``phone_links.claim_upload``), then checked and stored by the same service as the desk's
upload, acting as the user who issued the link. The answer says only that the file was
stored: no link to it, no file id.

Every refusal is a sentence for the person at the phone with a 4xx status. The secret
is in the path, so the log redaction removes ``mrp_`` secrets wherever they appear.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from medrec_app.api.errors import error_response, install_handlers
from medrec_app.api.files import check_request_headers, file_part, parse_form, store_upload
from medrec_app.api.limits import BodyLimit
from medrec_app.api.plain_page import PAGE_HEADERS, plain_page
from medrec_app.services import phone_links, unit_of_work
from medrec_app.services.phone_links import PhoneLinkRefused
from medrec_app.settings import get_settings

# "image/*" lets phones offer the camera; the server decides the type from the bytes.
PHONE_ACCEPT = "image/*,application/pdf"
SCRIPT = Path(__file__).with_name("phone_upload.js")


def _upload_page(use: phone_links.PhoneLinkUse) -> HTMLResponse:
    return plain_page(
        "<h1>Add photos or PDFs</h1>"
        "<p>Take photos of the documents, or pick photos or PDFs from this phone. "
        "They are added to the patient's files on the computer.</p>"
        f'<p data-testid="phone-limits">{html.escape(limits_sentence(use))}</p>'
        # Two inputs: with "capture" many phones open only the camera, without it only
        # the gallery and files; a person may need either.
        '<label class="pick" data-testid="phone-camera">Take a photo'
        '<input type="file" accept="image/*" capture="environment"></label>'
        '<label class="pick" data-testid="phone-pick">Choose photos or PDFs'
        f'<input type="file" accept="{PHONE_ACCEPT}" multiple data-testid="phone-input">'
        "</label>"
        '<ul id="phone-list" data-testid="phone-list"></ul>'
        '<script src="/phone/upload.js" defer></script>'
    )


async def phone_page(request: Request) -> Response:
    secret = request.path_params["secret"]
    try:
        use = await run_in_threadpool(unit_of_work.run, phone_links.check_phone_link, secret)
    except PhoneLinkRefused as refused:
        message = html.escape(str(refused))
        body = f'<h1>Add files</h1><p class="refused" data-testid="phone-refused">{message}</p>'
        return plain_page(body, refused.status)
    return _upload_page(use)


def limits_sentence(use: phone_links.PhoneLinkUse) -> str:
    """How long and for how many files the link still works, in whole minutes (the
    phone's clock and time zone may differ from the server's, so no time of day)."""
    minutes = max(1, math.ceil(use.time_left.total_seconds() / 60))
    files = use.uploads_left
    return (
        f"This link works for {minutes} more minute{'s' if minutes != 1 else ''} and "
        f"up to {files} more file{'s' if files != 1 else ''}."
    )


async def phone_script(_: Request) -> Response:
    return Response(SCRIPT.read_bytes(), media_type="text/javascript")


async def phone_upload(request: Request) -> Response:
    limit = get_settings().max_upload_bytes
    check_request_headers(request, limit)
    use = await run_in_threadpool(
        unit_of_work.run, phone_links.claim_upload, request.path_params["secret"]
    )
    form = await parse_form(request, limit)
    try:
        part = file_part(form)
        await run_in_threadpool(store_upload, use.actor, use.patient_id, part, with_link=False)
    finally:
        await form.close()
    return JSONResponse({"status": "uploaded"}, status_code=201, headers=PAGE_HEADERS)


def build_phone_app() -> FastAPI:
    """The routes under ``/phone``; mount it there."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    install_handlers(app)

    @app.exception_handler(PhoneLinkRefused)
    async def refused(_: Request, exc: PhoneLinkRefused) -> JSONResponse:
        retry = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        return error_response(exc.status, str(exc), headers=retry)

    app.add_middleware(BodyLimit)
    app.add_api_route("/upload.js", phone_script, methods=["GET"], include_in_schema=False)
    app.add_api_route("/{secret}", phone_page, methods=["GET"], include_in_schema=False)
    app.add_api_route("/{secret}/files", phone_upload, methods=["POST"], include_in_schema=False)
    return app
