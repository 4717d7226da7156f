"""Record page for one appointment: a read-only summary until the editor lands."""

from __future__ import annotations

import dataclasses

import reflex as rx

from medrec_app.components.format import local_datetime
from medrec_app.components.layout import signed_in_page
from medrec_app.db import session_scope
from medrec_app.services import records
from medrec_app.services.errors import NotFound
from medrec_app.state import AuthState


@dataclasses.dataclass
class FieldView:
    label: str
    value: str


def _field_views(form_data: dict) -> list[FieldView]:
    views: list[FieldView] = []
    for key, value in form_data.items():
        label = key.replace("_", " ").capitalize()
        if isinstance(value, dict):
            inner = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in value.items())
            views.append(FieldView(label, inner))
        else:
            views.append(FieldView(label, "" if value is None else str(value)))
    return views


class RecordState(AuthState):
    status: str = "loading"  # loading | found | not_found
    patient_name: str = ""
    patient_dob: str = ""
    visit_time: str = ""
    practitioner_name: str = ""
    has_record: bool = False
    template_name: str = ""
    fields: list[FieldView] = []
    drawing_summary: str = ""
    last_saved: str = ""

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        actor = self._begin_page()
        if actor is None:
            return self._to_sign_in()
        self.status = "loading"
        raw_id = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        try:
            with session_scope() as session:
                summary = records.get_record_summary(session, actor, _parse_id(raw_id))
        except NotFound:
            self.reset()
            self._load_identity(actor)
            self.status = "not_found"
            return None
        zone = self.clinic_timezone
        self.patient_name = summary.patient_name
        self.patient_dob = summary.patient_date_of_birth
        self.visit_time = local_datetime(summary.starts_at, zone)
        self.practitioner_name = summary.practitioner_name
        self.has_record = summary.record_id is not None
        self.template_name = summary.template_name or ""
        self.fields = _field_views(summary.form_data)
        self.drawing_summary = f"{summary.line_count} strokes, {summary.shape_count} shapes" + (
            f", {summary.background_type} background" if summary.background_type else ""
        )
        last = local_datetime(summary.updated_at, zone)
        self.last_saved = (
            f"{last} by {summary.updated_by_name}" if summary.updated_by_name else last
        )
        self.status = "found"
        return None


def _parse_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 10:
        raise NotFound("appointment")
    return int(raw)


def _found() -> rx.Component:
    return rx.vstack(
        rx.heading(RecordState.patient_name, size="6", data_testid="record-patient"),
        rx.text("Born ", RecordState.patient_dob, color_scheme="gray"),
        rx.text("Visit: ", RecordState.visit_time, " with ", RecordState.practitioner_name),
        rx.cond(
            RecordState.has_record,
            rx.vstack(
                rx.text("Template: ", RecordState.template_name),
                rx.text("Last saved: ", RecordState.last_saved, data_testid="record-saved"),
                rx.data_list.root(
                    rx.foreach(
                        RecordState.fields,
                        lambda f: rx.data_list.item(
                            rx.data_list.label(f.label), rx.data_list.value(f.value)
                        ),
                    ),
                    data_testid="record-fields",
                ),
                rx.text("Drawing: ", RecordState.drawing_summary, data_testid="record-drawing"),
                align="start",
            ),
            rx.callout(
                "No record has been started for this appointment yet.",
                data_testid="record-empty",
            ),
        ),
        align="start",
        spacing="3",
        data_testid="record-summary",
    )


def record_page() -> rx.Component:
    return signed_in_page(
        rx.link("← Appointments", href="/", data_testid="back-to-appointments"),
        rx.match(
            RecordState.status,
            ("found", _found()),
            (
                "not_found",
                rx.callout(
                    "Not found: this appointment does not exist or is not in your clinic.",
                    color_scheme="red",
                    data_testid="not-found",
                ),
            ),
            rx.spinner(),
        ),
    )
