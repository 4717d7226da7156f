"""Reading the audit trail: its filters, its page cursor, and what its actions mean.

The filters come from a URL query or a form as text (``patient``, ``user``, ``action``,
``from``, ``to``): :func:`parse_query` checks every one and names the field of each
problem. None of them is PHI (ids, an action name, days), so they may sit in URLs and in
the audit row that records the reading.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from medrec_app.domain.ids import parse_id

FIELDS = ("patient", "user", "action", "from", "to")
"""The query parameters, as they appear in URLs."""

FIELD_LABELS = {
    "patient": "Patient",
    "user": "User",
    "action": "Action",
    "from": "From",
    "to": "To",
}

MAX_ACTION_CHARS = 64  # audit_events.action
_ACTION = re.compile(r"[a-z][a-z_]*(\.[a-z_]+)*")
_DENIED = ".denied"
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
ANY_REFUSAL = "*" + _DENIED
"""The action filter for every refusal, whatever was refused."""


class QueryRefused(ValueError):
    """The filters were refused; ``problems`` has one line per bad field, field first."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class AuditQuery:
    """Checked filters. ``action`` is an exact name (``record.save``), a prefix ending in
    a dot (``record.``) or :data:`ANY_REFUSAL`; days are in the clinic's time zone,
    ``last_day`` included."""

    patient_id: int | None = None
    user_id: int | None = None
    action: str | None = None
    first_day: date | None = None
    last_day: date | None = None

    @property
    def action_is_prefix(self) -> bool:
        return self.action is not None and self.action.endswith(".")

    def params(self) -> dict[str, str]:
        """The filters set, as URL query parameters."""
        values = {
            "patient": self.patient_id,
            "user": self.user_id,
            "action": self.action,
            "from": self.first_day.isoformat() if self.first_day else None,
            "to": self.last_day.isoformat() if self.last_day else None,
        }
        return {key: str(value) for key, value in values.items() if value is not None}

    def audit_details(self) -> dict[str, object]:
        """What the audit row of the reading says about the filters: ids, never names."""
        values: dict[str, object] = {
            "patient_id": self.patient_id,
            "user_id": self.user_id,
            "action": self.action,
            "from": self.first_day.isoformat() if self.first_day else None,
            "to": self.last_day.isoformat() if self.last_day else None,
        }
        return {key: value for key, value in values.items() if value is not None}


def parse_query(raw: Mapping[str, object]) -> AuditQuery:
    """The filters in ``raw`` (missing or blank: not filtered); ``QueryRefused`` naming
    every bad field."""
    problems: list[str] = []

    def text(name: str) -> str:
        value = raw.get(name)
        return "" if value is None else str(value).strip()[:200]

    def row(name: str, what: str) -> int | None:
        value = text(name)
        if not value:
            return None
        parsed = parse_id(value)
        if parsed is None:
            problems.append(f"{FIELD_LABELS[name]}: enter a {what} id, a whole number.")
        return parsed

    def day(name: str) -> date | None:
        value = text(name)
        if not value:
            return None
        try:
            if not _DAY.fullmatch(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            problems.append(
                f"{FIELD_LABELS[name]}: {value!r} is not a date; enter it as YYYY-MM-DD, "
                "e.g. 2026-03-01."
            )
            return None

    patient_id = row("patient", "patient")
    user_id = row("user", "user")
    action = text("action") or None
    if action is not None and not action_problem_free(action):
        problems.append(
            "Action: choose an action from the list, e.g. 'record.open', or a group such "
            "as 'record.'."
        )
        action = None
    first, last = day("from"), day("to")
    if first and last and last < first:
        problems.append("To: the last day is before the first day (From); swap them.")
    if problems:
        raise QueryRefused(problems)
    return AuditQuery(patient_id, user_id, action, first, last)


def action_problem_free(action: str) -> bool:
    """Whether ``action`` can be an action filter: a name, a prefix, or any refusal."""
    if len(action) > MAX_ACTION_CHARS:
        return False
    if action == ANY_REFUSAL:
        return True
    return bool(_ACTION.fullmatch(action.removesuffix(".")))


# --- the page cursor ---------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR = re.compile(r"([0-9]{1,19})-([0-9]{1,19})")


def encode_cursor(occurred_at: datetime, row_id: int) -> str:
    """Where the next (older) page starts: after the row at ``occurred_at``/``row_id``."""
    micros = (occurred_at - _EPOCH) // timedelta(microseconds=1)
    return f"{micros}-{row_id}"


def decode_cursor(text: str) -> tuple[datetime, int]:
    """The ``(occurred_at, id)`` of :func:`encode_cursor`; ``QueryRefused`` if it is not one."""
    match = _CURSOR.fullmatch(text.strip())
    try:
        if match is None:
            raise ValueError(text)
        at = _EPOCH + timedelta(microseconds=int(match.group(1)))
        return at, int(match.group(2))
    except (ValueError, OverflowError):
        raise QueryRefused(
            ["Page: the page link is not valid; start from the first page."]
        ) from None


# --- what the actions mean ---------------------------------------------------------

REFUSED_ACTIONS = frozenset({"auth.sign_in_failed", "auth.sign_in_throttled"})


def outcome(action: str) -> str:
    """``"refused"`` for a refusal (``*.denied``, a failed or throttled sign-in), else
    ``"done"``."""
    return "refused" if action.endswith(_DENIED) or action in REFUSED_ACTIONS else "done"


ACTION_LABELS: dict[str, str] = {
    "record.": "Records: any",
    "record.open": "Opened a visit's record",
    "record.create": "Created a record",
    "record.read": "Read a record (API)",
    "record.drawing_read": "Loaded a record's drawing",
    "record.save": "Saved changes to a record",
    "record.attach": "Attached a file to a record",
    "record.detach": "Removed a file from a record",
    "record.background": "Set a record's background",
    "record.import": "Imported a drawing from the browser-only demo",
    "record.sign": "Signed a record",
    "record.export": "Exported a record as PDF and PNG",
    "record.sign.denied": "Refused: signing a record",
    "record.amendment_start": "Started an amendment of a signed record",
    "record.amendment_save": "Saved an amendment's draft",
    "record.amendment_sign": "Signed an amendment",
    "record.amendment_sign.denied": "Refused: signing an amendment",
    "record.history_view": "Listed a record's revisions",
    "record.revision_view": "Viewed a past revision of a record",
    "record.revision_drawing_read": "Loaded a past revision's drawing",
    "file.": "Files: any",
    "file.view": "Opened or downloaded a file",
    "file.upload": "Uploaded a file",
    "file.delete": "Deleted a file",
    "file.display_made": "Made a file's display image",
    "patient.": "Patients: any",
    "patient.read": "Opened a patient",
    "patient.files_list": "Listed a patient's files",
    "patient.create": "Registered a patient",
    "patient.update": "Changed a patient's details",
    "patient.search": "Searched patients",
    "patient.visits_list": "Listed a patient's visits",
    "phone_link.": "Phone upload links: any",
    "phone_link.create": "Made a phone upload link",
    "phone_link.revoke": "Revoked a phone upload link",
    "appointments.list": "Listed appointments",
    "appointment.": "Appointments: any",
    "appointment.create": "Booked an appointment",
    "appointment.update": "Changed an appointment (booking system)",
    "appointment.reschedule": "Moved an appointment",
    "appointment.cancel": "Cancelled an appointment",
    "auth.": "Sign-in: any",
    "auth.sign_in": "Signed in",
    "auth.sign_in_failed": "Sign-in failed",
    "auth.sign_in_throttled": "Sign-in paused after failures",
    "auth.sign_out": "Signed out",
    "user.": "Users: any",
    "user.create": "Added a user",
    "user.role_change": "Changed a user's role",
    "user.disable": "Disabled a user",
    "user.enable": "Enabled a user",
    "user.password_link_invite": "Made an invitation link",
    "user.password_link_reset": "Reset a password",
    "user.password_set": "Set a password with a link",
    "user.password_change": "Changed their own password",
    "api_token.": "API tokens: any",
    "api_token.create": "Made an API token",
    "api_token.revoke": "Revoked an API token",
    "clinic.create": "Created the clinic",
    "template.": "Templates: any",
    "template.create": "Created a template",
    "template.duplicate": "Duplicated a template",
    "template.edit": "Edited a template's draft",
    "template.background": "Changed a template's background",
    "template.publish": "Published a template version",
    "template.discard_draft": "Discarded a template's draft",
    "template.default": "Made a template the default",
    "template.archive": "Archived a template",
    "template.restore": "Restored a template",
    "record.template": "Changed an empty record's template",
    "csv_import.": "CSV imports: any",
    "csv_import.patients": "Imported patients from a CSV file",
    "csv_import.appointments": "Imported appointments from a CSV file",
    "audit.": "Audit trail: any",
    "audit.view": "Read the audit trail",
    "audit.access_report": "Read a patient's access report",
    "audit.export": "Exported the audit trail",
    ANY_REFUSAL: "Refusals: any",
}
"""Every action the services write, and the groups a filter can pick (ending in a dot)."""


def action_label(action: str) -> str:
    """What ``action`` means, for people; a refusal says what was refused."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    if action.endswith(_DENIED):
        return f"Refused: {action.removesuffix(_DENIED).replace('_', ' ')}"
    return action
