"""The Starlette route that serves ``LocalBlobStore`` files behind signed URLs.

Starlette's ``FileResponse`` answers single and multiple HTTP Range requests (206 with
Content-Range, 416 when unsatisfiable) and HEAD, so this route only checks the link and
sets the headers the link was signed for.
"""

from __future__ import annotations

import os
import stat

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from medrec_app.storage.base import InvalidKey, content_disposition
from medrec_app.storage.local import InvalidSignature, LinkExpired, LocalBlobStore

_NO_STORE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def _refuse(status_code: int, message: str) -> Response:
    return PlainTextResponse(message, status_code=status_code, headers=_NO_STORE)


def file_route(store: LocalBlobStore) -> Route:
    """``GET``/``HEAD {store.url_prefix}/{key:path}`` for URLs made by ``store.url_for``."""

    async def serve_file(request: Request) -> Response:
        key: str = request.path_params["key"]
        try:
            grant = store.verify_signed_url(key, request.query_params)
            path = store.path_for(key)
        except InvalidKey:
            return _refuse(404, "Not found.")
        except LinkExpired:
            return _refuse(403, "This link has expired.")
        except InvalidSignature:
            return _refuse(403, "This link is not valid.")
        try:
            stat_result = await anyio.to_thread.run_sync(os.stat, path)
        except (FileNotFoundError, NotADirectoryError):
            return _refuse(404, "Not found.")
        if not stat.S_ISREG(stat_result.st_mode):
            return _refuse(404, "Not found.")
        headers = {
            **_NO_STORE,
            # Passed as a header rather than media_type so Starlette does not append a
            # charset: the response says exactly what the link was signed for.
            "Content-Type": grant.content_type,
            "Content-Disposition": content_disposition(
                as_attachment=grant.as_attachment, download_name=grant.download_name
            ),
        }
        return FileResponse(path, headers=headers, stat_result=stat_result)

    return Route(f"{store.url_prefix}/{{key:path}}", serve_file, methods=["GET", "HEAD"])
