"""The REST API of the spec, mounted under ``/api``: FastAPI, for its OpenAPI document.

Endpoints are thin over the same services the Reflex pages use. The document is at
``/api/openapi.json`` and browsable at ``/api/docs`` (served offline).
"""

from __future__ import annotations

from fastapi import FastAPI

from medrec_app.api import (
    amendments,
    appointments,
    demo_imports,
    files,
    lookups,
    medical_records,
    patient_sync,
    template_backgrounds,
)
from medrec_app.api.docs import install_docs
from medrec_app.api.errors import install_handlers
from medrec_app.api.limits import BodyLimit

DESCRIPTION = """The medrec REST API: records, appointments and patient files of one clinic.

**Authentication**: `Authorization: Bearer <token>` with an API token an administrator
created for a user (Users > API tokens). The token acts as that user: their clinic and
role. Signed-in browser sessions (cookie) work too, for same-origin pages.

**Errors** all have one shape: `{"error": {"code", "message", "details": [{"path",
"message"}]}}`. Another clinic's ids answer 404, exactly like ids that do not exist.

**Timestamps** are ISO 8601 with a zone offset."""


def build_rest() -> FastAPI:
    app = FastAPI(
        title="medrec API",
        version="1",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    install_handlers(app)
    app.add_middleware(BodyLimit)
    app.include_router(medical_records.router)
    app.include_router(amendments.router)
    app.include_router(files.router)
    app.include_router(lookups.router)
    app.include_router(appointments.router)
    app.include_router(patient_sync.router)
    app.include_router(template_backgrounds.router)
    app.include_router(demo_imports.router)
    install_docs(app)
    return app
