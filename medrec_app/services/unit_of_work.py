"""The one way pages and routes reach the services: one call, one transaction.

A page or a route never opens a database session. It hands a service function and its
arguments to :func:`run` (or :func:`run_as` with the browser's session token), which
opens the transaction, commits it when the service returns and rolls it back when it
raises. A database that cannot be reached becomes one typed error,
``ServiceUnavailable``; every other error passes through as the service raised it.

A refusal (``PermissionDenied``, or ``NotFound``, which is also the answer for another
clinic's rows) rolls the call back, and with it any audit row the service wrote; so the
refusal is audited here, in a transaction of its own, as one ``<what>.denied`` row.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session

from medrec_app.db import session_scope
from medrec_app.domain.permissions import Actor, PermissionDenied
from medrec_app.services import accounts, audit
from medrec_app.services.errors import NotFound, NotSignedIn, ServiceUnavailable

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

# Connection refused or lost, the server shutting down, a pool with no free connection,
# a deadlock or serialization failure (psycopg reports those as OperationalError too):
# retrying the same call can succeed. A DataError or IntegrityError cannot; it is a bug
# or a refusal, and retrying it would only block what comes after it.
OUTAGES = (OperationalError, InterfaceError, PoolTimeout)
DENIALS = (PermissionDenied, NotFound)


def run(service: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``service(session, *args, **kwargs)`` in one transaction."""
    actor = next((arg for arg in args if isinstance(arg, Actor)), None)
    try:
        return _in_transaction(service, *args, **kwargs)
    except DENIALS as exc:
        _audit_denial(exc, actor, service, args, kwargs)
        raise


def run_as(
    session_token: str,
    service: Callable[Concatenate[Session, Actor, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """``service(session, actor, ...)`` as the user signed in with ``session_token``.

    The session is checked (and its idle timer moved on) in the same transaction.
    Raises ``NotSignedIn`` when the token names no live session.
    """
    acting: list[Actor] = []

    def as_user(session: Session) -> T:
        actor = accounts.actor_for_token(session, session_token)
        if actor is None:
            raise NotSignedIn()
        acting.append(actor)
        return service(session, actor, *args, **kwargs)

    try:
        return _in_transaction(as_user)
    except DENIALS as exc:
        _audit_denial(exc, acting[0] if acting else None, service, (None, *args), kwargs)
        raise


def _in_transaction(service: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        with session_scope() as session:
            return service(session, *args, **kwargs)
    except OUTAGES as exc:
        raise ServiceUnavailable() from exc


def _audit_denial(
    exc: Exception,
    actor: Actor | None,
    service: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    """One ``*.denied`` row: who (the actor), what was asked (the service and the ids it
    was given), the outcome, and the client address (set by the entry point)."""
    if isinstance(exc, PermissionDenied):
        action, outcome = f"{exc.action}.denied", "forbidden"
    else:
        action, outcome = f"{exc.what}.denied", "not_found"
    details = {
        "outcome": outcome,
        "service": f"{service.__module__.removeprefix('medrec_app.services.')}.{service.__name__}",
        "asked": _ids_asked(service, args, kwargs),
    }
    try:
        with session_scope() as session:
            audit.record(session, actor, action[:64], details=details)
    except OUTAGES:
        log.warning("could not audit a refused %s: the database is unreachable", action)


def _ids_asked(
    service: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, int]:
    """The integer arguments of the call, by parameter name: ids, never text (no PHI)."""
    try:
        bound = inspect.signature(service).bind_partial(None, *args, **kwargs).arguments
    except (TypeError, ValueError):
        bound = dict(kwargs)
    return {
        name: value
        for name, value in bound.items()
        if isinstance(value, int) and not isinstance(value, bool)
    }
