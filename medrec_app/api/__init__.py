"""HTTP routes beside Reflex's own: sign-in/out, signed file links and the REST API."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from medrec_app.api import auth
from medrec_app.api.connections import close_unread_bodies
from medrec_app.api.forwarding import behind_proxies
from medrec_app.api.rest import build_rest
from medrec_app.api.security_headers import security_headers
from medrec_app.storage import LocalBlobStore, get_store
from medrec_app.storage.local_route import file_route

__all__ = [
    "behind_proxies",
    "block_reflex_uploads",
    "build_api",
    "close_unread_bodies",
    "security_headers",
]


def build_api() -> Starlette:
    """Our routes; Reflex mounts its app under this one, so these take precedence."""
    routes = list(auth.routes)
    store = get_store()
    if isinstance(store, LocalBlobStore):
        routes.append(file_route(store))
    routes.append(Mount("/api", app=build_rest()))
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
