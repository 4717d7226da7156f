"""Strokes and shapes carried forward from the patient's last visit.

The editor can show the last visit's drawing faded under the current one and copy some
of its elements into this record. A copy keeps a reference to the record it came from,
and stays marked until the clinician confirms it: carrying a mark forward is not the
same as seeing it again today.

Both live in the element's id, so ``drawing_data`` keeps the spec's shape for every
reader and the marks travel with the element through saves, merges, history and export:

- ``carried.<recordId>.<YYYYMMDD>.<suffix>``: carried from record ``recordId`` (the
  visit of that date, in the clinic's time zone), not yet confirmed;
- ``from.<recordId>.<YYYYMMDD>.<suffix>``: the same once confirmed.

The suffix keeps ids unique. A record is not signed while any element is unconfirmed.
The browser's twin is ``assets/canvas/carry.js``; ``tests/fixtures/carried_ids.json``
holds ids both must read alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

_ID = re.compile(r"(carried|from)\.([1-9][0-9]{0,17})\.([0-9]{8})\.[A-Za-z0-9_-]{4,64}")


@dataclass(frozen=True)
class CarriedMark:
    record_id: int
    visit_date: date
    confirmed: bool


def carried_mark(element_id: object) -> CarriedMark | None:
    """What an element's id says of where it came from; None for an element drawn here."""
    if not isinstance(element_id, str):
        return None
    match = _ID.fullmatch(element_id)
    if match is None:
        return None
    kind, record_id, day = match.groups()
    try:
        visit = date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        return None
    return CarriedMark(int(record_id), visit, kind == "from")


def unconfirmed(drawing: Mapping[str, Any]) -> list[CarriedMark]:
    """The drawing's carried elements not yet confirmed, strokes first."""
    marks = []
    for key in ("lines", "shapes"):
        for element in drawing.get(key) or []:
            mark = carried_mark(element.get("id")) if isinstance(element, dict) else None
            if mark is not None and not mark.confirmed:
                marks.append(mark)
    return marks


def unconfirmed_message(marks: list[CarriedMark]) -> str:
    """Why a record with unconfirmed carried elements is not signed, in the user's words."""
    days = sorted({m.visit_date for m in marks})
    when = ", ".join(f"{d.day} {d:%b %Y}" for d in days)
    count = "1 mark" if len(marks) == 1 else f"{len(marks)} marks"
    return (
        f"{count} carried forward from the visit of {when} "
        f"{'is' if len(marks) == 1 else 'are'} not confirmed yet: confirm or remove "
        f"{'it' if len(marks) == 1 else 'them'} before signing."
    )
