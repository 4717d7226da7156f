"""The version diff an admin reads before and after publishing a template."""

from __future__ import annotations

from medrec_app.domain.forms import DEFAULT_TEMPLATE_SCHEMA, key_from_label, parse_template_schema
from medrec_app.domain.template_diff import FieldChange, diff_schemas, order_changed


def schema(*fields: dict) -> object:
    return parse_template_schema({"fields": list(fields)})


def text(key: str, label: str, **more: object) -> dict:
    return {"key": key, "label": label, "type": "text", **more}


def test_renamed_deleted_and_added_fields_are_listed() -> None:
    old = schema(text("pain", "Pain"), text("notes", "Notes"), text("side", "Side"))
    new = schema(
        text("pain", "Pain score", required=True),
        text("side", "Side"),
        {"key": "onset", "label": "Onset", "type": "date"},
    )
    assert diff_schemas(old, new) == [
        FieldChange(
            "changed",
            "pain",
            "Pain score",
            ("label: Pain → Pain score", "required: optional → required"),
        ),
        FieldChange("added", "onset", "Onset"),
        FieldChange("removed", "notes", "Notes"),
    ]


def test_a_changed_key_is_one_field_removed_and_one_added() -> None:
    old = schema(text("bp", "Blood pressure"))
    new = schema(text("blood_pressure", "Blood pressure"))
    assert [(c.kind, c.path) for c in diff_schemas(old, new)] == [
        ("added", "blood_pressure"),
        ("removed", "bp"),
    ]


def test_fields_inside_groups_are_compared_by_their_path() -> None:
    old = DEFAULT_TEMPLATE_SCHEMA
    document = old.to_document()
    vitals = document["fields"][1]["fields"]
    vitals[1] = {**vitals[1], "max": 250, "type": "number"}
    del vitals[2]
    new = parse_template_schema(document)
    assert diff_schemas(old, new) == [
        FieldChange("changed", "vital_signs.pulse", "Pulse", ("maximum: 300 → 250",)),
        FieldChange("removed", "vital_signs.temperature", "Temperature"),
    ]


def test_options_and_types_are_shown_in_words() -> None:
    old = schema({"key": "s", "label": "S", "type": "select", "options": ["A", "B"]})
    new = schema({"key": "s", "label": "S", "type": "multiselect", "options": ["A", "C"]})
    assert diff_schemas(old, new)[0].details == (
        "type: Single choice → Multiple choice",
        "options: A, B → A, C",
    )


def test_same_schema_has_no_changes_and_reordering_is_noticed() -> None:
    a, b = text("a", "A"), text("b", "B")
    assert diff_schemas(schema(a, b), schema(a, b)) == []
    assert not order_changed(schema(a, b), schema(a, b))
    assert order_changed(schema(a, b), schema(b, a))
    assert diff_schemas(schema(a, b), schema(b, a)) == []


def test_keys_are_made_from_labels() -> None:
    assert key_from_label("Blood pressure") == "blood_pressure"
    assert key_from_label("Température (°C)") == "temperature_c"
    assert key_from_label("2nd opinion?") == "field_2nd_opinion"
    assert key_from_label("???") == "field"
    assert key_from_label("Notes", taken={"notes", "notes_2"}) == "notes_3"
    assert len(key_from_label("x" * 300)) <= 64
