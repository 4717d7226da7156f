"""The patient pages' date input parsing and the script that opens a file link."""

from __future__ import annotations

from datetime import date

import pytest

from medrec_app.pages.patients.state import open_in_new_tab_script, parse_birth_date


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
