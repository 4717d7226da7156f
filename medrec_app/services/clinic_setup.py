"""A real clinic's first step: the clinic and its first admin, without demo data.

``cli create-clinic`` calls :func:`create_clinic`; the admin gets no password, only a
one-time link (``services/password_links``) where they set one. Every field is checked
first and all problems are named together; nothing is written unless all pass.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from medrec_app.domain.people import email_problem, name_problem, timezone_problem
from medrec_app.models import UserPublic
from medrec_app.services import password_links
from medrec_app.services.accounts import create_clinic_with_admin
from medrec_app.services.errors import ValidationFailed


@dataclass(frozen=True)
class NewClinic:
    admin: UserPublic
    link: password_links.NewPasswordLink


def create_clinic(
    session: Session, *, name: str, timezone: str, admin_email: str, admin_name: str
) -> NewClinic:
    problems = [
        problem
        for problem in (
            name_problem(name, "Clinic name"),
            timezone_problem(timezone),
            email_problem(admin_email, "Admin email"),
            name_problem(admin_name, "Admin name"),
        )
        if problem
    ]
    if problems:
        raise ValidationFailed(problems)
    admin = create_clinic_with_admin(
        session,
        clinic_name=name,
        timezone=timezone,
        email=admin_email,
        full_name=admin_name,
        password=None,
    )
    return NewClinic(admin, password_links.issue_first_admin_link(session, admin.id))
