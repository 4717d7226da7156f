"""The record editor for one appointment: template form beside the drawing canvas.

Page state holds what is shown and the operations received but not yet saved; the
saved documents live in the database. Every change arrives as an operation (a finished
stroke, a shape change, a form field) and is saved by ``autosave`` a second after the
first change it has not saved: whatever else arrives in that second goes in the same save.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import reflex as rx

from medrec_app.components.form_fields import (
    NO,
    YES,
    FieldView,
    field_views,
    flatten,
    form_of,
    shown_text,
    shown_value,
    shown_values,
    stored_value,
    toggled,
)
from medrec_app.domain.edits import first_batch, parse_each
from medrec_app.domain.errors import DocumentError
from medrec_app.domain.formatting import local_datetime, local_time
from medrec_app.domain.forms import validate_form_against_schema
from medrec_app.domain.ids import parse_id
from medrec_app.pages.phone_link import PhoneLinkMixin
from medrec_app.pages.record.amend_state import AmendMixin
from medrec_app.pages.record.export_state import ExportMixin
from medrec_app.pages.record.files_state import RecordFilesMixin
from medrec_app.pages.record.history_state import HistoryMixin
from medrec_app.pages.record.save_step import save_batch
from medrec_app.pages.record.sign_state import SignMixin
from medrec_app.services import audit
from medrec_app.services.errors import NotFound, NotSignedIn, ServiceUnavailable
from medrec_app.services.records import editing, template_choice
from medrec_app.services.records.editing import RefusedChange
from medrec_app.services.templates import TemplatePublic
from medrec_app.state import AuthState, row_id, service_event

SAVE_DELAY_S = 1.0
"""How long a change waits for others to join its save. Counted from the first of them,
not the last, so a change is saved about this long after it was made however fast the
next ones come (a stroke, then a field typed half a second later)."""
RETRY_DELAYS_S = (1, 2, 4, 8, 15, 30)
SAVE_LEASE_S = 6.0
"""How long a running ``autosave`` counts as alive without a sign of life. Its worker can
die (a crash, a deploy) while the tab's state in Redis still says it is saving; the next
change or re-send after this long starts a new one. Two at once are harmless: a save
skips operations it has applied before."""
HEARTBEAT_S = 1.0
# Recent acknowledgements kept for the browser, so a re-sent duplicate is acked too.
ACKS_KEPT = 100


class EditorState(
    PhoneLinkMixin,
    RecordFilesMixin,
    SignMixin,
    AmendMixin,
    ExportMixin,
    HistoryMixin,
    AuthState,
):
    status: str = "loading"  # loading | ready | not_found | not_started | choose_template
    record_id: int = 0
    can_edit: bool = False
    patient_name: str = ""
    patient_id: int = 0
    visit_time: str = ""
    practitioner_name: str = ""
    template_name: str = ""
    fields: list[FieldView] = []
    # What the controls hold (``components/form_fields``): text by path, and the
    # checked options of each multiple-choice field.
    values: dict[str, str] = {}
    form_loaded: str = ""
    """Changes whenever the form's values come from the server, so that the form is drawn
    anew: its controls show a value they were given when drawn (``default_value``), and
    a page drawn from its state before the record was read again (a reload, another
    worker) would otherwise keep showing what it held then."""
    choices: dict[str, list[str]] = {}
    # What the template says of the form now, field by field; ``shown_errors`` is what
    # the page shows of it.
    field_errors: dict[str, str] = {}
    # Fields this page has had the user change or leave: only these say "is required".
    touched: list[str] = []
    background_url: str = ""
    acked_op_ids: list[str] = []
    # The templates to start the record with, or, once it exists and while it is
    # empty, the others it may switch to.
    template_choices: list[dict[str, str]] = []
    template_version: int = 0
    chosen_template: str = ""
    # Form changes not yet acknowledged, kept in the browser (JSON: record id -> path ->
    # setField op) so that they outlive lost page state, a reload or a crash; load
    # queues them again. Canvas changes have the canvas's own queue.
    form_drafts: str = rx.LocalStorage("{}", name="medrec_form_drafts", sync=True)
    save_status: str = "saved"  # saved | pending | saving | retrying
    save_message: str = ""
    # The last refusal, shown until dismissed: changes that were not saved, and why.
    refusal: str = ""
    # Changes the canvas showed were refused: it loads the stored drawing again.
    drawing_reload: str = ""

    # JSON text, not a dict: Reflex wraps dict state in proxies that pydantic refuses.
    _schema_json: str = "{}"
    # Each field's kind and options by path, for turning a control's event into its value.
    _kinds: dict[str, str] = {}
    _options: dict[str, list[str]] = {}
    # Operations received but not yet saved, as JSON text: state containers come back
    # wrapped in Reflex proxies, and the save path wants plain JSON values.
    _pending: list[str] = []
    _first_change: float = 0.0
    """When the oldest change not yet taken into a save arrived (wall clock)."""
    # The record's revision as this page last opened or saved it: what a signature signs.
    _revision: int = 0
    _saving: bool = False
    _saving_beat: float = 0.0
    """When the running ``autosave`` last showed it is alive (wall clock: the tab's state
    moves between workers, whose monotonic clocks do not agree)."""

    @rx.var
    def save_label(self) -> str:
        return {
            "saved": self.save_message or "All changes saved",
            "pending": "Unsaved changes",
            "saving": "Saving…",
            "retrying": "Not saved, retrying…",
        }.get(self.save_status, "")

    @rx.var
    def shown_errors(self) -> dict[str, str]:
        """The messages beside the fields: none for a user who cannot edit; for an
        editor, a field's problem once they changed or left it, or at once when the
        stored value itself is wrong; an empty required field says nothing before."""
        if not self.can_edit:
            return {}
        touched = set(self.touched)
        return {
            path: message
            for path, message in self.field_errors.items()
            if path in touched or self.values.get(path, "").strip() or self.choices.get(path)
        }

    @rx.var
    def document_url(self) -> str:
        """The drawing the canvas changes: the record's, or the user's draft amendment's."""
        if self.draft_id:
            return f"/api/amendments/{self.draft_id}/drawing"
        return f"/api/medical-records/{self.record_id}/drawing" if self.record_id else ""

    @rx.var
    def operations_url(self) -> str:
        if self.draft_id:
            return f"/api/amendments/{self.draft_id}/operations"
        return f"/api/medical-records/{self.record_id}/operations" if self.record_id else ""

    @rx.var
    def record_key(self) -> str:
        return f"amendment-{self.draft_id}" if self.draft_id else f"record-{self.record_id}"

    @rx.var
    def layers_url(self) -> str:
        """A signed record's amendments over it, or, while amending, it under the draft."""
        if not self.record_id or not self.signed_text:
            return ""
        base = f"/api/medical-records/{self.record_id}/layers"
        return f"{base}?amendment={self.draft_id}" if self.draft_id else base

    @rx.var
    def previous_visit_url(self) -> str:
        """The patient's last earlier visit with this template, for the canvas's overlay;
        none while amending (an amendment corrects this visit, it carries nothing)."""
        if not self.record_id or self.draft_id:
            return ""
        return f"/api/medical-records/{self.record_id}/previous-visit"

    @rx.var
    def can_draw(self) -> bool:
        """The canvas takes changes: of the record, or of the user's draft amendment."""
        return self.can_edit or self.draft_id > 0

    @service_event
    def load(self) -> rx.event.EventSpec | None:
        self._begin_page()
        self._reset_phone()
        self._close_history()
        self._open()
        return self._requeue_drafts() if self.status == "ready" else None

    def _open(self, template_id: int | None = None) -> None:
        """Open the record of the appointment in the page's URL."""
        raw_id = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        try:
            opened = self._call(
                editing.open_for_editing, row_id(raw_id, "appointment"), template_id
            )
        except NotFound:
            self.status = "not_found"
            return
        if opened.template_choices:
            self._offer_templates(opened.template_choices)
            self.status = "choose_template"
            return
        self._show(opened)
        if self.status == "ready":
            self._load_files(with_background=True)
            self._load_amendments(opened.signature is not None, opened.can_amend)
            self._load_exports(opened.can_export)

    def _phone_patient_id(self) -> int:
        return self.patient_id if self.can_edit and self.status == "ready" else 0

    def _phone_files_changed(self) -> None:
        """Files sent from a phone become choices in the attach picker."""
        if self.status == "ready":
            self._load_files()

    @rx.event
    def choose_template(self, template_id: str) -> None:
        self.chosen_template = template_id if isinstance(template_id, str) else ""

    @service_event
    def start_record(self) -> None:
        """Create the record with the chosen template (checked by the service)."""
        self._open(parse_id(self.chosen_template) or -1)

    def _offer_templates(self, choices: list[TemplatePublic]) -> None:
        self.template_choices = [{"id": str(c.id), "name": c.name} for c in choices]
        self.chosen_template = self.template_choices[0]["id"] if choices else ""

    @service_event
    def switch_template(self) -> None:
        """Give the still-empty record another template (the service refuses once it has
        content, and says why)."""
        self._call(
            template_choice.change_template,
            self.record_id,
            row_id(self.chosen_template, "template"),
        )
        self._open()

    @rx.event
    def dismiss_refusal(self) -> None:
        self.refusal = ""

    def _show(self, opened: editing.EditorRecord) -> None:
        zone = self.clinic_timezone
        if self.record_id != (opened.record_id or 0):
            # Another record; a reconnect re-running load keeps what is still unsaved.
            self._pending, self.acked_op_ids, self.refusal = [], [], ""
            self.touched = []
        self.record_id = opened.record_id or 0
        self.can_edit = opened.can_edit
        self._revision = opened.revision
        self._show_signature(opened.can_sign, opened.signature)
        self.patient_name = opened.patient_name
        self.patient_id = opened.patient_id
        self.visit_time = local_datetime(opened.starts_at, zone)
        self.practitioner_name = opened.practitioner_name
        self.template_name = opened.template_name
        self.template_version = opened.template_version
        self._offer_templates(opened.other_templates)
        self._schema_json = json.dumps(opened.form_schema)
        views = field_views(opened.form_schema)
        self.fields = views
        self._kinds = {f.path: f.kind for f in views if f.kind != "group"}
        self._options = {f.path: f.options for f in views if f.kind == "multiselect"}
        values, choices = shown_values(views, flatten(opened.form_data))
        # A stored value of no field of this version has no control; kept here, the
        # form's check still reports it.
        shown = set(values) | set(choices)
        for path, value in flatten(opened.form_data).items():
            if path not in shown:
                values[path] = shown_text(value)
                self._kinds[path] = "text"
        self.values, self.choices = values, choices
        self.form_loaded = uuid.uuid4().hex
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
            self._actor()
        except ServiceUnavailable:
            return "outage" if self.record_id and self.can_edit else "read_only"
        except NotSignedIn:
            return "signed_out"
        if not self.record_id:
            self._begin_page()
            self._open()
        return "ok" if self.record_id and (self.can_edit or self.draft_id) else "read_only"

    @service_event
    def receive_ops(self, ops: list) -> list[rx.event.EventSpec] | rx.event.EventSpec | None:
        """Operations from the canvas: checked now, saved by ``autosave``.

        An operation that is refused here is acknowledged (the canvas drops it) and
        reported; the others are queued.
        """
        check = self._edit_check()
        if check == "signed_out":
            return self._to_sign_in()
        if check == "read_only":
            return rx.toast.error("This record is read-only for you.")
        try:
            parsed, refused = parse_each(ops)
        except DocumentError as exc:
            self._report([RefusedChange(op_id=None, message="; ".join(exc.messages))])
            return None
        queued = {op["opId"] for op in self._pending_ops()}
        self._pending += [
            op.model_dump_json(by_alias=True, exclude_unset=True)
            for op in parsed
            if op.op_id not in queued
        ]
        if refused:
            self._report([RefusedChange.of(r) for r in refused])
            self._acknowledge([r.op_id for r in refused if r.op_id])
        if not parsed:
            return None
        # Sent, so held by the canvas until acknowledged: said in this update, the
        # canvas's own word on it changes nothing (one page update less a stroke). An
        # assignment is sent even when it changes nothing.
        if not self.canvas_pending:
            self.canvas_pending = True
        return self._changed()

    def _pending_ops(self) -> list[dict[str, Any]]:
        return [json.loads(text) for text in self._pending]

    @rx.event
    def touch_field(self, path: str) -> None:
        """The user left a field: its messages show from now on (display only)."""
        if self.can_edit and isinstance(path, str) and path in self._kinds:
            self._touch(path)

    def _touch(self, path: str) -> None:
        if path not in self.touched:
            self.touched = [*self.touched, path]

    @service_event
    def set_field(self, path: str, value: str) -> rx.event.EventSpec | None:
        """A text, number, date, select or yes/no control changed (yes/no: "true",
        "false" or "" for not answered)."""
        if self._edit_check() not in ("ok", "outage"):
            return None
        if path not in self.values or self._kinds.get(path) == "multiselect":
            return None
        if not isinstance(value, str) or (
            self._kinds.get(path) == "yesno" and value not in (YES, NO, "")
        ):
            return None
        self.values[path] = value
        return self._queue_field(path, stored_value(self._kinds.get(path, "text"), value))

    @service_event
    def toggle_choice(self, path: str, option: str, checked: bool) -> rx.event.EventSpec | None:
        """A checkbox of a multiple choice: the value is the checked options in order."""
        if self._edit_check() not in ("ok", "outage"):
            return None
        options = self._options.get(path) if isinstance(path, str) else None
        if options is None or not isinstance(checked, bool):
            return None
        if option not in options and (checked or option not in self.choices.get(path, [])):
            return None
        self.choices[path] = toggled(options, list(self.choices.get(path, [])), option, checked)
        return self._queue_field(path, stored_value("multiselect", list(self.choices[path])))

    def _queue_field(self, path: str, value: Any) -> rx.event.EventSpec | None:
        """Queue the field's new value as a setField op, replacing an unsaved one."""
        self._touch(path)
        self.field_errors = validate_form_against_schema(
            json.loads(self._schema_json), self._form()
        )
        self._pending = [
            json.dumps(op)
            for op in self._pending_ops()
            if not (op["op"] == "setField" and op["path"] == path)
        ]
        op = {
            "op": "setField",
            "opId": uuid.uuid4().hex,
            "at": int(time.time() * 1000),
            "path": path,
            "value": value,
        }
        self._pending.append(json.dumps(op))
        self._set_drafts(self._drafts() | {path: op})
        return self._changed()

    def _form(self) -> dict[str, Any]:
        """The form_data the controls show now."""
        views = [FieldView(path, "", kind) for path, kind in self._kinds.items()]
        return form_of(views, dict(self.values), {p: list(c) for p, c in self.choices.items()})

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
        text = json.dumps(everything)
        if text != self.form_drafts:  # each assignment is sent to the browser
            self.form_drafts = text

    def _requeue_drafts(self) -> rx.event.EventSpec | None:
        """Queue form changes the browser kept from before a reload or a lost state."""
        drafts = self._drafts()
        queued = {op["opId"] for op in self._pending_ops()}
        fresh = [op for op in drafts.values() if op.get("opId") not in queued]
        for op in fresh:
            self._show_draft(op.get("path"), op.get("value"))
            self._pending.append(json.dumps(op))
        if fresh:
            self.field_errors = validate_form_against_schema(
                json.loads(self._schema_json), self._form()
            )
        return self._changed() if fresh and self.can_edit else None

    def _show_draft(self, path: Any, value: Any) -> None:
        """Show a kept, unsaved value in its control (true/false and lists too)."""
        kind = self._kinds.get(path) if isinstance(path, str) else None
        if kind is None:
            return
        shown = shown_value(kind, value)
        if isinstance(shown, list):
            self.choices[path] = shown
        else:
            self.values[path] = shown

    def _changed(self) -> rx.event.EventSpec | None:
        now = time.time()
        if not self._first_change:
            self._first_change = now
        if self.save_status == "saved":
            self.save_status = "pending"
        if self._saving and now - self._saving_beat < SAVE_LEASE_S:
            return None
        self._saving, self._saving_beat = True, now
        return EditorState.autosave

    def _acknowledge(self, op_ids: list[str]) -> None:
        """The server is done with these operations: saved, outdated or refused."""
        done = set(op_ids)
        self._pending = [json.dumps(op) for op in self._pending_ops() if op["opId"] not in done]
        self.acked_op_ids = (self.acked_op_ids + op_ids)[-ACKS_KEPT:]
        self._set_drafts({p: op for p, op in self._drafts().items() if op.get("opId") not in done})
        if not self._pending:
            self._first_change = 0.0

    def _report(self, refused: list[RefusedChange]) -> None:
        """Say which changes were not saved, and have the canvas show what is stored."""
        shown = "; ".join(r.message for r in refused[:3])
        more = f" (and {len(refused) - 3} more)" if len(refused) > 3 else ""
        count = "A change was" if len(refused) == 1 else f"{len(refused)} changes were"
        self.refusal = f"{count} refused and not saved: {shown}{more}"
        self.drawing_reload = uuid.uuid4().hex

    @rx.event(background=True)
    async def autosave(self) -> None:
        """Save pending operations a second after the first; retry with backoff while the
        database is away.

        Only an outage is retried. A refused operation is dropped and reported, and the
        others are saved with it; a session that has ended stops the saving (the browser
        keeps the changes, and they are saved after signing in again). Each step reads and
        writes the tab's state once (in Redis, with several workers, a round trip each).
        """
        attempt = 0
        while True:
            async with self:
                if not self._pending:
                    self._saving, self._first_change = False, 0.0
                    return
                taken = self._saving_beat = time.time()
                wait = self._first_change + SAVE_DELAY_S - taken if attempt == 0 else 0.0
                if wait <= 0:
                    batch = first_batch(self._pending_ops())
                    record_id, token = self.record_id, self._token()
                    amendment_id = self.draft_id
                    client_ip = self.router.session.client_ip
                    self.save_status = "saving" if attempt == 0 else "retrying"
            if wait > 0:
                await asyncio.sleep(min(wait, HEARTBEAT_S))
                continue
            try:
                with audit.client_address(client_ip):  # the thread runs in a copy of it
                    result = await asyncio.to_thread(
                        save_batch, token, record_id, batch, amendment_id
                    )
            except ServiceUnavailable:
                async with self:
                    self.save_status = "retrying"
                # Waited out in heartbeats, so that no other worker takes this over.
                until = time.time() + RETRY_DELAYS_S[min(attempt, len(RETRY_DELAYS_S) - 1)]
                while (left := until - time.time()) > 0:
                    await asyncio.sleep(min(left, HEARTBEAT_S))
                    async with self:
                        self._saving_beat = time.time()
                attempt += 1
                continue
            except NotSignedIn:
                async with self:
                    self._saving, self.save_status = False, "pending"
                    self.refusal = (
                        "Your session has ended, so changes are not being saved. They are "
                        "kept in this browser: sign in again and open this record to save them."
                    )
                return
            attempt = 0
            async with self:
                self._acknowledge(result.acked_op_ids)
                if amendment_id:
                    self._draft_revision = result.revision
                else:
                    self._revision = result.revision
                if result.refused:
                    self._report(result.refused)
                self.save_status = "saved" if not self._pending else "pending"
                self.save_message = _saved_at(result.updated_at, self.clinic_timezone)
                if not self._pending:
                    self._saving = False
                    return
                # What arrived during this save came after the batch was taken.
                self._first_change = taken


def _saved_at(value: Any, zone: str) -> str:
    return f"Saved at {local_time(value, zone)}" if value else ""
