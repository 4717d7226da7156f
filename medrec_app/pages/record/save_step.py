"""The editor page's save step: one batch of operations, as the signed-in user.

``EditorState.autosave`` runs it for each batch it takes from its queue, in a thread.
"""

from __future__ import annotations

import logging
from typing import Any

from medrec_app.domain.permissions import PermissionDenied
from medrec_app.services import unit_of_work
from medrec_app.services.errors import NotSignedIn, ServiceError, ServiceUnavailable
from medrec_app.services.records import amendments, editing
from medrec_app.services.records.editing import RefusedChange

log = logging.getLogger(__name__)


def save_batch(
    token: str, record_id: int, ops: list[dict[str, Any]], amendment_id: int = 0
) -> editing.SaveResult:
    """One save of the editor's batch, as the signed-in user: to the record, or with
    ``amendment_id`` to the user's draft amendment of it.

    Outages and an ended session are raised for the caller; a refusal of the whole batch
    (a record gone, a role changed) refuses each of its operations. A batch that meets
    an error of the server's own is saved again one operation at a time, so only the
    operation at fault is refused and the others are kept.
    """
    try:
        if amendment_id:
            return unit_of_work.run_as(token, amendments.save_amendment_drawing, amendment_id, ops)
        return unit_of_work.run_as(token, editing.save_operations, record_id, ops)
    except (ServiceUnavailable, NotSignedIn):
        raise
    except (ServiceError, PermissionDenied) as exc:
        return _refuse_all(ops, str(exc))
    except Exception as exc:
        log.error("saving operations of record %s failed: %s", record_id, type(exc).__name__)
        if len(ops) == 1:
            return _refuse_all(ops, "it could not be saved because of an error on the server")
        parts = [save_batch(token, record_id, [op], amendment_id) for op in ops]
        return editing.SaveResult(
            revision=max(p.revision for p in parts),
            acked_op_ids=[i for p in parts for i in p.acked_op_ids],
            refused=[r for p in parts for r in p.refused],
            updated_at=max((p.updated_at for p in parts if p.updated_at), default=None),
        )


def _refuse_all(ops: list[dict[str, Any]], message: str) -> editing.SaveResult:
    ids = [op.get("opId") for op in ops if isinstance(op, dict)]
    known = [i for i in ids if isinstance(i, str)]
    return editing.SaveResult(
        revision=0,
        acked_op_ids=known,
        refused=[RefusedChange(op_id=i, message=message) for i in known],
        updated_at=None,
    )
