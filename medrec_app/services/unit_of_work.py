"""The one way pages and routes reach the services: one call, one transaction.

A page or a route never opens a database session. It hands a service function and its
arguments to :func:`run` (or :func:`run_as` with the browser's session token), which
opens the transaction, commits it when the service returns and rolls it back when it
raises. A database that cannot be reached becomes one typed error,
``ServiceUnavailable``; every other error passes through as the service raised it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session

from medrec_app.db import session_scope
from medrec_app.domain.permissions import Actor
from medrec_app.services import accounts
from medrec_app.services.errors import NotSignedIn, ServiceUnavailable

P = ParamSpec("P")
T = TypeVar("T")

# Connection refused or lost, the server shutting down, a pool with no free connection,
# a deadlock or serialization failure (psycopg reports those as OperationalError too):
# retrying the same call can succeed. A DataError or IntegrityError cannot; it is a bug
# or a refusal, and retrying it would only block what comes after it.
OUTAGES = (OperationalError, InterfaceError, PoolTimeout)


def run(service: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``service(session, *args, **kwargs)`` in one transaction."""
    try:
        with session_scope() as session:
            return service(session, *args, **kwargs)
    except OUTAGES as exc:
        raise ServiceUnavailable() from exc


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

    def as_user(session: Session) -> T:
        actor = accounts.actor_for_token(session, session_token)
        if actor is None:
            raise NotSignedIn()
        return service(session, actor, *args, **kwargs)

    return run(as_user)
