"""The newer change to an element wins, whatever order the changes arrive in."""

from __future__ import annotations

from medrec_app.domain.conflicts import newest_wins
from medrec_app.domain.edits import DeleteElements, parse_operations

NOW = 1_700_000_100_000


def _ops(*raw: dict) -> list:
    return parse_operations(list(raw))


def _field(path: str, value: str, at: int | None, n: int) -> dict:
    op = {"op": "setField", "opId": f"field-op-{n:04d}", "path": path, "value": value}
    return op if at is None else op | {"at": at}


def _shape(shape_id: str, at: int, n: int) -> dict:
    shape = {"id": shape_id, "type": "circle", "x": 1, "y": 2, "radius": 3}
    shape |= {"color": "#000000", "strokeWidth": 1}
    return {"op": "putShape", "opId": f"shape-op-{n:04d}", "at": at, "shape": shape}


def test_an_op_older_than_the_elements_last_change_is_dropped() -> None:
    ops = _ops(_field("plan", "old", NOW - 500, 1), _field("notes", "x", NOW - 500, 2))
    kept, clock = newest_wins(ops, {"field:plan": NOW - 100}, NOW)
    assert [op.path for op in kept] == ["notes"]
    assert clock == {"field:plan": NOW - 100, "field:notes": NOW - 500}


def test_equal_times_apply_in_arrival_order_and_missing_times_mean_now() -> None:
    ops = _ops(_field("plan", "a", NOW - 1, 1), _field("plan", "b", NOW - 1, 2))
    kept, _ = newest_wins(ops, {}, NOW)
    assert [op.value for op in kept] == ["a", "b"]
    kept, clock = newest_wins(_ops(_field("plan", "c", None, 3)), {"field:plan": NOW - 1}, NOW)
    assert [op.value for op in kept] == ["c"] and clock["field:plan"] == NOW


def test_a_client_clock_in_the_future_is_capped_at_now() -> None:
    _, clock = newest_wins(_ops(_field("plan", "a", NOW + 10**9, 1)), {}, NOW)
    kept, _ = newest_wins(_ops(_field("plan", "b", NOW + 1, 2)), clock, NOW + 1)
    assert clock["field:plan"] == NOW
    assert [op.value for op in kept] == ["b"]


def test_a_delete_keeps_shapes_changed_after_it_and_leaves_a_tombstone() -> None:
    delete = {"op": "deleteElements", "opId": "delete-op-0001", "at": NOW - 50}
    ops = _ops(delete | {"shapeIds": ["a", "b"], "lineIds": ["l1"]}, _shape("a", NOW - 80, 2))
    kept, clock = newest_wins(ops, {"shape:b": NOW - 10}, NOW)
    assert isinstance(kept[0], DeleteElements)
    assert (kept[0].shape_ids, kept[0].line_ids) == (["a"], ["l1"])
    assert len(kept) == 1  # the move of "a" is older than its deletion
    assert clock == {"shape:a": NOW - 50, "shape:b": NOW - 10}
