"""The record editor's files: the canvas background link, the background picker and the
attachments panel, all through ``services/record_files.py``.

A state mixin of ``EditorState``, which provides ``record_id``, ``can_edit``,
``_edit_check``, ``_actor`` and ``_to_sign_in``. The canvas gets one short-lived link, for
the file in ``file_background_id``, and asks for another (``need_background``) when its
drawing names a different file or the link has expired; a background chosen in the picker
reaches the canvas as ``background_request``, which the canvas emits as a ``setBackground``
operation through the editor's one save path.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import reflex as rx

from medrec_app.db import session_scope
from medrec_app.domain.permissions import Actor, PermissionDenied
from medrec_app.pages.patients.state import open_in_new_tab_script
from medrec_app.services import record_files
from medrec_app.services.errors import NotFound
from medrec_app.services.files import PatientFilePublic


class RecordFilesMixin(rx.State, mixin=True):
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

    def _load_files(self, actor: Actor, *, with_background: bool = False) -> None:
        """The record's attachments and the pickers' choices; on opening, the background."""
        with session_scope() as session:
            listed = record_files.record_file_list(session, actor, self.record_id)
            candidates, attachable = [], []
            if self.can_edit:
                candidates = record_files.background_candidates(session, actor, self.record_id)
                attachable = record_files.attachable_files(session, actor, self.record_id)
            background = None
            if with_background and listed.background:
                background = record_files.background_link(
                    session, actor, self.record_id, listed.background.id
                )
        self.attachments = [
            {"id": str(f.id), "name": f.file_name, "kind": _kind(f)} for f in listed.attachments
        ]
        self.background_choices = [{"id": str(f.id), "label": _label(f)} for f in candidates]
        self.attach_choices = [{"id": str(f.id), "label": _label(f)} for f in attachable]
        if self.chosen_attachment not in {c["id"] for c in self.attach_choices}:
            self.chosen_attachment = ""
        if with_background:
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

    @rx.var
    def upload_url(self) -> str:
        """Where the editor's upload widget posts a new file for this visit's patient."""
        if not (self.can_edit and self.patient_id):
            return ""
        return f"/api/patients/{self.patient_id}/files"

    @rx.event
    def background_uploaded(self, info: dict) -> rx.event.EventSpec | None:
        """A file uploaded in the editor: list it, and make it the background if it can be."""
        actor = self._files_actor(edit=True)
        if not isinstance(actor, Actor):
            return actor
        self._load_files(actor)
        file_id = info.get("file_id") if isinstance(info, dict) else None
        if str(file_id) in {c["id"] for c in self.background_choices}:
            return type(self).choose_background(str(file_id))
        return None

    def _hold_link(self, item: record_files.RecordFile) -> None:
        """The background link the canvas gets (and starts loading) for one file."""
        self.file_background_id = item.file.id
        self.file_background_type = record_files.background_kind(item.file.file_type) or ""
        self.file_background_url = item.link.url

    @rx.event
    def open_attachment(self, file_id: str) -> rx.event.EventSpec | None:
        """Issue a short-lived link now and open it in a new tab; the page never keeps it."""
        actor = self._files_actor(edit=False)
        if not isinstance(actor, Actor):
            return actor
        try:
            with session_scope() as session:
                item = record_files.attachment_link(
                    session, actor, self.record_id, _file_id(file_id)
                )
        except NotFound as exc:
            return rx.toast.error(str(exc))
        return rx.call_script(open_in_new_tab_script(item.link.url))

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
