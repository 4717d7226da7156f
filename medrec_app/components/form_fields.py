"""What a template form shows, field by field, and how its values travel.

Pure Python (no Reflex), shared by every page that shows a template's form (the record
editor, the template builder's live preview) and by its tests. A form is shown flat:
one :class:`FieldView` per input, and one of kind ``group`` before the fields of a group,
each with a dotted ``path`` (``"vital_signs.pulse"``) as in ``setField`` operations.

Two dicts hold what the controls show: ``values`` (path -> text: what a text, number,
date or select control holds; ``"true"``/``"false"``/``""`` for a yes/no) and
``choices`` (path -> the checked options of a multiple-choice field). The value a
change stores in ``form_data`` is :func:`stored_value` of that.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from medrec_app.domain.forms import FieldSpec, FormValue, TemplateSchema, parse_template_schema

YES, NO = "true", "false"


@dataclasses.dataclass
class FieldView:
    """One row of a template form: a group's heading (kind ``group``) or an input."""

    path: str
    label: str
    kind: str  # text | textarea | number | select | multiselect | date | yesno | group
    unit: str = ""
    options: list[str] = dataclasses.field(default_factory=list)
    help: str = ""
    required: bool = False
    decimals: int = -1  # -1: any number of decimals
    in_group: bool = False


def _view(spec: FieldSpec, path: str, in_group: bool) -> FieldView:
    return FieldView(
        path=path,
        label=spec.label,
        kind=spec.type,
        unit=spec.unit or "",
        options=list(spec.options or []),
        help=spec.help or "",
        required=spec.required,
        decimals=-1 if spec.decimals is None else spec.decimals,
        in_group=in_group,
    )


def field_views(schema: TemplateSchema | Mapping[str, Any]) -> list[FieldView]:
    """The rows of a template's form, in order; a group's fields follow its heading."""
    views: list[FieldView] = []
    for spec in parse_template_schema(schema).fields:
        views.append(_view(spec, spec.key, in_group=False))
        if spec.type == "group":
            views += [_view(f, f"{spec.key}.{f.key}", in_group=True) for f in spec.fields or []]
    return views


def flatten(form: Mapping[str, Any]) -> dict[str, FormValue]:
    """``form_data`` by dotted path; true/false and lists kept, numbers as text, nulls gone."""
    flat: dict[str, FormValue] = {}
    for key, value in form.items():
        if isinstance(value, Mapping):
            for inner, item in value.items():
                if item is not None:
                    flat[f"{key}.{inner}"] = _flat_value(item)
        elif value is not None:
            flat[key] = _flat_value(value)
    return flat


def _flat_value(value: Any) -> FormValue:
    if isinstance(value, bool | str):
        return value
    if isinstance(value, list):
        return [str(item) for item in value]
    return str(value)


def unflatten(flat: Mapping[str, FormValue]) -> dict[str, Any]:
    """The ``form_data`` document of values by dotted path; empty text and lists are left out."""
    form: dict[str, Any] = {}
    for path, value in flat.items():
        if value is None or value == "" or value == []:
            continue
        group, _, key = path.partition(".")
        if key:
            form.setdefault(group, {})[key] = value
        else:
            form[group] = value
    return form


def shown_values(
    fields: list[FieldView], flat: Mapping[str, FormValue]
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """What each control shows of stored values: ``(values, choices)`` for every field."""
    values: dict[str, str] = {}
    choices: dict[str, list[str]] = {}
    for field in fields:
        if field.kind == "group":
            continue
        shown = shown_value(field.kind, flat.get(field.path))
        if isinstance(shown, list):
            choices[field.path] = shown
        else:
            values[field.path] = shown
    return values, choices


def shown_value(kind: str, value: Any) -> str | list[str]:
    """What the control of a ``kind`` field holds for a stored value (or a kept draft's):
    the checked options of a multiple choice, else text; a value of the wrong type
    (from an old browser's drafts, say) shows as nothing rather than failing."""
    if kind == "multiselect":
        if isinstance(value, list):
            return [item for item in value if isinstance(item, str)]
        return [value] if isinstance(value, str) and value else []
    if isinstance(value, bool | str | int | float) or value is None:
        return shown_text(value)
    if isinstance(value, list):
        return shown_text([str(item) for item in value])
    return ""


def shown_text(value: FormValue) -> str:
    """The text a control holds for a stored single value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


def stored_value(kind: str, shown: str | list[str]) -> FormValue:
    """The ``form_data`` value (and ``setField`` value) of what a control holds.

    A yes/no stores true/false, a multiple choice the list of its checked options,
    the others the text as typed; an empty control stores null (the key goes).
    """
    if isinstance(shown, list):
        return list(shown) or None
    if kind == "yesno":
        return {YES: True, NO: False}.get(shown)
    return shown or None


def toggled(options: list[str], checked: list[str], option: str, on: bool) -> list[str]:
    """The checked options after ``option`` was checked (``on``) or unchecked, in
    option order; options no longer in the list (none, normally) stay at the end."""
    wanted = (set(checked) | {option}) if on else (set(checked) - {option})
    known = [o for o in options if o in wanted]
    return known + [o for o in checked if o in wanted and o not in options]


def form_of(
    fields: list[FieldView], values: Mapping[str, str], choices: Mapping[str, list[str]]
) -> dict[str, Any]:
    """The ``form_data`` document the controls show (to validate it as the user types)."""
    kinds = {f.path: f.kind for f in fields}
    flat: dict[str, FormValue] = {
        path: stored_value(kinds.get(path, "text"), text) for path, text in values.items()
    }
    flat |= {path: stored_value("multiselect", list(chosen)) for path, chosen in choices.items()}
    return unflatten(flat)
