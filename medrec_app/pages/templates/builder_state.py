"""State of the template builder page: the draft's fields, its preview, versions and diff.

What the admin types stays on the page until "Save draft" (or "Publish", which saves
first); the services check it and say what is wrong. The preview is built from the rows
as they are, so it shows every change at once, with the editor's own form component.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from medrec_app.components.form_fields import FieldView, field_views, form_of, toggled
from medrec_app.domain.errors import DocumentError
from medrec_app.domain.formatting import local_datetime
from medrec_app.domain.forms import (
    CHOICE_TYPES,
    FIELD_TYPE_LABELS,
    parse_template_schema,
    validate_form_against_schema,
)
from medrec_app.domain.permissions import Action, can
from medrec_app.pages.templates import rows as builder
from medrec_app.pages.templates.rows import Row
from medrec_app.services import template_backgrounds, template_builder
from medrec_app.services.errors import NotFound, ValidationFailed
from medrec_app.services.template_builder import TemplateDetail
from medrec_app.state import AuthState, row_id, service_event

TYPE_CHOICES = [{"value": k, "label": v} for k, v in FIELD_TYPE_LABELS.items()]
CHILD_TYPE_CHOICES = [c for c in TYPE_CHOICES if c["value"] != builder.GROUP]


@dataclasses.dataclass
class VersionView:
    version: int
    state: str
    published: str
    published_by: str
    records: int


@dataclasses.dataclass
class ChangeView:
    kind: str
    path: str
    label: str
    details: str


class BuilderState(AuthState):
    status: str = "loading"  # loading | ready | not_found | not_allowed
    template_id: int = 0
    name: str = ""
    description: str = ""
    is_default: bool = False
    archived: bool = False
    editing_version: int = 0
    is_draft: bool = False
    unsaved: bool = False
    rows: list[Row] = []
    background_url: str = ""
    background_page: str = "1"
    versions: list[VersionView] = []
    diff_from: str = ""
    diff_to: str = ""
    changes: list[ChangeView] = []
    diff_note: str = ""
    message: str = ""
    message_is_error: bool = False
    problems: list[str] = []
    preview_values: dict[str, str] = {}
    preview_choices: dict[str, list[str]] = {}
    preview_touched: list[str] = []

    def _preview_schema(self) -> dict[str, Any] | None:
        schema, bad_numbers = builder.schema_from_rows(self.rows)
        if bad_numbers:
            return None
        try:
            parse_template_schema(schema)
        except DocumentError:
            return None
        return schema

    @rx.var
    def preview_fields(self) -> list[FieldView]:
        """The form as the editor would render it now (nothing while it does not parse)."""
        schema = self._preview_schema()
        return field_views(schema) if schema else []

    @rx.var
    def preview_errors(self) -> dict[str, str]:
        """What the editor would say of the values tried, once a field was touched."""
        schema = self._preview_schema()
        if not schema:
            return {}
        form = form_of(field_views(schema), self.preview_values, self.preview_choices)
        errors = validate_form_against_schema(schema, form)
        return {path: m for path, m in errors.items() if path in self.preview_touched}

    @rx.var
    def preview_key(self) -> str:
        """Changes with the fields' shape, so the preview's controls start afresh."""
        return "|".join(f"{f.path}:{f.kind}:{len(f.options)}" for f in self.preview_fields)

    @rx.var
    def version_numbers(self) -> list[str]:
        return [str(v.version) for v in self.versions]

    @rx.var
    def background_upload_url(self) -> str:
        if not self.template_id or self.archived:
            return ""
        page = self.background_page if self.background_page.isdigit() else "1"
        return f"/api/templates/{self.template_id}/background?page={page}"

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message, self.message_is_error = text, error
        if not error:
            self.problems = []

    def _refused(self, message: str) -> None:
        self._say(message, error=True)

    @service_event
    def load(self) -> None:
        actor = self._begin_page()
        self._say("")
        self.problems, self.changes, self.diff_note = [], [], ""
        if not can(actor.role, Action.MANAGE_TEMPLATES):
            self.status = "not_allowed"
            return
        raw_id = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        try:
            self.template_id = row_id(raw_id, "template")
            self._show(self._call(template_builder.read_template, self.template_id))
        except NotFound:
            self.status = "not_found"

    def _show(self, detail: TemplateDetail) -> None:
        summary = detail.summary
        self.name, self.description = summary.name, summary.description
        self.is_default, self.archived = summary.is_default, summary.archived
        self.editing_version, self.is_draft = detail.editing_version, detail.is_draft
        self.rows = builder.rows_from_schema(detail.form_schema, set(detail.locked_keys))
        self.background_url = detail.background_url
        zone = self.clinic_timezone
        self.versions = [
            VersionView(
                version=v.version,
                state="Draft" if v.published_at is None else "Published",
                published=local_datetime(v.published_at, zone) if v.published_at else "",
                published_by=v.published_by,
                records=v.records,
            )
            for v in detail.versions
        ]
        numbers = [str(v.version) for v in detail.versions]
        self.diff_to = numbers[0] if numbers else ""
        self.diff_from = numbers[1] if len(numbers) > 1 else self.diff_to
        self.unsaved = False
        self.preview_values, self.preview_choices, self.preview_touched = {}, {}, []
        self.status = "ready"

    def _reload(self) -> None:
        self._show(self._call(template_builder.read_template, self.template_id))

    # --- typing ---------------------------------------------------------------------

    def _changed(self) -> None:
        self.unsaved = True
        self.message = ""

    @rx.event
    def set_name(self, value: str) -> None:
        if isinstance(value, str):
            self.name = value
            self._changed()

    @rx.event
    def set_description(self, value: str) -> None:
        if isinstance(value, str):
            self.description = value
            self._changed()

    def _row_index(self, uid: str) -> int | None:
        return next((i for i, r in enumerate(self.rows) if r.uid == uid), None)

    @rx.event
    def set_label(self, uid: str, value: str) -> None:
        index = self._row_index(uid)
        if index is not None and isinstance(value, str):
            rows = list(self.rows)
            builder.relabel(rows, index, value)
            self.rows = rows
            self._changed()

    @rx.event
    def set_row(self, uid: str, attribute: str, value: Any) -> None:
        """One attribute of a field, as typed (checked when the draft is saved)."""
        index = self._row_index(uid)
        if index is None or attribute not in _EDITABLE:
            return
        if not isinstance(value, _EDITABLE[attribute]):
            return
        row = self.rows[index]
        if attribute == "key" and row.key_locked:
            return
        if attribute == "type" and not self._type_may_change(index, value):
            return
        rows = list(self.rows)
        rows[index] = dataclasses.replace(row, **{attribute: value})
        if attribute == "key":
            rows[index].key_edited = True
        if attribute == "type" and value in CHOICE_TYPES and not row.options.strip():
            rows[index].options = "Option 1\nOption 2"
        self.rows = rows
        self._changed()

    def _type_may_change(self, index: int, kind: str) -> bool:
        row = self.rows[index]
        if kind not in FIELD_TYPE_LABELS or (kind == builder.GROUP and row.depth):
            return False
        has_fields = index + 1 < len(self.rows) and self.rows[index + 1].depth == 1
        if row.type == builder.GROUP and has_fields:
            self._say(
                "Move or remove the fields inside this group before changing its type.",
                error=True,
            )
            return False
        return True

    @rx.event
    def add_row(self, kind: str) -> None:
        if kind in FIELD_TYPE_LABELS:
            self.rows = builder.add_row(list(self.rows), kind)
            self._changed()

    @rx.event
    def add_to_group(self, uid: str) -> None:
        index = self._row_index(uid)
        if index is not None:
            self.rows = builder.add_row(list(self.rows), "text", into_group=index)
            self._changed()

    @rx.event
    def remove_field(self, uid: str) -> None:
        index = self._row_index(uid)
        if index is not None:
            self.rows = builder.remove_row(list(self.rows), index)
            self._changed()

    @rx.event
    def move_field(self, uid: str, delta: int) -> None:
        index = self._row_index(uid)
        if index is not None and delta in (-1, 1):
            self.rows = builder.move_row(list(self.rows), index, delta)
            self._changed()

    @rx.event
    def drop_field(self, moved: str, onto: str) -> None:
        """A field dragged onto another field of its level takes that field's place."""
        index, target = self._row_index(moved), self._row_index(onto)
        if index is not None and target is not None:
            self.rows = builder.move_to(list(self.rows), index, target)
            self._changed()

    @rx.event
    def set_preview(self, path: str, value: str) -> None:
        if isinstance(path, str) and isinstance(value, str):
            self.preview_values = {**self.preview_values, path: value}
            self._touch_preview(path)

    @rx.event
    def toggle_preview_choice(self, path: str, option: str, checked: bool) -> None:
        field = next((f for f in self.preview_fields if f.path == path), None)
        if field is None or not isinstance(option, str):
            return
        chosen = toggled(field.options, self.preview_choices.get(path, []), option, bool(checked))
        self.preview_choices = {**self.preview_choices, path: chosen}
        self._touch_preview(path)

    @rx.event
    def touch_preview(self, path: str) -> None:
        if isinstance(path, str):
            self._touch_preview(path)

    def _touch_preview(self, path: str) -> None:
        if path not in self.preview_touched:
            self.preview_touched = [*self.preview_touched, path]

    @rx.event
    def set_background_page(self, value: str) -> None:
        self.background_page = value if isinstance(value, str) else "1"

    # --- saving ---------------------------------------------------------------------

    def _save(self) -> bool:
        schema, bad_numbers = builder.schema_from_rows(self.rows)
        if bad_numbers:
            self.problems = bad_numbers
            self._say("The draft was not saved: fix the fields below.", error=True)
            return False
        try:
            self._call(
                template_builder.save_draft,
                self.template_id,
                name=self.name,
                description=self.description,
                form_schema=schema,
            )
        except ValidationFailed as refused:
            self.problems = refused.messages
            self._say("The draft was not saved: fix the fields below.", error=True)
            return False
        return True

    @service_event
    def save_draft(self) -> None:
        if self._save():
            self._reload()
            self._say(
                f"Draft of version {self.editing_version} saved."
                if self.is_draft
                else "Name and description saved. The fields are as published."
            )

    @service_event
    def publish(self) -> None:
        if self.unsaved and not self._save():
            return
        number = self._call(template_builder.publish, self.template_id)
        self._reload()
        self._say(
            f"Version {number} published. New records use it; records made before keep "
            "the version they were made with."
        )

    @service_event
    def discard_draft(self) -> None:
        self._call(template_builder.discard_draft, self.template_id)
        self._reload()
        self._say("Draft discarded.")

    @service_event
    def background_uploaded(self, info: dict) -> None:
        self._reload()
        self._say("Background saved in the draft.")

    @service_event
    def clear_background(self) -> None:
        self._call(template_backgrounds.clear_background, self.template_id)
        self._reload()
        self._say("Background removed from the draft.")

    @service_event
    def compare(self) -> None:
        old, new = row_id(self.diff_from, "version"), row_id(self.diff_to, "version")
        diff = self._call(template_builder.diff_versions, self.template_id, old, new)
        self.changes = [
            ChangeView(c.kind, c.path, c.label, "; ".join(c.details)) for c in diff.changes
        ]
        notes = []
        if diff.order_changed:
            notes.append("The order of the fields changed.")
        if diff.background_changed:
            notes.append("The background changed.")
        if not diff.changes and not notes:
            notes.append("These versions have the same fields.")
        self.diff_note = " ".join(notes)

    @rx.event
    def set_diff_from(self, value: str) -> None:
        self.diff_from = value if isinstance(value, str) else ""

    @rx.event
    def set_diff_to(self, value: str) -> None:
        self.diff_to = value if isinstance(value, str) else ""


_EDITABLE: dict[str, type | tuple[type, ...]] = {
    "key": str,
    "type": str,
    "required": bool,
    "help": str,
    "options": str,
    "unit": str,
    "min_value": str,
    "max_value": str,
    "decimals": str,
    "max_length": str,
}
