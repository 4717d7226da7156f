"""``POST /api/demo-imports``: import one save of the browser-only demo (admins).

The import page's upload widget sends each export in its own request. The answer is
the export's outcome (imported, skipped as already imported, would be imported, or
refused with the reason): an export that is refused is a result to show in the page's
table, not a failed request, so it answers 200 like the others. Failed requests are the
request's own problems: not signed in (401), not an admin (403), no file part (400),
a body over the limit (413).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from medrec_app.api.deps import current_actor
from medrec_app.api.errors import ErrorResponse
from medrec_app.api.files import uploaded_part
from medrec_app.domain.demo_export import MAX_EXPORT_BYTES
from medrec_app.domain.ids import MAX_ID
from medrec_app.domain.permissions import Action, Actor, PermissionDenied, can
from medrec_app.services import demo_import, unit_of_work
from medrec_app.services.errors import NotSignedIn, ServiceError, ServiceUnavailable

router = APIRouter(tags=["demo import"])
ActorDep = Annotated[Actor, Depends(current_actor)]
_LEADING_ID = re.compile(r"([0-9]{1,10})(?![0-9])")


class DemoImportOutcome(BaseModel):
    file_name: str
    appointment_id: int | None
    outcome: Literal["imported", "duplicate", "would_import", "refused"]
    reason: str
    """What was done, or why the export was refused."""
    record_id: int | None = None


@router.post(
    "/demo-imports",
    response_model=DemoImportOutcome,
    responses={status: {"model": ErrorResponse} for status in (400, 401, 403, 413, 415, 503)},
    summary="Import one save of the browser-only demo into an appointment's record",
)
async def import_demo(
    request: Request,
    actor: ActorDep,
    appointment_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    merge: bool = False,
    dry_run: bool = False,
) -> DemoImportOutcome:
    """One export (the part ``file``) into ``appointment_id``, or, without it, into the
    appointment whose id the file's name starts with (``1000231.json``)."""
    if not can(actor.role, Action.IMPORT_RECORDS):
        raise PermissionDenied(Action.IMPORT_RECORDS)
    async with uploaded_part(request, MAX_EXPORT_BYTES) as part:
        name = (part.filename or "export.json")[:255]
        data = await part.read()
    target = appointment_id if appointment_id is not None else _id_in_name(name)
    return await run_in_threadpool(_import, actor, name, target, data, merge, dry_run)


def _id_in_name(name: str) -> int | None:
    match = _LEADING_ID.match(name.rsplit("/", 1)[-1])
    return int(match.group(1)) if match and 1 <= int(match.group(1)) <= MAX_ID else None


def _import(
    actor: Actor, name: str, appointment_id: int | None, data: bytes, merge: bool, dry_run: bool
) -> DemoImportOutcome:
    def refused(reason: str) -> DemoImportOutcome:
        return DemoImportOutcome(
            file_name=name, appointment_id=appointment_id, outcome="refused", reason=reason
        )

    if appointment_id is None:
        return refused(
            "no appointment: choose one, or name the file after its appointment id "
            "(like 1000231.json)"
        )
    try:
        export = demo_import.read_export(data)
        result = unit_of_work.run(
            demo_import.import_demo_export,
            actor,
            appointment_id,
            export,
            merge=merge,
            dry_run=dry_run,
        )
    except (NotSignedIn, ServiceUnavailable):
        raise
    except (ServiceError, PermissionDenied) as error:
        return refused(str(error))
    return DemoImportOutcome(
        file_name=name,
        appointment_id=appointment_id,
        outcome=result.outcome,
        reason=result.sentence(),
        record_id=result.record_id,
    )
