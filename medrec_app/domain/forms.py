"""The ``form_data`` document and the template schema it is filled in against.

``form_data`` is what the clinician typed: field key -> value, with at most one level of
groups (the spec's ``vital_signs``). A value is text as typed (numbers and dates too,
``"72"``, ``"2026-11-30"``), ``true``/``false`` for a yes/no field, or a list of the chosen
options for a multiple-choice field. :func:`parse_form_data` checks only what storage
needs (keys, types, sizes) and hands the document back unchanged, so drafts that are
still incomplete can always be saved. Whether a form is complete and sensible for its
template is a separate question answered by :func:`validate_form_against_schema`, which
returns messages per field for the form to show next to each input.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Collection, Mapping
from datetime import date
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    field_validator,
    model_validator,
)

from medrec_app.domain.checks import (
    check_string,
    decoded_json,
    document_version,
    number_problem,
    string_problem,
    whole_number,
)
from medrec_app.domain.errors import DocumentError, error_messages, fail, shown

MAX_FORM_VALUE_CHARS = 20_000
"""Characters in one form value (a long free-text assessment fits many times over)."""
MAX_FORM_FIELDS = 200
"""Keys in one form_data document, counting groups and the keys inside them."""
MAX_FORM_BYTES = 1024 * 1024
"""Largest compact-JSON form_data accepted (the spec expects 1-10 KB)."""
MAX_FORM_NUMBER = 1e15
"""Largest absolute value of a number stored as a JSON number in form_data."""
MAX_TEMPLATE_FIELDS = 100
"""Fields in one template schema, counting groups and the fields inside them."""
MAX_LABEL_CHARS = 200
"""Characters in a field label, a select option or a unit."""
MAX_OPTIONS = 200
"""Options of one choice field, and so values of one multiple-choice answer."""
MAX_HELP_CHARS = 500
"""Characters of a field's help text."""
MAX_DECIMALS = 6
"""Decimal places a number field may ask for."""

CURRENT_TEMPLATE_VERSION = 1
"""Version of the template schema document this code writes."""

_FIELD_KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")
_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_KEY_RULE = "must be 1 to 64 lowercase letters, digits or '_', starting with a letter"

FormValue: TypeAlias = str | int | float | bool | list[str] | None
FormData: TypeAlias = dict[str, FormValue | dict[str, FormValue]]


def field_key_problem(key: Any) -> str | None:
    """Why ``key`` cannot name a form field or group, or None."""
    if not isinstance(key, str) or not _FIELD_KEY.fullmatch(key):
        return _KEY_RULE
    return None


def _value_problem(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return number_problem(value, MAX_FORM_NUMBER)
    if isinstance(value, str):
        return string_problem(value, MAX_FORM_VALUE_CHARS)
    if isinstance(value, list):
        return choices_problem(value)
    return f"must be text, a number, true/false, a list of choices or null, not {shown(value)}"


def choices_problem(value: list[Any]) -> str | None:
    """Why ``value`` cannot be stored as a multiple-choice answer, or None."""
    if len(value) > MAX_OPTIONS:
        return f"has {len(value)} choices; the limit is {MAX_OPTIONS}"
    for item in value:
        problem = string_problem(item, MAX_LABEL_CHARS)
        if problem:
            return f"each choice {problem}"
    if len(set(value)) != len(value):
        return "lists a choice more than once"
    return None


def _path(prefix: str, key: Any) -> str:
    shown_key = key if isinstance(key, str) and _FIELD_KEY.fullmatch(key) else shown(key)
    return f"{prefix}.{shown_key}" if prefix else shown_key


def parse_form_data(raw: object) -> FormData:
    """Validate a form_data document (a dict or JSON text) and return it as a plain dict.

    Values are kept exactly as given (``"72"`` stays a string, ``72`` stays a number).
    Raises :class:`DocumentError` listing every problem, each prefixed with its path.
    """
    raw = decoded_json(raw, MAX_FORM_BYTES, "the form is")
    if not isinstance(raw, dict):
        raise DocumentError([f"the form must be a JSON object, not {shown(raw)}"])
    too_many = f"the form has more than {MAX_FORM_FIELDS} fields; the limit is {MAX_FORM_FIELDS}"
    count = len(raw)
    if count > MAX_FORM_FIELDS:
        raise DocumentError([too_many])
    problems: list[str] = []
    result: FormData = {}
    for key, value in raw.items():
        problem = field_key_problem(key)
        if problem:
            problems.append(f"{_path('', key)}: {problem}")
            continue
        if isinstance(value, dict):
            count += len(value)
            if count > MAX_FORM_FIELDS:
                raise DocumentError([too_many])
            result[key] = _parse_group(key, value, problems)
            continue
        problem = _value_problem(value)
        if problem:
            problems.append(f"{key}: {problem}")
        result[key] = value
    if problems:
        raise DocumentError(problems)
    size = len(json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode())
    if size > MAX_FORM_BYTES:
        raise DocumentError([f"the form is {size} bytes as JSON; the limit is {MAX_FORM_BYTES}"])
    return result


def _parse_group(group: str, values: dict[Any, Any], problems: list[str]) -> dict[str, FormValue]:
    result: dict[str, FormValue] = {}
    for key, value in values.items():
        path = _path(group, key)
        problem = field_key_problem(key)
        if not problem and isinstance(value, dict):
            problem = "groups cannot contain groups; only one level of nesting is allowed"
        problem = problem or _value_problem(value)
        if problem:
            problems.append(f"{path}: {problem}")
            continue
        result[key] = value
    return result


def _field_key(value: Any) -> str:
    problem = string_problem(value, 64) or field_key_problem(value)
    if problem:
        raise fail(f"{problem}, not {shown(value)}")
    return value


def _label(value: Any) -> str:
    check_string(value, MAX_LABEL_CHARS)
    if not value.strip():
        raise fail("must not be empty")
    return value


def _help(value: Any) -> str:
    return check_string(value, MAX_HELP_CHARS)


def _form_number(value: Any) -> int | float:
    problem = number_problem(value, MAX_FORM_NUMBER)
    if problem:
        raise fail(problem)
    return value


FieldKey = Annotated[str, PlainValidator(_field_key)]
Label = Annotated[str, PlainValidator(_label)]
HelpText = Annotated[str, PlainValidator(_help)]
Decimals = Annotated[int, PlainValidator(whole_number(0, MAX_DECIMALS))]
FormNumber = Annotated[int | float, PlainValidator(_form_number)]
MaxLength = Annotated[int, PlainValidator(whole_number(1, MAX_FORM_VALUE_CHARS))]
FieldType = Literal["text", "textarea", "number", "select", "multiselect", "date", "yesno", "group"]
"""Short text, long text, number, single choice, multiple choice, date, yes/no, group."""
FIELD_TYPE_LABELS: dict[str, str] = {
    "text": "Short text",
    "textarea": "Long text",
    "number": "Number",
    "select": "Single choice",
    "multiselect": "Multiple choice",
    "date": "Date",
    "yesno": "Yes / no",
    "group": "Group of fields",
}
CHOICE_TYPES = ("select", "multiselect")


class _SchemaDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True, frozen=True)


def _duplicate_keys(fields: list[FieldSpec]) -> list[str]:
    seen: set[str] = set()
    duplicates = []
    for field in fields:
        if field.key in seen:
            duplicates.append(f"field key {field.key!r} is used more than once")
        seen.add(field.key)
    return duplicates


class FieldSpec(_SchemaDocument):
    """One input of a template: its form_data key, label, kind and constraints."""

    key: FieldKey
    label: Label
    type: FieldType
    required: bool = False
    help: HelpText | None = None
    max_length: MaxLength | None = Field(None, alias="maxLength")
    unit: Label | None = None
    decimals: Decimals | None = None
    min_value: FormNumber | None = Field(None, alias="min")
    max_value: FormNumber | None = Field(None, alias="max")
    options: list[Label] | None = Field(None, max_length=MAX_OPTIONS)
    fields: list[FieldSpec] | None = Field(None, max_length=MAX_TEMPLATE_FIELDS)

    @model_validator(mode="after")
    def _fits_its_type(self) -> FieldSpec:
        problems = []
        given = self.model_fields_set
        for name, alias, types in (
            ("max_length", "maxLength", ("text", "textarea")),
            ("unit", "unit", ("number",)),
            ("decimals", "decimals", ("number",)),
            ("min_value", "min", ("number",)),
            ("max_value", "max", ("number",)),
            ("options", "options", CHOICE_TYPES),
            ("fields", "fields", ("group",)),
        ):
            if name in given and self.type not in types:
                problems.append(f"{alias} applies only to {' or '.join(types)} fields")
        low, high = self.min_value, self.max_value
        if low is not None and high is not None and low > high:
            problems.append(f"min {low} is greater than max {high}")
        if self.type in CHOICE_TYPES:
            if not self.options:
                problems.append("a choice field needs at least one option")
            elif len(set(self.options)) != len(self.options):
                problems.append("the options of a choice field must not repeat")
        if self.type == "group":
            problems.extend(self._group_problems())
        if problems:
            raise fail("; ".join(problems))
        return self

    def _group_problems(self) -> list[str]:
        if self.required:
            return ["required applies to the fields inside a group, not the group"]
        if not self.fields:
            return ["a group needs at least one field"]
        problems = [
            f"group {child.key!r} cannot be inside another group; groups nest one level"
            for child in self.fields
            if child.type == "group"
        ]
        return problems + _duplicate_keys(self.fields)


class TemplateSchema(_SchemaDocument):
    """``medical_record_templates.form_schema``: the fields a record's form shows."""

    version: Annotated[int, PlainValidator(document_version(CURRENT_TEMPLATE_VERSION))] = (
        CURRENT_TEMPLATE_VERSION
    )
    fields: list[FieldSpec] = Field(default_factory=list)

    @field_validator("fields", mode="before")
    @classmethod
    def _not_too_many(cls, value: Any) -> Any:
        if isinstance(value, list) and len(value) > MAX_TEMPLATE_FIELDS:
            raise fail(f"has {len(value)} fields; the limit is {MAX_TEMPLATE_FIELDS}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> TemplateSchema:
        problems = _duplicate_keys(self.fields)
        total = sum(1 + len(field.fields or ()) for field in self.fields)
        if total > MAX_TEMPLATE_FIELDS:
            problems.append(
                f"the template has {total} fields in all; the limit is {MAX_TEMPLATE_FIELDS}"
            )
        if problems:
            raise fail("; ".join(problems))
        self.model_fields_set.add("version")
        return self

    def to_document(self) -> dict[str, Any]:
        """The JSON-ready dict to store; always carries ``version``."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


def parse_template_schema(raw: object) -> TemplateSchema:
    """Validate a template schema; raises :class:`DocumentError` listing every problem."""
    if isinstance(raw, TemplateSchema):
        return raw
    try:
        return TemplateSchema.model_validate(raw)
    except ValidationError as exc:
        raise DocumentError(error_messages(exc)) from exc


DEFAULT_TEMPLATE_SCHEMA = TemplateSchema.model_validate(
    {
        "version": 1,
        "fields": [
            {
                "key": "chief_complaint",
                "label": "Chief complaint",
                "type": "text",
                "required": True,
                "maxLength": 500,
            },
            {
                "key": "vital_signs",
                "label": "Vital signs",
                "type": "group",
                "fields": [
                    {"key": "bp", "label": "Blood pressure", "type": "text", "maxLength": 20},
                    {
                        "key": "pulse",
                        "label": "Pulse",
                        "type": "number",
                        "unit": "bpm",
                        "min": 0,
                        "max": 300,
                    },
                    {
                        "key": "temperature",
                        "label": "Temperature",
                        "type": "number",
                        "unit": "°C",
                        "min": 25,
                        "max": 45,
                    },
                ],
            },
            {"key": "assessment", "label": "Assessment", "type": "textarea"},
            {"key": "treatment_plan", "label": "Treatment plan", "type": "textarea"},
            {"key": "notes", "label": "Notes", "type": "textarea"},
        ],
    }
)
"""The spec's form: the keys of its form_data example, in the same groups."""


def validate_form_against_schema(
    schema: TemplateSchema | Mapping[str, Any], form_data: Mapping[str, Any]
) -> dict[str, str]:
    """Check a form against its template; ``{}`` means it is complete and valid.

    Returns one message per problem field, keyed by dotted path
    (``{"vital_signs.pulse": "Pulse must be a number"}``), worded for the person filling
    in the form. Values are normally strings as typed (``"72"``, ``"36.5"``).
    """
    errors: dict[str, str] = {}
    _check_level(parse_template_schema(schema).fields, form_data, "", errors)
    return errors


def _check_level(
    fields: list[FieldSpec], values: Mapping[str, Any], group: str, errors: dict[str, str]
) -> None:
    for spec in fields:
        path = _path(group, spec.key)
        value = values.get(spec.key)
        if spec.type == "group":
            if value is None:
                value = {}
            if isinstance(value, Mapping):
                _check_level(spec.fields or [], value, path, errors)
            else:
                errors[path] = f"{spec.label} must be a group of fields"
            continue
        problem = _field_problem(spec, value)
        if problem:
            errors[path] = problem
    known = {spec.key for spec in fields}
    for key in values:
        if key not in known:
            errors[_path(group, key)] = f"{shown(key)} is not a field of this template"


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _field_problem(spec: FieldSpec, value: Any) -> str | None:
    label = spec.label
    if isinstance(value, Mapping):
        return f"{label} must be a single value, not a group"
    if _is_blank(value) or value == []:
        return f"{label} is required" if spec.required else None
    if spec.type == "number":
        return _number_field_problem(spec, value)
    if spec.type == "yesno":
        return None if isinstance(value, bool) else f"{label} must be yes or no"
    if spec.type == "multiselect":
        return _choices_field_problem(spec, value)
    if not isinstance(value, str):
        return f"{label} must be text"
    problem = string_problem(value, spec.max_length or MAX_FORM_VALUE_CHARS)
    if problem:
        return f"{label} {problem}"
    if spec.type == "select" and value not in (spec.options or []):
        return f"{label} must be one of: {', '.join(spec.options or [])}"
    if spec.type == "date" and not _is_date(value):
        return f"{label} must be a date (year-month-day, e.g. 2026-11-30)"
    return None


def _choices_field_problem(spec: FieldSpec, value: Any) -> str | None:
    options = spec.options or []
    if not isinstance(value, list) or choices_problem(value):
        return f"{spec.label} must be a list of its options"
    unknown = [item for item in value if item not in options]
    if unknown:
        return f"{spec.label}: {unknown[0]!r} is not one of: {', '.join(options)}"
    return None


def _is_date(value: str) -> bool:
    if not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _number_field_problem(spec: FieldSpec, value: Any) -> str | None:
    label = spec.label
    if isinstance(value, str) and _NUMBER_TEXT.fullmatch(value.strip()):
        number: float = float(value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = value
    else:
        return f"{label} must be a number"
    if number_problem(number, MAX_FORM_NUMBER):
        return f"{label} must be a number between -{MAX_FORM_NUMBER:g} and {MAX_FORM_NUMBER:g}"
    unit = f" {spec.unit}" if spec.unit else ""
    if spec.decimals is not None and _decimals_of(value) > spec.decimals:
        places = "no decimals" if spec.decimals == 0 else f"at most {spec.decimals} decimals"
        return f"{label} takes {places}"
    if spec.min_value is not None and number < spec.min_value:
        return f"{label} must be at least {_format_number(spec.min_value)}{unit}"
    if spec.max_value is not None and number > spec.max_value:
        return f"{label} must be at most {_format_number(spec.max_value)}{unit}"
    return None


def _decimals_of(value: str | int | float) -> int:
    """Decimal places as typed (``"36.50"`` has 2); a JSON number by its shortest repr."""
    text = value.strip() if isinstance(value, str) else repr(value)
    if "e" in text.lower():
        return 0 if float(text).is_integer() else MAX_DECIMALS + 1
    _, _, fraction = text.partition(".")
    return len(fraction)


def key_from_label(label: str, taken: Collection[str] = ()) -> str:
    """A field key made from its label (``"Blood pressure"`` -> ``blood_pressure``).

    Accents are dropped and other characters become ``_``; a label with no letters
    gives ``field``. A key in ``taken`` gets ``_2``, ``_3``, ... so it stays unique.
    """
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    if not base or not base[0].isalpha():
        base = f"field_{base}".rstrip("_")
    base = base[:60].rstrip("_")
    key, number = base, 1
    while key in taken:
        number += 1
        key = f"{base}_{number}"
    return key
