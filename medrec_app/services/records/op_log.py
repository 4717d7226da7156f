"""Writing operation logs (``medical_record_ops``, ``record_amendment_ops``) in one
statement per save.

A save logs every operation it took, often hundreds (an import, a long offline spell).
Built as ORM rows, each operation was dumped to a dict, encoded to JSON and sent as its
own parameter set: about 0.1 ms an operation, a fifth of an import's time
(``benchmarks/demo_import.py``). Here the operations are encoded once, as one JSON
array by pydantic's serializer, and PostgreSQL splits the array into rows. Rows are
inserted in the array's order, so ``id`` keeps the order they were applied in.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlmodel import Session

from medrec_app.domain.edits import Operation, operations_json

_RECORD_OPS = text(
    """
    INSERT INTO medical_record_ops (medical_record_id, revision, op_id, user_id, op, applied)
    SELECT :owner, :revision, o.op ->> 'opId', :user, o.op, a.applied
    FROM jsonb_array_elements(CAST(:ops AS jsonb)) WITH ORDINALITY AS o(op, n)
    JOIN unnest(CAST(:applied AS boolean[])) WITH ORDINALITY AS a(applied, n) USING (n)
    ORDER BY n
    """
)
_AMENDMENT_OPS = text(
    """
    INSERT INTO record_amendment_ops (amendment_id, revision, op_id, user_id, op)
    SELECT :owner, :revision, o.op ->> 'opId', :user, o.op
    FROM jsonb_array_elements(CAST(:ops AS jsonb)) WITH ORDINALITY AS o(op, n)
    ORDER BY n
    """
)


def log_record_ops(
    session: Session,
    record_id: int,
    revision: int,
    user_id: int,
    ops: Sequence[Operation],
    applied: Sequence[bool],
) -> None:
    """Log ``ops`` (as each was applied, or refused as older) for a record's revision."""
    session.execute(
        _RECORD_OPS,
        {
            "owner": record_id,
            "revision": revision,
            "user": user_id,
            "ops": operations_json(ops),
            "applied": list(applied),
        },
    )


def log_amendment_ops(
    session: Session, amendment_id: int, revision: int, user_id: int, ops: Sequence[Operation]
) -> None:
    """Log the operations applied to an amendment's drawing for its ``revision``."""
    session.execute(
        _AMENDMENT_OPS,
        {"owner": amendment_id, "revision": revision, "user": user_id, "ops": operations_json(ops)},
    )
