""" "Add from phone" for any page about one patient: the state mixin and its dialog.

A page's state mixes in :class:`PhoneLinkMixin` (before ``AuthState``) and says which
patient it is about (``_phone_patient_id``) and what to do when the patient's files
change (``_phone_files_changed``); its layout shows :func:`add_from_phone`. The link's
secret lives in the page state only while the link works, as the dialog must show it.
While the link works the page polls every ``POLL_MS``: the file list is read again only
when the patient's files changed, since listing them issues audited preview links.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from medrec_app.components.qr import qr_data_uri
from medrec_app.domain.formatting import local_time
from medrec_app.services import phone_links
from medrec_app.state import service_event

POLL_MS = 2000
QR_PX = "240px"
EXPIRED = "The phone link has expired. Click “Add from phone” for a new one."


class PhoneLinkMixin(rx.State, mixin=True):
    phone_open: bool = False
    phone_live: bool = False
    phone_url: str = ""
    phone_qr: str = ""
    phone_expires: str = ""
    phone_message: str = ""

    _phone_link_id: int = 0
    _files_mark: str = ""

    def _phone_patient_id(self) -> int:
        """The patient the page is about; 0 while there is none."""
        raise NotImplementedError

    def _phone_files_changed(self) -> None:
        """The patient's files changed: show them again."""
        raise NotImplementedError

    @service_event
    def open_phone(self) -> None:
        """Issue a phone upload link for the page's patient and show its QR code."""
        self._end_phone_link()
        self.phone_open, self.phone_message = True, ""
        patient_id = self._phone_patient_id()
        if not patient_id:
            return
        link = self._call(phone_links.issue_phone_link, patient_id)
        self._phone_link_id = link.link_id
        self.phone_url = f"{self._own_origin()}/phone/{link.secret}"
        self.phone_qr = qr_data_uri(self.phone_url)
        self.phone_expires = local_time(link.expires_at, self.clinic_timezone)
        self.phone_live = True
        self._files_mark = self._call(phone_links.phone_link_status, link.link_id).files_mark

    @service_event
    def stop_phone(self) -> None:
        """Stop the link at once; the phone's next upload is refused."""
        link_id = self._phone_link_id
        self._end_phone_link()
        self.phone_open = False
        if link_id:
            self._call(phone_links.revoke_phone_link, link_id)

    @rx.event
    def set_phone_open(self, is_open: bool) -> None:
        """Closing the dialog hides it; the link works on until it expires or is stopped."""
        self.phone_open = bool(is_open) and bool(self.phone_url)

    @service_event
    def phone_tick(self) -> None:
        """Poll while a link works: show the files again when they changed."""
        if not self._phone_link_id:
            self.phone_live = False
            return
        status = self._call(phone_links.phone_link_status, self._phone_link_id)
        if status.files_mark != self._files_mark:
            self._files_mark = status.files_mark
            self._phone_files_changed()
        if not status.active:
            self._end_phone_link()
            self.phone_message = EXPIRED

    def _end_phone_link(self) -> None:
        """Forget the link (its secret included) and stop polling."""
        self._phone_link_id, self.phone_live = 0, False
        self.phone_url = self.phone_qr = self.phone_expires = ""

    def _reset_phone(self) -> None:
        """On page load: no link, no dialog."""
        self._end_phone_link()
        self.phone_open, self.phone_message = False, ""


def _link(state: Any) -> rx.Component:
    return rx.vstack(
        rx.image(
            src=state.phone_qr,
            alt="QR code of the upload link",
            width=QR_PX,
            height=QR_PX,
            data_testid="phone-qr",
        ),
        rx.text("Scan it with the phone's camera, or open this link on the phone:", size="2"),
        rx.input(
            value=state.phone_url,
            read_only=True,
            width="100%",
            aria_label="Upload link",
            data_testid="phone-link",
        ),
        rx.text(
            "It works for this patient only, until ",
            rx.el.strong(state.phone_expires, data_testid="phone-expires"),
            ", or until you stop it. Files sent appear here by themselves.",
            size="2",
        ),
        align="center",
        spacing="3",
        width="100%",
    )


def _dialog(state: Any) -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Add from phone"),
            rx.cond(
                state.phone_url != "",
                _link(state),
                rx.text(
                    rx.cond(state.phone_message != "", state.phone_message, "Making a link…"),
                    data_testid="phone-message",
                ),
            ),
            rx.hstack(
                rx.cond(
                    state.phone_url != "",
                    rx.button(
                        "Stop the link",
                        color_scheme="red",
                        variant="soft",
                        on_click=state.stop_phone,
                        data_testid="phone-stop",
                    ),
                ),
                rx.dialog.close(rx.button("Close", variant="soft", data_testid="phone-close")),
                justify="end",
                spacing="3",
                margin_top="16px",
            ),
            max_width="420px",
            data_testid="phone-dialog",
        ),
        open=state.phone_open,
        on_open_change=state.set_phone_open,
    )


def add_from_phone(state: Any, **button: Any) -> rx.Component:
    """The button, its dialog, and the poll while a link works, for ``state``'s page."""
    return rx.fragment(
        rx.button(
            rx.icon("smartphone", size=16),
            "Add from phone",
            variant="soft",
            on_click=state.open_phone,
            data_testid="add-from-phone",
            **button,
        ),
        _dialog(state),
        rx.cond(
            state.phone_live,
            rx.moment(interval=POLL_MS, on_change=lambda _now: state.phone_tick(), display="none"),
        ),
    )
