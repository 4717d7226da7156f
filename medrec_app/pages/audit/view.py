"""Layout of ``/audit``: the filters, the access report and the rows (state: ``state.py``)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from medrec_app.components.labels import labelled, visually_hidden
from medrec_app.components.layout import signed_in_page
from medrec_app.components.messages import page_message
from medrec_app.components.table import data_table
from medrec_app.domain.audit_query import ACTION_LABELS
from medrec_app.pages.audit.state import AuditState, Choice, PersonView, RowView


def _select(label: str, field: str, options: Any, shown: Any, everything: str) -> rx.Component:
    control_id = f"audit-{field}"
    return labelled(
        label,
        rx.el.select(
            rx.el.option(everything, value=""),
            rx.foreach(options, lambda o: rx.el.option(o.label, value=o.value)),
            id=control_id,
            name=field,
            default_value=shown,
            key=f"{field}-{AuditState.form_key}",
            data_testid=control_id,
        ),
        control_id,
    )


_ACTION_CHOICES = [Choice(value, label) for value, label in ACTION_LABELS.items()]


def _action_select() -> rx.Component:
    return labelled(
        "Action",
        rx.el.select(
            rx.el.option("All actions", value=""),
            *[
                rx.el.option(
                    f"{c.label} ({c.value})" if not c.value.endswith(".") else c.label,
                    value=c.value,
                )
                for c in _ACTION_CHOICES
            ],
            id="audit-action",
            name="action",
            default_value=AuditState.shown_action,
            key=f"action-{AuditState.form_key}",
            data_testid="audit-action",
        ),
        "audit-action",
    )


def _date(label: str, field: str, shown: Any) -> rx.Component:
    control_id = f"audit-{field}"
    return labelled(
        label,
        rx.input(
            id=control_id,
            name=field,
            type="date",
            default_value=shown,
            key=f"{field}-{AuditState.form_key}",
            data_testid=control_id,
        ),
        control_id,
    )


def _filters() -> rx.Component:
    return rx.el.form(
        rx.hstack(
            labelled(
                "Patient (id or name)",
                rx.input(
                    id="audit-patient",
                    name="patient",
                    default_value=AuditState.shown_patient,
                    key=f"patient-{AuditState.form_key}",
                    max_length=200,
                    auto_complete="off",
                    width="200px",
                    data_testid="audit-patient",
                ),
                "audit-patient",
            ),
            _select("User", "user", AuditState.users, AuditState.shown_user, "All users"),
            _action_select(),
            _date("From", "from", AuditState.shown_from),
            _date("To", "to", AuditState.shown_to),
            rx.button("Show", type="submit", data_testid="audit-apply"),
            rx.link("Clear", href="/audit", data_testid="audit-clear"),
            align="end",
            spacing="3",
            wrap="wrap",
        ),
        on_submit=AuditState.apply,
        reset_on_submit=False,
        margin_bottom="16px",
        aria_label="Filter the audit trail",
    )


def _patient_choices() -> rx.Component:
    return rx.cond(
        AuditState.patient_choices.length() > 0,
        rx.el.ul(
            rx.foreach(
                AuditState.patient_choices,
                lambda c: rx.el.li(
                    rx.button(
                        c.label,
                        variant="soft",
                        on_click=AuditState.pick_patient(c.value),
                        data_testid="audit-patient-choice",
                    ),
                    margin_bottom="4px",
                ),
            ),
            list_style="none",
            padding="0",
            aria_label="Matching patients",
        ),
    )


def _row(row: RowView) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.time, white_space="nowrap"),
        rx.table.row_header_cell(
            rx.text(row.user, weight="medium"), rx.text(row.role, size="1", color="var(--gray-11)")
        ),
        rx.table.cell(
            rx.text(row.action_label),
            rx.el.code(row.action, class_name="rt-Text rt-r-size-1"),
        ),
        rx.table.cell(row.concerns, data_testid="audit-concerns"),
        rx.table.cell(row.ip, white_space="nowrap"),
        rx.table.cell(
            rx.cond(
                row.refused,
                rx.badge("Refused", color_scheme="red"),
                rx.badge("Done", color_scheme="gray"),
            )
        ),
        rx.table.cell(rx.text(row.details, size="1"), max_width="240px", word_break="break-all"),
        data_testid="audit-row",
        data_action=row.action,
        data_row_id=row.row_id,
    )


def _person(person: PersonView) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.text(person.name, weight="medium"),
            rx.text(person.role, size="1", color="var(--gray-11)"),
        ),
        rx.table.cell(person.accesses),
        rx.table.cell(person.first, white_space="nowrap"),
        rx.table.cell(person.last, white_space="nowrap"),
        rx.table.cell(person.actions),
        rx.table.cell(person.ips),
        data_testid="access-person",
    )


def _report() -> rx.Component:
    return rx.vstack(
        rx.heading(
            "Access report: ",
            AuditState.report_patient,
            as_="h2",
            size="4",
            data_testid="report-title",
        ),
        rx.text(
            "Who opened, changed or downloaded this patient's records and files, and their "
            "details: when and from where.",
            size="2",
        ),
        rx.cond(
            AuditState.people.length() > 0,
            data_table(
                ["Who", "Accesses", "First", "Last", "What", "From (IP)"],
                AuditState.people,
                _person,
                "access-people",
            ),
            rx.text("Nobody has reached this patient's data yet.", data_testid="access-none"),
        ),
        rx.heading("Every access", as_="h2", size="4", margin_top="8px"),
        width="100%",
        spacing="3",
    )


def _pager() -> rx.Component:
    return rx.hstack(
        rx.button(
            "Newer",
            variant="soft",
            on_click=AuditState.newer,
            disabled=~AuditState.has_newer,
            data_testid="audit-newer",
        ),
        rx.button(
            "Older",
            variant="soft",
            on_click=AuditState.older,
            disabled=~AuditState.has_older,
            data_testid="audit-older",
        ),
        spacing="3",
    )


def _trail() -> rx.Component:
    return rx.vstack(
        _filters(),
        _patient_choices(),
        page_message(AuditState.message, "audit-message"),
        rx.hstack(
            # A document load, not the app's own routing: the browser downloads the file.
            rx.link(
                "Export CSV",
                href=AuditState.export_href,
                reload_document=True,
                download="medrec-audit.csv",
                data_testid="audit-export",
            ),
            rx.cond(
                AuditState.shown_patient != "",
                rx.cond(
                    AuditState.is_report,
                    rx.fragment(),
                    rx.button(
                        "Access report for this patient",
                        variant="soft",
                        on_click=AuditState.report_only,
                        data_testid="audit-report-link",
                    ),
                ),
            ),
            spacing="4",
            align="center",
        ),
        rx.cond(AuditState.is_report, _report()),
        rx.cond(
            AuditState.rows.length() > 0,
            data_table(
                ["Time", "User", "Action", "Concerns", "From (IP)", "Outcome", "Details"],
                AuditState.rows,
                _row,
                "audit-table",
            ),
            rx.cond(
                AuditState.message == "",
                rx.text("No audit rows match these filters.", data_testid="audit-empty"),
            ),
        ),
        _pager(),
        visually_hidden("Times are in the clinic's time zone."),
        width="100%",
        spacing="3",
    )


def audit_page() -> rx.Component:
    return signed_in_page(
        rx.heading("Audit trail", size="6", margin_bottom="4px"),
        rx.text(
            "Every access to and change of the clinic's data. Times are the clinic's (",
            AuditState.clinic_timezone,
            ").",
            size="2",
            margin_bottom="16px",
        ),
        rx.match(
            AuditState.status,
            ("ready", _trail()),
            (
                "refused",
                rx.callout(
                    AuditState.message,
                    color_scheme="red",
                    role="alert",
                    data_testid="audit-refused",
                ),
            ),
            rx.spinner(),
        ),
        max_width="1300px",
    )
