"""Phone upload links: a desk user lets a phone add files to one patient, for 15 minutes.

Whoever may upload a patient's files issues a link for one patient of their clinic. Its
secret (``mrp_`` + 43 random URL-safe characters, 256 bits) is returned once, to be
shown as a QR code; the database keeps only its SHA-256, as for API tokens. The phone
needs no sign-in: the link is its only credential, and it can do one thing, add files
to that patient, acting as the user who issued it (their clinic and role, read from
their row on each use, so a disabled user's links stop working). It can list, read or
delete nothing.

Each use is counted on the link's row in a transaction of its own, before the file is
read, so refused files count too and the limits hold across backend workers: at most
``MAX_UPLOADS`` files per link and ``MAX_UPLOADS_PER_MINUTE`` a minute.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from medrec_app.domain.bearer_secrets import new_secret, secret_hash
from medrec_app.domain.permissions import Action, Actor, Role, require
from medrec_app.models import PatientFile, PhoneUploadLink, User
from medrec_app.services import audit
from medrec_app.services.errors import NotFound, ServiceError
from medrec_app.services.patients import get_patient

SECRET_PREFIX = "mrp_"  # noqa: S105 - a public marker, not a secret
MAX_SECRET_CHARS = 100
LINK_LIFETIME = timedelta(minutes=15)
MAX_UPLOADS = 30
MAX_UPLOADS_PER_MINUTE = 10


class PhoneLinkRefused(ServiceError):
    """The link cannot be used (now); ``str()`` tells the person at the phone why.

    ``status`` is the HTTP status to answer with; ``retry_after`` is set for a link
    that may be used again in that many seconds.
    """

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


UNKNOWN_MESSAGE = "This upload link is not valid. Scan the QR code on the computer again."
EXPIRED_MESSAGE = (
    "This upload link has expired (links last 15 minutes). "
    "Click “Add from phone” on the computer for a new QR code."
)
STOPPED_MESSAGE = (
    "This upload link was stopped on the computer. Click “Add from phone” there for a new QR code."
)
USED_UP_MESSAGE = (
    f"This upload link has taken its {MAX_UPLOADS} files. "
    "Click “Add from phone” on the computer for a new QR code."
)


class NewPhoneLink(BaseModel):
    """A link just issued; ``secret`` exists only in this answer."""

    link_id: int
    patient_id: int
    secret: str
    expires_at: datetime


@dataclass(frozen=True)
class PhoneLinkUse:
    """A use the link was granted: who acts, for which patient, and what is left of it."""

    actor: Actor
    patient_id: int
    time_left: timedelta
    uploads_left: int


def _now() -> datetime:
    return datetime.now(UTC)


def issue_phone_link(session: Session, actor: Actor, patient_id: int) -> NewPhoneLink:
    """A new link for a patient of the actor's clinic; the secret is returned once."""
    require(actor, Action.UPLOAD_FILE)
    patient = get_patient(session, actor, patient_id)
    secret = new_secret(SECRET_PREFIX)
    row = PhoneUploadLink(
        clinic_id=actor.clinic_id,
        patient_id=patient.id,
        created_by_user_id=actor.user_id,
        token_hash=secret_hash(secret),
        expires_at=_now() + LINK_LIFETIME,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    audit.record(
        session, actor, "phone_link.create", patient_id=row.patient_id, details={"link_id": row.id}
    )
    return NewPhoneLink(
        link_id=row.id, patient_id=row.patient_id, secret=secret, expires_at=row.expires_at
    )


def revoke_phone_link(session: Session, actor: Actor, link_id: int) -> None:
    """Stop a link of the actor's clinic at once; stopping twice changes nothing."""
    require(actor, Action.UPLOAD_FILE)
    row = session.exec(
        select(PhoneUploadLink)
        .where(PhoneUploadLink.id == link_id, PhoneUploadLink.clinic_id == actor.clinic_id)
        .with_for_update()
    ).first()
    if row is None:
        raise NotFound("upload link")
    if row.revoked_at is None:
        row.revoked_at = _now()
        session.add(row)
    audit.record(
        session, actor, "phone_link.revoke", patient_id=row.patient_id, details={"link_id": row.id}
    )


def _usable_link(session: Session, secret: str) -> tuple[PhoneUploadLink, User]:
    """The link behind ``secret`` and its issuer, locked; ``PhoneLinkRefused`` if unusable."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > MAX_SECRET_CHARS:
        raise PhoneLinkRefused(404, UNKNOWN_MESSAGE)
    found = session.exec(
        select(PhoneUploadLink, User)
        .join(User, col(User.id) == col(PhoneUploadLink.created_by_user_id))
        .where(PhoneUploadLink.token_hash == secret_hash(secret))
        .with_for_update(of=PhoneUploadLink)
    ).first()
    if found is None:
        raise PhoneLinkRefused(404, UNKNOWN_MESSAGE)
    link, user = found
    if link.revoked_at is not None or not user.is_active or user.clinic_id != link.clinic_id:
        raise PhoneLinkRefused(410, STOPPED_MESSAGE)
    if link.expires_at <= _now():
        raise PhoneLinkRefused(410, EXPIRED_MESSAGE)
    return link, user


def _actor(link: PhoneUploadLink, user: User) -> Actor:
    assert user.id is not None and link.id is not None
    return Actor(user.id, link.clinic_id, Role(user.role), phone_link_id=link.id)


def check_phone_link(session: Session, secret: str) -> PhoneLinkUse:
    """Whether ``secret`` opens the phone page now (does not count as a use)."""
    link, user = _usable_link(session, secret)
    return _use(link, user)


def claim_upload(session: Session, secret: str) -> PhoneLinkUse:
    """Count one upload through the link and answer who it acts as.

    Run it in its own transaction before reading the file: the count stays when the
    upload is then refused. Raises ``PhoneLinkRefused`` (404, 410 or 429).
    """
    link, user = _usable_link(session, secret)
    if link.upload_count >= MAX_UPLOADS:
        raise PhoneLinkRefused(429, USED_UP_MESSAGE)
    now = _now()
    window = now.replace(second=0, microsecond=0)
    in_window = link.rate_window_count if link.rate_window_started_at == window else 0
    if in_window >= MAX_UPLOADS_PER_MINUTE:
        wait = max(1, math.ceil(60 - (now - window).total_seconds()))
        raise PhoneLinkRefused(
            429,
            f"Too many files in a minute from this link. Try again in {wait} seconds.",
            retry_after=wait,
        )
    link.upload_count += 1
    link.rate_window_started_at, link.rate_window_count = window, in_window + 1
    session.add(link)
    return _use(link, user)


def _use(link: PhoneUploadLink, user: User) -> PhoneLinkUse:
    return PhoneLinkUse(
        _actor(link, user),
        link.patient_id,
        time_left=link.expires_at - _now(),
        uploads_left=max(0, MAX_UPLOADS - link.upload_count),
    )


class PhoneLinkStatus(BaseModel):
    """What the desk's dialog polls: whether the link still works, and a mark that
    changes whenever the patient's files change (so the list is read again only then;
    reading it issues audited preview links)."""

    active: bool
    files_mark: str


def phone_link_status(session: Session, actor: Actor, link_id: int) -> PhoneLinkStatus:
    """The link's state for its issuer's page; not audited: it shows no file or patient data."""
    require(actor, Action.UPLOAD_FILE)
    link = session.exec(
        select(PhoneUploadLink).where(
            PhoneUploadLink.id == link_id, PhoneUploadLink.clinic_id == actor.clinic_id
        )
    ).first()
    if link is None:
        raise NotFound("upload link")
    count, latest = session.exec(
        select(func.count(col(PatientFile.id)), func.max(col(PatientFile.id))).where(
            PatientFile.patient_id == link.patient_id
        )
    ).one()
    active = link.revoked_at is None and link.expires_at > _now()
    return PhoneLinkStatus(active=active, files_mark=f"{count}:{latest or 0}")
