"""Checks on what people type about clinics and colleagues: names, emails, time zones.

Each ``*_problem`` returns a sentence naming the field (or None), for the CLI, the admin
pages and the REST API alike.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo

MAX_NAME_CHARS = 200
MAX_EMAIL_CHARS = 254
# One @, something on each side, a dot in the domain, no spaces: what a person can fix.
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


def name_problem(value: str, field: str) -> str | None:
    text = value.strip()
    if not text:
        return f"{field}: enter a name."
    if len(text) > MAX_NAME_CHARS:
        return f"{field}: at most {MAX_NAME_CHARS} characters."
    if any(unicodedata.category(ch)[0] == "C" for ch in text):
        return f"{field}: remove the control characters (such as tabs or line breaks)."
    return None


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
