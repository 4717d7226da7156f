"""The patient details form, in a dialog: register a patient (from the patients page) or
edit one (from their chart).

The inputs are uncontrolled (``default_value``): what a person types stays in the browser
until they save, and after a refusal it is still there, with each refused field's message
beside it (the service names the field at the start of each message). A possible
duplicate (same name and date of birth) is shown with links to the matching patients; the
"Register anyway" button submits the form again, and the warning is skipped only when the
name and date of birth are still the ones warned about.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from medrec_app.components.labels import field_label
from medrec_app.components.messages import page_message
from medrec_app.domain import patient_details
from medrec_app.domain.formatting import calendar_date
from medrec_app.domain.patient_details import FIELD_LABELS, Sex, problem_field
from medrec_app.pages.patients.state import PatientFilesState, patient_id_in_path
from medrec_app.services import patients
from medrec_app.services.errors import ValidationFailed
from medrec_app.state import AuthState, service_event

SEX_LABELS = {"": "Not given", **{s.value: s.value.capitalize() for s in Sex}}
MAX_SENT_CHARS = 1000
"""What a handler passes on of one field (the service refuses anything near this)."""


def field_problems(messages: list[str]) -> tuple[dict[str, str], list[str]]:
    """The service's messages by field (without the label they start with), and those
    about no field."""
    by_field = dict.fromkeys(FIELD_LABELS, "")
    other = []
    for message in messages:
        field, rest = problem_field(message)
        if not field or not rest:
            other.append(message)
        else:
            by_field[field] = f"{by_field[field]} {rest}".strip()
    return by_field, other


def form_values(form: dict[str, Any]) -> dict[str, str]:
    """The form's fields, as the service takes them (each capped in length)."""
    return {name: str(form.get(name) or "")[:MAX_SENT_CHARS] for name in FIELD_LABELS}


def _same_person_key(values: dict[str, str]) -> str:
    return "\n".join(
        " ".join(values[name].split()).lower()
        for name in ("first_name", "last_name", "date_of_birth")
    )


@dataclasses.dataclass
class DuplicateRow:
    patient_id: int
    name: str
    date_of_birth: str
    href: str


class PatientFormState(AuthState):
    open: bool = False
    mode: str = "register"  # register | edit
    values: dict[str, str] = dict.fromkeys(FIELD_LABELS, "")
    """What the inputs start with when the dialog opens."""
    errors: dict[str, str] = dict.fromkeys(FIELD_LABELS, "")
    message: str = ""
    duplicates: list[DuplicateRow] = []

    _warned: str = ""
    """The name and birth date the duplicate warning was about."""
    _patient_id: int = 0

    def _refused(self, message: str) -> rx.event.EventSpec | None:
        """In the dialog when it is open; else (opening it was refused) as a toast."""
        self._clear()
        if not self.open:
            return rx.toast.error(message)
        self.message = message
        return None

    def _clear(self) -> None:
        self.errors = dict.fromkeys(FIELD_LABELS, "")
        self.message, self.duplicates, self._warned = "", [], ""

    @rx.event
    def open_register(self) -> None:
        self._clear()
        self.mode, self._patient_id = "register", 0
        self.values = dict.fromkeys(FIELD_LABELS, "")
        self.open = True

    @service_event
    def open_edit(self) -> None:
        """The chart's patient, read fresh, in the form."""
        self._clear()
        patient_id = patient_id_in_path(self.router.url.path)
        found = self._call(patients.read_patient, patient_id)
        self.mode, self._patient_id = "edit", found.id
        self.values = {
            name: "" if value is None else str(value)
            for name, value in found.model_dump(include=set(FIELD_LABELS)).items()
        }
        self.open = True

    @rx.event
    def set_open(self, value: bool) -> None:
        self.open = bool(value)
        if not self.open:
            self._clear()

    @service_event
    def save(self, form: dict[str, Any]) -> Any:
        values = form_values(form)
        self.values = values
        warned, self._warned = self._warned, ""
        self.errors = dict.fromkeys(FIELD_LABELS, "")
        self.message, self.duplicates = "", []
        try:
            if self.mode == "edit":
                self._call(patients.update_patient, self._patient_id, values)
                self.open = False
                return PatientFilesState.details_changed
            allow = bool(warned) and warned == _same_person_key(values)
            made = self._call(patients.register_patient, values, allow_duplicate=allow)
        except patients.PossibleDuplicate as duplicate:
            self._warned = _same_person_key(values)
            self.duplicates = [
                DuplicateRow(
                    patient_id=p.id,
                    name=f"{p.first_name} {p.last_name}",
                    date_of_birth=calendar_date(p.date_of_birth),
                    href=f"/patients/{p.id}",
                )
                for p in duplicate.matches
            ]
            return None
        except ValidationFailed as refused:
            self.errors, other = field_problems(refused.messages)
            self.message = " ".join(other) or "Check the fields marked below."
            return None
        self.open = False
        return rx.redirect(f"/patients/{made.id}")


def _field(name: str, control: rx.Component) -> rx.Component:
    error = PatientFormState.errors[name]
    return rx.box(
        field_label(FIELD_LABELS[name], html_for=f"patient-{name}", display="block"),
        control,
        rx.cond(
            error != "",
            rx.text(
                error,
                id=f"patient-error-{name}",
                color_scheme="red",
                size="1",
                data_testid=f"error-{name}",
            ),
        ),
        width="100%",
    )


def _control_props(name: str) -> dict[str, Any]:
    has_error = PatientFormState.errors[name] != ""
    return {
        "id": f"patient-{name}",
        "name": name,
        "default_value": PatientFormState.values[name],
        "aria_invalid": rx.cond(has_error, "true", "false"),
        "aria_describedby": rx.cond(has_error, f"patient-error-{name}", ""),
        "data_testid": f"patient-field-{name}",
        "width": "100%",
    }


def _text(name: str, max_length: int, **props: Any) -> rx.Component:
    return _field(name, rx.input(max_length=max_length, **_control_props(name), **props))


def _duplicates() -> rx.Component:
    return rx.callout.root(
        rx.callout.text(
            "This clinic already has a patient with this name and date of birth. Check "
            "that it is not the same person; register anyway only if it is someone else."
        ),
        rx.el.ul(
            rx.foreach(
                PatientFormState.duplicates,
                lambda d: rx.el.li(
                    rx.link(
                        d.name,
                        href=d.href,
                        # A new tab: what was typed here stays.
                        target="_blank",
                        rel="noopener",
                        data_testid="duplicate-link",
                    ),
                    ", born ",
                    d.date_of_birth,
                    data_testid="duplicate-row",
                ),
            ),
            style={"paddingLeft": "20px", "margin": "0"},
        ),
        color_scheme="orange",
        role="alert",
        data_testid="possible-duplicates",
        width="100%",
    )


def _buttons() -> rx.Component:
    return rx.hstack(
        rx.dialog.close(
            rx.button("Cancel", type="button", variant="soft", color_scheme="gray"),
        ),
        rx.cond(
            PatientFormState.duplicates.length() > 0,
            rx.button("Register anyway", type="submit", data_testid="register-anyway"),
            rx.button(
                rx.cond(PatientFormState.mode == "edit", "Save details", "Register patient"),
                type="submit",
                data_testid="patient-form-submit",
            ),
        ),
        justify="end",
        spacing="3",
        width="100%",
    )


def _form() -> rx.Component:
    return rx.form(
        rx.vstack(
            page_message(PatientFormState.message, "patient-form-message"),
            rx.hstack(
                _text("first_name", patient_details.MAX_NAME_CHARS, auto_complete="off"),
                _text("last_name", patient_details.MAX_NAME_CHARS, auto_complete="off"),
                spacing="3",
                width="100%",
            ),
            rx.hstack(
                _field("date_of_birth", rx.input(type="date", **_control_props("date_of_birth"))),
                _field(
                    "sex",
                    rx.el.select(
                        *[rx.el.option(label, value=value) for value, label in SEX_LABELS.items()],
                        **_control_props("sex"),
                    ),
                ),
                spacing="3",
                width="100%",
            ),
            rx.hstack(
                _text("phone", patient_details.MAX_PHONE_CHARS, type="tel", auto_complete="off"),
                _text("email", 254, type="email", auto_complete="off"),
                spacing="3",
                width="100%",
            ),
            _field(
                "address",
                rx.text_area(
                    rows="3",
                    max_length=patient_details.MAX_ADDRESS_CHARS,
                    **_control_props("address"),
                ),
            ),
            _text("external_id", patient_details.MAX_EXTERNAL_ID_CHARS, auto_complete="off"),
            rx.text(
                "Optional: the booking system's id or the clinic's MRN.",
                size="1",
                color="var(--gray-11)",
                margin_top="-8px",
            ),
            rx.cond(PatientFormState.duplicates.length() > 0, _duplicates()),
            _buttons(),
            spacing="3",
            width="100%",
        ),
        on_submit=PatientFormState.save,
        reset_on_submit=False,
        # The service checks every field and says what is wrong by it; the browser's own
        # checks (a bubble over the email field) would stop the form before it could.
        no_validate=True,
        data_testid="patient-form",
    )


def patient_form_dialog() -> rx.Component:
    """The dialog; a page opens it with ``PatientFormState.open_register`` or
    ``open_edit``."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(
                rx.cond(PatientFormState.mode == "edit", "Edit details", "Register a patient")
            ),
            rx.dialog.description(
                "First and last name and date of birth are needed; the rest is optional.",
                size="2",
                margin_bottom="12px",
            ),
            _form(),
            max_width="640px",
        ),
        open=PatientFormState.open,
        on_open_change=PatientFormState.set_open,
    )
