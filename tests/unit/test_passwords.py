"""Password rules (issue 12, item 2): long, any characters, not common, not one's own name."""

from __future__ import annotations

import pytest

from medrec_app.domain.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    common_passwords,
    normalized,
    password_problem,
)
from medrec_app.domain.people import email_problem, name_problem, timezone_problem


@pytest.mark.parametrize(
    "password",
    [
        "x7#kq" * 2 + "ab",  # exactly 12
        "correct horse battery staple",
        "Zürich Bäckerei Morgen",
        "雨の日の午後に紅茶を飲む",  # any script: 12 characters
        "a" * 3 + "bc" * (MAX_LENGTH // 2 - 2) + "d",  # the longest allowed
    ],
)
def test_long_passwords_of_any_characters_are_accepted(password: str) -> None:
    assert len(normalized(password)) >= MIN_LENGTH
    assert password_problem(password, email="ana@clinic.example", full_name="Ana Silva") is None


@pytest.mark.parametrize(
    ("password", "starts"),
    [
        ("short pass1", "Choose a password of at least 12 characters"),
        ("x" + "yz" * MAX_LENGTH, f"Choose a password of at most {MAX_LENGTH} characters"),
        ("qwerty123456", "This password is one of the most common passwords"),
        ("1qaz2wsx3edc", "This password is one of the most common passwords"),
        ("password1234!", "This password is one of the most common passwords"),
        ("  Sunshine2026  ", "This password is one of the most common passwords"),
        ("anasilva2026", "The password must not be your name or email address"),
        ("Ana Silva 1234", "The password must not be your name or email address"),
        ("ana.silva.dr!!", "The password must not be your name or email address"),
        ("abababababababab", "The password repeats one or two characters"),
    ],
)
def test_weak_passwords_are_refused_with_what_to_do(password: str, starts: str) -> None:
    problem = password_problem(password, email="ana.silva.dr@clinic.example", full_name="Ana Silva")
    assert problem is not None and problem.startswith(starts), problem
    assert password.strip() not in problem


def test_compatibility_forms_are_one_password() -> None:
    """Fullwidth letters typed on a Japanese keyboard are the same password (NFKC)."""
    fullwidth = "".join(chr(ord(ch) + 0xFEE0) for ch in "password1234")
    assert normalized(fullwidth) == "password1234"
    assert password_problem(fullwidth) is not None


def test_the_shipped_list_is_loaded() -> None:
    common = common_passwords()
    assert len(common) == 30_000
    assert {"password", "123456", "qwerty123456"} <= common


@pytest.mark.parametrize(
    ("check", "value", "says"),
    [
        (timezone_problem, "Europe/Amsterdm", "Time zone: 'Europe/Amsterdm' is not a time zone"),
        (timezone_problem, "../../etc/passwd", "Time zone: '../../etc/passwd' is not"),
        (email_problem, "ana@clinic", "Email: 'ana@clinic' is not an email address"),
        (email_problem, "ana silva@clinic.example", "Email: 'ana silva@clinic.example' is not"),
        (lambda v: name_problem(v, "Clinic name"), "  ", "Clinic name: enter a name."),
        (lambda v: name_problem(v, "Admin name"), "Ana\tSilva", "Admin name: remove the control"),
    ],
)
def test_clinic_and_people_fields_are_checked_by_name(check, value: str, says: str) -> None:
    assert check(value).startswith(says)


def test_good_clinic_fields_pass() -> None:
    assert timezone_problem("Europe/Amsterdam") is None
    assert email_problem("ana.silva@clinic.example") is None
    assert name_problem("Clínica São João", "Clinic name") is None
