"""An admin's people: invite a colleague, change a role, disable and re-enable, reset.

Every function takes the acting admin and reaches only users of the admin's clinic (a
user of another clinic is "not found"). A clinic always keeps an active admin: the
clinic's admin rows are locked before a disable or a change of role is decided, so two
admins demoting each other at the same moment cannot both succeed. Every change is
audited with the user's id (never their name or email).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from medrec_app.domain.people import email_problem, name_problem, role_problem
from medrec_app.domain.permissions import Action, Actor, Role, require
from medrec_app.models import User, UserPublic
from medrec_app.services import audit, password_links
from medrec_app.services.accounts import create_user, revoke_sessions
from medrec_app.services.errors import NotFound, ServiceError, ValidationFailed

LAST_ADMIN_MESSAGE = (
    "This is the clinic's last active administrator. Make another user an administrator "
    "first, so that someone can still manage the clinic."
)


@dataclass(frozen=True)
class Invited:
    user: UserPublic
    link: password_links.NewPasswordLink


def invite_user(
    session: Session, actor: Actor, *, email: str, full_name: str, role: str
) -> Invited:
    """Add a user to the admin's clinic; they set their password through the link (shown
    once to the admin). ``ValidationFailed`` names each bad field."""
    require(actor, Action.MANAGE_USERS)
    problems = [
        problem
        for problem in (
            name_problem(full_name, "Name"),
            email_problem(email),
            role_problem(role),
        )
        if problem
    ]
    if problems:
        raise ValidationFailed(problems)
    user = create_user(
        session, actor, email=email, full_name=full_name, role=Role(role), password=None
    )
    link = password_links.issue_password_link(
        session, actor, user.id, password_links.Purpose.INVITE
    )
    return Invited(user, link)


def change_role(session: Session, actor: Actor, user_id: int, role: str) -> UserPublic:
    require(actor, Action.MANAGE_USERS)
    if problem := role_problem(role):
        raise ValidationFailed([problem])
    user = _locked_user(session, actor, user_id)
    if user.role == role:
        return UserPublic.model_validate(user)
    if user.role == Role.ADMIN and user.is_active:
        _keep_an_admin(session, actor, user)
    before, user.role = user.role, role
    session.add(user)
    audit.record(
        session,
        actor,
        "user.role_change",
        details={"user_id": user_id, "from": before, "to": role},
    )
    return UserPublic.model_validate(user)


def disable_user(session: Session, actor: Actor, user_id: int) -> None:
    """Disable a user of the admin's clinic and end all of their sessions at once."""
    require(actor, Action.MANAGE_USERS)
    user = _locked_user(session, actor, user_id)
    if not user.is_active:
        return
    if user.role == Role.ADMIN:
        _keep_an_admin(session, actor, user)
    user.is_active = False
    session.add(user)
    revoke_sessions(session, user_id)
    audit.record(session, actor, "user.disable", details={"user_id": user_id})


def enable_user(session: Session, actor: Actor, user_id: int) -> None:
    """Let a disabled user sign in again (with the password they had)."""
    require(actor, Action.MANAGE_USERS)
    user = _locked_user(session, actor, user_id)
    if user.is_active:
        return
    user.is_active = True
    session.add(user)
    audit.record(session, actor, "user.enable", details={"user_id": user_id})


def _locked_user(session: Session, actor: Actor, user_id: int) -> User:
    """The clinic's admins, then the user, locked in id order (no deadlock between two
    admins changing each other), read fresh."""
    session.exec(
        select(User.id)
        .where(User.clinic_id == actor.clinic_id, User.role == Role.ADMIN)
        .order_by(col(User.id))
        .with_for_update()
    ).all()
    user = session.exec(
        select(User)
        .where(User.id == user_id, User.clinic_id == actor.clinic_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if user is None:
        raise NotFound("user")
    return user


def _keep_an_admin(session: Session, actor: Actor, leaving: User) -> None:
    """Refuse when ``leaving`` is the clinic's only active admin (rows already locked)."""
    others = session.exec(
        select(User.id).where(
            User.clinic_id == actor.clinic_id,
            User.role == Role.ADMIN,
            col(User.is_active).is_(True),
            User.id != leaving.id,
        )
    ).first()
    if others is None:
        raise ServiceError(LAST_ADMIN_MESSAGE)
