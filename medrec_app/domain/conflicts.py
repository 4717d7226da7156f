"""Which change wins when two editors change the same element: the newer one.

Operations carry ``at``, the time the change was made in the editor (ms since the
epoch). A tab that was offline re-sends its changes later, so arrival order is not
change order; the record keeps an *edit clock*, the time of the last applied change of
each shape, form field, background and stage, and an operation older than that is
dropped (it is still logged and acknowledged, so it is not sent again). Deleting a shape
leaves its time behind, so an older move of it does not bring it back. Lines are never
changed after they are drawn, only added or erased, so they need no clock.

A client clock ahead of the server's would win every conflict; times are therefore
capped at the server's ``now``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from medrec_app.domain.edits import (
    DeleteElements,
    Operation,
    PutShape,
    SetBackground,
    SetField,
    SetStage,
)


def _keys(op: Operation) -> list[str]:
    if isinstance(op, PutShape):
        return [f"shape:{op.shape.id}"]
    if isinstance(op, SetField):
        return [f"field:{op.path}"]
    if isinstance(op, SetBackground):
        return ["background"]
    if isinstance(op, SetStage):
        return ["stage"]
    return []


def newest_wins(
    ops: Sequence[Operation], clock: Mapping[str, int], now_ms: int
) -> tuple[list[Operation], dict[str, int]]:
    """The operations (or parts of them) newer than the clock, and the clock after them.

    Equal times apply in arrival order. ``clock`` is not changed.
    """
    after = dict(clock)
    kept: list[Operation] = []
    for op in ops:
        at = now_ms if op.at is None else min(op.at, now_ms)
        if isinstance(op, DeleteElements):
            shape_ids = [i for i in op.shape_ids if after.get(f"shape:{i}", -1) <= at]
            after.update({f"shape:{i}": at for i in shape_ids})
            if shape_ids != op.shape_ids:
                op = op.model_copy(update={"shape_ids": shape_ids})
            kept.append(op)
            continue
        keys = _keys(op)
        if any(after.get(key, -1) > at for key in keys):
            continue
        after.update({key: at for key in keys})
        kept.append(op)
    return kept, after
