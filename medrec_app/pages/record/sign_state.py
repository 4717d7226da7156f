"""Signing from the record editor: a dialog asks for the password, then the record is
signed through ``services/records/signing.py`` and the page shows it read-only.

A state mixin of ``EditorState``, which provides ``record_id``, ``save_status``,
``_pending``, ``_revision``, ``_call`` and ``_open``. The page refuses to sign while it
holds changes the server has not acknowledged, in its state or in the canvas's queue in
the browser: the signer signs what they see saved. The service checks the rest under the
record's lock (the revision this page last saved, the form, the password).
"""

from __future__ import annotations

import reflex as rx

from medrec_app.domain.formatting import local_datetime
from medrec_app.services.errors import SignInDelayed
from medrec_app.services.records import signing
from medrec_app.state import service_event

UNSAVED = "Some changes are not saved yet. Wait until the page says “All changes saved”, then sign."


TYPE_IT = "Type your password to sign."
MAX_PASSWORD_CHARS = 1024


def typed_password(form: object) -> str | None:
    """The password a sign dialog's form sent, if it sent one."""
    password = form.get("password") if isinstance(form, dict) else None
    if not isinstance(password, str) or not password:
        return None
    return password[:MAX_PASSWORD_CHARS]


class SignMixin(rx.State, mixin=True):
    can_sign: bool = False
    signed_text: str = ""
    signed_hash: str = ""
    sign_open: bool = False
    sign_error: str = ""
    # The canvas holds changes in the browser that the server has not acknowledged.
    canvas_pending: bool = False

    def _show_signature(self, can_sign: bool, signature: signing.Signature | None) -> None:
        self.can_sign = can_sign
        if signature is None:
            self.signed_text, self.signed_hash = "", ""
            return
        when = local_datetime(signature.signed_at, self.clinic_timezone)
        self.signed_text = f"Signed by {signature.signer_name}, {when}"
        self.signed_hash = signature.sha256

    def _holds_unsaved(self) -> bool:
        """Changes not acknowledged yet: queued in the page, saving, or in the canvas's queue."""
        return bool(self._pending) or self.save_status != "saved" or self.canvas_pending

    @rx.event
    def canvas_pending_changed(self, pending: bool) -> None:
        pending = pending is True
        if pending != self.canvas_pending:  # each assignment is sent to the page
            self.canvas_pending = pending

    @rx.event
    def open_sign(self, is_open: bool = True) -> None:
        self.sign_open = bool(is_open) and self.can_sign
        self.sign_error = ""

    @service_event
    def sign(self, form: dict) -> None:
        """Sign with the password typed in the dialog."""
        password = typed_password(form)
        if password is None:
            self.sign_error = TYPE_IT
            return
        if self._holds_unsaved():
            self.sign_error = UNSAVED
            return
        try:
            self._call(
                signing.sign_record,
                self.record_id,
                password=password,
                revision=self._revision,
                ip=self.router.session.client_ip or "",
            )
        except (signing.SignRefused, SignInDelayed) as refused:
            self.sign_error = str(refused)
            return
        self.sign_open, self.sign_error = False, ""
        self._open()
