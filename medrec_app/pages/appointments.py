"""First page after sign-in: the clinic's appointments, newest first."""

from __future__ import annotations

import dataclasses

import reflex as rx

from medrec_app.components.format import local_date, local_time
from medrec_app.components.layout import signed_in_page
from medrec_app.components.table import data_table
from medrec_app.services import appointments
from medrec_app.state import AuthState, service_event


@dataclasses.dataclass
class AppointmentView:
    appointment_id: int
    date: str
    time: str
    patient: str
    practitioner: str
    status: str
    href: str


class AppointmentsState(AuthState):
    rows: list[AppointmentView] = []
    loaded: bool = False

    @service_event
    def load(self) -> None:
        self._begin_page()
        found = self._call(appointments.list_appointments).items
        zone = self.clinic_timezone
        self.rows = [
            AppointmentView(
                appointment_id=row.appointment_id,
                date=local_date(row.starts_at, zone),
                time=local_time(row.starts_at, zone),
                patient=row.patient_name,
                practitioner=row.practitioner_name,
                status=row.record_status,
                href=f"/appointments/{row.appointment_id}",
            )
            for row in found
        ]
        self.loaded = True


def _row(row: AppointmentView) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.date),
        rx.table.cell(row.time),
        rx.table.row_header_cell(
            rx.link(row.patient, href=row.href, data_testid="appointment-link")
        ),
        rx.table.cell(row.practitioner),
        rx.table.cell(
            rx.badge(
                row.status,
                color_scheme=rx.cond(row.status == "Not started", "gray", "green"),
            )
        ),
        data_testid="appointment-row",
        data_appointment_id=row.appointment_id,
    )


def appointments_page() -> rx.Component:
    return signed_in_page(
        rx.heading("Appointments", size="6", margin_bottom="16px"),
        rx.cond(
            AppointmentsState.loaded,
            rx.cond(
                AppointmentsState.rows.length() > 0,
                data_table(
                    ["Date", "Time", "Patient", "Practitioner", "Record"],
                    AppointmentsState.rows,
                    _row,
                    "appointments-table",
                ),
                rx.text("No appointments yet.", data_testid="appointments-empty"),
            ),
            rx.spinner(),
        ),
    )
