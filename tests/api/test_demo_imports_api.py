"""``POST /api/demo-imports`` over HTTP, as the import page's widget sends it: an
export's outcome answers 200 whether imported or refused; the request's own problems
(not an admin, not signed in, no file part) are HTTP errors."""

from __future__ import annotations

from medrec_app.domain.permissions import Role
from tests.demo_exports import export_text, saved_state


def send(client, name: str, data: bytes, **params):
    return client.post("/demo-imports", params=params, files={"file": (name, data)})


def test_one_export_imported_then_skipped_and_a_bad_one_refused(clinic) -> None:
    admin = clinic[Role.ADMIN]
    visit, other = clinic.take_appointment(), clinic.take_appointment()
    good = export_text(saved_state(seed=71, lines=3, shapes=1)).encode()

    first = send(admin, "chart.json", good, appointment_id=visit)
    again = send(admin, "chart.json", good, appointment_id=visit)
    by_name = send(admin, f"{other}-knee.json", b'{"lines": []}')

    assert first.status_code == 200, first.text
    assert first.json()["outcome"] == "imported"
    assert first.json()["reason"] == "imported 3 line(s), 1 shape(s) into a new record"
    assert (again.status_code, again.json()["outcome"]) == (200, "duplicate")
    assert by_name.status_code == 200
    refused = by_name.json()
    assert (refused["appointment_id"], refused["outcome"]) == (other, "refused")
    assert refused["reason"].startswith("shapes: is missing")


def test_a_file_named_after_no_visit_and_a_visit_of_another_clinic(clinic, other_clinic) -> None:
    admin = clinic[Role.ADMIN]
    good = export_text(saved_state(seed=72)).encode()
    unnamed = send(admin, "chart.json", good).json()
    theirs = send(admin, "x.json", good, appointment_id=other_clinic.take_appointment()).json()
    assert (unnamed["outcome"], unnamed["appointment_id"]) == ("refused", None)
    assert unnamed["reason"].startswith("no appointment: choose one, or name the file")
    assert (theirs["outcome"], theirs["reason"]) == ("refused", "The appointment was not found.")


def test_only_admins_and_only_with_a_file(clinic, anonymous) -> None:
    good = export_text(saved_state(seed=73)).encode()
    visit = clinic.take_appointment()
    practitioner = send(clinic[Role.PRACTITIONER], "a.json", good, appointment_id=visit)
    nobody = send(anonymous, "a.json", good, appointment_id=visit)
    no_file = clinic[Role.ADMIN].post("/demo-imports", data={"x": "1"}, files={"y": ("a", b"")})
    assert practitioner.status_code == 403
    assert "may not import records" in practitioner.json()["error"]["message"]
    assert nobody.status_code == 401
    assert no_file.status_code == 400
