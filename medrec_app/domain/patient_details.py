"""What the front desk types about a patient, checked field by field.

``check_details`` turns a form's or an API body's values into ``PatientDetails`` or
raises ``DetailsRefused`` with one sentence per bad field, each naming the field. Empty
optional fields become None; names and the address keep their letters as typed (any
script), without control characters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from medrec_app.domain.people import email_problem, name_problem

MAX_NAME_CHARS = 100
MAX_ADDRESS_CHARS = 500
MAX_PHONE_CHARS = 40
MAX_EXTERNAL_ID_CHARS = 100
EARLIEST_BIRTH = date(1900, 1, 1)
_PHONE = re.compile(r"\+?[0-9 ()./-]{3,40}")
_EXTERNAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]*")


class Sex(StrEnum):
    """Administrative sex, as HL7 FHIR's AdministrativeGender."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PatientDetails:
    first_name: str
    last_name: str
    date_of_birth: date
    sex: Sex | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    external_id: str | None = None


class DetailsRefused(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


FIELD_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "phone": "Phone",
    "email": "Email",
    "address": "Address",
    "external_id": "External id",
}
"""Each field's label, as forms show it; every problem sentence about a field starts with
its label (``"Email: ..."``), which :func:`problem_field` reads back."""
FIELDS = tuple(FIELD_LABELS)


def check_details(values: dict[str, Any], today: date) -> PatientDetails:
    """The details in ``values`` (strings, or a date for ``date_of_birth``), or
    ``DetailsRefused`` naming every bad field."""
    problems: list[str] = []
    first = _name(values.get("first_name"), "First name", problems)
    last = _name(values.get("last_name"), "Last name", problems)
    born = _birth_date(values.get("date_of_birth"), today, problems)
    sex = _sex(values.get("sex"), problems)
    phone = _optional(values.get("phone"))
    if phone and (len(phone) > MAX_PHONE_CHARS or not _PHONE.fullmatch(phone)):
        problems.append("Phone: use digits, spaces and + ( ) - . / only, like +31 20 555 0199.")
    email = _optional(values.get("email"))
    if email and (problem := email_problem(email)):
        problems.append(problem)
    address = _address(values.get("address"), problems)
    external_id = _optional(values.get("external_id"))
    if external_id and (
        len(external_id) > MAX_EXTERNAL_ID_CHARS or not _EXTERNAL_ID.fullmatch(external_id)
    ):
        problems.append(
            f"External id: up to {MAX_EXTERNAL_ID_CHARS} letters, digits and . _ : / -, "
            "starting with a letter or digit (like MRN-004512)."
        )
    if problems:
        raise DetailsRefused(problems)
    assert first and last and born
    return PatientDetails(first, last, born, sex, phone, email, address, external_id)


def _optional(value: Any) -> str | None:
    text = " ".join(str(value or "").split())
    return text or None


def _name(value: Any, field: str, problems: list[str]) -> str | None:
    text = " ".join(unicodedata.normalize("NFC", str(value or "")).split())
    if problem := name_problem(text, field, MAX_NAME_CHARS):
        problems.append(problem)
        return None
    return text


def _birth_date(value: Any, today: date, problems: list[str]) -> date | None:
    born = value if isinstance(value, date) else None
    if born is None:
        try:
            born = date.fromisoformat(str(value or "").strip())
        except ValueError:
            problems.append("Date of birth: enter a full date, like 1984-03-12.")
            return None
    if born > today:
        problems.append("Date of birth: it is in the future.")
    elif born < EARLIEST_BIRTH:
        problems.append(f"Date of birth: before {EARLIEST_BIRTH.year}; check the year.")
    else:
        return born
    return None


def _sex(value: Any, problems: list[str]) -> Sex | None:
    text = str(value or "").strip().lower()
    if not text:
        return None
    try:
        return Sex(text)
    except ValueError:
        problems.append(f"Sex: choose one of {', '.join(s.value for s in Sex)}.")
        return None


def _address(value: Any, problems: list[str]) -> str | None:
    lines = [" ".join(line.split()) for line in str(value or "").splitlines()]
    text = "\n".join(line for line in lines if line)
    if len(text) > MAX_ADDRESS_CHARS:
        problems.append(f"Address: at most {MAX_ADDRESS_CHARS} characters.")
        return None
    if any(unicodedata.category(ch)[0] == "C" and ch != "\n" for ch in text):
        problems.append("Address: remove the control characters.")
        return None
    return text or None


_FIELD_OF_LABEL = {label: field for field, label in FIELD_LABELS.items()}


def problem_field(problem: str) -> tuple[str, str]:
    """The field (``FIELDS`` name) a problem sentence of ``check_details`` is about, and
    the rest of the sentence: ``("email", "'x' is not an email address ...")``."""
    label, sep, rest = problem.partition(": ")
    if sep and label in _FIELD_OF_LABEL:
        return _FIELD_OF_LABEL[label], rest
    return "", problem
