"""The canvas's routes for drawing an amendment: its draft's drawing, the layers it draws
over, and its operations (with the closing tab's keepalive flush). Not part of the
spec's API, like the record's own drawing and operations routes."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import Response

from medrec_app.api.deps import call, current_actor
from medrec_app.api.errors import NO_STORE
from medrec_app.api.medical_records import EditorOperations
from medrec_app.api.params import AmendmentId, RecordId
from medrec_app.domain.ids import MAX_ID
from medrec_app.domain.permissions import Actor
from medrec_app.services.records import amendments

router = APIRouter(tags=["amendments"], include_in_schema=False)
ActorDep = Annotated[Actor, Depends(current_actor)]


def _json(value: object) -> Response:
    return Response(orjson.dumps(value), media_type="application/json", headers=NO_STORE)


@router.get("/amendments/{amendment_id}/drawing")
async def get_amendment_drawing(amendment_id: AmendmentId, actor: ActorDep) -> Response:
    revision, drawing = await call(amendments.load_amendment_drawing, actor, amendment_id)
    return _json({"revision": revision, "drawing": drawing})


@router.post("/amendments/{amendment_id}/operations")
async def post_amendment_operations(
    amendment_id: AmendmentId, body: Annotated[EditorOperations, Body()], actor: ActorDep
) -> Response:
    saved = await call(amendments.save_amendment_drawing, actor, amendment_id, body.ops)
    return Response(saved.model_dump_json(), media_type="application/json", headers=NO_STORE)


@router.get("/medical-records/{record_id}/layers")
async def get_drawing_layers(
    record_id: RecordId,
    actor: ActorDep,
    amendment: Annotated[int | None, Query(gt=0, le=MAX_ID)] = None,
) -> Response:
    return _json(await call(amendments.drawing_layers, actor, record_id, amendment))
