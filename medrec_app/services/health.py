"""What a load balancer asks: is the process up, and can it serve (``/healthz``, ``/readyz``).

Readiness checks what every request needs and nothing a user gave: the database answers
and its schema is at the newest migration (a worker of a newer release waits until the
owner has migrated), and the blob store answers (a stat of a key that never exists).
Each check says only ``ok`` or what is wrong, never an address, a name or an error's
text, since the balancer's logs are not the place for them.
"""

from __future__ import annotations

import logging

from pydantic import BaseModel
from sqlalchemy import text

from medrec_app.db import get_engine
from medrec_app.migrations import schema_is_current
from medrec_app.storage import get_store

log = logging.getLogger(__name__)

PROBE_KEY = "health/readiness-probe"
"""A key never written: asking whether it exists is the cheapest call every store answers."""
STATEMENT_TIMEOUT_MS = 2_000


class Readiness(BaseModel):
    ready: bool
    checks: dict[str, str]
    """``database``, ``migrations`` and ``blob_store``: ``ok`` or what is wrong."""


def readiness() -> Readiness:
    checks = {**_database(), "blob_store": _blob_store()}
    return Readiness(ready=all(v == "ok" for v in checks.values()), checks=checks)


def _database() -> dict[str, str]:
    try:
        with get_engine().connect() as connection:
            connection.execute(text(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}"))
            connection.execute(text("SELECT 1"))
            current = schema_is_current(connection)
            connection.rollback()
    except Exception as error:  # any failure means "not ready"; the log says which kind
        log.warning("readiness: database unreachable (%s)", type(error).__name__)
        return {"database": "unreachable", "migrations": "unknown"}
    return {"database": "ok", "migrations": "ok" if current else "not at the newest migration"}


def _blob_store() -> str:
    try:
        get_store().exists(PROBE_KEY)
    except Exception as error:  # as above
        log.warning("readiness: blob store unreachable (%s)", type(error).__name__)
        return "unreachable"
    return "ok"
