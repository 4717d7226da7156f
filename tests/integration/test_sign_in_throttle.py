"""Sign-in throttling on real PostgreSQL: a guesser is slowed, the owner is not locked out.

The numbers are the defaults of settings.py: 3 free failures per (account, address) pair,
then waits of 1 s doubling up to 15 min; 50 failures per address and 20 per account (from
addresses new to it) in 15 minutes. Time is a clock the tests move, never a sleep.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlmodel import select
from starlette.testclient import TestClient

from medrec_app.api import build_api
from medrec_app.db import session_scope
from medrec_app.domain.permissions import Role
from medrec_app.models import AuditEvent
from medrec_app.services import accounts
from medrec_app.services.errors import SignInDelayed, SignInFailed
from medrec_app.settings import get_settings
from tests.integration.test_accounts import actor, sign_in
from tests.plugins.factories import PASSWORD

WRONG = "wrong password!"


class Clock:
    """``accounts.now`` for a test: stands still until moved."""

    def __init__(self) -> None:
        self.current = accounts.now()

    def __call__(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(accounts, "now", moved)
    return moved


def fresh_ip() -> str:
    """An address no other test uses (the database is shared by the test session)."""
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def unknown_email() -> str:
    return f"nobody-{uuid.uuid4().hex[:8]}@test.example"


def attempt(email: str, password: str, ip: str) -> tuple[str, str, int | None]:
    """What the person is told: the refusal's kind, its text and its wait, or 'signed in'."""
    try:
        sign_in(email, password, ip=ip)
    except SignInDelayed as exc:
        return "delayed", str(exc), exc.retry_after
    except SignInFailed as exc:
        return "failed", str(exc), None
    return "signed in", "", None


def audit_actions(ip: str) -> Counter[str]:
    with session_scope() as session:
        rows = session.exec(select(AuditEvent.action).where(AuditEvent.ip == ip)).all()
    return Counter(rows)


def test_wrong_passwords_from_one_source_do_not_lock_out_the_owner(clinic_factory, clock):
    clinic = clinic_factory()
    email, attacker, owner = clinic.emails[Role.READ_ONLY], fresh_ip(), fresh_ip()
    for _ in range(5):
        with pytest.raises(SignInFailed):
            sign_in(email, WRONG, ip=attacker)

    assert actor(sign_in(email, ip=owner)) == clinic.actors[Role.READ_ONLY]
    # The attacker's address waits, even with the right password, and is told for how long.
    assert attempt(email, PASSWORD, attacker)[0::2] == ("delayed", 1)
    clock.advance(1)
    assert actor(sign_in(email, ip=attacker)) is not None
    # A success starts the pair afresh: the next wrong password is a plain failure again.
    assert attempt(email, WRONG, attacker)[0] == "failed"


def test_a_pair_waits_twice_as_long_after_each_further_failure(clinic_factory, clock):
    email, ip = clinic_factory().emails[Role.PRACTITIONER], fresh_ip()
    assert [attempt(email, WRONG, ip)[0] for _ in range(3)] == ["failed"] * 3

    waits = []
    for _ in range(12):
        kind, message, wait = attempt(email, WRONG, ip)
        assert kind == "delayed" and message == str(SignInDelayed(wait))
        waits.append(wait)
        if wait > 1:
            clock.advance(wait - 1)
            assert attempt(email, PASSWORD, ip)[0::2] == ("delayed", 1)
        clock.advance(1)
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    assert message.endswith("Try again in 15 minutes.")
    assert audit_actions(ip) == {"auth.sign_in_failed": 15, "auth.sign_in_throttled": 11}


def test_a_waiting_pair_is_refused_without_checking_the_password(
    clinic_factory, clock, monkeypatch
):
    email, ip = clinic_factory().emails[Role.FRONT_DESK], fresh_ip()
    checks = Counter()
    verify = PasswordHasher.verify

    def counting_verify(self, password_hash, password):
        checks["argon2"] += 1
        return verify(self, password_hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    for _ in range(4):
        attempt(email, WRONG, ip)
    assert checks["argon2"] == 4
    for password in [WRONG] * 9 + [PASSWORD]:
        assert attempt(email, password, ip)[0] == "delayed"
    assert checks["argon2"] == 4
    clock.advance(1)
    assert attempt(email, PASSWORD, ip)[0] == "signed in"
    assert checks["argon2"] == 5


def test_an_unknown_email_is_throttled_exactly_like_a_known_one(clinic_factory, clock):
    known = clinic_factory().emails[Role.PRACTITIONER]

    def story(email: str) -> list[tuple[str, str, int | None]]:
        ip, seen = fresh_ip(), []
        for step in range(8):
            seen.append(attempt(email, WRONG, ip))
            seen.append(attempt(email, WRONG, ip))
            clock.advance(step)
        return seen

    told = story(known)
    assert told == story(unknown_email())
    assert {kind for kind, _, _ in told} == {"failed", "delayed"}


def test_a_spraying_address_is_refused_for_accounts_new_to_it(clinic_factory, clock):
    clinic = clinic_factory()
    regular, newcomer = clinic.emails[Role.PRACTITIONER], clinic.emails[Role.FRONT_DESK]
    clinic_network = fresh_ip()
    assert actor(sign_in(regular, ip=clinic_network)) is not None  # signs in here daily
    for _ in range(50):
        assert attempt(unknown_email(), WRONG, clinic_network)[0] == "failed"

    kind, message, wait = attempt(newcomer, PASSWORD, clinic_network)
    assert kind == "delayed" and 0 < wait <= 15 * 60 and "from this device" in message
    assert attempt(unknown_email(), WRONG, clinic_network)[0] == "delayed"
    assert actor(sign_in(regular, ip=clinic_network)) is not None
    assert actor(sign_in(newcomer, ip=fresh_ip())) is not None
    clock.advance(wait)
    assert actor(sign_in(newcomer, ip=clinic_network)) is not None


def test_many_addresses_guessing_one_account_leave_the_owners_own_address_open(
    clinic_factory, clock
):
    clinic = clinic_factory()
    email, owners_address = clinic.emails[Role.ADMIN], fresh_ip()
    assert actor(sign_in(email, ip=owners_address)) is not None
    for _ in range(20):
        assert attempt(email, WRONG, fresh_ip())[0] == "failed"

    # A 21st new address is refused, whatever it types: the documented trade-off.
    kind, _, wait = attempt(email, PASSWORD, fresh_ip())
    assert kind == "delayed" and 0 < wait <= 15 * 60
    assert actor(sign_in(email, ip=owners_address)) == clinic.actors[Role.ADMIN]
    clock.advance(wait)
    assert actor(sign_in(email, ip=fresh_ip())) is not None


def run_together(attempts: list[tuple[str, str, str]]) -> Counter[str]:
    """Start every attempt at once, each in its own thread and transaction."""
    start = threading.Barrier(len(attempts))
    kinds: Counter[str] = Counter()

    def one(email: str, password: str, ip: str) -> None:
        start.wait()
        kinds[attempt(email, password, ip)[0]] += 1

    threads = [threading.Thread(target=one, args=a) for a in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return kinds


def test_concurrent_wrong_passwords_get_no_more_tries_than_the_rule(clinic_factory, clock):
    email, ip = clinic_factory().emails[Role.READ_ONLY], fresh_ip()
    kinds = run_together([(email, WRONG, ip)] * 20)
    # Three free failures and the fourth, which starts the first wait; nothing more.
    assert kinds == {"failed": 3, "delayed": 17}
    assert audit_actions(ip) == {"auth.sign_in_failed": 4, "auth.sign_in_throttled": 16}


def test_a_concurrent_spray_stops_exactly_at_the_address_cap(database_url, clock, monkeypatch):
    monkeypatch.setattr(get_settings(), "login_source_max_failures", 5)
    ip = fresh_ip()
    kinds = run_together([(unknown_email(), WRONG, ip) for _ in range(15)])
    assert kinds == {"failed": 5, "delayed": 10}
    assert audit_actions(ip) == {"auth.sign_in_failed": 5, "auth.sign_in_throttled": 10}


def test_the_sign_in_route_sends_a_waiting_person_to_the_login_page_with_the_wait(
    database_url, clock
):
    email = unknown_email()
    with TestClient(build_api(), base_url="http://testserver") as client:
        answers = [
            client.post(
                "/auth/sign-in",
                data={"email": email, "password": WRONG},
                headers={"Origin": "http://testserver"},
                follow_redirects=False,
            )
            for _ in range(5)
        ]
    assert [a.status_code for a in answers] == [303] * 5
    assert [a.headers["location"] for a in answers] == ["/login?error=1"] * 3 + [
        "/login?error=1&wait=1"
    ] * 2
    assert answers[-1].headers["retry-after"] == "1"
