"""The Starlette route that serves ``LocalBlobStore`` files behind signed URLs.

Starlette's ``FileResponse`` answers single and multiple HTTP Range requests (206 with
Content-Range, 416 when unsatisfiable) and HEAD, so this route only checks the link, sets
the headers the link was signed for and names the download.

The link carries no file name (names often hold a patient's name, and links end up in
browser history and proxy logs). The name is asked for when the link is used, from a
lookup the caller passes in: the storage layer knows nothing of the database.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from medrec_app.storage.base import InvalidKey, content_disposition, generic_download_name
from medrec_app.storage.local import InvalidSignature, LinkExpired, LocalBlobStore

_NO_STORE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def _refuse(status_code: int, message: str) -> Response:
    return PlainTextResponse(message, status_code=status_code, headers=_NO_STORE)


DownloadNameLookup = Callable[[str], str | None]
"""The stored name of the file under a key, or None (a preview, a template background).

Blocking (it may read the database); the route calls it in a worker thread, and only for
a genuine link to a file that exists.
"""


def file_route(store: LocalBlobStore, download_name_for: DownloadNameLookup) -> Route:
    """``GET``/``HEAD {store.url_prefix}/{key:path}`` for URLs made by ``store.url_for``.

    The download is named ``download_name_for(key)``, or ``generic_download_name(key)``
    when that gives None, as S3 names it.
    """

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
        name = await anyio.to_thread.run_sync(download_name_for, key)
        headers = {
            **_NO_STORE,
            # Passed as a header rather than media_type so Starlette does not append a
            # charset: the response says exactly what the link was signed for.
            "Content-Type": grant.content_type,
            "Content-Disposition": content_disposition(
                as_attachment=grant.as_attachment,
                download_name=name or generic_download_name(key),
            ),
        }
        return FileResponse(path, headers=headers, stat_result=stat_result)

    return Route(f"{store.url_prefix}/{{key:path}}", serve_file, methods=["GET", "HEAD"])
