"""The patient pages' input parsing and the script that opens a file link."""

from __future__ import annotations

from datetime import date

import pytest

from medrec_app.pages.patients.state import open_in_new_tab_script, parse_birth_date, parse_id
from medrec_app.services.errors import NotFound


@pytest.mark.parametrize("value", [7, "7", "0007"])
def test_ids_from_the_browser_are_positive_integers(value):
    assert parse_id(value, "file") == 7


@pytest.mark.parametrize(
    "value", [0, "0", -1, "-1", "1e3", "", "12345678901", True, None, 1.5, [1]]
)
def test_anything_else_is_not_found_like_a_missing_id(value):
    with pytest.raises(NotFound, match="The patient was not found"):
        parse_id(value, "patient")


def test_birth_date_from_a_date_input():
    assert parse_birth_date("1984-03-12") == date(1984, 3, 12)
    assert parse_birth_date("  ") is None
    with pytest.raises(ValueError, match="full date"):
        parse_birth_date("1984-02-30")


def test_link_script_quotes_the_url_and_drops_the_opener():
    url = "/files/abc?sig=x'y\"z</script>"
    script = open_in_new_tab_script(url)
    assert "'_blank'" in script and "w.opener = null" in script
    assert '"/files/abc?sig=x\'y\\"z</script>"' in script
    assert script.count("window.location.assign") == 1
