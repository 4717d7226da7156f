"""What changed between two versions of a template: fields added, removed and changed.

Fields are matched by their path (``notes``, ``vital_signs.pulse``): the key is what
``form_data`` stores, so a field whose key changed is one removed and one added, and a
field whose label, type, options or limits changed is one changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from medrec_app.domain.forms import FIELD_TYPE_LABELS, FieldSpec, TemplateSchema

ChangeKind = Literal["added", "removed", "changed"]

_COMPARED = (
    ("label", "label"),
    ("type", "type"),
    ("required", "required"),
    ("help", "help text"),
    ("max_length", "maximum length"),
    ("unit", "unit"),
    ("decimals", "decimals"),
    ("min_value", "minimum"),
    ("max_value", "maximum"),
    ("options", "options"),
)


@dataclass(frozen=True)
class FieldChange:
    kind: ChangeKind
    path: str
    label: str
    details: tuple[str, ...] = ()


def diff_schemas(old: TemplateSchema, new: TemplateSchema) -> list[FieldChange]:
    """Changes from ``old`` to ``new``, in ``new``'s order, with removed fields last."""
    before, after = _by_path(old.fields), _by_path(new.fields)
    changes = []
    for path, field in after.items():
        if path not in before:
            changes.append(FieldChange("added", path, field.label))
            continue
        details = _details(before[path], field)
        if details:
            changes.append(FieldChange("changed", path, field.label, details))
    changes += [
        FieldChange("removed", path, field.label)
        for path, field in before.items()
        if path not in after
    ]
    return changes


def _by_path(fields: list[FieldSpec], group: str = "") -> dict[str, FieldSpec]:
    found: dict[str, FieldSpec] = {}
    for field in fields:
        path = f"{group}.{field.key}" if group else field.key
        found[path] = field
        if field.fields:
            found |= _by_path(field.fields, field.key)
    return found


def order_changed(old: TemplateSchema, new: TemplateSchema) -> bool:
    """Whether the fields both versions have come in another order."""
    before, after = _by_path(old.fields), _by_path(new.fields)
    return [p for p in before if p in after] != [p for p in after if p in before]


def _details(old: FieldSpec, new: FieldSpec) -> tuple[str, ...]:
    details = []
    for name, words in _COMPARED:
        was, now = getattr(old, name), getattr(new, name)
        if was != now:
            details.append(f"{words}: {_shown(name, was)} → {_shown(name, now)}")
    return tuple(details)


def _shown(name: str, value: Any) -> str:
    if value is None:
        return "none"
    if name == "type":
        return FIELD_TYPE_LABELS.get(value, value)
    if name == "required":
        return "required" if value else "optional"
    if isinstance(value, list):
        return ", ".join(value) or "none"
    return str(value)
