"""Patient details as the front desk types them (issue 12, item 3): each bad field named."""

from __future__ import annotations

from datetime import date

import pytest

from medrec_app.domain.patient_details import DetailsRefused, Sex, check_details

TODAY = date(2026, 12, 1)
GOOD = {"first_name": "  Jane ", "last_name": "Doe", "date_of_birth": "1984-03-12"}


def test_a_minimal_patient_and_a_full_one() -> None:
    minimal = check_details(GOOD, TODAY)
    assert (minimal.first_name, minimal.date_of_birth, minimal.phone) == (
        "Jane",
        date(1984, 3, 12),
        None,
    )
    full = check_details(
        GOOD
        | {
            "sex": "Female",
            "phone": "+31 (0)20 555-0199",
            "email": "jane@example.org",
            "address": "Prinsengracht 263\n\n1016 GV  Amsterdam\n",
            "external_id": "MRN-004512",
        },
        TODAY,
    )
    assert full.sex is Sex.FEMALE
    assert full.address == "Prinsengracht 263\n1016 GV Amsterdam"
    assert full.external_id == "MRN-004512"


def test_names_in_any_script_are_kept() -> None:
    kept = check_details(GOOD | {"first_name": "Zoë", "last_name": "Ōtsuka-Nguyễn"}, TODAY)
    assert (kept.first_name, kept.last_name) == ("Zoë", "Ōtsuka-Nguyễn")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"first_name": ""}, "First name: enter a name."),
        ({"last_name": "x" * 101}, "Last name: at most 100 characters."),
        ({"date_of_birth": "12/03/1984"}, "Date of birth: enter a full date, like 1984-03-12."),
        ({"date_of_birth": "2026-12-02"}, "Date of birth: it is in the future."),
        ({"date_of_birth": "1899-12-31"}, "Date of birth: before 1900; check the year."),
        ({"sex": "f"}, "Sex: choose one of female, male, other, unknown."),
        ({"phone": "call me"}, "Phone: use digits, spaces and + ( ) - . / only"),
        ({"email": "jane@"}, "Email: 'jane@' is not an email address"),
        ({"external_id": "=cmd|' /C calc'!A0"}, "External id: up to 100 letters, digits"),
        ({"address": "a\x07b"}, "Address: remove the control characters."),
    ],
)
def test_each_bad_field_is_named(change: dict, problem: str) -> None:
    with pytest.raises(DetailsRefused) as refused:
        check_details(GOOD | change, TODAY)
    assert len(refused.value.problems) == 1
    assert refused.value.problems[0].startswith(problem)


def test_all_problems_are_told_together() -> None:
    with pytest.raises(DetailsRefused) as refused:
        check_details({"first_name": "", "date_of_birth": "tomorrow", "sex": "x"}, TODAY)
    assert [p.split(":")[0] for p in refused.value.problems] == [
        "First name",
        "Last name",
        "Date of birth",
        "Sex",
    ]
