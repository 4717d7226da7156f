"""The builder's field list as the page edits it: a flat list of rows, groups by depth.

A template's schema nests fields one level (a group holds fields). The page keeps it
flat, each row with its ``depth`` (0, or 1 inside the group above it), so that one
``foreach`` renders it and moving a row is a list operation. Numbers and options are
kept as typed (text) until :func:`schema_from_rows` turns the rows into the schema
document the services check; what cannot be a number is reported there, by field.
"""

from __future__ import annotations

import dataclasses
import math
import uuid
from typing import Any

from medrec_app.domain.forms import CHOICE_TYPES, key_from_label

GROUP = "group"
TEXT_TYPES = ("text", "textarea")


@dataclasses.dataclass
class Row:
    uid: str
    label: str = ""
    key: str = ""
    type: str = "text"
    required: bool = False
    help: str = ""
    options: str = ""
    """One option per line."""
    unit: str = ""
    min_value: str = ""
    max_value: str = ""
    decimals: str = ""
    max_length: str = ""
    """Longest answer of a text field, in characters."""
    depth: int = 0
    key_locked: bool = False
    """Records store this key already: it stays as it is."""
    key_edited: bool = False
    """The admin typed the key: it no longer follows the label."""


def new_uid() -> str:
    return uuid.uuid4().hex[:12]


def rows_from_schema(schema: dict[str, Any], locked_keys: set[str]) -> list[Row]:
    rows: list[Row] = []
    for field in schema.get("fields", []):
        rows.append(_row(field, 0, field["key"] in locked_keys))
        for child in field.get("fields") or []:
            path = f"{field['key']}.{child['key']}"
            rows.append(_row(child, 1, path in locked_keys))
    return rows


def _row(field: dict[str, Any], depth: int, locked: bool) -> Row:
    return Row(
        uid=new_uid(),
        label=field.get("label", ""),
        key=field.get("key", ""),
        type=field.get("type", "text"),
        required=bool(field.get("required", False)),
        help=field.get("help") or "",
        options="\n".join(field.get("options") or []),
        unit=field.get("unit") or "",
        min_value=_number_text(field.get("min")),
        max_value=_number_text(field.get("max")),
        decimals=_number_text(field.get("decimals")),
        max_length=_number_text(field.get("maxLength")),
        depth=depth,
        key_locked=locked,
        key_edited=True,
    )


def _number_text(value: Any) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def schema_from_rows(rows: list[Row]) -> tuple[dict[str, Any], list[str]]:
    """The schema document and the problems found in what was typed (bad numbers)."""
    fields: list[dict[str, Any]] = []
    problems: list[str] = []
    for row in rows:
        field = _field(row, problems)
        if row.depth and fields and fields[-1]["type"] == GROUP:
            fields[-1]["fields"].append(field)
        else:
            fields.append(field)
    return {"version": 1, "fields": fields}, problems


def _field(row: Row, problems: list[str]) -> dict[str, Any]:
    field: dict[str, Any] = {"key": row.key, "label": row.label, "type": row.type}
    if row.type == GROUP:
        field["fields"] = []
        return field
    if row.required:
        field["required"] = True
    if row.help.strip():
        field["help"] = row.help.strip()
    if row.type in TEXT_TYPES:
        _put_number(field, "maxLength", row.max_length, True, row, problems)
    if row.type in CHOICE_TYPES:
        field["options"] = [line.strip() for line in row.options.splitlines() if line.strip()]
    if row.type == "number":
        if row.unit.strip():
            field["unit"] = row.unit.strip()
        _put_number(field, "min", row.min_value, False, row, problems)
        _put_number(field, "max", row.max_value, False, row, problems)
        _put_number(field, "decimals", row.decimals, True, row, problems)
    return field


def _put_number(
    field: dict[str, Any], name: str, text: str, whole: bool, row: Row, problems: list[str]
) -> None:
    number = _number(text, whole)
    if number is not None:
        field[name] = number
    elif text.strip():
        kind = "a whole number" if whole else "a number"
        problems.append(f"{row.label or row.key}: {name} must be {kind}, not {text!r}")


def _number(text: str, whole: bool) -> int | float | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or (whole and not value.is_integer()):
        return None
    return int(value) if value.is_integer() else value


def relabel(rows: list[Row], index: int, label: str) -> None:
    """A new label; the key follows it until the admin types a key or records use it."""
    row = rows[index]
    row.label = label
    if not row.key_edited and not row.key_locked:
        row.key = key_from_label(label, _sibling_keys(rows, index)) if label.strip() else ""


def _sibling_keys(rows: list[Row], index: int) -> set[str]:
    group = _group_of(rows, index)
    return {
        r.key for i, r in enumerate(rows) if i != index and _group_of(rows, i) == group and r.key
    }


def _group_of(rows: list[Row], index: int) -> int:
    """The index of the row's group (-1 at the top level)."""
    if rows[index].depth == 0:
        return -1
    for i in range(index - 1, -1, -1):
        if rows[i].depth == 0:
            return i
    return -1


def add_row(rows: list[Row], kind: str, into_group: int | None = None) -> list[Row]:
    """A new field at the end, or at the end of the group at ``into_group``."""
    new = Row(uid=new_uid(), type=kind)
    if kind in CHOICE_TYPES:
        new.options = "Option 1\nOption 2"
    if into_group is None or rows[into_group].type != GROUP:
        return [*rows, new]
    new.depth = 1
    end = _block_end(rows, into_group)
    return [*rows[:end], new, *rows[end:]]


def _block_end(rows: list[Row], index: int) -> int:
    """One past the row and, for a group, the fields inside it."""
    end = index + 1
    if rows[index].type == GROUP and rows[index].depth == 0:
        while end < len(rows) and rows[end].depth == 1:
            end += 1
    return end


def remove_row(rows: list[Row], index: int) -> list[Row]:
    """Drop the row (a group goes with its fields)."""
    return rows[:index] + rows[_block_end(rows, index) :]


def move_row(rows: list[Row], index: int, delta: int) -> list[Row]:
    """Move the row one place up (-1) or down (+1) among the rows of its level.

    A group moves with its fields; a field in a group stays in its group.
    """
    siblings = _sibling_starts(rows, index)
    position = siblings.index(index)
    target = position + delta
    if not 0 <= target < len(siblings):
        return rows
    return move_to(rows, index, siblings[target])


def move_to(rows: list[Row], index: int, target: int) -> list[Row]:
    """Put the row (with its fields) where the sibling row at ``target`` is (a drop)."""
    siblings = _sibling_starts(rows, index)
    if target not in siblings or target == index:
        return rows
    block = rows[index : _block_end(rows, index)]
    rest = rows[:index] + rows[_block_end(rows, index) :]
    at = target if target < index else _block_end(rows, target) - len(block)
    return rest[:at] + block + rest[at:]


def _sibling_starts(rows: list[Row], index: int) -> list[int]:
    group = _group_of(rows, index)
    depth = rows[index].depth
    return [i for i, r in enumerate(rows) if r.depth == depth and _group_of(rows, i) == group]
