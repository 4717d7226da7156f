"""Display formatting shared by pages: dates and times in the clinic's zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_date(value: datetime, zone: str) -> str:
    return value.astimezone(_zone(zone)).strftime("%a %d %b %Y")


def local_time(value: datetime, zone: str) -> str:
    return value.astimezone(_zone(zone)).strftime("%H:%M")


def local_datetime(value: datetime | None, zone: str) -> str:
    if value is None:
        return ""
    return f"{local_date(value, zone)} {local_time(value, zone)}"
