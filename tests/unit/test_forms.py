"""form_data and template schemas: what a clinician types is stored as typed, and
each problem is reported next to the field it belongs to."""

from __future__ import annotations

import json
from typing import Any

import pytest

from medrec_app.domain.errors import DocumentError
from medrec_app.domain.forms import (
    DEFAULT_TEMPLATE_SCHEMA,
    MAX_FORM_BYTES,
    MAX_FORM_FIELDS,
    MAX_FORM_VALUE_CHARS,
    MAX_TEMPLATE_FIELDS,
    TemplateSchema,
    parse_form_data,
    parse_template_schema,
    validate_form_against_schema,
)

# The spec's "Form Data Structure" example, verbatim.
SPEC_FORM_JSON = """
{
  "chief_complaint": "Patient reports persistent knee pain after running",
  "vital_signs": {
    "bp": "120/80",
    "pulse": "72",
    "temperature": "36.5"
  },
  "assessment": "Initial assessment shows possible patellar tendinitis",
  "treatment_plan": "Prescribed rest and physical therapy exercises",
  "notes": "Patient to return in 2 weeks for follow-up"
}
"""

KEY_RULE = "must be 1 to 64 lowercase letters, digits or '_', starting with a letter"


def spec_form() -> dict[str, Any]:
    return json.loads(SPEC_FORM_JSON)


def refusal(raw: object) -> list[str]:
    with pytest.raises(DocumentError) as caught:
        parse_form_data(raw)
    return caught.value.messages


def schema_refusal(raw: object) -> list[str]:
    with pytest.raises(DocumentError) as caught:
        parse_template_schema(raw)
    return caught.value.messages


def check(form: dict[str, Any]) -> dict[str, str]:
    return validate_form_against_schema(DEFAULT_TEMPLATE_SCHEMA, form)


# --- form_data storage rules ------------------------------------------------------------


def test_spec_form_example_round_trips_exactly() -> None:
    parsed = parse_form_data(spec_form())
    assert json.dumps(parsed, sort_keys=True) == json.dumps(spec_form(), sort_keys=True)
    assert parse_form_data(SPEC_FORM_JSON) == spec_form()


def test_empty_form_is_valid_storage() -> None:
    assert parse_form_data({}) == {}


def test_scalar_values_are_kept_as_given() -> None:
    raw = {"a": "72", "b": 72, "c": 36.5, "d": True, "e": None, "g": {"h": 0.0, "i": ""}}
    parsed = parse_form_data(raw)
    assert json.dumps(parsed) == json.dumps(raw)


@pytest.mark.parametrize("key", ["Chief", "1st", "_x", "a-b", "a b", "", "k" * 65, "a\x00"])
def test_bad_keys_are_refused(key: str) -> None:
    (message,) = refusal({key: "x"})
    assert message.endswith(f": {KEY_RULE}")


def test_bad_key_inside_a_group_names_the_group() -> None:
    assert refusal({"vital_signs": {"BP": "1"}}) == [f"vital_signs.'BP': {KEY_RULE}"]


def test_nul_is_refused_in_values() -> None:
    expected = "must not contain NUL characters (\\u0000); PostgreSQL cannot store them"
    assert refusal({"notes": "a\x00b"}) == [f"notes: {expected}"]
    assert refusal({"vital_signs": {"bp": "\x00"}}) == [f"vital_signs.bp: {expected}"]


def test_values_over_the_length_limit_are_refused() -> None:
    assert parse_form_data({"notes": "x" * MAX_FORM_VALUE_CHARS})
    assert refusal({"notes": "x" * (MAX_FORM_VALUE_CHARS + 1)}) == [
        f"notes: is {MAX_FORM_VALUE_CHARS + 1} characters long; the limit is {MAX_FORM_VALUE_CHARS}"
    ]


def test_non_finite_numbers_are_refused() -> None:
    assert refusal({"pulse": float("nan")}) == ["pulse: must be a finite number, not nan"]


def test_lists_of_choices_are_stored_and_other_types_are_refused() -> None:
    assert parse_form_data({"symptoms": ["Pain", "Swelling"]}) == {"symptoms": ["Pain", "Swelling"]}
    assert refusal({"notes": {"a": {"b": 1}}, "x": ["a", "a"], "y": [1]}) == [
        "notes.a: groups cannot contain groups; only one level of nesting is allowed",
        "x: lists a choice more than once",
        "y: each choice must be a string, not 1",
    ]
    assert refusal({"notes": object()})[0].startswith(
        "notes: must be text, a number, true/false, a list of choices or null, not"
    )


def test_nesting_deeper_than_one_group_is_refused() -> None:
    assert refusal({"vital_signs": {"bp": {"systolic": "120"}}}) == [
        "vital_signs.bp: groups cannot contain groups; only one level of nesting is allowed"
    ]


def test_too_many_fields_are_refused() -> None:
    assert parse_form_data({f"f{i}": "x" for i in range(MAX_FORM_FIELDS)})
    expected = [f"the form has more than {MAX_FORM_FIELDS} fields; the limit is {MAX_FORM_FIELDS}"]
    assert refusal({f"f{i}": "x" for i in range(MAX_FORM_FIELDS + 1)}) == expected
    grouped = {"g": {f"f{i}": "x" for i in range(MAX_FORM_FIELDS)}}
    assert refusal(grouped) == expected


def test_total_size_limit() -> None:
    count = MAX_FORM_BYTES // MAX_FORM_VALUE_CHARS + 1
    (message,) = refusal({f"f{i}": "x" * MAX_FORM_VALUE_CHARS for i in range(count)})
    assert message.startswith("the form is ")
    assert message.endswith(f"bytes as JSON; the limit is {MAX_FORM_BYTES}")


def test_every_problem_is_reported_at_once() -> None:
    messages = refusal({"Bad": 1, "notes": "\x00", "ok": "fine"})
    assert len(messages) == 2


def test_non_object_form_is_refused() -> None:
    assert refusal(["x"]) == ["the form must be a JSON object, not ['x']"]
    assert refusal("{nope")[0].startswith("the form is not valid JSON")


# --- the default template ---------------------------------------------------------------


def test_default_template_has_the_spec_keys() -> None:
    keys = {field.key: field for field in DEFAULT_TEMPLATE_SCHEMA.fields}
    assert list(keys) == ["chief_complaint", "vital_signs", "assessment", "treatment_plan", "notes"]
    vitals = keys["vital_signs"]
    assert vitals.type == "group"
    assert [(f.key, f.type, f.unit) for f in vitals.fields or []] == [
        ("bp", "text", None),
        ("pulse", "number", "bpm"),
        ("temperature", "number", "°C"),
    ]
    assert [keys[k].type for k in ("assessment", "treatment_plan", "notes")] == ["textarea"] * 3


def test_default_template_round_trips_and_carries_its_version() -> None:
    document = DEFAULT_TEMPLATE_SCHEMA.to_document()
    assert document["version"] == 1
    assert parse_template_schema(document) == DEFAULT_TEMPLATE_SCHEMA
    assert TemplateSchema.model_validate({"fields": []}).to_document() == {
        "version": 1,
        "fields": [],
    }


def test_spec_form_example_satisfies_the_default_template() -> None:
    assert check(spec_form()) == {}


# --- validating a form against its template ---------------------------------------------


def test_required_field_missing_or_blank() -> None:
    form = spec_form()
    del form["chief_complaint"]
    assert check(form) == {"chief_complaint": "Chief complaint is required"}
    assert check({**spec_form(), "chief_complaint": "   "}) == {
        "chief_complaint": "Chief complaint is required"
    }


def test_optional_fields_may_be_missing_or_empty() -> None:
    assert check({"chief_complaint": "Knee", "notes": "", "vital_signs": {"pulse": None}}) == {}


def test_number_fields_must_be_numeric() -> None:
    form = spec_form()
    form["vital_signs"]["pulse"] = "fast"
    assert check(form) == {"vital_signs.pulse": "Pulse must be a number"}
    form["vital_signs"]["pulse"] = "nan"
    assert check(form) == {"vital_signs.pulse": "Pulse must be a number"}


@pytest.mark.parametrize("value", ["36.5", " 37 ", "36.", 36.5, 37])
def test_numbers_as_typed_are_accepted(value: object) -> None:
    form = spec_form()
    form["vital_signs"]["temperature"] = value
    assert check(form) == {}


def test_numbers_outside_min_max_name_the_limit_and_unit() -> None:
    form = spec_form()
    form["vital_signs"]["temperature"] = "50"
    form["vital_signs"]["pulse"] = "-5"
    assert check(form) == {
        "vital_signs.temperature": "Temperature must be at most 45 °C",
        "vital_signs.pulse": "Pulse must be at least 0 bpm",
    }


def test_text_over_max_length() -> None:
    form = {**spec_form(), "chief_complaint": "x" * 501}
    assert check(form) == {
        "chief_complaint": "Chief complaint is 501 characters long; the limit is 500"
    }


def test_unknown_keys_are_reported_at_their_path() -> None:
    form = spec_form()
    form["vital_signs"]["spo2"] = "98"
    form["diagnosis"] = "x"
    assert check(form) == {
        "vital_signs.spo2": "'spo2' is not a field of this template",
        "diagnosis": "'diagnosis' is not a field of this template",
    }


def test_unknown_key_with_control_characters_is_reported_escaped() -> None:
    assert check({**spec_form(), "x\x00": "1"}) == {
        "'x\\x00'": "'x\\x00' is not a field of this template"
    }


def test_group_given_as_a_single_value_and_value_given_as_group() -> None:
    form = {**spec_form(), "vital_signs": "120/80", "notes": {"a": "b"}}
    assert check(form) == {
        "vital_signs": "Vital signs must be a group of fields",
        "notes": "Notes must be a single value, not a group",
    }


def test_select_value_must_be_an_option() -> None:
    schema = {
        "fields": [{"key": "side", "label": "Side", "type": "select", "options": ["Left", "Right"]}]
    }
    assert validate_form_against_schema(schema, {"side": "Left"}) == {}
    assert validate_form_against_schema(schema, {"side": "Up"}) == {
        "side": "Side must be one of: Left, Right"
    }


def test_text_field_with_a_non_text_value() -> None:
    assert check({**spec_form(), "notes": 5}) == {"notes": "Notes must be text"}


# --- template schema rules --------------------------------------------------------------


def field(**spec: Any) -> dict[str, Any]:
    return {"key": "f", "label": "F", "type": "text", **spec}


@pytest.mark.parametrize("kind", ["select", "multiselect"])
def test_choice_fields_need_unique_non_empty_options(kind: str) -> None:
    assert schema_refusal({"fields": [field(type=kind)]}) == [
        "fields[0]: a choice field needs at least one option"
    ]
    assert schema_refusal({"fields": [field(type=kind, options=[])]}) == [
        "fields[0]: a choice field needs at least one option"
    ]
    assert schema_refusal({"fields": [field(type=kind, options=["a", "a"])]}) == [
        "fields[0]: the options of a choice field must not repeat"
    ]


def test_options_unit_and_limits_only_fit_their_types() -> None:
    assert schema_refusal({"fields": [field(options=["a"], unit="kg")]}) == [
        "fields[0]: unit applies only to number fields; "
        "options applies only to select or multiselect fields"
    ]
    assert schema_refusal({"fields": [field(type="number", maxLength=5)]}) == [
        "fields[0]: maxLength applies only to text or textarea fields"
    ]


def test_min_above_max_is_refused() -> None:
    assert schema_refusal({"fields": [field(type="number", min=10, max=5)]}) == [
        "fields[0]: min 10 is greater than max 5"
    ]


def test_groups_nest_one_level_only() -> None:
    inner = {"key": "inner", "label": "Inner", "type": "group", "fields": [field()]}
    outer = {"key": "outer", "label": "Outer", "type": "group", "fields": [inner]}
    assert schema_refusal({"fields": [outer]}) == [
        "fields[0]: group 'inner' cannot be inside another group; groups nest one level"
    ]


def test_empty_or_required_group_is_refused() -> None:
    assert schema_refusal({"fields": [field(type="group", fields=[])]}) == [
        "fields[0]: a group needs at least one field"
    ]
    assert schema_refusal({"fields": [field(type="group", required=True, fields=[field()])]}) == [
        "fields[0]: required applies to the fields inside a group, not the group"
    ]


def test_keys_must_be_unique_per_level() -> None:
    assert schema_refusal({"fields": [field(), field()]}) == [
        "field key 'f' is used more than once"
    ]
    group = field(key="g", type="group", fields=[field(), field()])
    assert schema_refusal({"fields": [group]}) == [
        "fields[0]: field key 'f' is used more than once"
    ]
    same_key_other_level = field(key="g", type="group", fields=[field(key="g")])
    assert parse_template_schema({"fields": [same_key_other_level]})


def test_schema_field_errors_name_the_path() -> None:
    group = field(key="g", type="group", fields=[field(key="Bad Key", kind="x")])
    assert schema_refusal({"fields": [group]}) == [
        f"fields[0].fields[0].key: {KEY_RULE}, not 'Bad Key'",
        "fields[0].fields[0].kind: is not a known key here (unknown keys are refused)",
    ]
    assert schema_refusal({"fields": [field(type="datetime")]}) == [
        "fields[0].type: must be 'text', 'textarea', 'number', 'select', 'multiselect', 'date',"
        " 'yesno' or 'group', not 'datetime'"
    ]
    assert schema_refusal({"fields": [field(label="")]}) == ["fields[0].label: must not be empty"]


def test_template_limits_and_versions() -> None:
    assert schema_refusal({"version": 0}) == [
        "version: must be a whole number of at least 1, not 0"
    ]
    many = [field(key=f"f{i}") for i in range(MAX_TEMPLATE_FIELDS + 1)]
    assert schema_refusal({"fields": many}) == [
        f"fields: has {MAX_TEMPLATE_FIELDS + 1} fields; the limit is {MAX_TEMPLATE_FIELDS}"
    ]
    assert schema_refusal({"version": 2, "fields": []}) == [
        "version: version 2 is newer than this app understands (up to 1); update the app"
    ]


# --- the field types beyond text ----------------------------------------------------------


EVERY_TYPE = {
    "fields": [
        field(key="complaint", type="text", required=True, help="In the patient's words"),
        field(key="side", type="select", options=["Left", "Right"]),
        field(key="symptoms", type="multiselect", options=["Pain", "Swelling", "Stiffness"]),
        field(key="onset", type="date"),
        field(key="smoker", type="yesno", required=True),
        field(key="weight", type="number", unit="kg", decimals=1, min=0, max=500),
        field(key="reps", type="number", decimals=0),
    ]
}


def test_every_field_type_accepts_its_values() -> None:
    form = {
        "complaint": "Knee pain",
        "side": "Left",
        "symptoms": ["Pain", "Stiffness"],
        "onset": "2026-11-02",
        "smoker": False,
        "weight": "72.5",
        "reps": 12,
    }
    assert validate_form_against_schema(EVERY_TYPE, form) == {}


def test_every_field_type_refuses_what_does_not_fit() -> None:
    form = {
        "complaint": "Knee pain",
        "symptoms": ["Pain", "Itching"],
        "onset": "2026-02-30",
        "smoker": "no",
        "weight": "72.55",
        "reps": "3.0",
    }
    assert validate_form_against_schema(EVERY_TYPE, form) == {
        "symptoms": "F: 'Itching' is not one of: Pain, Swelling, Stiffness",
        "onset": "F must be a date (year-month-day, e.g. 2026-11-30)",
        "smoker": "F must be yes or no",
        "weight": "F takes at most 1 decimals",
        "reps": "F takes no decimals",
    }


def test_required_yes_no_and_multiple_choice_count_an_answer() -> None:
    schema = {"fields": [field(key="smoker", type="yesno", required=True)]}
    assert validate_form_against_schema(schema, {"smoker": False}) == {}
    assert validate_form_against_schema(schema, {}) == {"smoker": "F is required"}
    many = {"fields": [field(key="s", type="multiselect", options=["a"], required=True)]}
    assert validate_form_against_schema(many, {"s": []}) == {"s": "F is required"}


def test_help_and_decimals_fit_their_types() -> None:
    assert schema_refusal({"fields": [field(decimals=2)]}) == [
        "fields[0]: decimals applies only to number fields"
    ]
    assert schema_refusal({"fields": [field(type="number", decimals=7)]}) == [
        "fields[0].decimals: must be between 0 and 6, got 7"
    ]
    assert schema_refusal({"fields": [field(help="x" * 501)]}) == [
        "fields[0].help: is 501 characters long; the limit is 500"
    ]
