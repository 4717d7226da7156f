"""The patient form's and chart's helpers: each refusal lands by its own field, ages, and
the chart's demographics."""

from __future__ import annotations

from datetime import date

import pytest

from medrec_app.domain.patient_details import FIELD_LABELS, DetailsRefused, check_details
from medrec_app.pages.patients.form import field_problems, form_values
from medrec_app.pages.patients.state import age_label, detail_rows
from medrec_app.services.patients import PatientPublic

TODAY = date(2026, 12, 1)
GOOD = {"first_name": "Jane", "last_name": "Doe", "date_of_birth": "1984-03-12"}
BAD = {
    "first_name": "",
    "last_name": "x" * 101,
    "date_of_birth": "2030-01-01",
    "sex": "robot",
    "phone": "call me",
    "email": "jane@",
    "address": "a\x07b",
    "external_id": "-MRN",
}


@pytest.mark.parametrize("field", list(BAD))
def test_each_refused_field_is_shown_by_that_field_alone(field: str) -> None:
    with pytest.raises(DetailsRefused) as refused:
        check_details(GOOD | {field: BAD[field]}, TODAY)
    by_field, other = field_problems(refused.value.problems)
    assert other == []
    assert by_field[field] and not by_field[field].startswith(FIELD_LABELS[field])
    assert [name for name, text in by_field.items() if text] == [field]


def test_every_bad_field_at_once_and_a_message_about_no_field() -> None:
    with pytest.raises(DetailsRefused) as refused:
        check_details(BAD, TODAY)
    by_field, other = field_problems([*refused.value.problems, "Something else went wrong."])
    assert all(by_field.values())
    assert by_field["date_of_birth"] == "it is in the future."
    assert other == ["Something else went wrong."]


def test_an_external_id_taken_lands_by_the_external_id() -> None:
    by_field, other = field_problems(
        ["External id: 'MRN-7' is already used by another patient of this clinic."]
    )
    assert by_field["external_id"] == "'MRN-7' is already used by another patient of this clinic."
    assert other == []


def test_form_values_are_every_field_as_text_capped() -> None:
    values = form_values({"first_name": "Jane", "address": "x" * 5000, "extra": "ignored"})
    assert list(values) == list(FIELD_LABELS)
    assert values["first_name"] == "Jane" and values["sex"] == ""
    assert len(values["address"]) == 1000


@pytest.mark.parametrize(
    ("born", "label"),
    [
        (date(1984, 3, 12), "42 years"),
        (date(1984, 12, 1), "42 years"),
        (date(1984, 12, 2), "41 years"),
        (date(2025, 1, 1), "23 months"),
        (date(2024, 12, 1), "2 years"),
        (date(2026, 10, 31), "1 month"),
        (date(2026, 11, 20), "0 months"),
    ],
)
def test_age(born: date, label: str) -> None:
    assert age_label(born, TODAY) == label


def test_the_charts_details_say_what_is_not_given() -> None:
    patient = PatientPublic(
        id=1, first_name="Jane", last_name="Doe", date_of_birth=date(1984, 3, 12),
        sex="female", phone="+31 20 555 0199", address="Main St 1\nAmsterdam",
    )  # fmt: skip
    rows = {row.label: row.value for row in detail_rows(patient, TODAY)}
    assert rows == {
        "Date of birth": "12 Mar 1984 (42 years)",
        "Sex": "Female",
        "Phone": "+31 20 555 0199",
        "Email": "Not given",
        "Address": "Main St 1\nAmsterdam",
        "External id": "Not given",
    }
