"""Audit trail: one row per access or change, written in the caller's transaction.

Rows carry ids and action names only. Never put names, clinical text or file names in
``details``: the audit table is read by people who may not see the records themselves.

Every row carries the client's IP. The entry point that knows it (the HTTP middleware,
the page state for websocket events) sets it for the call with :func:`client_address`,
so no service has to pass it along.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlmodel import Session

from medrec_app.domain.permissions import Actor
from medrec_app.models import AuditEvent

_client_ip: ContextVar[str | None] = ContextVar("medrec_client_ip", default=None)


@contextmanager
def client_address(ip: str | None) -> Iterator[None]:
    """Audit rows written meanwhile (in this context) carry ``ip``."""
    token = _client_ip.set(ip or None)
    try:
        yield
    finally:
        _client_ip.reset(token)


def current_client_ip() -> str | None:
    return _client_ip.get()


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    *,
    clinic_id: int | None = None,
    user_id: int | None = None,
    patient_id: int | None = None,
    appointment_id: int | None = None,
    record_id: int | None = None,
    file_id: int | None = None,
    ip: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an audit row to ``session``; it commits with the change it describes.

    An action through an API token names the token in ``details`` (``api_token_id``);
    one through a phone upload link names the link (``via``, ``link_id``).
    """
    if actor is not None and actor.token_id is not None:
        details = {**(details or {}), "api_token_id": actor.token_id}
    if actor is not None and actor.phone_link_id is not None:
        details = {**(details or {}), "via": "phone_link", "link_id": actor.phone_link_id}
    session.add(
        AuditEvent(
            clinic_id=actor.clinic_id if actor else clinic_id,
            user_id=actor.user_id if actor else user_id,
            action=action,
            patient_id=patient_id,
            appointment_id=appointment_id,
            record_id=record_id,
            file_id=file_id,
            ip=ip if ip is not None else _client_ip.get(),
            details=details or {},
        )
    )
