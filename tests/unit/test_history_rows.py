"""What the History panel shows of a past revision's form (``pages/record/history_state``)."""

from __future__ import annotations

from medrec_app.pages.record.history_state import _changes, _rows

SCHEMA = {
    "version": 1,
    "fields": [
        {"key": "chief_complaint", "label": "Chief complaint", "type": "text"},
        {
            "key": "vitals",
            "label": "Vital signs",
            "type": "group",
            "fields": [{"key": "pulse", "label": "Pulse", "type": "number", "unit": "bpm"}],
        },
        {"key": "follow_up", "label": "Follow-up", "type": "yesno"},
    ],
}


def test_each_field_shows_its_value_then_values_no_field_names():
    rows = _rows(SCHEMA, {"vitals": {"pulse": 72}, "follow_up": True, "old_key": "kept"})
    assert [(r["label"], r["value"], r["group"]) for r in rows] == [
        ("Chief complaint", "—", ""),
        ("Vital signs", "", "yes"),
        ("Pulse (bpm)", "72", ""),
        ("Follow-up", "Yes", ""),
        ("old_key", "kept", ""),
    ]


def test_changes_counts_applied_and_outdated_operations():
    assert _changes(0, 0) == ""
    assert _changes(1, 0) == "1 change"
    assert _changes(3, 2) == "3 changes, 2 outdated by newer edits"
    assert _changes(0, 1) == "1 outdated by newer edits"
