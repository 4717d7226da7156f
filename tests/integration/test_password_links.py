"""A real clinic's first admin, invitations and resets (issue 12, items 1-2), on real
PostgreSQL: ``cli create-clinic``, the one-time set-password link (service and page), and
the rules that keep a link to one use, one user and one day."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient

from medrec_app import cli
from medrec_app.api import build_api
from medrec_app.db import session_scope
from medrec_app.domain.permissions import PermissionDenied, Role
from medrec_app.models import AuditEvent, Clinic, PasswordLink, User
from medrec_app.services import accounts, clinic_setup, password_links, people, unit_of_work
from medrec_app.services.errors import NotFound, ServiceError, SignInFailed, ValidationFailed
from medrec_app.services.password_links import PasswordLinkRefused, Purpose
from tests.plugins.factories import PASSWORD

NEW_PASSWORD = "plum orchard lantern 42"
ORIGIN = "http://localhost:3000"


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(build_api(), base_url=ORIGIN) as test_client:
        yield test_client


def new_clinic(email: str = "", name: str = "Ana Silva") -> clinic_setup.NewClinic:
    email = email or f"ana-{datetime.now(UTC).timestamp()}@clinic.example"
    return unit_of_work.run(
        clinic_setup.create_clinic,
        name="Harbour Physio",
        timezone="Europe/Amsterdam",
        admin_email=email,
        admin_name=name,
    )


def sign_in(email: str, password: str) -> str:
    return unit_of_work.run(accounts.sign_in, email, password, "192.0.2.7")


def test_a_new_clinic_s_admin_signs_in_only_after_setting_a_password(database_url) -> None:
    made = new_clinic()
    email = made.admin.email
    with pytest.raises(SignInFailed):
        sign_in(email, PASSWORD)  # no password yet: nothing opens the account
    holder = unit_of_work.run(password_links.link_holder, made.link.secret)
    assert (holder.email, holder.full_name, holder.purpose) == (email, "Ana Silva", Purpose.INVITE)
    assert made.link.expires_at - datetime.now(UTC) > timedelta(hours=23, minutes=59)

    assert (
        unit_of_work.run(password_links.set_password, made.link.secret, NEW_PASSWORD, NEW_PASSWORD)
        == email
    )
    assert sign_in(email, NEW_PASSWORD)
    with pytest.raises(PasswordLinkRefused) as again:
        unit_of_work.run(password_links.set_password, made.link.secret, "x" * 20, "x" * 20)
    assert again.value.status == 410 and str(again.value).startswith("This link has been used")
    with session_scope() as session:
        clinic = session.get(Clinic, made.admin.clinic_id)
        stored = session.exec(select(PasswordLink.token_hash)).all()
    assert (clinic.name, clinic.timezone) == ("Harbour Physio", "Europe/Amsterdam")
    assert made.link.secret not in stored  # only its hash is kept


def test_a_refused_password_leaves_the_link_usable(database_url) -> None:
    made = new_clinic()
    secret = made.link.secret
    for password, repeated, says in (
        ("short one", "short one", "Choose a password of at least 12 characters"),
        ("welcome12345", "welcome12345", "This password is one of the most common"),
        ("AnaSilva 2026", "AnaSilva 2026", "The password must not be your name"),
        (NEW_PASSWORD, NEW_PASSWORD + "!", "The two passwords are not the same"),
    ):
        with pytest.raises(ServiceError) as refused:
            unit_of_work.run(password_links.set_password, secret, password, repeated)
        assert str(refused.value).startswith(says)
    unit_of_work.run(password_links.set_password, secret, NEW_PASSWORD, NEW_PASSWORD)
    assert sign_in(made.admin.email, NEW_PASSWORD)


def test_two_tabs_racing_one_link_set_one_password(database_url) -> None:
    made = new_clinic()
    start, results = threading.Barrier(2), []

    def use(password: str) -> None:
        start.wait()
        try:
            unit_of_work.run(password_links.set_password, made.link.secret, password, password)
            results.append(password)
        except PasswordLinkRefused as refused:
            results.append(refused.status)

    threads = [
        threading.Thread(target=use, args=(p,)) for p in (NEW_PASSWORD, "second tab lantern 77")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (winner,) = [r for r in results if isinstance(r, str)]
    assert [r for r in results if not isinstance(r, str)] == [410]
    assert sign_in(made.admin.email, winner)


def test_expired_and_unknown_links_say_so(database_url, monkeypatch) -> None:
    made = new_clinic()
    later = datetime.now(UTC) + timedelta(hours=24, seconds=1)
    monkeypatch.setattr(password_links, "_now", lambda: later)
    with pytest.raises(PasswordLinkRefused) as expired:
        unit_of_work.run(password_links.link_holder, made.link.secret)
    assert expired.value.status == 410 and "expired" in str(expired.value)
    for secret in ("mrs_not-a-real-one", "no-prefix", "mrs_" + "a" * 200, made.link.secret + "x"):
        with pytest.raises(PasswordLinkRefused) as unknown:
            unit_of_work.run(password_links.link_holder, secret)
        assert unknown.value.status == 404


def test_an_admin_s_reset_ends_the_old_password_and_sessions_at_once(clinic_factory) -> None:
    clinic = clinic_factory()
    admin, user_id = clinic.actors[Role.ADMIN], clinic.actors[Role.PRACTITIONER].user_id
    email = clinic.emails[Role.PRACTITIONER]
    token = sign_in(email, PASSWORD)

    first = unit_of_work.run(password_links.issue_password_link, admin, user_id)
    second = unit_of_work.run(password_links.issue_password_link, admin, user_id)

    assert unit_of_work.run(accounts.actor_for_token, token) is None
    with pytest.raises(SignInFailed):
        sign_in(email, PASSWORD)
    with pytest.raises(PasswordLinkRefused):  # a newer link ends the older one
        unit_of_work.run(password_links.link_holder, first.secret)
    assert unit_of_work.run(password_links.link_holder, second.secret).purpose is Purpose.RESET
    unit_of_work.run(password_links.set_password, second.secret, NEW_PASSWORD, NEW_PASSWORD)
    assert sign_in(email, NEW_PASSWORD)
    with session_scope() as session:
        audited = session.exec(
            select(AuditEvent.action, AuditEvent.user_id, AuditEvent.details)
            .where(
                col(AuditEvent.clinic_id) == clinic.clinic_id,
                col(AuditEvent.action).like("user.password%"),
            )
            .order_by(col(AuditEvent.id))
        ).all()
    assert [(a, u) for a, u, _ in audited] == [
        ("user.password_link_reset", admin.user_id),
        ("user.password_link_reset", admin.user_id),
        ("user.password_set", user_id),
    ]


def test_links_are_for_admins_of_the_user_s_own_clinic(clinic_factory) -> None:
    ours, theirs = clinic_factory(), clinic_factory()
    with pytest.raises(NotFound):
        unit_of_work.run(
            password_links.issue_password_link,
            ours.actors[Role.ADMIN],
            theirs.actors[Role.PRACTITIONER].user_id,
        )
    with pytest.raises(PermissionDenied):
        unit_of_work.run(
            password_links.issue_password_link,
            ours.actors[Role.FRONT_DESK],
            ours.actors[Role.PRACTITIONER].user_id,
        )
    with session_scope() as session:
        denied = session.exec(
            select(AuditEvent.action).where(
                col(AuditEvent.clinic_id) == ours.clinic_id,
                col(AuditEvent.action).like("%denied"),
            )
        ).all()
    assert len(denied) == 2


def test_a_disabled_user_s_link_stops_working(clinic_factory) -> None:
    clinic = clinic_factory()
    admin, user_id = clinic.actors[Role.ADMIN], clinic.actors[Role.PRACTITIONER].user_id
    link = unit_of_work.run(password_links.issue_password_link, admin, user_id)
    unit_of_work.run(people.disable_user, admin, user_id)
    with pytest.raises(PasswordLinkRefused) as refused:
        unit_of_work.run(password_links.set_password, link.secret, NEW_PASSWORD, NEW_PASSWORD)
    assert refused.value.status == 404


def test_the_page_sets_the_password_and_sends_the_person_to_sign_in(client) -> None:
    made = new_clinic()
    path = made.link.path
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "same-origin"  # its form posts to itself
    assert "no-store" in page.headers["cache-control"]
    assert made.admin.email in page.text and 'autocomplete="new-password"' in page.text

    weak = client.post(
        path,
        data={"password": "password1234", "repeated": "password1234"},
        headers={"origin": ORIGIN},
    )
    assert weak.status_code == 400 and "one of the most common passwords" in weak.text
    cross_site = client.post(
        path,
        data={"password": NEW_PASSWORD, "repeated": NEW_PASSWORD},
        headers={"origin": "https://evil.example"},
    )
    assert cross_site.status_code == 403
    done = client.post(
        path,
        data={"password": NEW_PASSWORD, "repeated": NEW_PASSWORD},
        headers={"origin": ORIGIN},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/login?password_set=1"
    used = client.get(path)
    assert used.status_code == 410 and "has been used already" in used.text
    assert client.get("/set-password/mrs_unknown").status_code == 404


def test_cli_create_clinic_prints_the_admin_s_link(database_url, capsys) -> None:
    email = f"first-admin-{datetime.now(UTC).timestamp()}@harbour.example"
    code = cli.main(
        [
            "create-clinic",
            "--name",
            "Harbour Physio",
            "--timezone",
            "Europe/Amsterdam",
            "--admin-email",
            email,
            "--admin-name",
            "Ana Silva",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0, printed
    (link,) = re.findall(r"http://\S+/set-password/(mrs_[\w-]+)", printed)
    assert "it works once, until" in printed
    unit_of_work.run(password_links.set_password, link, NEW_PASSWORD, NEW_PASSWORD)
    assert sign_in(email, NEW_PASSWORD)


def test_cli_create_clinic_names_every_bad_field_and_writes_nothing(database_url, capsys) -> None:
    with session_scope() as session:
        clinics = len(session.exec(select(Clinic.id)).all())
    code = cli.main(
        [
            "create-clinic",
            "--name",
            " ",
            "--timezone",
            "Europe/Amsterdm",
            "--admin-email",
            "ana@clinic",
            "--admin-name",
            "Ana Silva",
        ]
    )
    errors = capsys.readouterr().err
    assert code == 2
    assert "- Clinic name: enter a name." in errors
    assert "- Time zone: 'Europe/Amsterdm' is not a time zone name" in errors
    assert "- Admin email: 'ana@clinic' is not an email address" in errors
    with session_scope() as session:
        assert len(session.exec(select(Clinic.id)).all()) == clinics


def test_an_email_already_in_use_is_refused(database_url) -> None:
    made = new_clinic()
    with pytest.raises(ServiceError) as refused:
        new_clinic(email=made.admin.email)
    assert "already exists" in str(refused.value)
    assert not isinstance(refused.value, ValidationFailed) or refused.value.messages
    with session_scope() as session:
        assert session.exec(select(User).where(User.email == made.admin.email)).one()
