"""Who may do what: role x action, within the actor's own clinic.

Services call :func:`require` before every read or write; pages call :func:`can` to hide
what a role may not use. Anything not granted below is denied, including unknown roles.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    PRACTITIONER = "practitioner"
    FRONT_DESK = "front_desk"
    READ_ONLY = "read_only"


class Action(StrEnum):
    VIEW_APPOINTMENTS = "view_appointments"
    VIEW_RECORD = "view_record"
    EDIT_RECORD = "edit_record"
    SIGN_RECORD = "sign_record"
    EXPORT_RECORD = "export_record"
    VIEW_FILES = "view_files"
    UPLOAD_FILE = "upload_file"
    DELETE_FILE = "delete_file"
    MANAGE_USERS = "manage_users"
    MANAGE_TEMPLATES = "manage_templates"
    VIEW_AUDIT = "view_audit"
    REGISTER_PATIENT = "register_patient"
    BOOK_APPOINTMENT = "book_appointment"
    IMPORT_RECORDS = "import_records"


ROLE_LABELS = {
    Role.ADMIN.value: "Administrator",
    Role.PRACTITIONER.value: "Practitioner",
    Role.FRONT_DESK.value: "Front desk",
    Role.READ_ONLY.value: "Read only",
}
"""One person's role, as pages show it."""

_ROLE_NAMES = {
    Role.ADMIN: "Administrators",
    Role.PRACTITIONER: "Practitioners",
    Role.FRONT_DESK: "Front-desk staff",
    Role.READ_ONLY: "Read-only users",
}

_ACTION_PHRASES = {
    Action.VIEW_APPOINTMENTS: "view appointments",
    Action.VIEW_RECORD: "view medical records",
    Action.EDIT_RECORD: "edit medical records",
    Action.SIGN_RECORD: "sign medical records",
    Action.EXPORT_RECORD: "export medical records as PDF",
    Action.VIEW_FILES: "view patient files",
    Action.UPLOAD_FILE: "upload patient files",
    Action.DELETE_FILE: "delete patient files",
    Action.MANAGE_USERS: "manage users",
    Action.MANAGE_TEMPLATES: "manage record templates",
    Action.VIEW_AUDIT: "view the audit log",
    Action.REGISTER_PATIENT: "register and edit patients",
    Action.BOOK_APPOINTMENT: "book, reschedule and cancel appointments",
    Action.IMPORT_RECORDS: "import records saved by the browser-only demo",
}

_GRANTS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.PRACTITIONER: frozenset(
        {
            Action.VIEW_APPOINTMENTS,
            Action.VIEW_RECORD,
            Action.EDIT_RECORD,
            Action.SIGN_RECORD,
            Action.EXPORT_RECORD,
            Action.VIEW_FILES,
            Action.UPLOAD_FILE,
            Action.REGISTER_PATIENT,
            Action.BOOK_APPOINTMENT,
        }
    ),
    # Front desk files x-rays and PDFs for patients and may read records, not change them;
    # they send the exported note to a referrer or an insurer.
    Role.FRONT_DESK: frozenset(
        {
            Action.VIEW_APPOINTMENTS,
            Action.VIEW_RECORD,
            Action.EXPORT_RECORD,
            Action.VIEW_FILES,
            Action.UPLOAD_FILE,
            Action.DELETE_FILE,
            Action.REGISTER_PATIENT,
            Action.BOOK_APPOINTMENT,
        }
    ),
    # Read-only users are also the clinic's auditors: they read the audit trail. They open
    # exports made by others, and make none: an export is a new patient file.
    Role.READ_ONLY: frozenset(
        {Action.VIEW_APPOINTMENTS, Action.VIEW_RECORD, Action.VIEW_FILES, Action.VIEW_AUDIT}
    ),
}


def _as_role(role: object) -> Role | None:
    try:
        return Role(role)
    except (ValueError, TypeError):
        return None


def _as_action(action: object) -> Action | None:
    try:
        return Action(action)
    except (ValueError, TypeError):
        return None


def can(role: Role | str, action: Action | str) -> bool:
    """Whether ``role`` may perform ``action``. Unknown roles and actions are denied."""
    known_role, known_action = _as_role(role), _as_action(action)
    if known_role is None or known_action is None:
        return False
    return known_action in _GRANTS[known_role]


def allowed_actions(role: Role | str) -> frozenset[Action]:
    """Every action ``role`` may perform (for menus and buttons)."""
    known_role = _as_role(role)
    return _GRANTS[known_role] if known_role else frozenset()


@dataclass(frozen=True)
class Actor:
    """The signed-in user a service call acts for.

    ``token_id`` is set when the user acts through an API token, ``phone_link_id`` when
    a phone acts for them through an upload link they issued; both for the audit trail.
    """

    user_id: int
    clinic_id: int
    role: Role
    token_id: int | None = None
    phone_link_id: int | None = None


class PermissionDenied(Exception):
    """The actor may not do this; ``str()`` is a sentence to show the user."""

    def __init__(self, action: Action | str, role: Role | str | None = None, reason: str = ""):
        self.action = action
        self.role = role
        known_action, known_role = _as_action(action), _as_role(role)
        phrase = _ACTION_PHRASES[known_action] if known_action else f"do {action!r}"
        if reason:
            message = f"You may not {phrase}: {reason}."
        elif known_role:
            message = f"{_ROLE_NAMES[known_role]} may not {phrase}."
        else:
            message = f"You may not {phrase}."
        super().__init__(message)


def require(actor: Actor, action: Action, *, clinic_id: int | None = None) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` may perform ``action``.

    Pass the ``clinic_id`` of the data being touched: users only ever act inside their
    own clinic, whatever their role.
    """
    if not can(actor.role, action):
        raise PermissionDenied(action, actor.role)
    if clinic_id is not None and clinic_id != actor.clinic_id:
        raise PermissionDenied(action, actor.role, reason="it belongs to another clinic")
