"""One JSON line per HTTP request and per Reflex event, for operators and their tools.

A line holds what an operator needs to follow a request across workers and to see what
is slow or failing, and nothing a patient could be recognised by::

    {"time": "2026-12-02T04:50:01.123Z", "type": "http", "request_id": "3f9c0a6be2d14e07",
     "user_id": 7, "clinic_id": 1, "route": "/api/patients/12", "method": "GET",
     "status": 200, "duration_ms": 12.4}

Only ids, the route, the event's name, a status and a duration are written: no names,
no form values, no file names, no query strings, no tokens or link secrets (a route
passes :func:`log_redaction.redact_text`, which removes the secret of a phone or
set-password link). The acting user is noted by the code that resolves it
(:func:`note_actor`), into the holder the request or event began with.

The lines are built here from those fields alone, so they are the one kind of record
the redacting record factory passes unchanged (it would blank a JSON object whole).
"""

from __future__ import annotations

import logging
import secrets
import sys
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson

from medrec_app.log_redaction import REQUEST_LOGGER, redact_text

log = logging.getLogger(REQUEST_LOGGER)


@dataclass
class RequestFacts:
    """What is known of one request or event while it runs."""

    request_id: str = field(default_factory=lambda: secrets.token_hex(8))
    user_id: int | None = None
    clinic_id: int | None = None
    outcome: str | None = None
    """What the code made of it, when the status alone would not say (``refused``)."""


_current: ContextVar[RequestFacts | None] = ContextVar("medrec_request", default=None)


def begin() -> RequestFacts:
    """Start the facts of the request or event this task now runs."""
    facts = RequestFacts()
    _current.set(facts)
    return facts


def current() -> RequestFacts | None:
    return _current.get()


def note_actor(user_id: int, clinic_id: int) -> None:
    """The acting user of the running request or event, if one is being logged."""
    facts = _current.get()
    if facts is not None:
        facts.user_id, facts.clinic_id = user_id, clinic_id


def note_outcome(outcome: str) -> None:
    facts = _current.get()
    if facts is not None:
        facts.outcome = outcome


def write(
    facts: RequestFacts, *, kind: str, status: int | str, seconds: float, **what: str
) -> None:
    """Log the line of a finished request (``route``, ``method``) or event (``event``)."""
    if not log.isEnabledFor(logging.INFO):
        return
    line = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "type": kind,
        "request_id": facts.request_id,
        "user_id": facts.user_id,
        "clinic_id": facts.clinic_id,
        **{key: redact_text(value) for key, value in what.items()},
        "status": facts.outcome or status,
        "duration_ms": round(seconds * 1000, 1),
    }
    log.info(orjson.dumps(line).decode())


def install() -> None:
    """Write the lines to standard output, one per line, whatever else is configured."""
    if log.handlers:
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
