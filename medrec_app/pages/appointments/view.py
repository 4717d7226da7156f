"""First page after sign-in: one day's visits in the clinic's time zone, and booking."""

from __future__ import annotations

import reflex as rx

from medrec_app.components.confirm import confirm_button
from medrec_app.components.labels import labelled, visually_hidden
from medrec_app.components.layout import signed_in_page
from medrec_app.components.messages import page_message
from medrec_app.components.table import data_table
from medrec_app.pages.appointments.state import ALL, AppointmentsState, AppointmentView

S = AppointmentsState


def _day_controls() -> rx.Component:
    return rx.hstack(
        rx.button(
            rx.icon("chevron-left"),
            variant="soft",
            on_click=S.step_day(-1),
            aria_label="Previous day",
            data_testid="day-prev",
        ),
        labelled(
            "Day",
            rx.input(
                id="day-picker",
                type="date",
                value=S.day,
                on_change=S.go_to_day,
                data_testid="day-picker",
            ),
            "day-picker",
        ),
        rx.button(
            rx.icon("chevron-right"),
            variant="soft",
            on_click=S.step_day(1),
            aria_label="Next day",
            data_testid="day-next",
        ),
        rx.button("Today", variant="soft", on_click=S.today, data_testid="day-today"),
        labelled(
            "Practitioner",
            rx.el.select(
                rx.el.option("All practitioners", value=ALL),
                rx.foreach(S.practitioners, lambda p: rx.el.option(p.label, value=p.value)),
                id="practitioner-filter",
                value=S.practitioner,
                on_change=S.choose_practitioner,
                data_testid="practitioner-filter",
            ),
            "practitioner-filter",
        ),
        rx.spacer(),
        rx.cond(
            S.can_book,
            rx.button("Book appointment", on_click=S.open_booking, data_testid="book-appointment"),
        ),
        align="end",
        spacing="3",
        wrap="wrap",
        width="100%",
    )


def _patient_picker() -> rx.Component:
    return rx.vstack(
        labelled(
            "Patient",
            rx.input(
                id="booking-patient",
                placeholder="Type a name",
                auto_complete="off",
                max_length=200,
                on_change=S.find_patients.debounce(250),
                data_testid="booking-patient-search",
            ),
            "booking-patient",
        ),
        rx.cond(
            S.patient_label != "",
            rx.text("Booking for ", rx.el.strong(S.patient_label), data_testid="booking-patient"),
        ),
        rx.foreach(
            S.patient_matches,
            lambda m: rx.button(
                m.label,
                type="button",
                variant="ghost",
                on_click=S.choose_patient(m.value, m.label),
                data_testid="patient-match",
            ),
        ),
        spacing="1",
        align="start",
    )


def _select(label: str, name: str, *options: rx.Component, default: rx.Var) -> rx.Component:
    control_id = f"booking-{name}"
    return labelled(
        label,
        rx.el.select(
            *options,
            id=control_id,
            name=name,
            default_value=default,
            data_testid=control_id,
        ),
        control_id,
    )


def _booking_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(
                    rx.cond(S.form_mode == "book", "Book an appointment", "Move the visit"),
                    size="4",
                    as_="h2",
                ),
                rx.cond(
                    S.form_mode == "book",
                    _patient_picker(),
                    rx.text("Patient: ", rx.el.strong(S.editing_patient)),
                ),
                rx.hstack(
                    _select(
                        "Practitioner",
                        "practitioner_id",
                        rx.el.option("Choose…", value=""),
                        rx.foreach(S.practitioners, lambda p: rx.el.option(p.label, value=p.value)),
                        default=S.f_practitioner,
                    ),
                    labelled(
                        "Date",
                        rx.input(
                            id="booking-date",
                            name="date",
                            type="date",
                            default_value=S.f_date,
                            data_testid="booking-date",
                        ),
                        "booking-date",
                    ),
                    labelled(
                        "Start",
                        rx.input(
                            id="booking-time",
                            name="time",
                            type="time",
                            step=300,
                            default_value=S.f_time,
                            data_testid="booking-time",
                        ),
                        "booking-time",
                    ),
                    _select(
                        "Minutes",
                        "duration_minutes",
                        rx.foreach(S.durations, lambda m: rx.el.option(m, value=m)),
                        default=S.f_duration,
                    ),
                    _select(
                        "Visit type",
                        "visit_type",
                        rx.foreach(S.visit_types, lambda t: rx.el.option(t, value=t)),
                        default=S.f_visit_type,
                    ),
                    spacing="3",
                    wrap="wrap",
                    align="end",
                ),
                rx.cond(
                    S.form_problems.length() > 0,
                    rx.callout.root(
                        rx.foreach(S.form_problems, lambda m: rx.callout.text(m)),
                        color_scheme="red",
                        role="alert",
                        data_testid="booking-problems",
                    ),
                ),
                rx.cond(
                    S.overlaps.length() > 0,
                    rx.callout.root(
                        rx.callout.text("The practitioner already has, in this time:"),
                        rx.foreach(S.overlaps, lambda o: rx.callout.text("• ", o)),
                        rx.button(
                            "Book anyway",
                            type="button",
                            color_scheme="orange",
                            on_click=S.book_anyway,
                            data_testid="book-anyway",
                        ),
                        color_scheme="orange",
                        role="alert",
                        data_testid="booking-overlaps",
                    ),
                ),
                rx.hstack(
                    rx.button(
                        rx.cond(S.form_mode == "book", "Book", "Move visit"),
                        type="submit",
                        data_testid="booking-submit",
                    ),
                    rx.button("Close", type="button", variant="soft", on_click=S.close_form),
                    spacing="3",
                ),
                spacing="3",
                align="start",
            ),
            key=S.form_key,
            on_submit=S.submit,
            reset_on_submit=False,
            data_testid="booking-form",
        ),
        width="100%",
    )


def _actions(row: AppointmentView) -> rx.Component:
    return rx.cond(
        S.can_book & ~row.cancelled,
        rx.hstack(
            rx.button(
                "Move",
                variant="soft",
                on_click=S.open_reschedule(row.appointment_id),
                aria_label=f"Move the visit of {row.patient} at {row.time}",
                data_testid="reschedule-appointment",
            ),
            confirm_button(
                "Cancel visit",
                f"Cancel the visit of {row.patient} at {row.time}?",
                "It stays on the list as cancelled; a record it has is kept.",
                S.cancel(row.appointment_id),
                ("cancel-appointment", "confirm-cancel-appointment"),
                aria_label=f"Cancel the visit of {row.patient} at {row.time}",
            ),
            spacing="2",
        ),
    )


def _row(row: AppointmentView) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.time, " to ", row.ends),
        rx.table.row_header_cell(
            rx.link(row.patient, href=row.href, data_testid="appointment-link")
        ),
        rx.table.cell(row.practitioner),
        rx.table.cell(row.visit_type),
        rx.table.cell(
            rx.badge(
                row.status,
                color_scheme=rx.match(
                    row.status, ("Not started", "gray"), ("Cancelled", "red"), "green"
                ),
                data_testid="appointment-status",
            )
        ),
        rx.table.cell(_actions(row)),
        data_testid="appointment-row",
        data_appointment_id=row.appointment_id,
        opacity=rx.cond(row.cancelled, "0.7", "1"),
    )


def _message() -> rx.Component:
    return page_message(S.message, "appointments-message", is_error=S.message_is_error)


def appointments_page() -> rx.Component:
    return signed_in_page(
        rx.heading("Appointments", size="6", margin_bottom="8px"),
        rx.vstack(
            _day_controls(),
            rx.heading(S.day_label, size="4", as_="h2", data_testid="day-label"),
            _message(),
            rx.cond(S.form_open, _booking_form()),
            rx.cond(
                S.loaded,
                rx.cond(
                    S.rows.length() > 0,
                    data_table(
                        [
                            "Time",
                            "Patient",
                            "Practitioner",
                            "Visit type",
                            "Record",
                            visually_hidden("Actions"),
                        ],
                        S.rows,
                        _row,
                        "appointments-table",
                    ),
                    rx.text("No appointments on this day.", data_testid="appointments-empty"),
                ),
                rx.spinner(),
            ),
            spacing="4",
            width="100%",
        ),
    )
