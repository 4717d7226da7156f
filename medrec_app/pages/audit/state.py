"""State of ``/audit``: the audit trail, for administrators and read-only users (auditors).

The filters live in the address (``?patient=12&user=3&action=record.&from=...&to=...``):
ids, an action name and days, never a name, so a filtered view can be bookmarked and its
"Export CSV" link downloads the same rows. A patient typed by name is looked up and
replaced by their id before it reaches the address. With only a patient chosen, the page
is that patient's **access report**: who reached their records and files, when and from
where, then every row. Other roles are refused by the service, and the refusal is
audited like any other.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any
from urllib.parse import urlencode

import reflex as rx

from medrec_app.domain.audit_query import FIELDS, action_label
from medrec_app.domain.formatting import calendar_date, local_timestamp
from medrec_app.domain.ids import parse_id
from medrec_app.domain.permissions import ROLE_LABELS, PermissionDenied
from medrec_app.services import audit_trail, patients
from medrec_app.services.audit_trail import AuditPage, AuditRow
from medrec_app.state import AuthState, service_event

MAX_DETAILS_CHARS = 160
EXPORT_PATH = "/exports/audit.csv"
"""The CSV route (``api/audit_export.py``), which takes the same filters."""


@dataclasses.dataclass
class RowView:
    row_id: int
    time: str
    user: str
    role: str
    action: str
    action_label: str
    concerns: str
    ip: str
    refused: bool
    details: str


@dataclasses.dataclass
class PersonView:
    name: str
    role: str
    accesses: int
    first: str
    last: str
    actions: str
    ips: str


@dataclasses.dataclass
class Choice:
    value: str
    label: str


def _concerns(row: AuditRow) -> str:
    parts = []
    if row.patient_id is not None:
        name = f"{row.patient_name} " if row.patient_name else ""
        parts.append(f"{name}(patient {row.patient_id})")
    for what, value in (
        ("visit", row.appointment_id),
        ("record", row.record_id),
        ("file", row.file_id),
    ):
        if value is not None:
            parts.append(f"{what} {value}")
    return " · ".join(parts)


def _details(details: dict[str, Any]) -> str:
    if not details:
        return ""
    text = json.dumps(details, sort_keys=True, separators=(", ", ": "))
    return text if len(text) <= MAX_DETAILS_CHARS else text[: MAX_DETAILS_CHARS - 1] + "…"


class AuditState(AuthState):
    status: str = "loading"  # loading | ready | refused
    message: str = ""
    rows: list[RowView] = []
    people: list[PersonView] = []
    is_report: bool = False
    report_patient: str = ""
    users: list[Choice] = []
    patient_choices: list[Choice] = []
    has_older: bool = False
    has_newer: bool = False
    export_href: str = EXPORT_PATH
    form_key: int = 0
    """Bumped on each load: the form's fields remount on the filters in the address."""
    shown_patient: str = ""
    shown_user: str = ""
    shown_action: str = ""
    shown_from: str = ""
    shown_to: str = ""

    _filters: dict[str, str] = {}
    _cursors: list[str] = []
    """Where each page shown so far started (the first: ""); the last is this page's."""
    _next: str = ""

    def _refused(self, message: str) -> None:
        self.message = message
        self.rows, self.people, self.has_older = [], [], False

    @service_event
    def load(self) -> None:
        self._begin_page()
        params = self.router.url.query_parameters
        self._filters = {name: str(params.get(name) or "")[:200] for name in FIELDS}
        self._filters = {k: v for k, v in self._filters.items() if v}
        self.shown_patient = self._filters.get("patient", "")
        self.shown_user = self._filters.get("user", "")
        self.shown_action = self._filters.get("action", "")
        self.shown_from = self._filters.get("from", "")
        self.shown_to = self._filters.get("to", "")
        self.form_key += 1
        self.message, self.patient_choices, self.report_patient = "", [], ""
        self.export_href = EXPORT_PATH + (f"?{urlencode(self._filters)}" if self._filters else "")
        try:
            self.users = [
                Choice(str(u.user_id), f"{u.name} ({ROLE_LABELS.get(u.role, u.role)})")
                for u in self._call(audit_trail.audit_users)
            ]
        except PermissionDenied as refused:
            # The refusal is audited (view_audit.denied) like any other.
            self.status, self.message, self.rows, self.people = "refused", str(refused), [], []
            return
        self.status = "ready"
        self._cursors = [""]
        self._show()

    def _show(self) -> None:
        cursor = self._cursors[-1] or None
        self.is_report = set(self._filters) == {"patient"}
        if self.is_report:
            patient_id = parse_id(self._filters["patient"]) or 0
            report = self._call(audit_trail.access_report, patient_id, cursor=cursor)
            self.report_patient = report.patient_name
            zone = self.clinic_timezone
            self.people = [
                PersonView(
                    name=p.user_name or "Nobody signed in",
                    role=ROLE_LABELS.get(p.user_role, p.user_role),
                    accesses=p.accesses,
                    first=local_timestamp(p.first_at, zone),
                    last=local_timestamp(p.last_at, zone),
                    actions=", ".join(action_label(a) for a in p.actions),
                    ips=", ".join(p.ips[:5]) + (" …" if len(p.ips) > 5 else ""),
                )
                for p in report.people
            ]
            page = report.page
        else:
            self.people = []
            page = self._call(audit_trail.list_audit, self._filters, cursor=cursor)
        self._set_rows(page)

    def _set_rows(self, page: AuditPage) -> None:
        zone = self.clinic_timezone
        self.rows = [
            RowView(
                row_id=r.id,
                time=local_timestamp(r.occurred_at, zone),
                user=r.user_name or "Nobody signed in",
                role=ROLE_LABELS.get(r.user_role, r.user_role),
                action=r.action,
                action_label=action_label(r.action),
                concerns=_concerns(r),
                ip=r.ip,
                refused=r.outcome == "refused",
                details=_details(r.details),
            )
            for r in page.rows
        ]
        self._next = page.next_cursor or ""
        self.has_older = page.next_cursor is not None
        self.has_newer = len(self._cursors) > 1

    @service_event
    def older(self) -> None:
        if self._next:
            self._cursors = [*self._cursors, self._next]
            self._show()

    @service_event
    def newer(self) -> None:
        if len(self._cursors) > 1:
            self._cursors = self._cursors[:-1]
            self._show()

    @service_event
    def apply(self, form: dict[str, Any]) -> rx.event.EventSpec | None:
        """The form's filters into the address (a patient's name becomes their id)."""
        wanted = {name: str(form.get(name) or "").strip()[:200] for name in FIELDS}
        self.patient_choices = []
        text = wanted["patient"]
        if text and parse_id(text) is None and not text.isdigit():
            found = self._call(patients.search_patients, text)
            if not found:
                self.message = "Patient: no patient of this clinic has that name."
                return None
            if len(found) > 1:
                self.message = "Patient: several patients match; pick one below."
                self.patient_choices = [
                    Choice(
                        str(p.id),
                        f"{p.last_name}, {p.first_name} (born {calendar_date(p.date_of_birth)})",
                    )
                    for p in found
                ]
                self._filters = {k: v for k, v in wanted.items() if v and k != "patient"}
                return None
            wanted["patient"] = str(found[0].id)
        return self._go({k: v for k, v in wanted.items() if v})

    @service_event
    def pick_patient(self, patient_id: str) -> rx.event.EventSpec | None:
        chosen = parse_id(patient_id)
        if chosen is None:
            return None
        return self._go({**self._filters, "patient": str(chosen)})

    @service_event
    def report_only(self) -> rx.event.EventSpec | None:
        """The chosen patient's access report: every other filter dropped."""
        if "patient" not in self._filters:
            return None
        return self._go({"patient": self._filters["patient"]})

    def _go(self, filters: dict[str, str]) -> rx.event.EventSpec | None:
        if filters == self._filters:
            # The same address: the browser would not load it again.
            self._cursors = [""]
            self.message = ""
            self._show()
            return None
        return rx.redirect("/audit" + (f"?{urlencode(filters)}" if filters else ""))


# --- layout -----------------------------------------------------------------------
