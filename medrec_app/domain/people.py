"""Checks on what people type about clinics and colleagues: names, emails, roles, zones.

Each ``*_problem`` returns a sentence naming the field (or None), for the CLI, the admin
pages and the REST API alike.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo

from medrec_app.domain.permissions import Role

MAX_NAME_CHARS = 200
MAX_EMAIL_CHARS = 254
# One @, something on each side, a dot in the domain, no spaces: what a person can fix.
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


def name_problem(value: str, field: str, max_chars: int = MAX_NAME_CHARS) -> str | None:
    text = value.strip()
    if not text:
        return f"{field}: enter a name."
    if len(text) > max_chars:
        return f"{field}: at most {max_chars} characters."
    if any(unicodedata.category(ch)[0] == "C" for ch in text):
        return f"{field}: remove the control characters (such as tabs or line breaks)."
    return None


def role_problem(role: str) -> str | None:
    roles = [r.value for r in Role]
    if role in roles:
        return None
    return f"Role: {str(role)[:40]!r} is not a role; choose one of {', '.join(roles)}."


def email_problem(value: str, field: str = "Email") -> str | None:
    text = value.strip()
    if len(text) > MAX_EMAIL_CHARS:
        return f"{field}: at most {MAX_EMAIL_CHARS} characters."
    if not _EMAIL.fullmatch(text):
        return f"{field}: {text[:60]!r} is not an email address (like name@clinic.example)."
    return None


def timezone_problem(value: str, field: str = "Time zone") -> str | None:
    """An IANA time zone name such as ``Europe/Amsterdam``."""
    if value in zoneinfo.available_timezones():
        return None
    return (
        f"{field}: {value[:60]!r} is not a time zone name; use one like Europe/Amsterdam "
        "or America/New_York (the IANA names)."
    )
