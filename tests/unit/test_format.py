"""Display formatting: sizes, file kinds, page counts and dates as people read them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from medrec_app.domain.file_types import type_label
from medrec_app.domain.formatting import (
    calendar_date,
    human_size,
    local_datetime,
    page_count_label,
)


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KB"),
        (1536, "1.5 KB"),
        (20 * 1024, "20 KB"),
        (2_500_000, "2.4 MB"),
        (100 * 1024 * 1024, "100 MB"),
        (3 * 1024**3, "3.0 GB"),
        (5 * 1024**5, "5120 TB"),
    ],
)
def test_human_size(size: int, shown: str):
    assert human_size(size) == shown


def test_type_label_names_the_stored_types_and_passes_others_through():
    assert type_label("image/jpeg") == "JPEG image"
    assert type_label("application/pdf") == "PDF document"
    assert type_label("text/plain") == "text/plain"


def test_page_count_label():
    assert page_count_label(None) == ""
    assert page_count_label(1) == "1 page"
    assert page_count_label(3) == "3 pages"


def test_birth_dates_have_no_zone_and_upload_times_are_in_the_clinics():
    assert calendar_date(date(1984, 3, 12)) == "12 Mar 1984"
    moment = datetime(2026, 1, 1, 23, 30, tzinfo=UTC)
    assert local_datetime(moment, "Europe/Berlin") == "Fri 02 Jan 2026 00:30"
