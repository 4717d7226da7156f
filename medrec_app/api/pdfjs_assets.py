"""pdf.js's data files, served from the app's own origin.

pdf.js decodes JBIG2 and CCITT fax images (``jbig2.wasm``) and JPEG 2000 images
(``openjpeg.wasm``) with WebAssembly modules, reads predefined CMaps for CJK text and
standard font data for PDFs that do not embed their fonts, all fetched from URLs it is
given. Without them scanned and faxed pages come up blank, so the canvas gives it URLs
under ``/pdfjs/<version>/`` and this route answers them: offline, no CDN.

The files are read from the npm package the frontend build installed
(``.web/node_modules/pdfjs-dist``), which is the exact version pinned for the canvas
(``PDFJS_VERSION``), rather than copied into ``assets/``: a copy would need a build step
of its own and could drift from the library that reads it, and ``reflex run --env prod``
serves from that same ``.web`` build. The version in the URL lets browsers keep the files
for good; a pdf.js of another version asks for a path that does not exist (404), so it
never runs with decoders of another release. Only the four data folders are served, read
only, one file name deep.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from reflex.utils.prerequisites import get_web_dir
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

PDFJS_VERSION = "6.5.438"
"""The pdfjs-dist release the canvas is built with (its npm pin) and whose files we serve."""
URL_PREFIX = "/pdfjs"
DATA_FOLDERS = frozenset({"wasm", "cmaps", "standard_fonts", "iccs"})
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
IMMUTABLE = "public, max-age=31536000, immutable"


def package_dir() -> Path:
    """Where the frontend build installed pdfjs-dist."""
    return get_web_dir() / "node_modules" / "pdfjs-dist"


def _not_found() -> Response:
    return PlainTextResponse("Not found.", status_code=404)


def pdfjs_data_route(root: Path | None = None) -> Route:
    """``GET``/``HEAD /pdfjs/<version>/<folder>/<file>`` from pdfjs-dist's data folders."""

    async def serve(request: Request) -> Response:
        version, folder, name = (request.path_params[k] for k in ("version", "folder", "name"))
        if version != PDFJS_VERSION or folder not in DATA_FOLDERS or not _FILE_NAME.fullmatch(name):
            return _not_found()
        path = (root or package_dir()) / folder / name
        if not path.is_file():
            return _not_found()
        media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return FileResponse(path, media_type=media_type, headers={"Cache-Control": IMMUTABLE})

    return Route(f"{URL_PREFIX}/{{version}}/{{folder}}/{{name}}", serve, methods=["GET", "HEAD"])
