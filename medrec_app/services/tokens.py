"""API tokens: bearer credentials for the REST API that an admin issues per user.

A token acts as its user: that user's clinic and role, checked by the same services as
the UI. The secret (``mrt_`` + 43 random URL-safe characters, 256 bits) is shown once
at creation; the database keeps only its SHA-256 (a high-entropy secret needs no slow
hash) and a short prefix for display. A token stops working when it is revoked, when
it expires, and while its user is disabled.

Each request through a token is counted in a one-minute window kept on the token row,
in the same UPDATE that finds the token, so the limit holds across backend workers at
the cost of one statement per request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import text
from sqlmodel import Session, col, select

from medrec_app import request_log
from medrec_app.domain.bearer_secrets import new_secret, secret_hash
from medrec_app.domain.checks import string_problem
from medrec_app.domain.permissions import Action, Actor, Role, require
from medrec_app.models import ApiToken, User
from medrec_app.services import audit
from medrec_app.services.errors import NotFound, ValidationFailed
from medrec_app.settings import get_settings

TOKEN_PREFIX = "mrt_"  # noqa: S105 - a public marker, not a secret
SHOWN_CHARS = 12
"""Characters of the token kept in clear for display (``mrt_`` and 8 random ones)."""
MAX_TOKEN_CHARS = 100
MAX_NAME_CHARS = 100


class ApiTokenPublic(BaseModel):
    """A token as the admin page lists it: never the secret."""

    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime | None
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        expired = self.expires_at is not None and self.expires_at <= datetime.now(UTC)
        return self.revoked_at is None and not expired


class NewApiToken(BaseModel):
    """A token just created; ``secret`` exists only in this answer."""

    token: ApiTokenPublic
    secret: str


@dataclass(frozen=True)
class TokenCheck:
    """The outcome for a presented token that is valid: its actor, or how long to wait."""

    actor: Actor
    retry_after_seconds: int | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def create_token(
    session: Session,
    actor: Actor,
    *,
    user_id: int,
    name: str,
    expires_at: datetime | None = None,
    rate_limit_per_minute: int | None = None,
) -> NewApiToken:
    """An admin issues a token for an active user of their clinic; returns the secret once."""
    require(actor, Action.MANAGE_USERS)
    user = session.get(User, user_id)
    if user is None or user.clinic_id != actor.clinic_id:
        raise NotFound("user")
    name = name.strip()
    problems = []
    if not user.is_active:
        problems.append("The user is disabled; enable them before issuing a token.")
    name_problem = string_problem(name, MAX_NAME_CHARS) or ("" if name else "is empty")
    if name_problem or not name.isprintable():
        problems.append(f"Token name {name_problem or 'must be printable text'}.")
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= _now()):
        problems.append("The expiry must be a future time with a time zone.")
    if rate_limit_per_minute is not None and not 0 < rate_limit_per_minute <= 1_000_000:
        problems.append("The rate limit must be between 1 and 1,000,000 requests per minute.")
    if problems:
        raise ValidationFailed(problems)
    secret = new_secret(TOKEN_PREFIX)
    row = ApiToken(
        user_id=user_id,
        name=name,
        token_hash=secret_hash(secret),
        prefix=secret[:SHOWN_CHARS],
        created_by_user_id=actor.user_id,
        expires_at=expires_at,
        rate_limit_per_minute=rate_limit_per_minute,
    )
    session.add(row)
    session.flush()
    session.refresh(row)
    audit.record(
        session, actor, "api_token.create", details={"token_id": row.id, "user_id": user_id}
    )
    return NewApiToken(
        token=ApiTokenPublic.model_validate(row, from_attributes=True), secret=secret
    )


def list_tokens(session: Session, actor: Actor) -> list[ApiTokenPublic]:
    """Every token of the admin's clinic, newest first."""
    require(actor, Action.MANAGE_USERS)
    rows = session.exec(
        select(ApiToken)
        .join(User, col(User.id) == col(ApiToken.user_id))
        .where(User.clinic_id == actor.clinic_id)
        .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
    ).all()
    return [ApiTokenPublic.model_validate(r, from_attributes=True) for r in rows]


def revoke_token(session: Session, actor: Actor, token_id: int) -> None:
    """Revoke a token of the admin's clinic at once; revoking twice changes nothing."""
    require(actor, Action.MANAGE_USERS)
    row = session.exec(
        select(ApiToken)
        .join(User, col(User.id) == col(ApiToken.user_id))
        .where(ApiToken.id == token_id, User.clinic_id == actor.clinic_id)
        .with_for_update(of=ApiToken)
    ).first()
    if row is None:
        raise NotFound("token")
    if row.revoked_at is None:
        row.revoked_at = _now()
        session.add(row)
    audit.record(
        session, actor, "api_token.revoke", details={"token_id": token_id, "user_id": row.user_id}
    )


# One statement finds the token, checks it is usable, counts the request in the current
# minute and marks the token used. A token of a disabled user matches no row.
_USE_TOKEN = text(
    """
    UPDATE api_tokens AS t SET
        last_used_at = :now,
        rate_window_count = CASE WHEN t.rate_window_started_at = :window
                                 THEN t.rate_window_count + 1 ELSE 1 END,
        rate_window_started_at = :window
    FROM users AS u
    WHERE t.token_hash = :hash AND u.id = t.user_id AND u.is_active
      AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > :now)
    RETURNING t.id, u.id AS user_id, u.clinic_id, u.role, t.rate_window_count,
              t.rate_limit_per_minute
    """
)


def actor_for_api_token(session: Session, secret: str) -> TokenCheck | None:
    """The acting user behind a presented token, or None when it is not a valid token.

    A valid token over its per-minute limit comes back with ``retry_after_seconds`` set
    (the seconds to the next minute): the caller answers 429 and does nothing.
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_TOKEN_CHARS:
        return None
    now = _now()
    window = now.replace(second=0, microsecond=0)
    params = {"now": now, "window": window, "hash": secret_hash(secret)}
    row = session.execute(_USE_TOKEN, params).first()
    if row is None:
        return None
    actor = Actor(
        user_id=row.user_id, clinic_id=row.clinic_id, role=Role(row.role), token_id=row.id
    )
    request_log.note_actor(row.user_id, row.clinic_id)
    limit = row.rate_limit_per_minute or get_settings().api_rate_limit_per_minute
    if row.rate_window_count > limit:
        elapsed = (now - window).total_seconds()
        return TokenCheck(actor, retry_after_seconds=max(1, math.ceil(60 - elapsed)))
    return TokenCheck(actor)
