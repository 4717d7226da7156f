"""The template builder's background upload: one file part, checked like a patient upload.

The builder page's upload widget posts here with the session cookie; the service checks
the admin, the clinic and the file, and stores the background in the template's draft.
Not part of the API document: it serves the builder page, not other programs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from medrec_app.api.deps import current_actor
from medrec_app.api.files import uploaded_part
from medrec_app.api.params import TemplateId
from medrec_app.domain.permissions import Actor
from medrec_app.services import template_backgrounds, unit_of_work
from medrec_app.settings import get_settings

router = APIRouter(tags=["templates"])
ActorDep = Annotated[Actor, Depends(current_actor)]


class BackgroundStored(BaseModel):
    version: int
    """The draft that holds the background now."""


@router.post("/templates/{template_id}/background", status_code=201, include_in_schema=False)
async def upload_background(
    template_id: TemplateId,
    request: Request,
    actor: ActorDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> BackgroundStored:
    async with uploaded_part(request, get_settings().max_upload_bytes) as part:
        version = await run_in_threadpool(
            unit_of_work.run,
            template_backgrounds.set_background,
            actor,
            template_id,
            file_name=part.filename or "",
            source=part.file,
            page_number=page,
        )
    return BackgroundStored(version=version)
