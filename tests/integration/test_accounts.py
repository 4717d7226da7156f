"""Sign-in, sessions, idle timeout, sign-out and disabling on real PostgreSQL.

Throttling has its own tests: test_sign_in_throttle.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from medrec_app.db import session_scope
from medrec_app.domain.permissions import PermissionDenied, Role
from medrec_app.models import User, UserSession
from medrec_app.services import accounts, people
from medrec_app.services.errors import NotFound, ServiceError, SignInFailed
from tests.plugins.factories import PASSWORD


def sign_in(email: str, password: str = PASSWORD, ip: str = "10.0.0.1") -> str:
    with session_scope() as session:
        return accounts.sign_in(session, email, password, ip)


def actor(token: str, touch: bool = True):
    with session_scope() as session:
        return accounts.actor_for_token(session, token, touch=touch)


def test_password_is_stored_as_argon2id(clinic_factory):
    clinic = clinic_factory()
    with session_scope() as session:
        user = session.get(User, clinic.actors[Role.PRACTITIONER].user_id)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_sign_in_gives_a_new_token_each_time_resolving_to_the_user(clinic_factory):
    clinic = clinic_factory()
    email = clinic.emails[Role.PRACTITIONER]
    first, second = sign_in(email), sign_in(email.upper() + "  ")
    assert first != second
    assert actor(first) == clinic.actors[Role.PRACTITIONER]
    assert actor(second) == clinic.actors[Role.PRACTITIONER]
    with session_scope() as session:
        stored = session.exec(select(UserSession.token_hash)).all()
    assert first not in stored and second not in stored


@pytest.mark.parametrize("email_ok,password_ok", [(True, False), (False, True)])
def test_wrong_credentials_get_one_generic_message(clinic_factory, email_ok, password_ok):
    clinic = clinic_factory()
    email = clinic.emails[Role.PRACTITIONER] if email_ok else "nobody@test.example"
    with pytest.raises(SignInFailed) as err:
        sign_in(email, PASSWORD if password_ok else "wrong password!")
    assert "incorrect" in str(err.value)


def test_unknown_or_forged_token_is_nobody(clinic_factory):
    clinic_factory()
    assert actor("") is None
    assert actor("not-a-real-token") is None


def test_idle_session_expires_and_activity_keeps_it(clinic_factory):
    clinic = clinic_factory()
    token = sign_in(clinic.emails[Role.PRACTITIONER])
    uid = clinic.actors[Role.PRACTITIONER].user_id

    def age_session(minutes: int) -> None:
        with session_scope() as session:
            session.execute(
                update(UserSession)
                .where(col(UserSession.user_id) == uid)
                .values(last_seen_at=accounts.now() - timedelta(minutes=minutes))
            )

    age_session(14)
    assert actor(token) is not None  # activity at minute 14 resets the clock
    age_session(14)
    assert actor(token, touch=False) is not None
    age_session(16)
    assert actor(token) is None


def test_sign_out_ends_every_session_of_the_user(clinic_factory):
    clinic = clinic_factory()
    email = clinic.emails[Role.PRACTITIONER]
    laptop, tablet = sign_in(email), sign_in(email)
    other = sign_in(clinic.emails[Role.FRONT_DESK])
    with session_scope() as session:
        accounts.sign_out(session, actor(laptop))
    assert actor(laptop) is None and actor(tablet) is None
    assert actor(other) is not None


def test_disabling_a_user_ends_their_sessions_and_blocks_sign_in(clinic_factory):
    clinic = clinic_factory()
    email = clinic.emails[Role.PRACTITIONER]
    token = sign_in(email)
    with session_scope() as session:
        people.disable_user(
            session, clinic.actors[Role.ADMIN], clinic.actors[Role.PRACTITIONER].user_id
        )
    assert actor(token) is None
    with pytest.raises(SignInFailed):
        sign_in(email)


def test_only_admins_of_the_same_clinic_manage_users(clinic_factory):
    a, b = clinic_factory(), clinic_factory()
    with session_scope() as session, pytest.raises(PermissionDenied):
        people.disable_user(session, a.actors[Role.PRACTITIONER], a.actors[Role.READ_ONLY].user_id)
    with session_scope() as session, pytest.raises(NotFound):
        people.disable_user(session, a.actors[Role.ADMIN], b.actors[Role.PRACTITIONER].user_id)
    assert actor(sign_in(b.emails[Role.PRACTITIONER])) is not None


def test_duplicate_email_and_short_password_are_refused(clinic_factory):
    clinic = clinic_factory()
    admin = clinic.actors[Role.ADMIN]
    with session_scope() as session, pytest.raises(ServiceError, match="already exists"):
        accounts.create_user(
            session,
            admin,
            email=clinic.emails[Role.READ_ONLY],
            full_name="X",
            role=Role.READ_ONLY,
            password=PASSWORD,
        )
    with session_scope() as session, pytest.raises(ServiceError, match="at least"):
        accounts.create_user(
            session,
            admin,
            email="short@test.example",
            full_name="X",
            role=Role.READ_ONLY,
            password="short",
        )
