"""The patient pages' date input parsing."""

from __future__ import annotations

from datetime import date

import pytest

from medrec_app.pages.patients.state import parse_birth_date


def test_birth_date_from_a_date_input():
    assert parse_birth_date("1984-03-12") == date(1984, 3, 12)
    assert parse_birth_date("  ") is None
    with pytest.raises(ValueError, match="full date"):
        parse_birth_date("1984-02-30")
