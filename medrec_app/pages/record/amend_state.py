"""Amendments in the record editor: the signed ones under the record, and the user's own
draft, saved as they type and signed with their password
(``services/records/amendments.py``).

A state mixin of ``EditorState``, which provides ``record_id``, ``_call`` and the save
queue. While the user has a draft, the canvas draws on the draft's own layer, in its
colour, over the signed drawing (``EditorState.document_url`` and ``layers_url``), and
its operations are saved to the draft.
"""

from __future__ import annotations

import reflex as rx

from medrec_app.domain.amendment_layers import amendment_colour
from medrec_app.domain.formatting import local_datetime
from medrec_app.pages.record.sign_state import TYPE_IT, UNSAVED, typed_password
from medrec_app.services.errors import SignInDelayed, ValidationFailed
from medrec_app.services.records import amendments
from medrec_app.services.records.signing import SignRefused
from medrec_app.state import service_event


def _colour(position: int, drew: bool) -> dict[str, str]:
    """The legend of a signed amendment's layer: its colour and the colour's name."""
    colour, name = amendment_colour(position) if drew else ("", "")
    return {"colour": colour, "colour_name": name}


class AmendMixin(rx.State, mixin=True):
    # Signed amendments, oldest first: author, when, reason, text, sha256.
    amendments: list[dict[str, str]] = []
    can_amend: bool = False
    draft_id: int = 0
    draft_reason: str = ""
    draft_text: str = ""
    draft_status: str = ""
    amend_sign_open: bool = False
    amend_error: str = ""
    # The colour the draft's drawing is in (the next after the signed amendments').
    amend_colour: str = ""
    _draft_revision: int = 0

    def _load_amendments(self, signed: bool, can_amend: bool) -> None:
        listed = self._call(amendments.amendments_of, self.record_id) if signed else []
        zone = self.clinic_timezone
        signed = [a for a in listed if a.signed_at is not None]
        self.amendments = [
            {
                "id": str(a.id),
                "author": a.author_name,
                "when": local_datetime(a.signed_at, zone),
                "reason": a.reason,
                "text": a.text,
                "sha256": a.sha256 or "",
                **_colour(position, a.has_drawing),
            }
            for position, a in enumerate(signed)
        ]
        draft = next((a for a in listed if a.signed_at is None), None)
        self._show_draft_amendment(draft)
        self.can_amend = can_amend
        self.amend_colour = (
            self._call(amendments.next_colour, self.record_id) if draft is not None else ""
        )

    def _show_draft_amendment(self, draft: amendments.AmendmentPublic | None) -> None:
        self.draft_id = draft.id if draft else 0
        self.draft_reason = draft.reason if draft else ""
        self.draft_text = draft.text if draft else ""
        self._draft_revision = draft.revision if draft else 0
        self.draft_status = "Draft saved" if draft and draft.revision else ""

    @service_event
    def start_amendment(self) -> None:
        draft = self._call(amendments.start_amendment, self.record_id)
        self._show_draft_amendment(draft)
        self.amend_colour = self._call(amendments.next_colour, self.record_id)

    @service_event
    def set_amendment_reason(self, value: str) -> None:
        self._save_amendment(reason=value, text=self.draft_text)

    @service_event
    def set_amendment_text(self, value: str) -> None:
        self._save_amendment(reason=self.draft_reason, text=value)

    def _save_amendment(self, *, reason: str, text: str) -> None:
        if not self.draft_id or not isinstance(reason, str) or not isinstance(text, str):
            return
        self.draft_reason, self.draft_text = reason, text
        try:
            saved = self._call(amendments.save_amendment, self.draft_id, reason=reason, text=text)
        except ValidationFailed as refused:
            self.draft_status = str(refused)
            return
        self._draft_revision = saved.revision
        self.draft_status = "Draft saved"

    @rx.event
    def open_amend_sign(self, is_open: bool = True) -> None:
        self.amend_sign_open = bool(is_open) and self.draft_id > 0
        self.amend_error = ""

    @service_event
    def sign_amendment(self, form: dict) -> None:
        password = typed_password(form)
        if password is None:
            self.amend_error = TYPE_IT
            return
        if self._holds_unsaved():
            self.amend_error = UNSAVED
            return
        try:
            self._call(
                amendments.sign_amendment,
                self.draft_id,
                password=password,
                revision=self._draft_revision,
                ip=self.router.session.client_ip or "",
            )
        except (SignRefused, SignInDelayed) as refused:
            self.amend_error = str(refused)
            return
        self.amend_sign_open, self.amend_error = False, ""
        self._load_amendments(True, self.can_amend)
