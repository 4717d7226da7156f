"""Who may do what. The full matrix is pinned so a change of policy is a visible diff."""

from __future__ import annotations

import dataclasses

import pytest

from medrec_app.domain.permissions import (
    Action,
    Actor,
    PermissionDenied,
    Role,
    allowed_actions,
    can,
    require,
)

A = Action
EXPECTED = {
    Role.ADMIN: set(Action),
    Role.PRACTITIONER: {
        A.VIEW_APPOINTMENTS,
        A.VIEW_RECORD,
        A.EDIT_RECORD,
        A.SIGN_RECORD,
        A.EXPORT_RECORD,
        A.VIEW_FILES,
        A.UPLOAD_FILE,
        A.REGISTER_PATIENT,
        A.BOOK_APPOINTMENT,
    },
    Role.FRONT_DESK: {
        A.VIEW_APPOINTMENTS,
        A.VIEW_RECORD,
        A.EXPORT_RECORD,
        A.VIEW_FILES,
        A.UPLOAD_FILE,
        A.DELETE_FILE,
        A.REGISTER_PATIENT,
        A.BOOK_APPOINTMENT,
    },
    Role.READ_ONLY: {A.VIEW_APPOINTMENTS, A.VIEW_RECORD, A.VIEW_FILES, A.VIEW_AUDIT},
}


def test_role_and_action_values_are_the_stored_strings() -> None:
    assert [r.value for r in Role] == ["admin", "practitioner", "front_desk", "read_only"]
    assert [a.value for a in Action] == [
        "view_appointments",
        "view_record",
        "edit_record",
        "sign_record",
        "export_record",
        "view_files",
        "upload_file",
        "delete_file",
        "manage_users",
        "manage_templates",
        "view_audit",
        "register_patient",
        "book_appointment",
        "import_records",
    ]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_matrix(role: Role, action: Action) -> None:
    assert can(role, action) is (action in EXPECTED[role])


def test_allowed_actions_matches_can() -> None:
    for role in Role:
        assert allowed_actions(role) == EXPECTED[role]
    assert allowed_actions("janitor") == frozenset()


def test_plain_strings_from_the_database_work() -> None:
    assert can("practitioner", "sign_record")
    assert not can("front_desk", "edit_record")


def test_unknown_roles_and_actions_are_denied() -> None:
    assert not can("superuser", Action.VIEW_RECORD)
    assert not can(Role.ADMIN, "drop_database")
    assert not can("", "")


def test_front_desk_and_read_only_cannot_change_records() -> None:
    for role in (Role.FRONT_DESK, Role.READ_ONLY):
        assert not can(role, Action.EDIT_RECORD)
        assert not can(role, Action.SIGN_RECORD)


def test_require_allows_permitted_actions() -> None:
    require(Actor(user_id=1, clinic_id=7, role=Role.PRACTITIONER), Action.EDIT_RECORD)
    require(Actor(1, 7, Role.FRONT_DESK), Action.DELETE_FILE, clinic_id=7)


def test_require_refuses_with_a_readable_message() -> None:
    actor = Actor(user_id=3, clinic_id=7, role=Role.FRONT_DESK)
    with pytest.raises(PermissionDenied) as caught:
        require(actor, Action.SIGN_RECORD)
    assert str(caught.value) == "Front-desk staff may not sign medical records."
    assert caught.value.action is Action.SIGN_RECORD
    assert caught.value.role is Role.FRONT_DESK


def test_every_denial_reads_as_a_sentence() -> None:
    with pytest.raises(PermissionDenied, match=r"^Front-desk staff may not view the audit log\.$"):
        require(Actor(1, 1, Role.FRONT_DESK), Action.VIEW_AUDIT)
    with pytest.raises(PermissionDenied, match=r"^Practitioners may not manage users\.$"):
        require(Actor(1, 1, Role.PRACTITIONER), Action.MANAGE_USERS)
    assert str(PermissionDenied(Action.DELETE_FILE)) == "You may not delete patient files."


def test_other_clinics_data_is_refused_even_for_admins() -> None:
    with pytest.raises(PermissionDenied) as caught:
        require(Actor(1, clinic_id=7, role=Role.ADMIN), Action.VIEW_RECORD, clinic_id=8)
    assert str(caught.value) == "You may not view medical records: it belongs to another clinic."


def test_actor_is_immutable() -> None:
    actor = Actor(1, 7, Role.READ_ONLY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        actor.role = Role.ADMIN
