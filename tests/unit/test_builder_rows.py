"""The builder's field rows: schema in and out, keys from labels, moves and drops."""

from __future__ import annotations

from medrec_app.domain.forms import DEFAULT_TEMPLATE_SCHEMA
from medrec_app.pages.templates import rows as builder
from medrec_app.pages.templates.rows import Row


def keys(rows: list[Row]) -> list[str]:
    return [("  " if r.depth else "") + r.key for r in rows]


def default_rows(locked: set[str] = frozenset()) -> list[Row]:
    return builder.rows_from_schema(DEFAULT_TEMPLATE_SCHEMA.to_document(), set(locked))


def test_a_schema_round_trips_through_the_rows() -> None:
    schema, problems = builder.schema_from_rows(default_rows())
    assert problems == []
    assert schema == DEFAULT_TEMPLATE_SCHEMA.to_document()


def test_groups_are_flat_rows_with_depth() -> None:
    assert keys(default_rows()) == [
        "chief_complaint",
        "vital_signs",
        "  bp",
        "  pulse",
        "  temperature",
        "assessment",
        "treatment_plan",
        "notes",
    ]


def test_the_key_follows_the_label_until_typed_or_locked() -> None:
    rows = builder.add_row([], "text")
    builder.relabel(rows, 0, "Blood pressure")
    assert rows[0].key == "blood_pressure"
    rows = builder.add_row(rows, "text")
    builder.relabel(rows, 1, "Blood pressure")
    assert rows[1].key == "blood_pressure_2"
    rows[1].key_edited = True
    builder.relabel(rows, 1, "Pulse")
    assert rows[1].key == "blood_pressure_2"
    locked = default_rows({"notes"})
    builder.relabel(locked, 7, "Remarks")
    assert locked[7].key == "notes" and locked[7].label == "Remarks"


def test_moving_keeps_groups_whole_and_fields_in_their_group() -> None:
    rows = default_rows()
    down = builder.move_row(rows, 0, 1)
    assert keys(down)[:5] == ["vital_signs", "  bp", "  pulse", "  temperature", "chief_complaint"]
    up = builder.move_row(rows, 5, -1)
    assert keys(up)[:6] == [
        "chief_complaint",
        "assessment",
        "vital_signs",
        "  bp",
        "  pulse",
        "  temperature",
    ]
    inside = builder.move_row(rows, 2, -1)
    assert inside == rows  # the first field of a group stays in it
    assert keys(builder.move_row(rows, 2, 1))[2:4] == ["  pulse", "  bp"]
    assert builder.move_row(rows, 7, 1) == rows


def test_a_drop_takes_the_place_of_the_row_it_lands_on() -> None:
    rows = default_rows()
    assert keys(builder.move_to(rows, 7, 0))[:2] == ["notes", "chief_complaint"]
    assert keys(builder.move_to(rows, 1, 6))[-4:] == ["  bp", "  pulse", "  temperature", "notes"]
    assert builder.move_to(rows, 2, 0) == rows  # a field in a group onto a top-level row


def test_adding_and_removing() -> None:
    rows = default_rows()
    added = builder.add_row(rows, "yesno", into_group=1)
    assert [r.type for r in added[2:6]] == ["text", "number", "number", "yesno"]
    assert added[5].depth == 1
    assert keys(builder.remove_row(rows, 1)) == [
        "chief_complaint",
        "assessment",
        "treatment_plan",
        "notes",
    ]
    choice = builder.add_row([], "multiselect")
    assert choice[0].options == "Option 1\nOption 2"


def test_numbers_as_typed_and_what_is_not_a_number() -> None:
    row = Row(uid="a", key="w", label="Weight", type="number", min_value="0,5", max_value="x")
    row.decimals = "1.5"
    schema, problems = builder.schema_from_rows([row])
    assert schema["fields"][0]["min"] == 0.5
    assert problems == [
        "Weight: max must be a number, not 'x'",
        "Weight: decimals must be a whole number, not '1.5'",
    ]
