"""One-time links where a person sets their own password: invitations and resets.

Nobody ever tells anyone a password. An admin (or ``cli create-clinic``, for a clinic's
first admin) gets a link for a user, shown once; the user opens it, sets a password that
meets the rules (``domain/passwords.py``) and signs in with it. A link works once, for
``LINK_LIFETIME``, and only while its user is active; a newer link for the same user
ends the older ones. A reset also ends the user's sessions and their old password at
once, so a password the admin suspects is known stops working before the link is used.

Only the SHA-256 of a secret is stored; secrets start with ``SECRET_PREFIX`` so that
the log redaction finds them wherever they appear. Setting the password locks the link
row and reads it fresh, so two tabs cannot both use one link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, col, select

from medrec_app.domain.bearer_secrets import new_secret, secret_hash
from medrec_app.domain.permissions import Action, Actor, require
from medrec_app.models import PasswordLink, User
from medrec_app.services import audit
from medrec_app.services.accounts import hash_password, revoke_sessions, unusable_password_hash
from medrec_app.services.errors import NotFound, ServiceError

SECRET_PREFIX = "mrs_"  # noqa: S105 - a public marker, not a secret
LINK_LIFETIME = timedelta(hours=24)
MAX_SECRET_CHARS = 100
PATH = "/set-password/"

UNKNOWN_MESSAGE = (
    "This link is not valid. Check that the whole link was copied, or ask your clinic's "
    "administrator for a new one."
)
USED_MESSAGE = (
    "This link has been used already (each link works once). Sign in with the password "
    "you set, or ask your clinic's administrator for a new link."
)
EXPIRED_MESSAGE = (
    "This link has expired (links work for 24 hours). Ask your clinic's administrator "
    "for a new one."
)


class Purpose(StrEnum):
    INVITE = "invite"
    RESET = "reset"


class PasswordLinkRefused(ServiceError):
    """The link cannot be used; ``str()`` says why and what to do. ``status`` for HTTP."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class NewPasswordLink:
    secret: str
    expires_at: datetime

    @property
    def path(self) -> str:
        """Where the link opens, on the app's own origin."""
        return f"{PATH}{self.secret}"


@dataclass(frozen=True)
class LinkHolder:
    """Whom a working link is for: what the page shows above the form."""

    full_name: str
    email: str
    purpose: Purpose


def _now() -> datetime:
    return datetime.now(UTC)


def issue_password_link(
    session: Session, actor: Actor, user_id: int, purpose: Purpose = Purpose.RESET
) -> NewPasswordLink:
    """An admin's link for a user of their clinic; a reset also ends the user's sessions
    and password now. ``NotFound`` for a user of another clinic."""
    require(actor, Action.MANAGE_USERS)
    user = session.exec(
        select(User).where(User.id == user_id, User.clinic_id == actor.clinic_id).with_for_update()
    ).first()
    if user is None:
        raise NotFound("user")
    return _issue(session, user, Purpose(purpose), issued_by=actor)


def issue_first_admin_link(session: Session, user_id: int) -> NewPasswordLink:
    """The invitation of a clinic's first admin (``cli create-clinic``: no acting user)."""
    user = session.exec(select(User).where(User.id == user_id).with_for_update()).first()
    if user is None:
        raise NotFound("user")
    return _issue(session, user, Purpose.INVITE, issued_by=None)


def _issue(
    session: Session, user: User, purpose: Purpose, issued_by: Actor | None
) -> NewPasswordLink:
    assert user.id is not None
    current = _now()
    session.execute(
        update(PasswordLink)
        .where(col(PasswordLink.user_id) == user.id, col(PasswordLink.used_at).is_(None))
        .values(used_at=current)
    )
    if purpose is Purpose.RESET:
        user.password_hash = unusable_password_hash()
        session.add(user)
        revoke_sessions(session, user.id)
    secret = new_secret(SECRET_PREFIX)
    link = PasswordLink(
        user_id=user.id,
        purpose=purpose.value,
        token_hash=secret_hash(secret),
        created_by_user_id=issued_by.user_id if issued_by else None,
        expires_at=current + LINK_LIFETIME,
    )
    session.add(link)
    session.flush()
    audit.record(
        session,
        issued_by,
        f"user.password_link_{purpose.value}",
        clinic_id=user.clinic_id,
        details={"user_id": user.id, "link_id": link.id},
    )
    return NewPasswordLink(secret=secret, expires_at=link.expires_at)


def link_holder(session: Session, secret: str) -> LinkHolder:
    """Whom ``secret`` is for, while it works; ``PasswordLinkRefused`` otherwise."""
    link, user = _usable(session, secret, lock=False)
    return LinkHolder(user.full_name, user.email, Purpose(link.purpose))


def set_password(session: Session, secret: str, password: str, repeated: str) -> str:
    """Use the link: set the user's password, end their sessions; returns their email.

    ``ServiceError`` with the reason when the two entries differ or the password is not
    acceptable (the link stays usable), ``PasswordLinkRefused`` when the link is not.
    """
    link, user = _usable(session, secret, lock=True)
    if password != repeated:
        raise ServiceError("The two passwords are not the same. Type the same password twice.")
    user.password_hash = hash_password(password, email=user.email, full_name=user.full_name)
    link.used_at = _now()
    session.add_all([user, link])
    assert user.id is not None
    revoke_sessions(session, user.id)
    audit.record(
        session,
        None,
        "user.password_set",
        clinic_id=user.clinic_id,
        user_id=user.id,
        details={"link_id": link.id, "purpose": link.purpose},
    )
    return user.email


def _usable(session: Session, secret: str, *, lock: bool) -> tuple[PasswordLink, User]:
    if (
        not isinstance(secret, str)
        or not secret.startswith(SECRET_PREFIX)
        or len(secret) > MAX_SECRET_CHARS
    ):
        raise PasswordLinkRefused(UNKNOWN_MESSAGE, 404)
    query = (
        select(PasswordLink, User)
        .join(User, col(User.id) == col(PasswordLink.user_id))
        .where(PasswordLink.token_hash == secret_hash(secret))
    )
    found = session.exec(query.with_for_update(of=PasswordLink) if lock else query).first()
    if found is None:
        raise PasswordLinkRefused(UNKNOWN_MESSAGE, 404)
    link, user = found
    if not user.is_active:
        raise PasswordLinkRefused(UNKNOWN_MESSAGE, 404)
    if link.used_at is not None:
        raise PasswordLinkRefused(USED_MESSAGE, 410)
    if link.expires_at <= _now():
        raise PasswordLinkRefused(EXPIRED_MESSAGE, 410)
    return link, user
