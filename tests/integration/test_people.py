"""An admin's people (issue 12, item 2) on real PostgreSQL: invite with a one-time link,
change roles, disable and enable, and a clinic that never loses its last active admin,
not even to two admins demoting each other at the same moment."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlmodel import col, select

from medrec_app.db import session_scope
from medrec_app.domain.permissions import PermissionDenied, Role
from medrec_app.models import AuditEvent, User
from medrec_app.services import accounts, password_links, people, unit_of_work
from medrec_app.services.errors import NotFound, ServiceError, SignInFailed, ValidationFailed
from tests.plugins.factories import PASSWORD

NEW_PASSWORD = "granite meadow violin 3"


def sign_in(email: str, password: str) -> str:
    return unit_of_work.run(accounts.sign_in, email, password, "192.0.2.9")


def invite(admin, role: str = "practitioner", name: str = "Bo Lindqvist"):
    email = f"bo-{uuid.uuid4().hex[:8]}@clinic.example"
    return unit_of_work.run(people.invite_user, admin, email=email, full_name=name, role=role)


def role_of(user_id: int) -> tuple[str, bool]:
    with session_scope() as session:
        user = session.get(User, user_id)
        return user.role, user.is_active


def test_an_invited_colleague_sets_a_password_and_signs_in(clinic_factory) -> None:
    clinic = clinic_factory()
    invited = invite(clinic.actors[Role.ADMIN])
    assert invited.user.clinic_id == clinic.clinic_id
    with pytest.raises(SignInFailed):
        sign_in(invited.user.email, PASSWORD)
    holder = unit_of_work.run(password_links.link_holder, invited.link.secret)
    assert holder.purpose is password_links.Purpose.INVITE
    unit_of_work.run(password_links.set_password, invited.link.secret, NEW_PASSWORD, NEW_PASSWORD)
    token = sign_in(invited.user.email, NEW_PASSWORD)
    actor = unit_of_work.run(accounts.actor_for_token, token)
    assert (actor.clinic_id, actor.role) == (clinic.clinic_id, Role.PRACTITIONER)


def test_invitations_name_every_bad_field(clinic_factory) -> None:
    admin = clinic_factory().actors[Role.ADMIN]
    with pytest.raises(ValidationFailed) as refused:
        unit_of_work.run(
            people.invite_user, admin, email="bo@clinic", full_name=" ", role="superuser"
        )
    assert refused.value.messages == [
        "Name: enter a name.",
        "Email: 'bo@clinic' is not an email address (like name@clinic.example).",
        "Role: 'superuser' is not a role; choose one of admin, practitioner, front_desk, "
        "read_only.",
    ]
    with pytest.raises(PermissionDenied):
        unit_of_work.run(
            people.invite_user,
            clinic_factory().actors[Role.FRONT_DESK],
            email="bo@clinic.example",
            full_name="Bo",
            role="admin",
        )


def test_roles_change_and_the_change_is_audited(clinic_factory) -> None:
    clinic = clinic_factory()
    admin, desk = clinic.actors[Role.ADMIN], clinic.actors[Role.FRONT_DESK]
    unit_of_work.run(people.change_role, admin, desk.user_id, "practitioner")
    assert role_of(desk.user_id) == ("practitioner", True)
    with session_scope() as session:
        details = session.exec(
            select(AuditEvent.details).where(
                AuditEvent.clinic_id == clinic.clinic_id, AuditEvent.action == "user.role_change"
            )
        ).all()
    assert details == [{"user_id": desk.user_id, "from": "front_desk", "to": "practitioner"}]
    with pytest.raises(ValidationFailed):
        unit_of_work.run(people.change_role, admin, desk.user_id, "owner")
    with pytest.raises(NotFound):
        unit_of_work.run(
            people.change_role, admin, clinic_factory().actors[Role.ADMIN].user_id, "read_only"
        )


def test_the_last_active_admin_can_be_neither_demoted_nor_disabled(clinic_factory) -> None:
    clinic = clinic_factory()
    admin = clinic.actors[Role.ADMIN]
    for change in (
        lambda: unit_of_work.run(people.change_role, admin, admin.user_id, "practitioner"),
        lambda: unit_of_work.run(people.disable_user, admin, admin.user_id),
    ):
        with pytest.raises(ServiceError) as refused:
            change()
        assert str(refused.value) == people.LAST_ADMIN_MESSAGE
    assert role_of(admin.user_id) == ("admin", True)

    second = invite(admin, role="admin").user
    unit_of_work.run(people.change_role, admin, admin.user_id, "practitioner")
    assert role_of(admin.user_id) == ("practitioner", True)
    assert role_of(second.id) == ("admin", True)


def test_two_admins_demoting_each_other_at_once_leave_one_admin(clinic_factory) -> None:
    clinic = clinic_factory()
    first = clinic.actors[Role.ADMIN]
    second_user = invite(first, role="admin").user
    second = first.__class__(second_user.id, clinic.clinic_id, Role.ADMIN)
    start, outcomes = threading.Barrier(2), []

    def demote(actor, target: int) -> None:
        start.wait()
        try:
            unit_of_work.run(people.change_role, actor, target, "practitioner")
            outcomes.append("demoted")
        except ServiceError as refused:
            outcomes.append(str(refused))

    threads = [
        threading.Thread(target=demote, args=(first, second_user.id)),
        threading.Thread(target=demote, args=(second, first.user_id)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted(["demoted", people.LAST_ADMIN_MESSAGE])
    roles = [role_of(first.user_id)[0], role_of(second_user.id)[0]]
    assert sorted(roles) == ["admin", "practitioner"]


def test_a_disabled_user_is_signed_out_and_can_be_enabled_again(clinic_factory) -> None:
    clinic = clinic_factory()
    admin = clinic.actors[Role.ADMIN]
    user_id, email = clinic.actors[Role.PRACTITIONER].user_id, clinic.emails[Role.PRACTITIONER]
    token = sign_in(email, PASSWORD)
    unit_of_work.run(people.disable_user, admin, user_id)
    assert unit_of_work.run(accounts.actor_for_token, token) is None
    with pytest.raises(SignInFailed):
        sign_in(email, PASSWORD)
    unit_of_work.run(people.enable_user, admin, user_id)
    assert sign_in(email, PASSWORD)
    with session_scope() as session:
        actions = session.exec(
            select(AuditEvent.action)
            .where(
                AuditEvent.clinic_id == clinic.clinic_id,
                col(AuditEvent.action).in_(["user.disable", "user.enable"]),
            )
            .order_by(col(AuditEvent.id))
        ).all()
    assert actions == ["user.disable", "user.enable"]


def change(actor, current: str, new: str, repeated: str | None = None) -> None:
    unit_of_work.run(
        accounts.change_own_password,
        actor,
        current=current,
        new=new,
        repeated=new if repeated is None else repeated,
        ip="192.0.2.9",
    )


def test_a_user_changes_their_own_password_with_the_current_one(clinic_factory) -> None:
    clinic = clinic_factory()
    actor, email = clinic.actors[Role.FRONT_DESK], clinic.emails[Role.FRONT_DESK]
    token = sign_in(email, PASSWORD)
    for current, new, repeated, code in (
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "mismatch"),
        (PASSWORD, "qwerty123456", None, "common"),
        (PASSWORD, "too short", None, "too_short"),
    ):
        with pytest.raises(accounts.PasswordChangeRefused) as refused:
            change(actor, current, new, repeated)
        assert refused.value.code == code
    assert unit_of_work.run(accounts.actor_for_token, token) is not None  # nothing changed

    change(actor, PASSWORD, NEW_PASSWORD)
    assert unit_of_work.run(accounts.actor_for_token, token) is None  # signed out everywhere
    with pytest.raises(SignInFailed):
        sign_in(email, PASSWORD)
    assert sign_in(email, NEW_PASSWORD)
    with session_scope() as session:
        actions = session.exec(
            select(AuditEvent.action)
            .where(
                AuditEvent.user_id == actor.user_id,
                col(AuditEvent.action).like("user.password_change%"),
            )
            .order_by(col(AuditEvent.id))
        ).all()
    assert actions == ["user.password_change"]


def test_guessing_the_current_password_is_throttled_like_sign_in(clinic_factory) -> None:
    from medrec_app.services.errors import SignInDelayed

    actor = clinic_factory().actors[Role.PRACTITIONER]
    delayed = None
    for attempt in range(10):
        try:
            change(actor, f"guess number {attempt}", NEW_PASSWORD)
        except SignInDelayed as waiting:
            delayed = waiting
            break
        except accounts.PasswordChangeRefused as wrong:
            assert (wrong.code, str(wrong)) == ("wrong_current", accounts.WRONG_CURRENT)
    assert delayed is not None, "repeated wrong current passwords were never slowed down"
    with session_scope() as session:
        failed = session.exec(
            select(AuditEvent.id).where(
                AuditEvent.user_id == actor.user_id,
                AuditEvent.action == "user.password_change_failed",
            )
        ).all()
    assert len(failed) == attempt + 1  # the guess that brought the wait counts too
