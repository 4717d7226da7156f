"""The audit CSV export over HTTP: the session cookie, the role, the download headers."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from medrec_app.db import session_scope
from medrec_app.domain.permissions import Role
from medrec_app.services import accounts
from tests.api.support import audit_rows
from tests.plugins.factories import PASSWORD

PATH = "/exports/audit.csv"


def _browser(api_server, clinic, role: Role) -> httpx.Client:
    with session_scope() as session:
        cookie = accounts.sign_in(session, clinic.data.emails[role], PASSWORD, "")
    return httpx.Client(base_url=api_server.url, cookies={accounts.SESSION_COOKIE: cookie})


@pytest.mark.parametrize("role", [Role.ADMIN, Role.READ_ONLY])
def test_admins_and_auditors_download_the_filtered_trail(api_server, clinic, role):
    patient = clinic.data.patient_ids[0]
    clinic[Role.PRACTITIONER].get(f"/patients/{patient}/files").raise_for_status()
    with _browser(api_server, clinic, role) as browser:
        answer = browser.get(PATH, params={"patient": patient, "action": "patient."})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == 'attachment; filename="medrec-audit.csv"'
    assert "no-store" in answer.headers["cache-control"]
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows and {r["patient_id"] for r in rows} == {str(patient)}
    listed = [r for r in rows if r["action"] == "patient.files_list"]
    assert listed and listed[0]["user_id"] == str(clinic.data.actors[Role.PRACTITIONER].user_id)
    assert "Pat" not in answer.text  # patient ids only, never names
    [export] = audit_rows(user_id=clinic.data.actors[role].user_id, action="audit.export")[-1:]
    assert export.details["patient_id"] == patient and export.details["action"] == "patient."


def test_other_roles_are_refused_and_the_refusal_is_audited(api_server, clinic):
    desk = clinic.data.actors[Role.FRONT_DESK].user_id
    before = len(audit_rows(user_id=desk, action="view_audit.denied"))
    with _browser(api_server, clinic, Role.FRONT_DESK) as browser:
        answer = browser.get(PATH)
    assert answer.status_code == 403
    assert "may not view the audit log" in answer.text
    assert "text/csv" not in answer.headers["content-type"]
    assert len(audit_rows(user_id=desk, action="view_audit.denied")) == before + 1


def test_bad_filters_are_named_and_signed_out_browsers_sign_in(api_server, clinic):
    with _browser(api_server, clinic, Role.ADMIN) as browser:
        bad = browser.get(PATH, params={"from": "2026-03-05", "to": "2026-03-01"})
        other = browser.get(PATH, params={"user": "2147483647"})
    assert bad.status_code == 422 and "To: the last day is before the first day" in bad.text
    assert other.status_code == 404 and "The user was not found." in other.text
    with httpx.Client(base_url=api_server.url) as anonymous:
        answer = anonymous.get(PATH)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
