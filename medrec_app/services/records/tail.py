"""Reading and growing a record's drawing tail (``domain/drawing_tail.py``).

The tail is the applied drawing operations logged after ``drawing_revision``; the
record row's ``tail_*`` columns bound what they add. Every reader of a record's drawing
goes through :func:`current_drawing`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import func
from sqlmodel import Session, col, select

from medrec_app.domain.drawing_tail import (
    IDLE_FOLD_S,
    TAIL_OPS,
    DrawingBounds,
    tail_bounds,
    with_tail,
)
from medrec_app.domain.edits import Operation, parse_operations
from medrec_app.models import MedicalRecord, MedicalRecordOp

COUNTED = (
    "drawing_revision",
    "drawing_lines",
    "drawing_shapes",
    "drawing_points",
    "drawing_bytes",
    "tail_lines",
    "tail_shapes",
    "tail_points",
    "tail_bytes",
)
"""Columns the trigger sets whenever ``drawing_data`` is written."""


def has_tail(record: MedicalRecord) -> bool:
    return record.tail_bytes > 0


def recounted(session: Session, record: MedicalRecord) -> None:
    """After ``drawing_data`` was written (and flushed): the trigger's counts are read
    anew when next used, not taken from this session's stale copy."""
    session.expire(record, list(COUNTED))


def tail_ops(session: Session, record_id: int, after_revision: int) -> list[Operation]:
    """The drawing operations applied to the record after ``after_revision``, in order."""
    logged = list(
        session.exec(
            select(MedicalRecordOp.op)
            .where(
                MedicalRecordOp.medical_record_id == record_id,
                col(MedicalRecordOp.revision) > after_revision,
                col(MedicalRecordOp.applied).is_(True),
            )
            .order_by(col(MedicalRecordOp.id))
        ).all()
    )
    return [op for op in parse_operations(logged, max_ops=len(logged)) if isinstance(op, TAIL_OPS)]


def current_drawing(session: Session, record: MedicalRecord) -> dict[str, Any]:
    """The record's drawing as every reader sees it: ``drawing_data`` and its tail."""
    if not has_tail(record):
        return record.drawing_data
    assert record.id is not None
    return with_tail(record.drawing_data, tail_ops(session, record.id, record.drawing_revision))


def drawing_as_stored(
    session: Session, record_id: int, drawing_json: str, drawing_revision: int, tail_bytes: int
) -> orjson.Fragment | dict[str, Any]:
    """The drawing of a row read with ``drawing_data`` as text: passed through unchanged
    (``orjson.Fragment``) when it has no tail, or with its tail applied. A drawing can be
    megabytes; decoding it only to encode it again would be most of a read's work."""
    if tail_bytes == 0:
        return orjson.Fragment(drawing_json)
    return with_tail(orjson.loads(drawing_json), tail_ops(session, record_id, drawing_revision))


def bounds(record: MedicalRecord) -> DrawingBounds:
    """Upper bounds of the record's drawing with its tail."""
    document = DrawingBounds(
        record.drawing_lines, record.drawing_shapes, record.drawing_points, record.drawing_bytes
    )
    return document + tail_bounds_of(record)


def tail_bounds_of(record: MedicalRecord) -> DrawingBounds:
    return DrawingBounds(
        record.tail_lines, record.tail_shapes, record.tail_points, record.tail_bytes
    )


def grow_tail(record: MedicalRecord, ops: Sequence[Operation]) -> None:
    """Raise the row's tail bounds by what ``ops``, saved to the tail, may add."""
    grown = tail_bounds_of(record) + tail_bounds(ops)
    record.tail_lines, record.tail_shapes = grown.lines, grown.shapes
    record.tail_points, record.tail_bytes = grown.points, grown.bytes


def fold_idle_tails(session: Session, *, idle_s: float = IDLE_FOLD_S, limit: int = 50) -> int:
    """Fold the tails of up to ``limit`` drawings nobody has changed for ``idle_s``; how
    many. Upkeep, run by every worker (``api/upkeep.py``): no user acts, nothing anyone
    drew changes, and nothing is audited; a record another worker or a save holds is
    skipped and taken next time. ``updated_at`` stays (see migration 0020)."""
    ids = session.exec(
        select(MedicalRecord.id)
        .where(
            col(MedicalRecord.tail_bytes) > 0,
            col(MedicalRecord.updated_at) < func.now() - timedelta(seconds=idle_s),
        )
        .order_by(col(MedicalRecord.updated_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for record_id in ids:
        record = session.get(MedicalRecord, record_id, populate_existing=True)
        assert record is not None  # locked above
        record.drawing_data = current_drawing(session, record)
        session.add(record)
    session.flush()
    return len(ids)
