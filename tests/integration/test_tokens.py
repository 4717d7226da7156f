"""API tokens in the service layer: who may issue them, what is stored, scoping."""

from __future__ import annotations

import hashlib

import pytest

from medrec_app.db import session_scope
from medrec_app.domain.permissions import PermissionDenied, Role
from medrec_app.models import ApiToken
from medrec_app.services import people, tokens
from medrec_app.services.errors import NotFound, RevisionMismatch, ValidationFailed
from medrec_app.services.records import editing


def issue(clinic, role=Role.PRACTITIONER, actor_role=Role.ADMIN, **kw):
    with session_scope() as session:
        return tokens.create_token(
            session,
            clinic.actors[actor_role],
            user_id=clinic.actors[role].user_id,
            name=kw.pop("name", "booking system"),
            **kw,
        )


def test_the_secret_is_returned_once_and_only_its_hash_is_stored(clinic_factory):
    clinic = clinic_factory(appointments=0)
    new = issue(clinic)
    assert new.secret.startswith("mrt_") and len(new.secret) > 40
    assert new.token.prefix == new.secret[:12]
    with session_scope() as session:
        row = session.get(ApiToken, new.token.id)
        stored = " ".join(str(v) for v in row.model_dump().values())
    assert new.secret not in stored
    assert row.token_hash == hashlib.sha256(new.secret.encode()).hexdigest()
    with session_scope() as session:
        check = tokens.actor_for_api_token(session, new.secret)
    assert check.actor.user_id == clinic.actors[Role.PRACTITIONER].user_id
    assert check.actor.clinic_id == clinic.clinic_id and check.actor.role == Role.PRACTITIONER
    assert check.actor.token_id == new.token.id and check.retry_after_seconds is None


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.FRONT_DESK, Role.READ_ONLY])
def test_only_admins_issue_list_and_revoke(clinic_factory, role):
    clinic = clinic_factory(appointments=0)
    token_id = issue(clinic).token.id
    with pytest.raises(PermissionDenied):
        issue(clinic, actor_role=role)
    with session_scope() as session, pytest.raises(PermissionDenied):
        tokens.list_tokens(session, clinic.actors[role])
    with session_scope() as session, pytest.raises(PermissionDenied):
        tokens.revoke_token(session, clinic.actors[role], token_id)


def test_another_clinics_users_and_tokens_are_not_found(clinic_factory):
    a, b = clinic_factory(appointments=0), clinic_factory(appointments=0)
    theirs = issue(b).token.id
    with session_scope() as session, pytest.raises(NotFound):
        tokens.create_token(
            session, a.actors[Role.ADMIN], user_id=b.actors[Role.PRACTITIONER].user_id, name="x"
        )
    with session_scope() as session, pytest.raises(NotFound):
        tokens.revoke_token(session, a.actors[Role.ADMIN], theirs)
    with session_scope() as session:
        assert theirs not in {t.id for t in tokens.list_tokens(session, a.actors[Role.ADMIN])}


def test_names_expiry_and_disabled_users_are_checked(clinic_factory):
    clinic = clinic_factory(appointments=0)
    for bad in ("", "   ", "x" * 101, "tab\there"):
        with pytest.raises(ValidationFailed):
            issue(clinic, name=bad)
    with session_scope() as session:
        people.disable_user(
            session, clinic.actors[Role.ADMIN], clinic.actors[Role.READ_ONLY].user_id
        )
    with pytest.raises(ValidationFailed):
        issue(clinic, role=Role.READ_ONLY)


def test_revoking_twice_is_harmless_and_the_token_stops(clinic_factory):
    clinic = clinic_factory(appointments=0)
    new = issue(clinic)
    for _ in range(2):
        with session_scope() as session:
            tokens.revoke_token(session, clinic.actors[Role.ADMIN], new.token.id)
    with session_scope() as session:
        assert tokens.actor_for_api_token(session, new.secret) is None
        listed = tokens.list_tokens(session, clinic.actors[Role.ADMIN])
    assert not listed[0].active and listed[0].revoked_at is not None


def test_a_save_based_on_a_stale_revision_is_refused_and_stores_nothing(clinic_factory):
    clinic = clinic_factory(appointments=1)
    actor = clinic.actors[Role.PRACTITIONER]
    with session_scope() as session:
        record_id = editing.open_for_editing(session, actor, clinic.appointment_ids[0]).record_id

    def draft(value: str, expected: int | None) -> editing.DraftSaved:
        with session_scope() as session:
            return editing.save_draft(
                session,
                actor,
                record_id,
                drawing_patch=None,
                form_patch={"notes": value},
                expected_revision=expected,
            )

    assert draft("a", expected=0).revision == 1
    with pytest.raises(RevisionMismatch) as err:
        draft("b", expected=0)
    assert err.value.current == 1
    with session_scope() as session:
        opened = editing.open_for_editing(session, actor, clinic.appointment_ids[0])
    assert opened.revision == 1 and opened.form_data == {"notes": "a"}
    assert draft("c", expected=None).revision == 2  # If-Match: * takes whatever is stored
