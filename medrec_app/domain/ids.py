"""Row ids from outside: URL paths, page events, operations and REST bodies.

Every table's id is a PostgreSQL ``integer``, so an id is a whole number from 1 to
2**31 - 1. A value outside that range cannot name a row: it is refused here, with the
same answer as an id that does not exist, instead of reaching the database, which would
refuse the whole statement (and, with it, every other change in the same save).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import PlainValidator

from medrec_app.domain.checks import whole_number

MAX_ID = 2**31 - 1
"""The largest PostgreSQL ``integer``: no row id is larger."""

_DECIMAL = re.compile(r"[0-9]{1,10}")


def parse_id(value: object) -> int | None:
    """``value`` as a row id, or None if it cannot be one.

    Accepts an ``int`` or a string of ASCII digits (what a URL or a form sends) in
    ``1..MAX_ID``; refuses ``bool``, signs, spaces, other scripts' digits (``"²"``,
    ``"٣"``) and anything out of range.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not _DECIMAL.fullmatch(value):
            return None
        value = int(value)
    if isinstance(value, int) and 1 <= value <= MAX_ID:
        return value
    return None


RowId = Annotated[int, PlainValidator(whole_number(1, MAX_ID))]
"""A row id inside a JSON document or an operation (``backgroundFileId``)."""
