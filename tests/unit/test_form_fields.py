"""The template form's rows and values (``components/form_fields``): every field type
shown, and what a control's change stores in ``form_data``."""

from __future__ import annotations

from medrec_app.components.form_fields import (
    FieldView,
    field_views,
    flatten,
    form_of,
    shown_value,
    shown_values,
    stored_value,
    toggled,
    unflatten,
)
from medrec_app.domain.forms import validate_form_against_schema

EVERY_TYPE = {
    "version": 1,
    "fields": [
        {"key": "complaint", "label": "Complaint", "type": "text", "required": True},
        {"key": "history", "label": "History", "type": "textarea", "help": "Since when?"},
        {
            "key": "vitals",
            "label": "Vital signs",
            "type": "group",
            "help": "Taken seated",
            "fields": [
                {
                    "key": "temperature",
                    "label": "Temperature",
                    "type": "number",
                    "unit": "°C",
                    "decimals": 1,
                    "min": 25,
                    "max": 45,
                },
                {"key": "smoker", "label": "Smoker", "type": "yesno"},
            ],
        },
        {"key": "side", "label": "Side", "type": "select", "options": ["Left", "Right"]},
        {
            "key": "symptoms",
            "label": "Symptoms",
            "type": "multiselect",
            "options": ["Cough", "Fever", "Headache"],
        },
        {"key": "follow_up", "label": "Follow-up", "type": "date"},
        {"key": "consent", "label": "Consent given", "type": "yesno", "required": True},
    ],
}

STORED = {
    "complaint": "Cough for a week",
    "vitals": {"temperature": 37.5, "smoker": False},
    "symptoms": ["Cough", "Fever"],
    "follow_up": "2026-11-30",
    "consent": True,
}


def test_every_field_type_has_its_row_in_order_with_what_the_form_shows():
    views = field_views(EVERY_TYPE)
    assert [(v.path, v.kind, v.in_group) for v in views] == [
        ("complaint", "text", False),
        ("history", "textarea", False),
        ("vitals", "group", False),
        ("vitals.temperature", "number", True),
        ("vitals.smoker", "yesno", True),
        ("side", "select", False),
        ("symptoms", "multiselect", False),
        ("follow_up", "date", False),
        ("consent", "yesno", False),
    ]
    by_path = {v.path: v for v in views}
    assert by_path["vitals.temperature"] == FieldView(
        "vitals.temperature", "Temperature", "number", unit="°C", decimals=1, in_group=True
    )
    assert by_path["history"].help == "Since when?" and by_path["vitals"].help == "Taken seated"
    assert by_path["complaint"].required and not by_path["history"].required
    assert by_path["symptoms"].options == ["Cough", "Fever", "Headache"]
    assert by_path["side"].decimals == -1  # any number of decimals (not a number field)


def test_stored_values_show_in_their_controls_and_come_back_unchanged():
    views = field_views(EVERY_TYPE)
    flat = flatten(STORED)
    assert flat == {
        "complaint": "Cough for a week",
        "vitals.temperature": "37.5",  # a JSON number from the REST API, shown as text
        "vitals.smoker": False,
        "symptoms": ["Cough", "Fever"],
        "follow_up": "2026-11-30",
        "consent": True,
    }
    values, choices = shown_values(views, flat)
    assert values == {
        "complaint": "Cough for a week",
        "history": "",
        "vitals.temperature": "37.5",
        "vitals.smoker": "false",
        "side": "",
        "follow_up": "2026-11-30",
        "consent": "true",
    }
    assert choices == {"symptoms": ["Cough", "Fever"]}
    assert form_of(views, values, choices) == {
        **STORED,
        "vitals": {"temperature": "37.5", "smoker": False},
    }
    assert validate_form_against_schema(EVERY_TYPE, form_of(views, values, choices)) == {}


def test_unflatten_leaves_out_what_is_empty_and_keeps_types():
    assert unflatten({"a": "", "b": None, "c": [], "d": False, "g.x": ["One"], "g.y": ""}) == {
        "d": False,
        "g": {"x": ["One"]},
    }
    assert unflatten(flatten({"g": {"x": None}, "n": None})) == {}


def test_the_value_a_control_change_stores():
    assert stored_value("yesno", "true") is True
    assert stored_value("yesno", "false") is False
    assert stored_value("yesno", "") is None  # "Not answered" clears it
    assert stored_value("date", "2026-11-30") == "2026-11-30"
    assert stored_value("number", "36.55") == "36.55"  # as typed; the domain checks decimals
    assert stored_value("text", "") is None
    assert stored_value("multiselect", ["Fever"]) == ["Fever"]
    assert stored_value("multiselect", []) is None  # unchecking all clears the field


def test_checking_and_unchecking_keeps_option_order():
    options = ["Cough", "Fever", "Headache"]
    assert toggled(options, [], "Headache", True) == ["Headache"]
    assert toggled(options, ["Headache"], "Cough", True) == ["Cough", "Headache"]
    assert toggled(options, ["Cough", "Headache"], "Cough", True) == ["Cough", "Headache"]
    assert toggled(options, ["Cough", "Headache"], "Cough", False) == ["Headache"]
    assert toggled(options, ["Headache"], "Headache", False) == []
    # A stored choice that is no option (written through the API) stays until unchecked.
    assert toggled(options, ["Gone"], "Fever", True) == ["Fever", "Gone"]
    assert toggled(options, ["Fever", "Gone"], "Gone", False) == ["Fever"]


def test_the_domain_messages_for_decimals_and_a_required_yes_no():
    views = field_views(EVERY_TYPE)
    values, choices = shown_values(views, {})
    values["vitals.temperature"] = "36.55"
    errors = validate_form_against_schema(EVERY_TYPE, form_of(views, values, choices))
    assert errors["vitals.temperature"] == "Temperature takes at most 1 decimals"
    assert errors["consent"] == "Consent given is required"
    values["consent"] = "false"  # "No" answers a required yes/no
    values["complaint"] = "x"
    values["vitals.temperature"] = "36.5"
    assert validate_form_against_schema(EVERY_TYPE, form_of(views, values, choices)) == {}


def test_a_kept_draft_shows_again_in_its_control():
    """The editor queues drafts kept in the browser again after a reload and shows each
    op's value: a yes/no's false, a multiple choice's list, a cleared field's null."""
    assert shown_value("yesno", False) == "false"
    assert shown_value("yesno", True) == "true"
    assert shown_value("yesno", None) == ""
    assert shown_value("multiselect", ["Fever", "Cough"]) == ["Fever", "Cough"]
    assert shown_value("multiselect", None) == []
    assert shown_value("date", "2026-11-30") == "2026-11-30"
    assert shown_value("text", None) == ""
    assert shown_value("text", {"crafted": 1}) == ""
    assert shown_value("multiselect", [1, "Fever"]) == ["Fever"]
