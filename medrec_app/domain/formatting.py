"""Display formatting shared by pages and exports: dates and times in the clinic's zone, sizes."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_date(value: datetime, zone: str) -> str:
    return value.astimezone(_zone(zone)).strftime("%a %d %b %Y")


def local_day(value: datetime, zone: str) -> date:
    return value.astimezone(_zone(zone)).date()


def local_time(value: datetime, zone: str) -> str:
    return value.astimezone(_zone(zone)).strftime("%H:%M")


def calendar_date(value: date) -> str:
    """A date with no time or zone, such as a date of birth: ``"12 Mar 1984"``."""
    return value.strftime("%d %b %Y")


def local_datetime(value: datetime | None, zone: str) -> str:
    if value is None:
        return ""
    return f"{local_date(value, zone)} {local_time(value, zone)}"


def local_timestamp(value: datetime, zone: str) -> str:
    """To the second, for the audit trail: ``"Mon 02 Mar 2026 14:05:09"``."""
    return value.astimezone(_zone(zone)).strftime("%a %d %b %Y %H:%M:%S")


_SIZE_UNITS = ("KB", "MB", "GB", "TB")


def human_size(size: int) -> str:
    """``2_500_000`` -> ``"2.4 MB"``: binary units, one decimal below 10, none above."""
    if size < 1024:
        return f"{max(size, 0)} B"
    value = float(size)
    for unit in _SIZE_UNITS:
        value /= 1024
        if value < 1024 or unit == _SIZE_UNITS[-1]:
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    raise AssertionError("unreachable")


def page_count_label(pages: int | None) -> str:
    if pages is None:
        return ""
    return "1 page" if pages == 1 else f"{pages} pages"
