"""Admin page ``/admin/import``: saves of the browser-only demo become real records.

The admin picks the visit (or lets each file's name say it: ``1000231.json``) and drops
one or many exports on the upload widget, which sends each to ``POST /api/demo-imports``
with a progress bar per file; every answer becomes a row of the result table (file,
appointment, outcome, reason). The import itself is ``services/demo_import.py``.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlencode

import reflex as rx

from medrec_app.components.labels import field_label, labelled
from medrec_app.components.layout import signed_in_page
from medrec_app.components.messages import page_message
from medrec_app.components.table import data_table
from medrec_app.components.upload import upload_widget
from medrec_app.domain.demo_export import MAX_EXPORT_BYTES
from medrec_app.domain.formatting import local_datetime
from medrec_app.domain.permissions import Action, can
from medrec_app.services import demo_import
from medrec_app.state import AuthState, service_event

FROM_NAME = "name"
OUTCOMES = {
    "imported": "Imported",
    "duplicate": "Skipped: already imported",
    "would_import": "Would be imported (dry run)",
    "refused": "Refused",
}
MAX_ROWS = 1_000


@dataclasses.dataclass
class AppointmentOption:
    value: str
    label: str


@dataclasses.dataclass
class ResultRow:
    file_name: str
    appointment: str
    outcome: str
    reason: str
    refused: bool


class DemoImportState(AuthState):
    allowed: bool = False
    message: str = ""
    appointments: list[AppointmentOption] = []
    target: str = FROM_NAME
    merge: bool = False
    dry_run: bool = False
    upload_url: str = ""
    results: list[ResultRow] = []

    def _refused(self, message: str) -> None:
        self.message = message

    def _set_url(self) -> None:
        query: dict[str, str] = {}
        if self.target != FROM_NAME:
            query["appointment_id"] = self.target
        if self.merge:
            query["merge"] = "true"
        if self.dry_run:
            query["dry_run"] = "true"
        self.upload_url = "/api/demo-imports" + (f"?{urlencode(query)}" if query else "")

    def _refresh(self) -> None:
        zone = self.clinic_timezone
        self.appointments = [
            AppointmentOption(
                str(a.appointment_id),
                f"{local_datetime(a.starts_at, zone)} · {a.patient_name} · "
                f"{a.practitioner_name} (#{a.appointment_id})",
            )
            for a in self._call(demo_import.importable_appointments)
        ]
        if self.target not in {FROM_NAME, *(a.value for a in self.appointments)}:
            self.target = FROM_NAME
        self._set_url()

    @service_event
    def load(self) -> None:
        actor = self._begin_page()
        self.message, self.results, self.appointments = "", [], []
        self.target, self.merge, self.dry_run = FROM_NAME, False, False
        self.allowed = can(actor.role, Action.IMPORT_RECORDS)
        if self.allowed:
            self._refresh()

    @rx.event
    def set_target(self, value: str) -> None:
        known = {a.value for a in self.appointments}
        self.target = value if value in known else FROM_NAME
        self._set_url()

    @rx.event
    def set_merge(self, value: bool) -> None:
        self.merge = value is True
        self._set_url()

    @rx.event
    def set_dry_run(self, value: bool) -> None:
        self.dry_run = value is True
        self._set_url()

    @rx.event
    def uploaded(self, answer: dict) -> None:
        """One export's outcome, as the route answered it (shown to this admin only)."""
        outcome = str(answer.get("outcome", ""))
        appointment = answer.get("appointment_id")
        row = ResultRow(
            file_name=str(answer.get("file_name", ""))[:255],
            appointment=str(appointment) if isinstance(appointment, int) else "",
            outcome=OUTCOMES.get(outcome, "Refused"),
            reason=str(answer.get("reason", ""))[:2000],
            refused=outcome not in OUTCOMES or outcome == "refused",
        )
        # The list of visits is left as it is (refreshed when the page loads): changing
        # it now could change the target of the exports still queued in the widget.
        self.results = [*self.results, row][-MAX_ROWS:]
        self.message = ""

    @rx.event
    def clear_results(self) -> None:
        self.results = []


def _result_row(row: ResultRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.file_name),
        rx.table.cell(row.appointment),
        rx.table.cell(
            rx.badge(row.outcome, color_scheme=rx.cond(row.refused, "red", "green")),
            data_testid="import-outcome",
        ),
        rx.table.cell(row.reason, data_testid="import-reason"),
        data_testid="import-row",
    )


def _checkbox(label: str, control_id: str, checked: rx.Var, on_change) -> rx.Component:
    return rx.hstack(
        rx.checkbox(id=control_id, checked=checked, on_change=on_change, data_testid=control_id),
        field_label(label, html_for=control_id),
        align="center",
        spacing="2",
    )


def _options() -> rx.Component:
    return rx.vstack(
        labelled(
            "Into appointment",
            rx.select.root(
                rx.select.trigger(id="import-target", data_testid="import-target", width="100%"),
                rx.select.content(
                    rx.select.item("From each file's name (like 1000231.json)", value=FROM_NAME),
                    rx.foreach(
                        DemoImportState.appointments,
                        lambda a: rx.select.item(a.label, value=a.value),
                    ),
                ),
                value=DemoImportState.target,
                on_change=DemoImportState.set_target,
            ),
            "import-target",
        ),
        _checkbox(
            "Add to a record that already has content",
            "import-merge",
            DemoImportState.merge,
            DemoImportState.set_merge,
        ),
        _checkbox(
            "Check only (dry run): store nothing",
            "import-dry-run",
            DemoImportState.dry_run,
            DemoImportState.set_dry_run,
        ),
        spacing="3",
        width="100%",
    )


def demo_import_page() -> rx.Component:
    return signed_in_page(
        rx.heading("Import from the browser-only demo", size="6", margin_bottom="8px"),
        rx.text(
            "Each export (the demo's saved drawing, a .json file) becomes the drawing of an "
            "appointment's record: its background is checked and stored like any upload, "
            "its strokes and shapes are saved as the editor saves them. The same export "
            "imported again is skipped. To import many at once, name each file after its "
            "appointment's id and leave the appointment on 'From each file's name'.",
            color_scheme="gray",
            margin_bottom="16px",
        ),
        rx.cond(
            DemoImportState.allowed,
            rx.vstack(
                page_message(DemoImportState.message, "import-message"),
                _options(),
                rx.cond(
                    DemoImportState.upload_url != "",
                    upload_widget(
                        DemoImportState.upload_url,
                        DemoImportState.uploaded,
                        accept=".json,application/json",
                        max_bytes=MAX_EXPORT_BYTES,
                        max_concurrent=1,
                    ),
                ),
                rx.cond(
                    DemoImportState.results.length() > 0,  # type: ignore[attr-defined]
                    rx.vstack(
                        rx.hstack(
                            rx.heading("Results", size="4", as_="h2"),
                            rx.button(
                                "Clear",
                                size="1",
                                variant="soft",
                                on_click=DemoImportState.clear_results,
                            ),
                            align="center",
                            spacing="3",
                        ),
                        data_table(
                            ["File", "Appointment", "Outcome", "Details"],
                            DemoImportState.results,
                            _result_row,
                            "import-results",
                        ),
                        width="100%",
                    ),
                ),
                width="100%",
                spacing="4",
            ),
            rx.callout(
                "Only clinic administrators can import records.",
                color_scheme="red",
                data_testid="not-allowed",
            ),
        ),
    )
