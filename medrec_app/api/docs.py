"""Browsable API docs (Swagger UI) that work offline.

FastAPI's default docs page loads Swagger UI from a CDN; a clinic network (and this
project's CI) may not reach one. The same page is served here with Swagger UI's files
from the ``fastapi-offline`` package, under ``/api/docs-assets``.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from medrec_app.api.content_policy import content_security_policy, script_hashes

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_PATH = "/docs-assets"


def install_docs(app: FastAPI, docs_path: str = "/docs") -> None:
    """Serve the docs page at ``docs_path`` (the app must be built with ``docs_url=None``)."""
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS), name="docs-assets")

    @app.get(docs_path, include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        page = get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} docs",
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
            swagger_ui_parameters={"persistAuthorization": False},
        )
        # The page starts Swagger UI with an inline script: allow that one by its hash.
        hashes = sorted(script_hashes(page.body.decode()))
        page.headers["Content-Security-Policy"] = content_security_policy(hashes, None)
        return page
