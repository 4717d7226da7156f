"""Users, passwords, sign-in sessions and sign-in throttling.

The browser holds only a random session token (in an HttpOnly cookie); the database
keeps its SHA-256, so a leaked table cannot be replayed. Every request resolves the token
to an ``Actor`` here, which is the only way the rest of the app learns who is acting.
"""

from __future__ import annotations

import math
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import update
from sqlmodel import Session, col, select

from medrec_app import request_log
from medrec_app.domain.bearer_secrets import new_secret, secret_hash
from medrec_app.domain.passwords import MESSAGES as PASSWORD_MESSAGES
from medrec_app.domain.passwords import normalized, password_problem, password_weakness
from medrec_app.domain.permissions import Action, Actor, Role, require
from medrec_app.models import Clinic, ClinicPublic, User, UserPublic, UserSession
from medrec_app.services import audit
from medrec_app.services import sign_in_throttle as throttle
from medrec_app.services.errors import NotFound, ServiceError, SignInDelayed, SignInFailed
from medrec_app.settings import get_settings

SESSION_COOKIE = "medrec_session"
# Sessions are touched at most this often, so a busy editor does not write on every event.
TOUCH_INTERVAL = timedelta(seconds=15)

_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory profile
# Verified against when the email is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def now() -> datetime:
    return datetime.now(UTC)


def hash_password(password: str, *, email: str = "", full_name: str = "") -> str:
    """The argon2id hash of an acceptable password (``domain/passwords.py``), else a
    ``ServiceError`` saying why it is not."""
    problem = password_problem(password, email=email, full_name=full_name)
    if problem:
        raise ServiceError(problem)
    return _hasher.hash(normalized(password))


def unusable_password_hash() -> str:
    """A hash no password matches: an invited user signs in only after setting one."""
    return _hasher.hash(new_secret())


def _password_matches(password_hash: str, password: str) -> bool:
    """Checked in the normalised form passwords are hashed in (and as typed, for a hash
    made before normalisation)."""
    candidates = dict.fromkeys([normalized(password), password])
    return any(_verifies(password_hash, candidate) for candidate in candidates)


def _verifies(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalize_email(email: str) -> str:
    return email.strip().lower()


# --- users ----------------------------------------------------------------------------


def create_clinic_with_admin(
    session: Session,
    *,
    clinic_name: str,
    timezone: str = "UTC",
    email: str,
    full_name: str,
    password: str | None,
) -> UserPublic:
    """Bootstrap a clinic and its first admin. A system operation (CLI, demo data).

    Without a password the admin sets one through a link (``services/password_links``).
    """
    clinic = Clinic(name=clinic_name.strip(), timezone=timezone)
    session.add(clinic)
    session.flush()
    user = _insert_user(session, clinic.id, email, full_name, Role.ADMIN, password)
    audit.record(
        session,
        None,
        "clinic.create",
        clinic_id=clinic.id,
        user_id=user.id,
    )
    return UserPublic.model_validate(user)


def create_user(
    session: Session, actor: Actor, *, email: str, full_name: str, role: Role, password: str | None
) -> UserPublic:
    """An admin adds a user to their own clinic (without a password: ``people.invite_user``)."""
    require(actor, Action.MANAGE_USERS)
    user = _insert_user(session, actor.clinic_id, email, full_name, Role(role), password)
    audit.record(session, actor, "user.create", details={"user_id": user.id, "role": role})
    return UserPublic.model_validate(user)


def _insert_user(
    session: Session, clinic_id: int, email: str, full_name: str, role: Role, password: str | None
) -> User:
    email = normalize_email(email)
    if session.exec(select(User.id).where(User.email == email)).first() is not None:
        raise ServiceError("A user with this email address already exists.")
    user = User(
        clinic_id=clinic_id,
        email=email,
        full_name=full_name.strip(),
        role=role.value,
        password_hash=(
            hash_password(password, email=email, full_name=full_name)
            if password is not None
            else unusable_password_hash()
        ),
    )
    session.add(user)
    session.flush()
    return user


def list_users(session: Session, actor: Actor) -> list[UserPublic]:
    require(actor, Action.MANAGE_USERS)
    users = session.exec(
        select(User).where(User.clinic_id == actor.clinic_id).order_by(User.full_name)
    ).all()
    return [UserPublic.model_validate(u) for u in users]


# --- sign-in and sessions ---------------------------------------------------------------


def sign_in(session: Session, email: str, password: str, ip: str) -> str:
    """Check the credentials and open a session; returns the new session token.

    ``sign_in_throttle`` counts the attempt first. A refused attempt raises
    ``SignInDelayed`` with the wait and checks no password; so does a failure that makes
    this (account, address) pair wait. Every other refusal is the same ``SignInFailed``.
    Neither depends on whether the email has an account.
    """
    settings = get_settings()
    user = _verified_user(session, email, password, ip, failed_action="auth.sign_in_failed")
    current = now()
    token = new_secret()
    session.add(
        UserSession(
            user_id=user.id,
            token_hash=secret_hash(token),
            last_seen_at=current,
            expires_at=current + timedelta(hours=settings.session_max_hours),
        )
    )
    audit.record(session, None, "auth.sign_in", clinic_id=user.clinic_id, user_id=user.id, ip=ip)
    return token


def _verified_user(
    session: Session,
    email: str,
    password: str,
    ip: str,
    *,
    failed_action: str,
    failed_audit: dict[str, Any] | None = None,
) -> User:
    """The active user whose email and password these are, counted by the sign-in
    throttle; ``SignInDelayed`` / ``SignInFailed`` (audited as ``failed_action``, with
    ``failed_audit``'s ids and details) if not."""
    email = normalize_email(email)[:254]
    keys = throttle.Keys.of(email, ip)
    admission = throttle.admit(session, keys, now())
    if isinstance(admission, throttle.Refused):
        details = {"rule": admission.rule, "wait_seconds": admission.wait}
        audit.record(session, None, "auth.sign_in_throttled", ip=ip, details=details)
        _commit_then_refuse(session, SignInDelayed(admission.wait))
    session.commit()  # the attempt stays counted even if this process dies while hashing

    user = session.exec(select(User).where(User.email == email)).first()
    ok = _password_matches(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok or not user.is_active:
        audit.record(
            session,
            None,
            failed_action,
            clinic_id=user.clinic_id if user else None,
            user_id=user.id if user else None,
            ip=ip,
            **(failed_audit or {}),
        )
        delay = math.ceil(admission.delay.total_seconds())
        _commit_then_refuse(session, SignInDelayed(delay) if delay else SignInFailed())
    throttle.clear(session, keys, admission, now())
    return user


class PasswordChangeRefused(ServiceError):
    """The new password was not set; ``code`` names why (a page shows its message)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


WRONG_CURRENT = "The current password is not right. Type the password you signed in with."
MISMATCH = "The two new passwords are not the same. Type the same password twice."


def change_own_password(
    session: Session, actor: Actor, *, current: str, new: str, repeated: str, ip: str
) -> None:
    """Set the signed-in user's new password after checking the current one (counted by
    the sign-in throttle, so a walk-up on an open session cannot try passwords freely);
    then end all of the user's sessions, this one included."""
    user = session.get(User, actor.user_id)
    if user is None or user.clinic_id != actor.clinic_id:
        raise NotFound("user")
    email, user_id, clinic_id = user.email, user.id, user.clinic_id
    try:
        user = _verified_user(
            session, email, current, ip, failed_action="user.password_change_failed"
        )
    except SignInDelayed:
        raise
    except SignInFailed:
        raise PasswordChangeRefused("wrong_current", WRONG_CURRENT) from None
    if new != repeated:
        raise PasswordChangeRefused("mismatch", MISMATCH)
    weakness = password_weakness(new, email=email, full_name=user.full_name)
    if weakness:
        raise PasswordChangeRefused(weakness.value, PASSWORD_MESSAGES[weakness])
    user.password_hash = hash_password(new, email=email, full_name=user.full_name)
    session.add(user)
    revoke_sessions(session, user_id)
    audit.record(session, None, "user.password_change", clinic_id=clinic_id, user_id=user_id, ip=ip)


def confirm_password(
    session: Session,
    actor: Actor,
    password: str,
    ip: str,
    *,
    failed_action: str,
    failed_audit: dict[str, Any] | None = None,
) -> None:
    """Recent authentication: the signed-in user types their password again, counted by
    the sign-in throttle like a sign-in, so a walk-up on an open session cannot try
    passwords freely. Raises ``SignInDelayed`` or ``SignInFailed`` (audited as
    ``failed_action`` with ``failed_audit``). Commits the attempt and its outcome, ending
    the caller's transaction: a refusal of what the password was typed for (an
    incomplete form, say) must not roll back the throttle's reset after a right password."""
    user = session.get(User, actor.user_id)
    if user is None or user.clinic_id != actor.clinic_id:
        raise NotFound("user")
    _verified_user(
        session,
        user.email,
        password,
        ip,
        failed_action=failed_action,
        failed_audit=failed_audit,
    )
    session.commit()


def _commit_then_refuse(session: Session, refusal: SignInFailed) -> NoReturn:
    """Refuse the sign-in, keeping the audit row the caller's rollback would undo."""
    session.commit()
    raise refusal


def actor_for_token(session: Session, token: str, *, touch: bool = True) -> Actor | None:
    """The signed-in user behind ``token``, or None if it is unknown, ended or idle too long.

    ``touch`` marks activity; a background session check passes False so that an idle
    user still times out.
    """
    if not token:
        return None
    settings = get_settings()
    current = now()
    row = session.exec(
        select(UserSession, User)
        .join(User, col(User.id) == col(UserSession.user_id))
        .where(UserSession.token_hash == secret_hash(token))
    ).first()
    if row is None:
        return None
    user_session, user = row
    idle_limit = current - timedelta(minutes=settings.session_idle_minutes)
    if (
        user_session.revoked_at is not None
        or user_session.expires_at <= current
        or user_session.last_seen_at <= idle_limit
        or not user.is_active
    ):
        return None
    if touch and current - user_session.last_seen_at > TOUCH_INTERVAL:
        user_session.last_seen_at = current
        session.add(user_session)
    assert user.id is not None
    request_log.note_actor(user.id, user.clinic_id)
    return Actor(user_id=user.id, clinic_id=user.clinic_id, role=Role(user.role))


def sign_out(session: Session, actor: Actor) -> None:
    """End every session of the user: all tabs and devices are signed out together."""
    revoke_sessions(session, actor.user_id)
    audit.record(session, actor, "auth.sign_out")


class Identity(NamedTuple):
    actor: Actor
    user: UserPublic
    clinic: ClinicPublic


def signed_in_identity(session: Session, actor: Actor) -> Identity:
    """Who is signed in, and where: what the header of every page shows."""
    return Identity(actor, get_user(session, actor), get_clinic(session, actor))


def get_user(session: Session, actor: Actor) -> UserPublic:
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound("user")
    return UserPublic.model_validate(user)


def get_clinic(session: Session, actor: Actor) -> ClinicPublic:
    clinic = session.get(Clinic, actor.clinic_id)
    if clinic is None:
        raise NotFound("clinic")
    return ClinicPublic.model_validate(clinic)


def revoke_sessions(session: Session, user_id: int) -> None:
    """End every session of the user (all tabs and devices)."""
    session.execute(
        update(UserSession)
        .where(col(UserSession.user_id) == user_id, col(UserSession.revoked_at).is_(None))
        .values(revoked_at=now())
    )
