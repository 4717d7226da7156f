"""The record editor for one appointment: template form beside the drawing canvas.

Page state holds what is shown and the operations received but not yet saved; the
saved documents live in the database. Every change arrives as an operation (a finished
stroke, a shape change, a form field) and is saved by ``autosave`` about a second
after the last change, and at least every five seconds while changes keep coming.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
import uuid
from typing import Any

import reflex as rx
from sqlalchemy.exc import DBAPIError

from medrec_app.components.format import local_datetime, local_time
from medrec_app.db import session_scope
from medrec_app.domain.edits import parse_operations
from medrec_app.domain.errors import DocumentError, error_messages
from medrec_app.domain.forms import parse_template_schema, validate_form_against_schema
from medrec_app.domain.permissions import Actor, PermissionDenied
from medrec_app.services import editing, record_files
from medrec_app.services.errors import NotFound, ValidationFailed
from medrec_app.services.files import PatientFilePublic
from medrec_app.state import AuthState

SAVE_DELAY_S = 1.0
SAVE_AT_LEAST_EVERY_S = 5.0
RETRY_DELAYS_S = (1, 2, 4, 8, 15, 30)
# Recent acknowledgements kept for the browser, so a re-sent duplicate is acked too.
ACKS_KEPT = 100


@dataclasses.dataclass
class FieldView:
    path: str
    label: str
    kind: str  # text | textarea | number | select | heading
    unit: str
    options: list[str]


def _field_views(schema: dict[str, Any]) -> list[FieldView]:
    views: list[FieldView] = []
    for field in parse_template_schema(schema).fields:
        if field.type == "group":
            views.append(FieldView(field.key, field.label, "heading", "", []))
            views += [
                FieldView(f"{field.key}.{f.key}", f.label, f.type, f.unit or "", f.options or [])
                for f in field.fields or []
            ]
        else:
            views.append(
                FieldView(field.key, field.label, field.type, field.unit or "", field.options or [])
            )
    return views


def _flatten(form: dict[str, Any]) -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in form.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{k}": "" if v is None else str(v) for k, v in value.items()})
        else:
            flat[key] = "" if value is None else str(value)
    return flat


def _unflatten(values: dict[str, str]) -> dict[str, Any]:
    form: dict[str, Any] = {}
    for path, value in values.items():
        if value == "":
            continue
        group, _, key = path.partition(".")
        if key:
            form.setdefault(group, {})[key] = value
        else:
            form[group] = value
    return form


class EditorState(AuthState):
    status: str = "loading"  # loading | ready | not_found | not_started | choose_template
    record_id: int = 0
    revision: int = 0
    can_edit: bool = False
    patient_name: str = ""
    visit_time: str = ""
    practitioner_name: str = ""
    template_name: str = ""
    fields: list[FieldView] = []
    values: dict[str, str] = {}
    field_errors: dict[str, str] = {}
    background_url: str = ""
    acked_op_ids: list[str] = []
    template_choices: list[dict[str, str]] = []
    chosen_template: str = ""
    # Form changes not yet acknowledged, kept in the browser (JSON: record id -> path ->
    # setField op) so that they outlive lost page state, a reload or a crash; load
    # queues them again. Canvas changes have the canvas's own queue.
    form_drafts: str = rx.LocalStorage("{}", name="medrec_form_drafts", sync=True)
    save_status: str = "saved"  # saved | pending | saving | retrying | refused
    save_message: str = ""
    # The record's files (services/record_files.py). The canvas gets one short-lived link,
    # for the file in ``file_background_id``, and asks for another when its drawing names
    # a different file; a background chosen here reaches it as ``background_request``.
    file_background_id: int = 0
    file_background_type: str = ""
    file_background_url: str = ""
    background_request: str = ""
    background_choice: str = "none"
    background_label: str = "None"
    background_choices: list[dict[str, str]] = []
    attachments: list[dict[str, str]] = []
    attach_choices: list[dict[str, str]] = []
    chosen_attachment: str = ""
    confirm_detach: str = ""

    # JSON text, not a dict: Reflex wraps dict state in proxies that pydantic refuses.
    _schema_json: str = "{}"
    # Operations received but not yet saved, as JSON text: state containers come back
    # wrapped in Reflex proxies, and the save path wants plain JSON values.
    _pending: list[str] = []
    _first_change: float = 0.0
    _last_change: float = 0.0
    _saving: bool = False

    @rx.var
    def save_label(self) -> str:
        return {
            "saved": self.save_message or "All changes saved",
            "pending": "Unsaved changes",
            "saving": "Saving…",
            "retrying": "Not saved, retrying…",
            "refused": self.save_message,
        }.get(self.save_status, "")

    @rx.var
    def document_url(self) -> str:
        return f"/api/records/{self.record_id}/drawing" if self.record_id else ""

    @rx.var
    def record_key(self) -> str:
        return f"record-{self.record_id}"

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        actor = self._begin_page()
        if actor is None:
            return self._to_sign_in()
        self._open(actor)
        return self._requeue_drafts() if self.status == "ready" else None

    def _open(self, actor: Actor, template_id: int | None = None) -> None:
        """Open the record of the appointment in the page's URL."""
        raw_id = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        try:
            appointment_id = _parse_id(raw_id)
            with session_scope() as session:
                opened = editing.open_for_editing(session, actor, appointment_id, template_id)
        except NotFound:
            self.status = "not_found"
            return
        if opened.template_choices:
            self.template_choices = [
                {"id": str(c.id), "name": c.name} for c in opened.template_choices
            ]
            self.chosen_template = self.template_choices[0]["id"]
            self.status = "choose_template"
            return
        self._show(opened)
        if self.status == "ready":
            self._load_files(actor, with_background=True)

    @rx.event
    def choose_template(self, template_id: str) -> None:
        self.chosen_template = template_id if isinstance(template_id, str) else ""

    @rx.event
    def start_record(self) -> rx.event.EventSpec | None:
        """Create the record with the chosen template (checked by the service)."""
        actor = self._actor()
        if actor is None:
            return self._to_sign_in()
        chosen = self.chosen_template
        self._open(actor, int(chosen) if chosen.isdigit() and len(chosen) < 10 else -1)
        return None

    def _show(self, opened: editing.EditorRecord) -> None:
        zone = self.clinic_timezone
        if self.record_id != (opened.record_id or 0):
            # Another record; a reconnect re-running load keeps what is still unsaved.
            self._pending, self.acked_op_ids = [], []
        self.record_id = opened.record_id or 0
        self.revision = opened.revision
        self.can_edit = opened.can_edit
        self.patient_name = opened.patient_name
        self.visit_time = local_datetime(opened.starts_at, zone)
        self.practitioner_name = opened.practitioner_name
        self.template_name = opened.template_name
        self._schema_json = json.dumps(opened.form_schema)
        self.fields = _field_views(opened.form_schema)
        self.values = {f.path: "" for f in self.fields if f.kind != "heading"} | _flatten(
            opened.form_data
        )
        self.field_errors = validate_form_against_schema(opened.form_schema, opened.form_data)
        self.background_url = opened.background_url
        self.background_request = ""
        self.confirm_detach = ""
        self.save_status = "pending" if self._pending else "saved"
        self.save_message = _saved_at(opened.updated_at, zone)
        self.status = "ready" if opened.record_id else "not_started"

    def _edit_check(self) -> str:
        """May this user change the record now: ok, signed_out, read_only or outage.

        While the database is away the session cannot be checked; a page that was opened
        for editing keeps queueing, and ``autosave`` checks the session before it saves.
        After a backend restart the page state is new: the record is opened again from
        the page's URL, so changes re-sent by the browser still land.
        """
        try:
            actor = self._actor()
        except DBAPIError:
            return "outage" if self.record_id and self.can_edit else "read_only"
        if actor is None:
            return "signed_out"
        if not self.record_id:
            self._load_identity(actor)
            self._open(actor)
        return "ok" if self.record_id and self.can_edit else "read_only"

    @rx.event
    def receive_ops(self, ops: list) -> rx.event.EventSpec | None:
        """Operations from the canvas: checked now, saved by ``autosave``."""
        check = self._edit_check()
        if check == "signed_out":
            return self._to_sign_in()
        if check == "read_only":
            return rx.toast.error("This record is read-only for you.")
        try:
            parsed = parse_operations(ops)
        except DocumentError as exc:
            return rx.toast.error("A change was refused: " + "; ".join(error_messages(exc)[:3]))
        queued = {op["opId"] for op in self._pending_ops()}
        self._pending += [
            op.model_dump_json(by_alias=True, exclude_unset=True)
            for op in parsed
            if op.op_id not in queued
        ]
        return self._changed()

    def _pending_ops(self) -> list[dict[str, Any]]:
        return [json.loads(text) for text in self._pending]

    @rx.event
    def set_field(self, path: str, value: str) -> rx.event.EventSpec | None:
        if self._edit_check() not in ("ok", "outage"):
            return None
        if path not in self.values or not isinstance(value, str):
            return None
        self.values[path] = value
        form = _unflatten(self.values)
        self.field_errors = validate_form_against_schema(json.loads(self._schema_json), form)
        self._pending = [
            json.dumps(op)
            for op in self._pending_ops()
            if not (op["op"] == "setField" and op["path"] == path)
        ]
        op = {"op": "setField", "opId": uuid.uuid4().hex, "path": path, "value": value or None}
        self._pending.append(json.dumps(op))
        self._set_drafts(self._drafts() | {path: op})
        return self._changed()

    def _drafts(self) -> dict[str, dict[str, Any]]:
        """This record's unacknowledged form changes, by field path."""
        try:
            drafts = json.loads(self.form_drafts or "{}").get(str(self.record_id), {})
        except (ValueError, AttributeError):
            return {}
        return drafts if isinstance(drafts, dict) else {}

    def _set_drafts(self, drafts: dict[str, dict[str, Any]]) -> None:
        try:
            everything = json.loads(self.form_drafts or "{}")
        except ValueError:
            everything = {}
        if not isinstance(everything, dict):
            everything = {}
        if drafts:
            everything[str(self.record_id)] = drafts
        else:
            everything.pop(str(self.record_id), None)
        self.form_drafts = json.dumps(everything)

    def _requeue_drafts(self) -> rx.event.EventSpec | None:
        """Queue form changes the browser kept from before a reload or a lost state."""
        drafts = self._drafts()
        queued = {op["opId"] for op in self._pending_ops()}
        fresh = [op for op in drafts.values() if op.get("opId") not in queued]
        for op in fresh:
            if op.get("path") in self.values:
                self.values[op["path"]] = op.get("value") or ""
            self._pending.append(json.dumps(op))
        return self._changed() if fresh and self.can_edit else None

    def _changed(self) -> rx.event.EventSpec | None:
        now = time.monotonic()
        self._last_change = now
        if not self._first_change:
            self._first_change = now
        if self.save_status in ("saved", "refused"):
            self.save_status = "pending"
        if self._saving:
            return None
        self._saving = True
        return EditorState.autosave

    @rx.event(background=True)
    async def autosave(self) -> None:
        """Save pending operations, debounced; retry with backoff while the database is away."""
        attempt = 0
        while True:
            async with self:
                if not self._pending:
                    self._saving, self._first_change = False, 0.0
                    return
                due = min(
                    self._last_change + SAVE_DELAY_S, self._first_change + SAVE_AT_LEAST_EVERY_S
                )
            wait = due - time.monotonic()
            if wait > 0 and attempt == 0:
                await asyncio.sleep(wait)
                continue
            async with self:
                batch, record_id = self._pending_ops(), self.record_id
                self.save_status = "saving" if attempt == 0 else "retrying"
                actor = self._actor_or_none_on_outage()
            try:
                result = await asyncio.to_thread(_save, actor, record_id, batch)
            except (DBAPIError, OSError):
                async with self:
                    self.save_status = "retrying"
                await asyncio.sleep(RETRY_DELAYS_S[min(attempt, len(RETRY_DELAYS_S) - 1)])
                attempt += 1
                continue
            except (ValidationFailed, PermissionDenied, NotFound) as exc:
                result = None
                message = f"A change was refused: {exc}"
            attempt = 0
            async with self:
                done = [op["opId"] for op in batch]
                self._pending = [
                    json.dumps(op) for op in self._pending_ops() if op["opId"] not in set(done)
                ]
                self.acked_op_ids = (self.acked_op_ids + done)[-ACKS_KEPT:]
                self._set_drafts(
                    {p: op for p, op in self._drafts().items() if op.get("opId") not in done}
                )
                if not self._pending:
                    self._first_change = 0.0
                if result is None:
                    self.save_status, self.save_message = "refused", message
                else:
                    self.revision = result.revision
                    self.save_status = "saved" if not self._pending else "pending"
                    self.save_message = _saved_at(result.updated_at, self.clinic_timezone)

    def _load_files(self, actor: Actor, *, with_background: bool = False) -> None:
        """The record's attachments and the pickers' choices; on opening, the background."""
        with session_scope() as session:
            listed = record_files.list_record_files(session, actor, self.record_id)
            candidates, attachable = [], []
            if self.can_edit:
                candidates = record_files.background_candidates(session, actor, self.record_id)
                attachable = record_files.attachable_files(session, actor, self.record_id)
        self.attachments = [
            {"id": str(a.file.id), "name": a.file.file_name, "kind": _kind(a.file)}
            | {"url": a.link.url}
            for a in listed.attachments
        ]
        self.background_choices = [{"id": str(f.id), "label": _label(f)} for f in candidates]
        self.attach_choices = [{"id": str(f.id), "label": _label(f)} for f in attachable]
        if self.chosen_attachment not in {c["id"] for c in self.attach_choices}:
            self.chosen_attachment = ""
        if with_background:
            background = listed.background
            if background:
                self._hold_link(background)
            else:
                self.file_background_id, self.file_background_type = 0, ""
                self.file_background_url = ""
            self.background_choice = str(background.file.id) if background else "none"
            self.background_label = _label(background.file) if background else "None"

    def _files_actor(self, *, edit: bool) -> Actor | rx.event.EventSpec:
        """The actor for a files event, or the event to answer with instead."""
        if edit:
            check = self._edit_check()
            if check == "signed_out":
                return self._to_sign_in()
            if check != "ok":
                return rx.toast.error("This record is read-only for you.")
        actor = self._actor()
        if actor is None:
            return self._to_sign_in()
        if not self.record_id:
            return rx.toast.error("The record is not open.")
        return actor

    @rx.event
    def choose_background(self, value: str) -> rx.event.EventSpec | None:
        """A background picked from the patient's files, or "none": the canvas emits it."""
        actor = self._files_actor(edit=True)
        if not isinstance(actor, Actor):
            return actor
        op: dict[str, Any] = {"op": "setBackground", "backgroundType": None}
        if value != "none":
            file_id = _file_id(value)
            try:
                with session_scope() as session:
                    item = record_files.background_link(session, actor, self.record_id, file_id)
            except NotFound as exc:
                return rx.toast.error(str(exc))
            kind = record_files.background_kind(item.file.file_type)
            op |= {"backgroundType": kind, "backgroundFileId": item.file.id}
            if kind == "pdf":
                op |= {"pdfPageNumber": 1, "pdfNumPages": item.file.page_count}
            self._hold_link(item)
        self.background_choice = value if value != "none" else "none"
        self.background_request = json.dumps({"nonce": uuid.uuid4().hex, "op": op})
        return None

    @rx.event
    def need_background(self, file_id: int) -> rx.event.EventSpec | None:
        """The canvas shows a file it has no (working) link for: issue a fresh one."""
        actor = self._files_actor(edit=False)
        if not isinstance(actor, Actor):
            return actor
        if not isinstance(file_id, int) or isinstance(file_id, bool):
            return None
        try:
            with session_scope() as session:
                item = record_files.background_link(session, actor, self.record_id, file_id)
        except NotFound:
            return rx.toast.error("The background file was not found.")
        self._hold_link(item)
        return None

    def _hold_link(self, item: record_files.RecordFile) -> None:
        """The background link the canvas gets (and starts loading) for one file."""
        self.file_background_id = item.file.id
        self.file_background_type = record_files.background_kind(item.file.file_type) or ""
        self.file_background_url = item.link.url

    @rx.event
    def choose_attachment(self, value: str) -> None:
        self.chosen_attachment = value if isinstance(value, str) else ""

    @rx.event
    def attach(self) -> rx.event.EventSpec | None:
        actor = self._files_actor(edit=True)
        if not isinstance(actor, Actor):
            return actor
        try:
            with session_scope() as session:
                record_files.attach_file(
                    session, actor, self.record_id, _file_id(self.chosen_attachment)
                )
        except (NotFound, PermissionDenied) as exc:
            return rx.toast.error(str(exc))
        self.chosen_attachment = ""
        self._load_files(actor)
        return None

    @rx.event
    def ask_detach(self, file_id: str) -> None:
        self.confirm_detach = file_id if isinstance(file_id, str) else ""

    @rx.event
    def cancel_detach(self) -> None:
        self.confirm_detach = ""

    @rx.event
    def detach(self) -> rx.event.EventSpec | None:
        actor = self._files_actor(edit=True)
        if not isinstance(actor, Actor):
            return actor
        file_id, self.confirm_detach = _file_id(self.confirm_detach), ""
        try:
            with session_scope() as session:
                record_files.detach_file(session, actor, self.record_id, file_id)
        except (NotFound, PermissionDenied) as exc:
            return rx.toast.error(str(exc))
        self._load_files(actor)
        return None

    def _actor_or_none_on_outage(self) -> Actor | None:
        try:
            return self._actor()
        except DBAPIError:
            return None


def _save(actor: Actor | None, record_id: int, ops: list[dict[str, Any]]) -> editing.SaveResult:
    if actor is None:
        raise OSError("session could not be checked")
    with session_scope() as session:
        return editing.save_operations(session, actor, record_id, ops)


def _saved_at(value: Any, zone: str) -> str:
    return f"Saved at {local_time(value, zone)}" if value else ""


def _file_id(raw: object) -> int:
    """A file id from the page; anything else becomes 0, which no file has."""
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 10 else 0


_KINDS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}


def _kind(f: PatientFilePublic) -> str:
    return _KINDS.get(f.file_type, f.file_type)


def _label(f: PatientFilePublic) -> str:
    """How a file is named in the pickers: name, type, and pages for a PDF."""
    pages = f" · {f.page_count} page{'s' if f.page_count != 1 else ''}" if f.page_count else ""
    return f"{f.file_name} · {_kind(f)}{pages}"


def _parse_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 10:
        raise NotFound("appointment")
    return int(raw)
