"""When a visit is, checked field by field: start, length and visit type.

``check_times`` turns a booking form's or an API body's values into ``BookingTimes`` or
raises ``BookingRefused`` with one sentence per bad field, each naming the field. A start
without a zone is refused: an appointment is an instant, and guessing the zone would
book it an hour off twice a year. Overlap with the practitioner's other visits is not
refused here; the service warns of it (a clinic double-books on purpose at times).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

MIN_MINUTES = 5
MAX_MINUTES = 8 * 60
MAX_VISIT_TYPE_CHARS = 80
DURATION_CHOICES = (10, 15, 20, 30, 45, 60, 90, 120)
VISIT_TYPES = ("Consultation", "Follow-up", "New patient", "Procedure", "Review", "Phone call")
# How far from today a booking may lie: a typo in the year is caught, a real plan is not.
MAX_YEARS_AWAY = 5


class Status(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


class BookedIn(StrEnum):
    """Where the appointment's id comes from: the booking system's calendar, or medrec's
    own booking form (ids from ``FIRST_LOCAL_ID`` up)."""

    CALENDAR = "calendar"
    MEDREC = "medrec"


FIRST_LOCAL_ID = 1_000_000_000


@dataclass(frozen=True)
class BookingTimes:
    starts_at: datetime
    duration_minutes: int
    visit_type: str | None

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class BookingRefused(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def check_times(values: dict[str, Any], today: date) -> BookingTimes:
    """``starts_at`` (an aware datetime or ISO text with an offset), then exactly one of
    ``duration_minutes`` and ``ends_at``, and an optional ``visit_type``."""
    problems: list[str] = []
    start = _instant(values.get("starts_at"), "Start", problems)
    if start is not None and abs((start.date() - today).days) > MAX_YEARS_AWAY * 366:
        problems.append(f"Start: more than {MAX_YEARS_AWAY} years from today; check the year.")
        start = None
    minutes = _minutes(values, start, problems)
    visit_type = _visit_type(values.get("visit_type"), problems)
    if problems:
        raise BookingRefused(problems)
    assert start is not None and minutes is not None
    return BookingTimes(start, minutes, visit_type)


def local_start(day: Any, clock: Any, zone: ZoneInfo) -> datetime | str:
    """The instant of a form's day and clock time in the clinic's zone, or what is wrong.

    A clock time that does not exist that day (the hour skipped in spring) is refused
    rather than moved; an ambiguous one (autumn) is the first of the two.
    """
    try:
        on = date.fromisoformat(str(day or "").strip())
    except ValueError:
        return "Date: enter a full date, like 2026-12-01."
    try:
        at = time.fromisoformat(str(clock or "").strip())
    except ValueError:
        return "Time: enter a time of day, like 09:30."
    start = datetime.combine(on, at.replace(tzinfo=None), tzinfo=zone)
    round_trip = start.astimezone(ZoneInfo("UTC")).astimezone(zone)
    if round_trip.replace(tzinfo=None) != start.replace(tzinfo=None):
        return f"Time: {at:%H:%M} does not exist on {on} in {zone.key} (the clocks go forward)."
    return start


def _instant(value: Any, field: str, problems: list[str]) -> datetime | None:
    moment = value if isinstance(value, datetime) else None
    if moment is None:
        try:
            moment = datetime.fromisoformat(str(value or "").strip())
        except ValueError:
            problems.append(f"{field}: enter a date and time with its offset, like "
                            "2026-12-01T09:30:00+01:00.")  # fmt: skip
            return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        problems.append(f"{field}: give the time zone offset too, like +01:00 or Z.")
        return None
    return moment


def _minutes(values: dict[str, Any], start: datetime | None, problems: list[str]) -> int | None:
    duration, ends = values.get("duration_minutes"), values.get("ends_at")
    if duration in (None, "") and ends in (None, ""):
        problems.append("Duration: give the length in minutes (or when the visit ends).")
        return None
    if duration not in (None, "") and ends not in (None, ""):
        problems.append("Duration: give the length or the end, not both.")
        return None
    if ends not in (None, ""):
        end = _instant(ends, "End", problems)
        if end is None or start is None:
            return None
        if end <= start:
            problems.append("End: the appointment ends before it starts.")
            return None
        seconds = (end - start).total_seconds()
        if seconds % 60:
            problems.append("End: whole minutes after the start only.")
            return None
        duration = int(seconds // 60)
    try:
        minutes = int(str(duration).strip()) if not isinstance(duration, int) else duration
    except ValueError:
        problems.append("Duration: a whole number of minutes.")
        return None
    if isinstance(duration, bool) or not MIN_MINUTES <= minutes <= MAX_MINUTES:
        problems.append(f"Duration: between {MIN_MINUTES} and {MAX_MINUTES} minutes.")
        return None
    return minutes


def _visit_type(value: Any, problems: list[str]) -> str | None:
    text = " ".join(unicodedata.normalize("NFC", str(value or "")).split())
    if len(text) > MAX_VISIT_TYPE_CHARS:
        problems.append(f"Visit type: at most {MAX_VISIT_TYPE_CHARS} characters.")
        return None
    if any(unicodedata.category(ch)[0] == "C" for ch in text):
        problems.append("Visit type: remove the control characters.")
        return None
    return text or None
