"""Booking, rescheduling, cancelling and the calendar's upsert (issue 12, items 4 and 5) on
real PostgreSQL: the day list in the clinic's own zone, overlap warned of and never
refused, cancelled visits kept with their record, a sync that can be sent again and
again, and every field refused by name."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from medrec_app.db import session_scope
from medrec_app.domain.bookings import FIRST_LOCAL_ID
from medrec_app.domain.permissions import PermissionDenied, Role
from medrec_app.models import Appointment, AuditEvent, Clinic, Patient
from medrec_app.services import appointment_sync, appointments, bookings, unit_of_work
from medrec_app.services.errors import NotFound, ServiceError, ValidationFailed

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
_calendar_ids = iter(range(500_000, 600_000))


def in_amsterdam(clinic) -> None:
    with session_scope() as session:
        row = session.get(Clinic, clinic.clinic_id)
        row.timezone = "Europe/Amsterdam"
        session.add(row)


def book(actor, **values):
    options = {"allow_overlap": values.pop("allow_overlap", False)}
    return unit_of_work.run(bookings.book_appointment, actor, values, **options)


def visit(clinic, day: date, clock: str, minutes: int = 30, **more) -> dict:
    return {
        "patient_id": clinic.patient_ids[0],
        "practitioner_id": clinic.actors[Role.PRACTITIONER].user_id,
        "date": day.isoformat(),
        "time": clock,
        "duration_minutes": minutes,
        "visit_type": "Follow-up",
        **more,
    }


def today_there() -> date:
    return datetime.now(AMSTERDAM).date()


def test_the_front_desk_books_a_visit_on_the_clinics_clock(clinic_factory) -> None:
    clinic = clinic_factory(appointments=0)
    in_amsterdam(clinic)
    desk = clinic.actors[Role.FRONT_DESK]
    made = book(desk, **visit(clinic, today_there(), "23:30"))
    assert made.appointment_id >= FIRST_LOCAL_ID and made.booked_in == "medrec"
    assert made.starts_at.astimezone(AMSTERDAM).strftime("%H:%M") == "23:30"
    assert (made.status, made.visit_type, made.record_id) == ("booked", "Follow-up", None)

    day = unit_of_work.run(appointments.list_day, desk, today_there())
    assert [a.appointment_id for a in day.items] == [made.appointment_id]  # 23:30 is today
    tomorrow = unit_of_work.run(appointments.list_day, desk, today_there() + timedelta(days=1))
    assert tomorrow.items == []
    with session_scope() as session:
        actions = session.exec(
            select(AuditEvent.action).where(AuditEvent.appointment_id == made.appointment_id)
        ).all()
    assert actions == ["appointment.create"]


def test_the_day_list_is_in_start_order_and_a_practitioner_sees_their_own(clinic_factory):
    clinic = clinic_factory(appointments=0)
    desk, doctor = clinic.actors[Role.FRONT_DESK], clinic.actors[Role.PRACTITIONER]
    admin = clinic.actors[Role.ADMIN]  # an admin may document visits too
    day = date.today() + timedelta(days=3)
    late = book(desk, **visit(clinic, day, "15:00"))
    early = book(desk, **visit(clinic, day, "09:00"))
    theirs = book(desk, **visit(clinic, day, "10:00", practitioner_id=admin.user_id))

    mine = unit_of_work.run(appointments.list_day, doctor, day)
    assert [a.appointment_id for a in mine.items] == [early.appointment_id, late.appointment_id]
    assert mine.practitioner_id == doctor.user_id
    everyone = unit_of_work.run(appointments.list_day, doctor, day, everyone=True)
    assert [a.appointment_id for a in everyone.items] == [
        early.appointment_id,
        theirs.appointment_id,
        late.appointment_id,
    ]
    desk_view = unit_of_work.run(appointments.list_day, desk, day, practitioner_id=admin.user_id)
    assert [a.appointment_id for a in desk_view.items] == [theirs.appointment_id]
    assert {p.id for p in desk_view.practitioners} == {admin.user_id, doctor.user_id}


def test_an_overlap_is_a_warning_and_booking_anyway_works(clinic_factory) -> None:
    clinic = clinic_factory(appointments=0)
    desk = clinic.actors[Role.FRONT_DESK]
    day = date.today() + timedelta(days=1)
    first = book(desk, **visit(clinic, day, "10:00", 30))
    book(desk, **visit(clinic, day, "10:30", 30))  # back to back is no overlap
    with pytest.raises(bookings.PossibleOverlap) as warned:
        book(desk, **visit(clinic, day, "10:15", 10))
    assert [o.appointment_id for o in warned.value.overlaps] == [first.appointment_id]
    second = book(desk, **visit(clinic, day, "10:15", 10), allow_overlap=True)
    assert second.appointment_id != first.appointment_id

    unit_of_work.run(bookings.cancel_appointment, desk, first.appointment_id)
    book(desk, **visit(clinic, day, "09:50", 20))  # a cancelled visit overlaps nothing


def test_reschedule_and_cancel_keep_the_record(clinic_factory) -> None:
    clinic = clinic_factory(appointments=1)
    desk = clinic.actors[Role.FRONT_DESK]
    event_id = clinic.appointment_ids[0]
    from medrec_app.services.records.create import MedicalRecordCreate, create_record

    unit_of_work.run(
        create_record,
        clinic.actors[Role.PRACTITIONER],
        MedicalRecordCreate(appointment_id=event_id),
    )
    day = date.today() + timedelta(days=2)
    moved = unit_of_work.run(
        bookings.reschedule_appointment, desk, event_id, visit(clinic, day, "11:00", 45)
    )
    assert (moved.duration_minutes, moved.starts_at.date()) == (45, day)
    cancelled = unit_of_work.run(bookings.cancel_appointment, desk, event_id)
    assert cancelled.status == "cancelled" and cancelled.record_id is not None
    again = unit_of_work.run(bookings.cancel_appointment, desk, event_id)
    assert again.updated_at == cancelled.updated_at  # cancelling twice changes nothing
    with pytest.raises(ServiceError, match="cancelled"):
        unit_of_work.run(
            bookings.reschedule_appointment, desk, event_id, visit(clinic, day, "12:00")
        )
    listed = unit_of_work.run(appointments.list_day, desk, day)
    assert [(a.appointment_id, a.status) for a in listed.items] == [(event_id, "cancelled")]
    with session_scope() as session:
        actions = session.exec(
            select(AuditEvent.action, AuditEvent.details)
            .where(AuditEvent.appointment_id == event_id, col(AuditEvent.action).like("appo%"))
            .order_by(col(AuditEvent.id))
        ).all()
    assert [a for a, _ in actions] == ["appointment.reschedule", "appointment.cancel"]
    assert set(actions[0][1]["fields"]) == {"starts_at", "duration_minutes", "visit_type"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date": "2026-13-01"}, "Date"),
        ({"time": "25:00"}, "Time"),
        ({"duration_minutes": 0}, "Duration"),
        ({"duration_minutes": "half an hour"}, "Duration"),
        ({"duration_minutes": 600}, "Duration"),
        ({"visit_type": "x" * 81}, "Visit type"),
        ({"practitioner_id": "nobody"}, "Practitioner"),
        ({"patient_id": None}, "Patient"),
        ({"date": "2099-01-01"}, "Start"),
    ],
)
def test_bad_bookings_name_the_field_and_store_nothing(clinic_factory, change, field) -> None:
    clinic = clinic_factory(appointments=0)
    with pytest.raises(ValidationFailed) as refused:
        book(clinic.actors[Role.FRONT_DESK], **visit(clinic, date.today(), "10:00") | change)
    assert any(m.startswith(f"{field}:") for m in refused.value.messages), refused.value
    with session_scope() as session:
        assert (
            session.exec(select(Appointment).where(Appointment.clinic_id == clinic.clinic_id)).all()
            == []
        )


def test_the_hour_skipped_in_spring_is_refused(clinic_factory) -> None:
    clinic = clinic_factory(appointments=0)
    in_amsterdam(clinic)
    with pytest.raises(ValidationFailed, match="does not exist"):
        book(clinic.actors[Role.FRONT_DESK], **visit(clinic, date(2027, 3, 28), "02:30"))


def test_another_clinics_patient_practitioner_or_visit_is_not_there(clinic_factory) -> None:
    a, b = clinic_factory(appointments=0), clinic_factory(appointments=1)
    desk = a.actors[Role.FRONT_DESK]
    with pytest.raises(ValidationFailed, match="Patient: no such patient"):
        book(desk, **visit(a, date.today(), "10:00", patient_id=b.patient_ids[0]))
    with pytest.raises(ValidationFailed, match="Practitioner: no such"):
        book(
            desk,
            **visit(a, date.today(), "10:00", practitioner_id=b.actors[Role.PRACTITIONER].user_id),
        )
    with pytest.raises(NotFound):
        unit_of_work.run(bookings.cancel_appointment, desk, b.appointment_ids[0])
    with pytest.raises(NotFound):
        unit_of_work.run(
            appointments.list_day,
            desk,
            None,
            practitioner_id=b.actors[Role.PRACTITIONER].user_id,
        )
    with pytest.raises(PermissionDenied):
        book(a.actors[Role.READ_ONLY], **visit(a, date.today(), "10:00"))


def sync(actor, event_id: int, **body):
    return unit_of_work.run(appointment_sync.upsert_calendar_appointment, actor, event_id, body)


def calendar_body(clinic, starts: datetime, **more) -> dict:
    return {
        "patient_id": clinic.patient_ids[0],
        "practitioner_email": clinic.emails[Role.PRACTITIONER].upper(),
        "starts_at": starts,
        "duration_minutes": 20,
        **more,
    }


def test_the_calendar_sends_one_appointment_again_and_again(clinic_factory) -> None:
    clinic = clinic_factory(appointments=0)
    desk = clinic.actors[Role.FRONT_DESK]
    event_id = next(_calendar_ids)
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    first = sync(desk, event_id, **calendar_body(clinic, starts))
    assert (first.outcome, first.appointment.appointment_id) == ("created", event_id)
    assert first.appointment.booked_in == "calendar"
    again = sync(desk, event_id, **calendar_body(clinic, starts))
    assert again.outcome == "unchanged"
    assert again.appointment.updated_at == first.appointment.updated_at
    by_end = {"duration_minutes": None, "ends_at": starts + timedelta(minutes=50)}
    moved = sync(desk, event_id, **calendar_body(clinic, starts) | by_end)
    assert (moved.outcome, moved.appointment.duration_minutes) == ("updated", 50)
    cancelled = sync(desk, event_id, **calendar_body(clinic, starts, status="cancelled"))
    assert cancelled.appointment.status == "cancelled"
    with session_scope() as session:
        rows = session.exec(
            select(Appointment).where(Appointment.calendar_event_id == event_id)
        ).all()
    assert len(rows) == 1


def test_the_calendar_cannot_take_another_clinics_or_medrecs_ids(clinic_factory) -> None:
    a, b = clinic_factory(appointments=0), clinic_factory(appointments=1)
    desk = a.actors[Role.FRONT_DESK]
    starts = datetime.now(UTC) + timedelta(days=1)
    with pytest.raises(bookings.BookingConflict):
        sync(desk, b.appointment_ids[0], **calendar_body(a, starts))
    local = book(desk, **visit(a, date.today(), "10:00"))
    with pytest.raises(ValidationFailed, match="calendar_event_id"):
        sync(desk, local.appointment_id, **calendar_body(a, starts))
    with pytest.raises(ValidationFailed, match="ends before it starts"):
        by_end = {"duration_minutes": None, "ends_at": starts - timedelta(minutes=5)}
        sync(desk, next(_calendar_ids), **calendar_body(a, starts) | by_end)
    with pytest.raises(ValidationFailed, match="patient_external_id"):
        sync(desk, next(_calendar_ids), **calendar_body(a, starts, patient_external_id="NONE-1"))
    with session_scope() as session:
        b_row = session.get(Appointment, b.appointment_ids[0])
        assert b_row.clinic_id == b.clinic_id  # untouched


def test_a_patient_with_a_record_keeps_their_visit(clinic_factory) -> None:
    clinic = clinic_factory(appointments=0)
    desk = clinic.actors[Role.FRONT_DESK]
    event_id = next(_calendar_ids)
    starts = datetime.now(UTC) + timedelta(hours=2)
    sync(desk, event_id, **calendar_body(clinic, starts))
    from medrec_app.services.records.create import MedicalRecordCreate, create_record

    unit_of_work.run(
        create_record,
        clinic.actors[Role.PRACTITIONER],
        MedicalRecordCreate(appointment_id=event_id),
    )
    with session_scope() as session:
        other = Patient(
            clinic_id=clinic.clinic_id,
            first_name="O",
            last_name="Ther",
            date_of_birth=date(1990, 1, 1),
        )
        session.add(other)
        session.flush()
        other_id = other.id
    with pytest.raises(bookings.BookingConflict, match="has a record"):
        sync(desk, event_id, **calendar_body(clinic, starts, patient_id=other_id))


def test_two_syncs_of_one_new_appointment_at_once_make_one(clinic_factory) -> None:
    clinic = clinic_factory(appointments=0)
    desk = clinic.actors[Role.FRONT_DESK]
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    for _ in range(5):
        event_id = next(_calendar_ids)
        barrier, results = threading.Barrier(2), []

        def send(minutes: int, event_id: int = event_id, barrier=barrier, results=results):
            barrier.wait()
            body = calendar_body(clinic, starts) | {"duration_minutes": minutes}
            results.append(sync(desk, event_id, **body).outcome)

        threads = [threading.Thread(target=send, args=(m,)) for m in (20, 40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == ["created", "updated"]
        with session_scope() as session:
            stored = session.exec(
                select(Appointment).where(Appointment.calendar_event_id == event_id)
            ).all()
        assert len(stored) == 1


def test_the_day_list_at_the_ends_of_the_calendar_is_empty_not_an_error(clinic_factory) -> None:
    clinic = clinic_factory(appointments=1)
    in_amsterdam(clinic)
    desk = clinic.actors[Role.FRONT_DESK]
    for day in (date.min, date.max):
        assert unit_of_work.run(appointments.list_day, desk, day).items == []
