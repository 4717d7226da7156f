"""Exported CSV opens in a spreadsheet as text: formula starts are escaped (OWASP)."""

from __future__ import annotations

import csv
import io

import pytest

from medrec_app.domain.csv_cells import csv_text, safe_cell, unescape_cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        (-3, "'-3"),
        ("Dr. Smith", "Dr. Smith"),
        ("a=b", "a=b"),
        (" =1", " =1"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_formula_starts_get_a_quote_and_other_text_stays(value, cell) -> None:
    assert safe_cell(value) == cell


@pytest.mark.parametrize("text", ["=1+1", "+x", "-y", "@z", "\tq", "\rr", "plain", "'quoted"])
def test_unescape_gives_back_what_was_escaped(text) -> None:
    assert unescape_cell(safe_cell(text)) == text


def test_csv_text_quotes_separators_and_escapes_every_cell() -> None:
    text = csv_text([["name", "note"], ['=HYPERLINK("http://x")', 'a, "b"\nc']])
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["name", "note"], ['\'=HYPERLINK("http://x")', 'a, "b"\nc']]
