"""Sign-in throttling that slows a guesser without locking the owner out.

Three counters, each a ``login_throttle`` row keyed by a hash (numbers in settings.py):

- **pair** (account, address): the first ``login_free_failures`` failures are free; each
  further one makes that pair wait before its next attempt, 1 s doubling up to
  ``login_max_delay_minutes``. A success clears it; so does a day after its first failure.
- **source** (address): ``login_source_max_failures`` failures in ``login_window_minutes``,
  across all accounts, refuse the address for the rest of its window (password spraying).
- **account**: ``login_account_max_failures`` failures in the window from addresses new
  to the account refuse further new addresses for the rest of the window (one password
  guessed from many addresses).

A pair that has signed in before is *known*: only its own pair rule holds it, so neither a
spray from a shared clinic network nor a distributed guess keeps an owner out of the place
they usually sign in from. The keys come from the typed email whether or not an account
has it, so an unknown email is throttled exactly like a known one.

Each attempt is counted *before* the password is checked (INSERT ... ON CONFLICT with the
rule in its WHERE clause, which takes the row lock), and given back at a success. So
concurrent attempts never get past a rule, and a refused attempt costs no argon2 work.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Table, case, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.sql.dml import ReturningInsert
from sqlmodel import Session

from medrec_app.domain.throttle import pair_delay, wait_seconds
from medrec_app.models import LoginThrottle
from medrec_app.settings import get_settings

# A pair's failures are forgotten this long after the first of them (or at a success).
PAIR_MEMORY = timedelta(hours=24)


@dataclass(frozen=True)
class Keys:
    pair: str
    source: str
    account: str

    @classmethod
    def of(cls, email: str, ip: str) -> Keys:
        """The counters of one attempt; ``email`` is already normalised."""
        return cls(_key("pair", f"{email}\n{ip}"), _key("ip", ip), _key("account", email))


@dataclass(frozen=True)
class Admitted:
    """The attempt is counted; ``delay`` is the pair's wait should it fail."""

    charged_caps: bool
    delay: timedelta


@dataclass(frozen=True)
class Refused:
    """No attempt: ``rule`` (pair, source or account) holds it for ``wait`` seconds."""

    rule: str
    wait: int


def admit(session: Session, keys: Keys, current: datetime) -> Admitted | Refused:
    """Count the attempt under every rule that applies, or count nothing and refuse it.

    Locks rows in one order (source, account, pair) so concurrent attempts cannot deadlock.
    """
    settings = get_settings()
    window = timedelta(minutes=settings.login_window_minutes)
    known = _is_known(session, keys.pair)
    savepoint = session.begin_nested()
    caps = [
        ("source", keys.source, settings.login_source_max_failures),
        ("account", keys.account, settings.login_account_max_failures),
    ]
    for rule, key, limit in [] if known else caps:
        refused = _take_window_slot(session, rule, key, limit, window, current)
        if refused is not None:
            savepoint.rollback()
            return refused
    result = _take_pair_slot(session, keys.pair, current)
    if isinstance(result, Refused):
        savepoint.rollback()
        return result
    savepoint.commit()
    return Admitted(charged_caps=not known, delay=result)


def clear(session: Session, keys: Keys, admitted: Admitted, current: datetime) -> None:
    """A success: the pair starts afresh and is known; the caps get the attempt back."""
    table = _table()
    if admitted.charged_caps:
        for key in (keys.source, keys.account):  # one at a time: the order admit() locks in
            session.execute(
                update(table)
                .where(table.c.key == key)
                .values(failures=func.greatest(table.c.failures - 1, 0))
            )
    session.execute(
        update(table)
        .where(table.c.key == keys.pair)
        .values(failures=0, window_started_at=current, blocked_until=None, last_success_at=current)
    )


def _take_window_slot(
    session: Session, rule: str, key: str, limit: int, window: timedelta, current: datetime
) -> Refused | None:
    """One more failure in the key's window, unless it holds ``limit`` already."""
    table = _table()
    expired = table.c.window_started_at <= current - window
    stmt = _count(table, key, current, expired, where=or_(expired, table.c.failures < limit))
    if session.execute(stmt).first() is not None:
        return None
    started = session.execute(
        select(table.c.window_started_at).where(table.c.key == key)
    ).scalar_one()
    return Refused(rule, wait_seconds(started + window, current))


def _take_pair_slot(session: Session, key: str, current: datetime) -> Refused | timedelta:
    """One more failure for the pair unless it is waiting; returns the wait it sets."""
    settings = get_settings()
    table = _table()
    expired = table.c.window_started_at <= current - PAIR_MEMORY
    not_waiting = or_(table.c.blocked_until.is_(None), table.c.blocked_until <= current)
    row = session.execute(_count(table, key, current, expired, where=not_waiting)).first()
    if row is None:
        until = session.execute(
            select(table.c.blocked_until).where(table.c.key == key)
        ).scalar_one()
        return Refused("pair", wait_seconds(until, current))
    max_delay = timedelta(minutes=settings.login_max_delay_minutes)
    delay = pair_delay(row.failures, settings.login_free_failures, max_delay)
    session.execute(
        update(table)
        .where(table.c.key == key)
        .values(blocked_until=current + delay if delay else None)
    )
    return delay


def _count(
    table: Table,
    key: str,
    current: datetime,
    expired: ColumnElement[bool],
    *,
    where: ColumnElement[bool],
) -> ReturningInsert[tuple[int]]:
    """Upsert one failure into ``key``'s row (a new count once ``expired``), if ``where``."""
    stmt = insert(table).values(key=key, failures=1, window_started_at=current)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "failures": case((expired, 1), else_=table.c.failures + 1),
            "window_started_at": case((expired, current), else_=table.c.window_started_at),
        },
        where=where,
    ).returning(table.c.failures)


def _is_known(session: Session, pair: str) -> bool:
    table = _table()
    stmt = select(table.c.last_success_at).where(table.c.key == pair)
    return session.execute(stmt).scalar_one_or_none() is not None


def _table() -> Table:
    return LoginThrottle.__table__  # type: ignore[attr-defined]


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()
