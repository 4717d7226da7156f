"""The record editor's files: the canvas background link, the background picker and the
attachments panel, all through ``services/records/files.py``.

A state mixin of ``EditorState``, which provides ``record_id``, ``can_edit``,
``patient_id``, ``_edit_check`` and ``_call``. The canvas gets one short-lived link, for
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

from medrec_app.domain.file_types import file_type
from medrec_app.domain.permissions import Action, PermissionDenied
from medrec_app.pages.patients.state import open_in_new_tab
from medrec_app.services.errors import NotFound, NotSignedIn
from medrec_app.services.files import PatientFileLinked, PatientFilePublic
from medrec_app.services.records import files as record_files
from medrec_app.state import row_id, service_event


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

    def _load_files(self, *, with_background: bool = False) -> None:
        """The record's attachments and the pickers' choices; on opening, the background."""
        listed = self._call(record_files.list_record_files, self.record_id)
        candidates, attachable = [], []
        if self.can_edit:
            candidates = self._call(record_files.background_candidates, self.record_id)
            attachable = self._call(record_files.attachable_files, self.record_id)
        self.attachments = [
            {"id": str(f.id), "name": f.file_name, "kind": _kind(f)} for f in listed.attachments
        ]
        self.background_choices = [{"id": str(f.id), "label": _label(f)} for f in candidates]
        self.attach_choices = [{"id": str(f.id), "label": _label(f)} for f in attachable]
        if self.chosen_attachment not in {c["id"] for c in self.attach_choices}:
            self.chosen_attachment = ""
        if not with_background:
            return
        background = None
        if listed.background:
            background = self._call(
                record_files.issue_background_link, self.record_id, listed.background.id
            )
        if background:
            self._hold_link(background)
        else:
            self.file_background_id, self.file_background_type = 0, ""
            self.file_background_url = ""
        self.background_choice = str(background.id) if background else "none"
        self.background_label = _label(background) if background else "None"

    def _editable(self) -> None:
        """Raise unless the signed-in user may change this open record now."""
        check = self._edit_check()
        if check == "signed_out":
            raise NotSignedIn()
        if check != "ok":
            raise PermissionDenied(Action.EDIT_RECORD, reason="this record is read-only for you")

    def _open_record_id(self) -> int:
        if not self.record_id:
            raise NotFound("record")
        return self.record_id

    @service_event
    def choose_background(self, value: str) -> None:
        """A background picked from the patient's files, or "none": the canvas emits it."""
        self._editable()
        op: dict[str, Any] = {"op": "setBackground", "backgroundType": None}
        if value != "none":
            linked = self._call(
                record_files.issue_background_link, self._open_record_id(), row_id(value, "file")
            )
            kind = linked.background_type
            op |= {"backgroundType": kind, "backgroundFileId": linked.id}
            if kind == "pdf":
                op |= {"pdfPageNumber": 1, "pdfNumPages": linked.page_count}
            self._hold_link(linked)
        self.background_choice = value if value != "none" else "none"
        self.background_request = json.dumps({"nonce": uuid.uuid4().hex, "op": op})

    @service_event
    def need_background(self, file_id: int) -> None:
        """The canvas shows a file it has no (working) link for: issue a fresh one."""
        if not isinstance(file_id, int) or isinstance(file_id, bool):
            return
        linked = self._call(
            record_files.issue_background_link, self._open_record_id(), row_id(file_id, "file")
        )
        self._hold_link(linked)

    @rx.var
    def upload_url(self) -> str:
        """Where the editor's upload widget posts a new file for this visit's patient."""
        if not (self.can_edit and self.patient_id):
            return ""
        return f"/api/patients/{self.patient_id}/files"

    @service_event
    def background_uploaded(self, info: dict) -> rx.event.EventSpec | None:
        """A file uploaded in the editor: list it, and make it the background if it can be."""
        self._editable()
        self._load_files()
        file_id = info.get("file_id") if isinstance(info, dict) else None
        if str(file_id) in {c["id"] for c in self.background_choices}:
            return type(self).choose_background(str(file_id))
        return None

    def _hold_link(self, linked: PatientFileLinked) -> None:
        """The background link the canvas gets (and starts loading) for one file."""
        self.file_background_id = linked.id
        self.file_background_type = linked.background_type or ""
        self.file_background_url = linked.s3_url

    @service_event
    def open_attachment(self, file_id: str) -> rx.event.EventSpec:
        """Issue a short-lived link now and open it in a new tab; the page never keeps it."""
        linked = self._call(
            record_files.issue_attachment_link, self._open_record_id(), row_id(file_id, "file")
        )
        return open_in_new_tab(linked.s3_url)

    @rx.event
    def choose_attachment(self, value: str) -> None:
        self.chosen_attachment = value if isinstance(value, str) else ""

    @service_event
    def attach(self) -> None:
        self._editable()
        self._call(
            record_files.attach_file,
            self._open_record_id(),
            row_id(self.chosen_attachment, "file"),
        )
        self.chosen_attachment = ""
        self._load_files()

    @rx.event
    def ask_detach(self, file_id: str) -> None:
        self.confirm_detach = file_id if isinstance(file_id, str) else ""

    @rx.event
    def cancel_detach(self) -> None:
        self.confirm_detach = ""

    @service_event
    def detach(self) -> None:
        self._editable()
        file_id, self.confirm_detach = self.confirm_detach, ""
        self._call(record_files.detach_file, self._open_record_id(), row_id(file_id, "file"))
        self._load_files()


def _kind(f: PatientFilePublic) -> str:
    known = file_type(f.file_type)
    return known.short_label if known else f.file_type


def _label(f: PatientFilePublic) -> str:
    """How a file is named in the pickers: name, type, and pages for a PDF."""
    pages = f" · {f.page_count} page{'s' if f.page_count != 1 else ''}" if f.page_count else ""
    return f"{f.file_name} · {_kind(f)}{pages}"
