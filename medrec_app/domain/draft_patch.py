"""A partial update of a record (the REST API's draft PATCH), as edit operations.

The API's ``PATCH /api/medical-records/{id}/draft`` body is translated here into the
operations of :mod:`medrec_app.domain.edits`, so it is saved by the same path as the
editor's own changes. The merge rule:

- ``form_data`` is a JSON Merge Patch (RFC 7396) of the stored form: a key with a value
  sets it, ``null`` deletes it, an object merges into the group of that name (one level
  of groups, as the form allows). Values are text, true/false, a list of choices (a
  multiple-choice field) or ``null``.
- ``drawing_data.lines`` and ``drawing_data.shapes`` are merged by ``id``: an element
  whose id is stored replaces it in place, a new id is appended. Every element needs an
  ``id``. ``drawing_data.deletedLineIds`` and ``deletedShapeIds`` remove elements by id
  (ids not stored are ignored).
- ``drawing_data.stageSize`` replaces the stage size.
- The background keys (``backgroundType``, ``backgroundFileId``, ``pdfPageNumber``,
  ``pdfNumPages``) replace the stored ones key by key; ``backgroundType: null`` clears
  all four. The caller resolves ``backgroundFileId`` to its file first (the type is
  inferred from it when not given).

Everything is checked before any operation is built; problems come back as one
``DocumentError`` whose lines start with the JSON path (``drawing_data.lines[2].points``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from medrec_app.domain.drawing import Line, Shape
from medrec_app.domain.edits import MAX_OPS_PER_BATCH
from medrec_app.domain.errors import DocumentError, error_messages, shown
from medrec_app.domain.forms import MAX_FORM_VALUE_CHARS, choices_problem, field_key_problem

BACKGROUND_KEYS = ("backgroundType", "backgroundFileId", "pdfPageNumber", "pdfNumPages")
DRAWING_PATCH_KEYS = frozenset(
    {"lines", "shapes", "deletedLineIds", "deletedShapeIds", "stageSize", "version"}
    | set(BACKGROUND_KEYS)
)

# Validated as one-item lists, so error paths read "[0].radius" (a union's tag is left
# out of paths only after an index) and get the element's own path in front.
_LINE = TypeAdapter(list[Line])
_SHAPE = TypeAdapter(list[Shape])


@dataclass(frozen=True)
class BackgroundFile:
    """The patient file a ``backgroundFileId`` names, as the caller found it."""

    id: int
    background_type: str
    """``"image"`` or ``"pdf"``, from the file's type."""
    page_count: int | None = None


def _op(kind: str, **fields: Any) -> dict[str, Any]:
    return {"op": kind, "opId": uuid.uuid4().hex, **fields}


def draft_operations(
    drawing: Mapping[str, Any],
    form: Mapping[str, Any],
    drawing_patch: Mapping[str, Any] | None,
    form_patch: Mapping[str, Any] | None,
    *,
    background_file: BackgroundFile | None = None,
) -> list[dict[str, Any]]:
    """The edit operations that apply the patches to the stored ``drawing`` and ``form``.

    ``background_file`` is the file named by ``drawing_patch["backgroundFileId"]``
    (required when that key holds an id).
    """
    problems: list[str] = []
    ops: list[dict[str, Any]] = []
    if drawing_patch:
        ops += _drawing_ops(drawing, drawing_patch, background_file, problems)
    if form_patch:
        ops += _form_ops(form, form_patch, problems)
    if not problems and len(ops) > MAX_OPS_PER_BATCH:
        problems.append(
            f"this update makes {len(ops)} changes; one draft update makes at most "
            f"{MAX_OPS_PER_BATCH} (send larger changes in several requests)"
        )
    if problems:
        raise DocumentError(problems)
    return ops


# --- drawing ---------------------------------------------------------------------------


def _drawing_ops(
    drawing: Mapping[str, Any],
    patch: Mapping[str, Any],
    background_file: BackgroundFile | None,
    problems: list[str],
) -> list[dict[str, Any]]:
    for key in patch:
        if key not in DRAWING_PATCH_KEYS:
            problems.append(f"drawing_data.{shown(key)}: is not a key a draft update can change")
    if "version" in patch and patch["version"] != 1:
        problems.append("drawing_data.version: must be 1 (or left out)")
    ops = [
        *_element_ops(patch, "lines", _LINE, "addLine", "line", problems),
        *_element_ops(patch, "shapes", _SHAPE, "putShape", "shape", problems),
    ]
    deleted = {
        "lineIds": _id_list(patch, "deletedLineIds", problems),
        "shapeIds": _id_list(patch, "deletedShapeIds", problems),
    }
    if deleted["lineIds"] or deleted["shapeIds"]:
        ops.append(_op("deleteElements", **deleted))
    if "stageSize" in patch:
        stage = patch["stageSize"]
        if isinstance(stage, dict) and set(stage) == {"width", "height"}:
            ops.append(_op("setStage", width=stage["width"], height=stage["height"]))
        else:
            problems.append("drawing_data.stageSize: must be an object with width and height")
    if any(key in patch for key in BACKGROUND_KEYS):
        background = _background(drawing, patch, background_file, problems)
        if background is not None:
            ops.append(_op("setBackground", **background))
    return ops


def with_background(
    drawing: Mapping[str, Any], background_file: BackgroundFile | None
) -> dict[str, Any]:
    """A new record's drawing with its background keys completed from the file.

    The rule of a draft update applied to an empty record: a ``backgroundFileId`` gives
    the type (and a PDF's page count and first page) when they are left out.
    """
    problems: list[str] = []
    merged = _background({}, drawing, background_file, problems)
    if problems:
        raise DocumentError(problems)
    result = {k: v for k, v in drawing.items() if k not in BACKGROUND_KEYS}
    return result | {k: v for k, v in (merged or {}).items() if v is not None}


def _element_ops(
    patch: Mapping[str, Any],
    key: str,
    adapter: TypeAdapter,
    kind: str,
    field: str,
    problems: list[str],
) -> list[dict[str, Any]]:
    items = patch.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        problems.append(f"drawing_data.{key}: must be a list")
        return []
    if len(items) > MAX_OPS_PER_BATCH:
        problems.append(
            f"drawing_data.{key}: has {len(items)} elements; one draft update changes at "
            f"most {MAX_OPS_PER_BATCH}"
        )
        return []
    ops, seen = [], set()
    for index, item in enumerate(items):
        path = f"drawing_data.{key}[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            problems.append(f"{path}.id: every element of a draft update needs an id")
            continue
        if item["id"] in seen:
            problems.append(f"{path}.id: {shown(item['id'])} appears twice in this update")
            continue
        seen.add(item["id"])
        try:
            adapter.validate_python([item])
        except ValidationError as exc:
            problems += [f"{path}{message.removeprefix('[0]')}" for message in error_messages(exc)]
            continue
        ops.append(_op(kind, **{field: item}))
    return ops


def _id_list(patch: Mapping[str, Any], key: str, problems: list[str]) -> list[Any]:
    ids = patch.get(key)
    if ids is None:
        return []
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        problems.append(f"drawing_data.{key}: must be a list of element ids")
        return []
    return ids


def _background(
    drawing: Mapping[str, Any],
    patch: Mapping[str, Any],
    background_file: BackgroundFile | None,
    problems: list[str],
) -> dict[str, Any] | None:
    """The four background keys after the patch, or None (with a problem) if refused."""
    if "backgroundType" in patch and patch["backgroundType"] is None:
        others = [k for k in BACKGROUND_KEYS[1:] if patch.get(k) is not None]
        if others:
            problems.append(
                f"drawing_data.backgroundType: null clears the background; {', '.join(others)} "
                "must then be null or left out"
            )
            return None
        return dict.fromkeys(BACKGROUND_KEYS)
    merged = {key: patch[key] if key in patch else drawing.get(key) for key in BACKGROUND_KEYS}
    if patch.get("backgroundFileId") is not None:
        if background_file is None:
            problems.append(
                "drawing_data.backgroundFileId: no such image or PDF file for this patient"
            )
            return None
        given = patch.get("backgroundType")
        if given is not None and given != background_file.background_type:
            problems.append(
                f"drawing_data.backgroundType: the file is {background_file.background_type!r}, "
                f"not {shown(given)}"
            )
            return None
        merged["backgroundType"] = background_file.background_type
        if background_file.background_type == "pdf":
            if "pdfNumPages" not in patch and background_file.page_count:
                merged["pdfNumPages"] = background_file.page_count
            if merged["pdfPageNumber"] is None:
                merged["pdfPageNumber"] = 1
        else:
            merged["pdfPageNumber"] = merged["pdfNumPages"] = None
    return merged


# --- form --------------------------------------------------------------------------------


def _form_ops(
    form: Mapping[str, Any], patch: Mapping[str, Any], problems: list[str]
) -> list[dict[str, Any]]:
    ops: list[dict[str, Any]] = []
    for key, value in patch.items():
        problem = field_key_problem(key)
        if problem:
            problems.append(f"form_data.{shown(key)}: {problem}")
            continue
        current = form.get(key)
        if value is None:
            ops += _clear(key, current) if key in form else []
        elif isinstance(value, dict):
            if current is not None and not isinstance(current, dict):
                ops.append(_set(key, None))
            ops += _group_ops(key, value, problems)
        elif _value_problem(value):
            problems.append(f"form_data.{key}: {_value_problem(value)}")
        else:
            if isinstance(current, dict):
                ops += _clear(key, current)
            ops.append(_set(key, value))
    return ops


def _group_ops(group: str, values: Mapping[str, Any], problems: list[str]) -> list[dict[str, Any]]:
    ops = []
    for key, value in values.items():
        path = f"form_data.{group}.{key if isinstance(key, str) else shown(key)}"
        problem = field_key_problem(key)
        if not problem and value is not None:
            problem = (
                "groups cannot contain groups; only one level of nesting is allowed"
                if isinstance(value, dict)
                else _value_problem(value)
            )
        if problem:
            problems.append(f"{path}: {problem}")
            continue
        ops.append(_set(f"{group}.{key}", value))
    return ops


def _clear(key: str, current: Any) -> list[dict[str, Any]]:
    if isinstance(current, dict):
        return [_set(f"{key}.{member}", None) for member in current]
    return [_set(key, None)]


def _set(path: str, value: Any) -> dict[str, Any]:
    return _op("setField", path=path, value=value)


def _value_problem(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, list):
        return choices_problem(value)
    if not isinstance(value, str):
        return (
            f"a draft update sets text, true/false, a list of choices or null, not {shown(value)}"
        )
    if len(value) > MAX_FORM_VALUE_CHARS:
        return f"is {len(value)} characters long; the limit is {MAX_FORM_VALUE_CHARS}"
    return None
