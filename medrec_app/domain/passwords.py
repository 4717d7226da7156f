"""What makes a password acceptable, in the spirit of OWASP ASVS (v4.0, section 2.1).

- At least ``MIN_LENGTH`` characters, and up to ``MAX_LENGTH`` (far beyond the 64 ASVS
  asks to allow), counted as Unicode characters after NFKC normalisation, so a password
  typed on another keyboard is the same password; any character is allowed, spaces too.
- Not one of the 30,000 most common passwords (``common_passwords.txt``), also not
  with only digits or symbols added at its ends ("password1234!"), and not the person's
  own email name or full name with such additions: the guesses attackers try first.
- No rules about character classes and no expiry (ASVS 2.1.9, 2.1.10).

The message of a refusal says what to do; it never repeats the password.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from functools import cache
from pathlib import Path

MIN_LENGTH = 12
MAX_LENGTH = 128
_LIST = Path(__file__).with_name("common_passwords.txt")
_PADDING = "0123456789!@#$%^&*()-_=+.,;:?~ "


def normalized(password: str) -> str:
    """The form a password is hashed and checked in."""
    return unicodedata.normalize("NFKC", password)


class Weakness(StrEnum):
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    COMMON = "common"
    OWN_NAME = "own_name"
    REPEATS = "repeats"


MESSAGES = {
    Weakness.TOO_SHORT: (
        f"Choose a password of at least {MIN_LENGTH} characters; several words make a long "
        "password that is easy to remember."
    ),
    Weakness.TOO_LONG: f"Choose a password of at most {MAX_LENGTH} characters.",
    Weakness.COMMON: (
        "This password is one of the most common passwords (or one with numbers added), "
        "which are guessed first. Choose another one."
    ),
    Weakness.OWN_NAME: "The password must not be your name or email address. Choose another one.",
    Weakness.REPEATS: "The password repeats one or two characters. Choose another one.",
}
"""What each weakness tells the person; pages find it by the weakness's code."""


def password_problem(password: str, *, email: str = "", full_name: str = "") -> str | None:
    """Why ``password`` may not be used (a sentence for the person), or None."""
    weakness = password_weakness(password, email=email, full_name=full_name)
    return MESSAGES[weakness] if weakness else None


def password_weakness(password: str, *, email: str = "", full_name: str = "") -> Weakness | None:
    text = normalized(password)
    if len(text) < MIN_LENGTH:
        return Weakness.TOO_SHORT
    if len(text) > MAX_LENGTH:
        return Weakness.TOO_LONG
    core = text.casefold().strip(_PADDING)
    if text.casefold() in common_passwords() or core in common_passwords():
        return Weakness.COMMON
    if core and core in _own_words(email, full_name):
        return Weakness.OWN_NAME
    if len(set(core)) <= 2:
        return Weakness.REPEATS
    return None


@cache
def common_passwords() -> frozenset[str]:
    lines = _LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _own_words(email: str, full_name: str) -> set[str]:
    """The person's email name and full name, each whole and without spaces."""
    local = email.casefold().split("@", 1)[0]
    name = full_name.casefold()
    return {word for word in (local, name, name.replace(" ", "")) if len(word) >= 3}
