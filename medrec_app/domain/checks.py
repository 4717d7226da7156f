"""Value checks shared by the JSON documents, phrased for people.

Each ``*_problem`` function returns why a value is refused, or None if it is fine, so
both pydantic validators and hand-written validators can use the same wording.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from medrec_app.domain.errors import DocumentError, fail, shown


def decoded_json(raw: object, limit: int, subject: str) -> object:
    """``raw`` itself, or the value of ``raw`` if it is JSON text of at most ``limit`` bytes.

    ``subject`` starts each message: a phrase ("the drawing is") or a path ("ops:").
    """
    if not isinstance(raw, str | bytes | bytearray):
        return raw
    if len(raw) > limit:
        raise DocumentError([f"{subject} {len(raw)} bytes as JSON; the limit is {limit}"])
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise DocumentError([f"{subject} not valid JSON: {exc}"]) from None


def number_problem(value: Any, limit: float) -> str | None:
    """Why ``value`` is not a finite JSON number within ``±limit``, or None.

    Python's ``json.loads`` accepts ``NaN`` and ``Infinity``, which PostgreSQL JSONB and
    browsers do not, so floats are checked here rather than trusted.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"must be a number, not {shown(value)}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite number, not {value}"
    if -limit <= value <= limit:
        return None
    return f"must be between -{limit} and {limit}, got {shown(value)}"


def string_problem(value: Any, max_chars: int) -> str | None:
    """Why ``value`` is not a string PostgreSQL JSONB can store, or None.

    JSONB refuses ``\\u0000`` and unpaired surrogates, both of which ``json.loads`` lets
    through; the length bound keeps one field from filling a record.
    """
    if not isinstance(value, str):
        return f"must be a string, not {shown(value)}"
    if "\x00" in value:
        return "must not contain NUL characters (\\u0000); PostgreSQL cannot store them"
    if len(value) > max_chars:
        return f"is {len(value)} characters long; the limit is {max_chars}"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains invalid Unicode (an unpaired surrogate)"
    return None


def check_string(value: Any, max_chars: int) -> str:
    """Pydantic-validator form of :func:`string_problem`."""
    problem = string_problem(value, max_chars)
    if problem:
        raise fail(problem)
    return value


def whole_number(low: int, high: int) -> Callable[[Any], int]:
    """Pydantic validator for a JSON integer in ``low..high`` (``true`` and ``1.0`` refused)."""

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail(f"must be a whole number, not {shown(value)}")
        if not low <= value <= high:
            raise fail(f"must be between {low} and {high}, got {value}")
        return value

    return check


def document_version(current: int) -> Callable[[Any], int]:
    """Pydantic validator for a document's ``version``: a known version, 1..``current``."""

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise fail(f"must be a whole number of at least 1, not {shown(value)}")
        if value > current:
            raise fail(
                f"version {value} is newer than this app understands (up to {current}); "
                "update the app"
            )
        return value

    return check
