"""The REST API of the spec, mounted under ``/api``: FastAPI, for its OpenAPI document.

Endpoints are thin over the same services the Reflex pages use. The document is at
``/api/openapi.json`` and browsable at ``/api/docs``.
"""

from __future__ import annotations

from fastapi import FastAPI

from medrec_app.api import files
from medrec_app.api.errors import install_handlers


def build_rest() -> FastAPI:
    app = FastAPI(
        title="medrec API",
        version="1",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    install_handlers(app)
    app.include_router(files.router)
    return app
