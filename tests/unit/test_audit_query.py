"""The audit trail's filters, page cursor and action names."""

from __future__ import annotations

import ast
import pathlib
from datetime import UTC, date, datetime

import pytest

import medrec_app
from medrec_app.domain.audit_query import (
    ACTION_LABELS,
    ANY_REFUSAL,
    AuditQuery,
    QueryRefused,
    action_label,
    decode_cursor,
    encode_cursor,
    outcome,
    parse_query,
)


def test_blank_filters_filter_nothing() -> None:
    assert parse_query({}) == AuditQuery()
    assert parse_query({"patient": " ", "user": "", "action": None}) == AuditQuery()


def test_filters_are_parsed_and_round_trip_through_the_url() -> None:
    raw = {
        "patient": "12",
        "user": "7",
        "action": "record.",
        "from": "2026-03-01",
        "to": "2026-03-31",
    }
    query = parse_query(raw)
    assert query == AuditQuery(12, 7, "record.", date(2026, 3, 1), date(2026, 3, 31))
    assert query.action_is_prefix
    assert query.params() == raw
    assert parse_query(query.params()) == query
    assert query.audit_details() == {
        "patient_id": 12,
        "user_id": 7,
        "action": "record.",
        "from": "2026-03-01",
        "to": "2026-03-31",
    }


def test_every_bad_field_is_named() -> None:
    with pytest.raises(QueryRefused) as refused:
        parse_query(
            {"patient": "x", "user": "0", "action": "DROP", "from": "1.3.2026", "to": "2026-13-01"}
        )
    assert [p.split(":")[0] for p in refused.value.problems] == [
        "Patient",
        "User",
        "Action",
        "From",
        "To",
    ]


def test_a_reversed_range_is_refused() -> None:
    with pytest.raises(QueryRefused, match=r"^To: the last day is before the first day"):
        parse_query({"from": "2026-03-02", "to": "2026-03-01"})
    assert parse_query({"from": "2026-03-01", "to": "2026-03-01"}).first_day == date(2026, 3, 1)


@pytest.mark.parametrize("action", ["record.open", "record.", "view_audit.denied", ANY_REFUSAL])
def test_actions_prefixes_and_refusals_are_accepted(action) -> None:
    assert parse_query({"action": action}).action == action


@pytest.mark.parametrize("action", ["record%", "*", "a" * 65, "Record.open", "record..open", "'x"])
def test_other_action_text_is_refused(action) -> None:
    with pytest.raises(QueryRefused, match=r"^Action:"):
        parse_query({"action": action})


def test_the_cursor_round_trips_to_the_microsecond() -> None:
    at = datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=UTC)
    assert decode_cursor(encode_cursor(at, 99)) == (at, 99)


@pytest.mark.parametrize(
    "text", ["", "x-1", "1-", "99999999999999999999-1", "1.5-2", "9" * 19 + "-1"]
)
def test_a_bad_cursor_names_the_page(text) -> None:
    with pytest.raises(QueryRefused, match=r"^Page:"):
        decode_cursor(text)


def test_refusals_are_refused_outcomes() -> None:
    assert outcome("view_audit.denied") == "refused"
    assert outcome("auth.sign_in_failed") == "refused"
    assert outcome("record.save") == "done"
    assert action_label("patient.denied") == "Refused: patient"
    assert action_label("record.open") == "Opened a visit's record"


def _written_actions() -> set[str]:
    """Every action name the services write with ``audit.record(..., "name", ...)``."""
    root = pathlib.Path(medrec_app.__file__).parent
    names: set[str] = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
                and len(node.args) >= 3
            ):
                action = node.args[2]
                if isinstance(action, ast.Constant) and isinstance(action.value, str):
                    names.add(action.value)
    return names


def test_every_action_the_services_write_has_a_label_and_its_group() -> None:
    written = _written_actions()
    # Record opens and saves, file links, uploads and deletions, patient reads and edits.
    assert {
        "record.open",
        "record.save",
        "file.view",
        "file.upload",
        "file.delete",
        "patient.read",
        "patient.update",
        "audit.view",
        "audit.access_report",
        "audit.export",
    } <= written
    assert written - set(ACTION_LABELS) == set()
    groups = [name.split(".")[0] + "." for name in written]
    # A group of several actions can be picked as a whole.
    assert {g for g in groups if groups.count(g) > 1} <= set(ACTION_LABELS)
