"""One error type and one message format for every domain document.

Services, the REST API and the Reflex state all show validation failures to people, so
each failure becomes a line of the form ``"shapes[2].radius: must be greater than 0"``:
the JSON path of the offending value, then what is wrong with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

# Tags of the discriminated unions in the documents. Pydantic puts the tag it chose into
# the error path (``shapes.2.circle.radius``); people expect ``shapes[2].radius``. A tag
# follows a list index, or the name of a field that holds one union value (``shape``).
_UNION_TAGS = frozenset(
    {"circle", "rect", "arrow", "text"}
    | {"addLine", "putShape", "deleteElements", "setField", "setBackground", "setStage"}
)
_UNION_FIELDS = frozenset({"shape"})

_MAX_SHOWN_INPUT = 40


class DocumentError(ValueError):
    """A document (drawing, form data, template schema) was refused.

    ``messages`` holds one human-readable line per problem, path first.
    """

    def __init__(self, messages: Iterable[str]) -> None:
        self.messages = list(messages) or ["the document is invalid"]
        super().__init__("; ".join(self.messages))


def fail(message: str) -> PydanticCustomError:
    """An error for a pydantic validator whose text is ``message`` exactly.

    The message goes through the context so braces in user data cannot break formatting.
    """
    return PydanticCustomError("medrec", "{reason}", {"reason": message})


def shown(value: Any) -> str:
    """A short, printable rendering of a user-supplied value for an error message."""
    text = repr(value)
    if len(text) > _MAX_SHOWN_INPUT:
        text = text[: _MAX_SHOWN_INPUT - 3] + "..."
    return text


def format_path(loc: Iterable[int | str]) -> str:
    """``("shapes", 2, "circle", "radius")`` -> ``"shapes[2].radius"``.

    Keys with control characters (a NUL in an unknown key) are shown quoted and escaped,
    so a message is always safe to log or store.
    """
    parts = list(loc)
    out = ""
    for i, part in enumerate(parts):
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        if (
            part in _UNION_TAGS
            and i > 0
            and (isinstance(parts[i - 1], int) or parts[i - 1] in _UNION_FIELDS)
        ):
            continue
        name = part if part.isprintable() else shown(part)
        out += f".{name}" if out else name
    return out


def _message(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "medrec":
        return str(ctx["reason"])
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known key here (unknown keys are refused)"
    if kind == "literal_error":
        return f"must be {ctx.get('expected')}, not {shown(error.get('input'))}"
    if kind == "union_tag_invalid":
        tags = ctx.get("expected_tags")
        key = str(ctx.get("discriminator")).strip("'")
        return f"unknown {key} {shown(ctx.get('tag'))}; expected one of {tags}"
    if kind == "union_tag_not_found":
        return f"needs a {ctx.get('discriminator')} key"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return "must be an object"
    if kind == "list_type":
        return "must be a list"
    if kind == "string_type":
        return "must be a string"
    if kind in {"int_type", "int_from_float"}:
        return "must be a whole number"
    if kind == "bool_type":
        return "must be true or false"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')}"
    if kind == "greater_than":
        return f"must be greater than {ctx.get('gt')}"
    return str(error["msg"])


def error_messages(exc: BaseException) -> list[str]:
    """Render a refusal as a list of ``"path: what is wrong"`` lines.

    Accepts a pydantic ``ValidationError``, a ``DocumentError`` or any other exception
    (rendered by its text), so callers can pass whatever a parse function raised.
    """
    if isinstance(exc, DocumentError):
        return list(exc.messages)
    if isinstance(exc, ValidationError):
        lines = []
        for error in exc.errors(include_url=False, include_input=True):
            path = format_path(error["loc"])
            text = _message(error)
            lines.append(f"{path}: {text}" if path else text)
        return lines
    return [str(exc)]
