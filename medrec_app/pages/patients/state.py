"""State of the patient pages: finding a patient, and one patient's files.

Handlers resolve the user from the session cookie on every call and go through the
services, which check the clinic and the role; ids from the browser are parsed here and
answered with the same "not found" as a missing one. Search text and dates of birth stay
in page state, never in the URL.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import Any

import reflex as rx

from medrec_app.components.format import (
    calendar_date,
    file_kind,
    human_size,
    local_datetime,
    page_count_label,
)
from medrec_app.db import session_scope
from medrec_app.domain.permissions import Action, Actor, PermissionDenied, can
from medrec_app.services import files, patients, uploads
from medrec_app.services.errors import NotFound, ServiceError
from medrec_app.state import AuthState

MAX_QUERY_CHARS = 200


@dataclasses.dataclass
class PatientRow:
    patient_id: int
    name: str
    date_of_birth: str
    href: str


@dataclasses.dataclass
class FileRow:
    file_id: int
    name: str
    kind: str
    size: str
    pages: str
    uploaded_by: str
    uploaded_at: str
    thumbnail_url: str


def parse_id(value: object, what: str) -> int:
    """An id from the browser or the URL: a positive integer, else ``NotFound(what)``."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise NotFound(what)
    text = str(value)
    if not text.isdigit() or len(text) > 10 or int(text) == 0:
        raise NotFound(what)
    return int(text)


def parse_birth_date(value: str) -> date | None:
    """``"1984-03-12"`` (what a date input sends) -> a date; ``""`` -> None.

    Raises ``ValueError`` with a sentence to show for anything else.
    """
    text = value.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("Enter the date of birth as a full date, e.g. 1984-03-12.") from None


class PatientSearchState(AuthState):
    """``/patients``: patients of the clinic by name and date of birth."""

    results: list[PatientRow] = []
    searched: bool = False
    message: str = ""

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        actor = self._begin_page()
        if actor is None:
            return self._to_sign_in()
        self._search(actor, "", None)
        return None

    @rx.event
    def search(self, form: dict[str, Any]) -> rx.event.EventSpec | None:
        actor = self._actor()
        if actor is None:
            return self._to_sign_in()
        text = str(form.get("name") or "")[:MAX_QUERY_CHARS]
        try:
            born = parse_birth_date(str(form.get("date_of_birth") or "")[:MAX_QUERY_CHARS])
        except ValueError as exc:
            self.message = str(exc)
            return None
        self._search(actor, text, born)
        return None

    def _search(self, actor: Actor, text: str, born: date | None) -> None:
        self.message = ""
        try:
            with session_scope() as session:
                found = patients.search_patients(session, actor, text, born)
        except PermissionDenied as exc:
            self.results, self.message = [], str(exc)
            return
        self.results = [
            PatientRow(
                patient_id=p.id,
                name=f"{p.last_name}, {p.first_name}",
                date_of_birth=calendar_date(p.date_of_birth),
                href=f"/patients/{p.id}",
            )
            for p in found
        ]
        self.searched = True


class PatientFilesState(AuthState):
    """``/patients/[patient_id]``: the patient and their files; upload, open, delete."""

    status: str = "loading"  # loading | ready | not_found
    patient_name: str = ""
    date_of_birth: str = ""
    rows: list[FileRow] = []
    can_upload: bool = False
    can_delete: bool = False
    upload_url: str = ""
    message: str = ""
    message_is_error: bool = False

    _patient_id: int = 0

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        actor = self._begin_page()
        if actor is None:
            return self._to_sign_in()
        self._say("")
        self.can_upload = can(actor.role, Action.UPLOAD_FILE)
        self.can_delete = can(actor.role, Action.DELETE_FILE)
        raw_id = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        try:
            patient_id = parse_id(raw_id, "patient")
            with session_scope() as session:
                patient = patients.get_patient(session, actor, patient_id)
                self.patient_name = f"{patient.first_name} {patient.last_name}"
                self.date_of_birth = calendar_date(patient.date_of_birth)
        except (NotFound, PermissionDenied) as exc:
            self._forget(str(exc) if isinstance(exc, PermissionDenied) else "")
            return None
        self._patient_id = patient_id
        self.upload_url = f"/api/patients/{patient_id}/files"
        self._refresh(actor)
        self.status = "ready"
        return None

    @rx.event
    def uploaded(self, info: dict[str, Any]) -> rx.event.EventSpec | None:
        """The widget says the server stored a file: list the files again."""
        actor = self._actor()
        if actor is None:
            return self._to_sign_in()
        self._refresh(actor)
        return None

    @rx.event
    def open_file(self, file_id: int) -> rx.event.EventSpec | None:
        """Issue a short-lived link now and open it in a new tab; the page never keeps it."""
        actor = self._actor()
        if actor is None:
            return self._to_sign_in()
        try:
            with session_scope() as session:
                link = files.file_link(session, actor, parse_id(file_id, "file"))
        except (PermissionDenied, ServiceError) as exc:
            self._say(str(exc), error=True)
            return None
        return rx.call_script(open_in_new_tab_script(link.url))

    @rx.event
    def delete_file(self, file_id: int) -> rx.event.EventSpec | None:
        actor = self._actor()
        if actor is None:
            return self._to_sign_in()
        try:
            with session_scope() as session:
                uploads.delete_patient_file(session, actor, parse_id(file_id, "file"))
            self._say("The file was deleted.")
        except (PermissionDenied, ServiceError) as exc:
            self._say(str(exc), error=True)
        self._refresh(actor)
        return None

    def _refresh(self, actor: Actor) -> None:
        if not self._patient_id:
            return
        try:
            with session_scope() as session:
                listed = files.list_patient_files(session, actor, self._patient_id)
                thumbnails = files.thumbnail_links(session, actor, listed)
        except (NotFound, PermissionDenied) as exc:
            self._forget(str(exc) if isinstance(exc, PermissionDenied) else "")
            return
        zone = self.clinic_timezone
        self.rows = [
            FileRow(
                file_id=f.id,
                name=f.file_name,
                kind=file_kind(f.file_type),
                size=human_size(f.file_size),
                pages=page_count_label(f.page_count),
                uploaded_by=f.uploaded_by_name,
                uploaded_at=local_datetime(f.created_at, zone),
                thumbnail_url=thumbnails.get(f.id, ""),
            )
            for f in listed
        ]

    def _forget(self, refusal: str) -> None:
        """Show nothing of a patient the user cannot reach."""
        self._patient_id = 0
        self.status = "not_found"
        self.patient_name = self.date_of_birth = self.upload_url = ""
        self.rows = []
        self._say(refusal, error=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message, self.message_is_error = text, error


def open_in_new_tab_script(url: str) -> str:
    """JavaScript opening ``url`` in a new tab without giving it this page as opener.

    Falls back to this tab when a popup blocker refuses the new one.
    """
    target = json.dumps(url)
    return (
        f"(() => {{ const w = window.open({target}, '_blank');"
        f" if (w) {{ w.opener = null; }} else {{ window.location.assign({target}); }} }})()"
    )
