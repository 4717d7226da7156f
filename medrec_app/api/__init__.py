"""HTTP routes beside Reflex's own: health and readiness, sign-in/out, the set-password
page, the audit CSV export, signed file links, the REST API, the phone upload page and
pdf.js's data files."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from medrec_app.api import audit_export, auth, health, set_password
from medrec_app.api.connections import close_unread_bodies
from medrec_app.api.forwarding import behind_proxies
from medrec_app.api.pdfjs_assets import pdfjs_data_route
from medrec_app.api.phone import build_phone_app
from medrec_app.api.rest import build_rest
from medrec_app.api.security_headers import security_headers
from medrec_app.services import files, unit_of_work
from medrec_app.services.errors import ServiceUnavailable
from medrec_app.storage import LocalBlobStore, get_store
from medrec_app.storage.local_route import file_route

__all__ = [
    "behind_proxies",
    "block_reflex_uploads",
    "build_api",
    "close_unread_bodies",
    "security_headers",
]

log = logging.getLogger(__name__)


def download_name_for_key(key: str) -> str | None:
    """The stored name of the file under ``key``, for the local file route.

    With the database out of reach the file is still served, under the generic name:
    the link was checked already, and the name is only what the download is called.
    """
    try:
        return unit_of_work.run(files.stored_file_name, key)
    except ServiceUnavailable:
        log.warning("file name lookup failed (database unavailable); serving a generic name")
        return None


def build_api() -> Starlette:
    """Our routes; Reflex mounts its app under this one, so these take precedence."""
    routes = [
        *health.routes,
        *auth.routes,
        *set_password.routes,
        *audit_export.routes,
        pdfjs_data_route(),
    ]
    store = get_store()
    if isinstance(store, LocalBlobStore):
        routes.append(file_route(store, download_name_for_key))
    routes.append(Mount("/api", app=build_rest()))
    routes.append(Mount("/phone", app=build_phone_app()))
    return Starlette(routes=routes)


def block_reflex_uploads(app: ASGIApp) -> ASGIApp:
    """Close Reflex's stock ``/_upload`` route.

    It accepts anonymous uploads of any size and serves every uploaded file publicly.
    Patient files go through our own authenticated, size-limited routes instead.
    """

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/_upload"):
            await Response("Not found", status_code=404)(scope, receive, send)
            return
        await app(scope, receive, send)

    return wrapped
