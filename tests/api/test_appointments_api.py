"""The booking system's appointment sync over HTTP (issue 12, item 5): PUT by calendar id
again and again without duplicates, ?since= to see what changed, DELETE that cancels and
keeps the record, and refusals that name the field."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from medrec_app.domain.permissions import Role
from medrec_app.services import patients, unit_of_work
from tests.api.support import audit_rows

_ids = itertools.count(800_001)


def body(clinic, starts: datetime, **more) -> dict:
    return {
        "patient_id": clinic.data.patient_ids[0],
        "practitioner_email": clinic.data.emails[Role.PRACTITIONER],
        "starts_at": starts.isoformat(),
        "duration_minutes": 30,
        "visit_type": "Follow-up",
        **more,
    }


def test_a_sync_sent_twice_makes_one_appointment_and_says_unchanged(api_clinic):
    clinic = api_clinic(appointments=0)
    desk = clinic[Role.FRONT_DESK]
    event_id = next(_ids)
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    before = datetime.now(UTC)

    first = desk.put(f"/appointments/{event_id}", json=body(clinic, starts))
    assert first.status_code == 201, first.text
    assert first.json()["outcome"] == "created"
    assert first.headers["cache-control"] == "private, no-store"
    again = desk.put(f"/appointments/{event_id}", json=body(clinic, starts))
    assert (again.status_code, again.json()["outcome"]) == (200, "unchanged")
    moved = desk.put(f"/appointments/{event_id}", json=body(clinic, starts + timedelta(hours=1)))
    assert moved.json()["outcome"] == "updated"

    listed = desk.get("/appointments", params={"since": before.isoformat()}).json()["items"]
    assert [a["appointment_id"] for a in listed] == [event_id]
    assert listed[0]["status"] == "booked" and listed[0]["booked_in"] == "calendar"
    later = desk.get("/appointments", params={"since": datetime.now(UTC).isoformat()})
    assert later.json()["items"] == []
    assert [row.action for row in audit_rows(appointment_id=event_id)] == [
        "appointment.create",
        "appointment.update",
    ]


def test_delete_cancels_and_keeps_the_record(api_clinic):
    clinic = api_clinic(appointments=0)
    desk, doctor = clinic[Role.FRONT_DESK], clinic[Role.PRACTITIONER]
    event_id = next(_ids)
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    assert desk.put(f"/appointments/{event_id}", json=body(clinic, starts)).status_code == 201
    made = doctor.post("/medical-records", json={"appointment_id": event_id})
    assert made.status_code == 201, made.text

    cancelled = desk.delete(f"/appointments/{event_id}")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["record_id"] == made.json()["id"]
    assert desk.delete(f"/appointments/{event_id}").json()["status"] == "cancelled"
    assert doctor.get(f"/medical-records/{made.json()['id']}").status_code == 200


def test_the_patient_by_external_id_and_overlaps_named_not_refused(api_clinic):
    clinic = api_clinic(appointments=0)
    desk = clinic[Role.FRONT_DESK]
    unit_of_work.run(
        patients.update_patient,
        clinic.data.actors[Role.FRONT_DESK],
        clinic.data.patient_ids[0],
        {
            "first_name": "Pat",
            "last_name": "Sync",
            "date_of_birth": "1980-01-01",
            "external_id": "CAL-77",
        },
    )
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    first, second = next(_ids), next(_ids)
    sent = body(clinic, starts, patient_id=None, patient_external_id="CAL-77")
    sent = {k: v for k, v in sent.items() if v is not None}
    assert desk.put(f"/appointments/{first}", json=sent).status_code == 201
    overlapping = desk.put(f"/appointments/{second}", json=sent)
    assert overlapping.status_code == 201
    assert overlapping.json()["overlapping_appointment_ids"] == [first]


def test_bad_bodies_name_the_field_and_change_nothing(api_clinic, other_clinic):
    clinic = api_clinic(appointments=0)
    desk = clinic[Role.FRONT_DESK]
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    event_id = next(_ids)
    cases = [
        (body(clinic, starts, duration_minutes=None, ends_at=starts.isoformat()), "End"),
        (body(clinic, starts) | {"starts_at": "2026-12-01T09:00:00"}, "starts_at"),
        (body(clinic, starts, practitioner_email="nobody@else.example"), "practitioner_email"),
        (body(clinic, starts, patient_id=other_clinic.data.patient_ids[0]), "Patient"),
        (body(clinic, starts, duration_minutes=0), "Duration"),
        (body(clinic, starts, status="maybe"), "status"),
    ]
    for sent, field in cases:
        sent = {k: v for k, v in sent.items() if v is not None}
        answer = desk.put(f"/appointments/{event_id}", json=sent)
        assert answer.status_code == 422, (field, answer.text)
        paths = [d["path"] + d["message"] for d in answer.json()["error"]["details"]]
        assert any(field in p for p in paths), (field, paths)
    assert desk.get("/appointments").json()["items"] == []

    taken = other_clinic.data.appointment_ids[0]
    conflict = desk.put(f"/appointments/{taken}", json=body(clinic, starts))
    assert conflict.status_code == 409
    assert "already used" in conflict.json()["error"]["message"]
    reserved = desk.put("/appointments/1000000001", json=body(clinic, starts))
    assert reserved.status_code == 422
    assert desk.delete(f"/appointments/{taken}").status_code == 404
    reader = clinic[Role.READ_ONLY]
    assert reader.put(f"/appointments/{event_id}", json=body(clinic, starts)).status_code == 403
