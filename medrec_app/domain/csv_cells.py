"""CSV that a spreadsheet opens as text, never as formulas (OWASP "CSV injection").

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
taken by Excel, LibreOffice and Google Sheets as the start of a formula; a user's name,
an action or any other text in an exported file could then run something on the
reader's machine (``=cmd|' /C calc'!A0``). Such a cell gets a leading ``'``, which the
spreadsheet shows as text. The csv module quotes the rest (commas, quotes, line breaks).

Any code that writes CSV for people to open (exports) uses :func:`csv_text`; an importer
reading a file back can recognise escaped cells with :func:`unescape_cell`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""The first characters OWASP lists as starting a formula."""

ESCAPE = "'"


def safe_cell(value: object) -> str:
    """``value`` as cell text; text a spreadsheet would run as a formula gets a ``'``.

    ``None`` is an empty cell. Numbers are text like any other value, so a negative
    number (``-3``) is escaped too: the file is for reading, not for sums.
    """
    if value is None:
        return ""
    text = str(value)
    return ESCAPE + text if text.startswith(FORMULA_STARTS) else text


def unescape_cell(text: str) -> str:
    """The value :func:`safe_cell` escaped (``"'=1+1"`` -> ``"=1+1"``); other text as is."""
    if text.startswith(ESCAPE) and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    """The rows as CSV text (RFC 4180: CRLF line ends, quotes where needed), every cell
    through :func:`safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
