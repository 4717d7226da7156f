"""The record's History panel: every revision with who and when, and any revision's form
and drawing as they were (``services/records/history.py``). Read-only for every role.

A state mixin of ``EditorState``, which provides ``record_id``, ``clinic_timezone`` and
``_call``. The chosen revision's form is held here as text rows; its drawing never is
(it can be MBs): a read-only canvas loads it from ``history_document_url``, and asks for
a background link with ``need_history_background`` like the editor's canvas.
"""

from __future__ import annotations

import reflex as rx

from medrec_app.components.form_fields import field_views, flatten, shown_text
from medrec_app.domain.formatting import local_datetime
from medrec_app.services.errors import NotFound, ValidationFailed
from medrec_app.services.records import files as record_files
from medrec_app.services.records import history
from medrec_app.state import row_id, service_event

HISTORY_PAGE = 200
"""Revisions listed at a time: a record saved every few seconds for a long visit has
thousands, and Reflex sends a var whole (1 MB per message at most)."""


class HistoryMixin(rx.State, mixin=True):
    history_open: bool = False
    # Newest first: revision, title, who, when, changes, kept ("yes"/""), signed ("yes"/"").
    history_entries: list[dict[str, str]] = []
    history_older: int = 0
    """Revisions not listed yet (older than the last listed)."""
    _history_all: list[dict[str, str]] = []
    # Signed amendments, newest first: author, when, reason.
    history_amendments: list[dict[str, str]] = []
    history_note: str = ""
    # The chosen revision (-1: none), what it held, or why it cannot be shown.
    history_revision: int = -1
    history_rows: list[dict[str, str]] = []
    history_summary: str = ""
    history_message: str = ""
    history_template_background: str = ""
    history_background_id: int = 0
    history_background_type: str = ""
    history_background_url: str = ""

    @rx.var
    def history_document_url(self) -> str:
        if not self.record_id or self.history_revision < 0 or self.history_message:
            return ""
        return f"/api/medical-records/{self.record_id}/revisions/{self.history_revision}/drawing"

    @service_event
    def open_history(self, is_open: bool = True) -> None:
        """Open the panel with the revisions as they are now, or close it."""
        self._forget_revision()
        self.history_open = bool(is_open) and self.record_id > 0
        if not self.history_open:
            self._close_history()
            return
        listed = self._call(history.record_history, self.record_id)
        zone = self.clinic_timezone
        self._history_all = [
            {
                "revision": str(e.revision),
                "title": e.label,
                "who": e.user_name or "unknown",
                "when": local_datetime(e.at, zone) if e.at else "time not recorded",
                "changes": _changes(e.operations, e.outdated),
                "kept": "yes" if e.kept else "",
                "signed": "yes" if e.signed else "",
            }
            for e in listed.revisions
        ]
        self._list_history(HISTORY_PAGE)
        self.history_amendments = [
            {"author": a.author_name, "when": local_datetime(a.signed_at, zone), "reason": a.reason}
            for a in listed.amendments
        ]
        self.history_note = (
            f"Revisions before {local_datetime(listed.kept_since, zone)} are listed, but "
            "their contents were not kept and cannot be shown."
            if listed.kept_since
            else ""
        )

    @rx.event
    def show_older_revisions(self) -> None:
        self._list_history(len(self.history_entries) + HISTORY_PAGE)

    def _list_history(self, count: int) -> None:
        self.history_entries = self._history_all[:count]
        self.history_older = max(0, len(self._history_all) - count)

    @service_event
    def show_revision(self, revision: str) -> None:
        """The form and drawing as they were at ``revision``."""
        self._forget_revision()
        try:
            chosen = int(revision)
        except (TypeError, ValueError):
            chosen = -1
        self.history_revision = chosen
        try:
            shown = self._call(history.record_at_revision, self.record_id, chosen)
        except (history.RevisionNotKept, ValidationFailed, NotFound) as refused:
            self.history_message = str(refused)
            return
        self.history_rows = _rows(shown.form_schema, shown.form_data)
        self.history_summary = shown.drawing_summary
        self.history_template_background = shown.background_url

    @service_event
    def need_history_background(self, file_id: int) -> None:
        """The history's canvas shows a file it has no link for: issue one."""
        if not isinstance(file_id, int) or isinstance(file_id, bool):
            return
        linked = self._call(
            record_files.issue_background_link, self.record_id, row_id(file_id, "file")
        )
        self.history_background_id = linked.id
        self.history_background_type = linked.background_type or ""
        self.history_background_url = linked.s3_url

    def _close_history(self) -> None:
        """A page (re)opening a record starts with the panel closed."""
        self.history_open = False
        self.history_entries, self.history_amendments, self.history_note = [], [], ""
        self._history_all, self.history_older = [], 0
        self._forget_revision()

    def _forget_revision(self) -> None:
        self.history_revision, self.history_rows = -1, []
        self.history_summary = self.history_message = self.history_template_background = ""


def _changes(applied: int, outdated: int) -> str:
    text = f"{applied} change{'' if applied == 1 else 's'}" if applied else ""
    if outdated:
        text += (", " if text else "") + f"{outdated} outdated by newer edits"
    return text


def _text(value: object) -> str:
    """A stored value as a person reads it (a yes/no as "Yes" or "No", not the control's
    "true")."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return shown_text(value)  # type: ignore[arg-type]


def _rows(schema: dict, form: dict) -> list[dict[str, str]]:
    """Each field of the revision's template with what it held (groups as headings), then
    any stored value no field of that template names."""
    values = flatten(form)
    rows = []
    for field in field_views(schema):
        if field.kind == "group":
            rows.append({"path": field.path, "label": field.label, "value": "", "group": "yes"})
            continue
        shown = _text(values.pop(field.path, None)) or "—"
        label = f"{field.label} ({field.unit})" if field.unit else field.label
        rows.append({"path": field.path, "label": label, "value": shown, "group": ""})
    rows += [
        {"path": path, "label": path, "value": _text(value), "group": ""}
        for path, value in values.items()
    ]
    return rows
