"""Demo data for the embedded setup: two clinics, every role, patients, a week of visits.

Loaded once, into a database with no clinics yet, and only while ``MEDREC_DEMO_DATA`` is
on (the default); production turns it off. All names are invented.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, func, select

from medrec_app.db import session_scope
from medrec_app.domain.forms import DEFAULT_TEMPLATE_SCHEMA
from medrec_app.domain.permissions import Actor, Role
from medrec_app.models import Appointment, Clinic, MedicalRecordTemplate, Patient
from medrec_app.services import accounts, uploads
from medrec_app.services.body_chart import render_body_chart
from medrec_app.services.demo_files import three_page_pdf, xray_jpeg
from medrec_app.services.records.create import MedicalRecordCreate, create_record
from medrec_app.services.templates import Artwork, add_published_template
from medrec_app.settings import get_settings

DEMO_PASSWORD = "medrec-demo-password"  # noqa: S105 - printed to the operator on purpose

CLINICS = [
    {
        "name": "Riverside Family Practice",
        "domain": "riverside.example",
        "timezone": "Europe/London",
        "first_event_id": 1001,
        "people": [
            ("admin", "Alex Admin", Role.ADMIN),
            ("dr.okafor", "Dr. Ngozi Okafor", Role.PRACTITIONER),
            ("dr.lindqvist", "Dr. Erik Lindqvist", Role.PRACTITIONER),
            ("frontdesk", "Fran Desk", Role.FRONT_DESK),
            ("auditor", "Riley Reader", Role.READ_ONLY),
        ],
        "patients": [
            ("Maria", "Garcia", date(1984, 3, 12)),
            ("James", "Whitfield", date(1957, 11, 2)),
            ("Aisha", "Rahman", date(1992, 7, 25)),
            ("Tom", "Brennan", date(2001, 1, 9)),
            ("Helen", "Achterberg", date(1966, 5, 30)),
            ("Kenji", "Watanabe", date(1978, 9, 14)),
        ],
    },
    {
        "name": "Hillcrest Physiotherapy",
        "domain": "hillcrest.example",
        "timezone": "Europe/Berlin",
        "first_event_id": 2001,
        "people": [
            ("admin", "Hana Hillcrest", Role.ADMIN),
            ("dr.moreau", "Dr. Claire Moreau", Role.PRACTITIONER),
            ("dr.ibrahim", "Dr. Samir Ibrahim", Role.PRACTITIONER),
            ("reception", "Rosa Reception", Role.FRONT_DESK),
            ("viewer", "Vic Viewer", Role.READ_ONLY),
        ],
        "patients": [
            ("Lukas", "Hoffmann", date(1990, 2, 17)),
            ("Sofia", "Rossi", date(1975, 8, 3)),
            ("Noah", "Fischer", date(2003, 12, 21)),
            ("Emma", "Novak", date(1988, 4, 6)),
            ("Oliver", "Jensen", date(1962, 10, 28)),
            ("Zara", "Kowalski", date(1999, 6, 11)),
        ],
    },
]

VISIT_HOURS = (9, 10, 11, 14, 15)
WEEK_DAYS = range(-3, 4)  # three days back to three days ahead of today

SAMPLE_FORM = {
    "chief_complaint": "Persistent knee pain after running",
    "vital_signs": {"bp": "120/80", "pulse": "72", "temperature": "36.5"},
    "assessment": "Possible patellar tendinitis, right knee",
    "treatment_plan": "Rest, ice, physiotherapy exercises twice daily",
    "notes": "Review in two weeks",
}
SAMPLE_DRAWING = {
    "lines": [
        {
            "id": "demo-line-1",
            "tool": "pen",
            "points": [205, 430, 212, 440, 220, 446, 230, 448],
            "color": "#D22B2B",
            "strokeWidth": 3,
        }
    ],
    "shapes": [
        {
            "id": "demo-circle-1",
            "type": "circle",
            "x": 200,
            "y": 452,
            "radius": 18,
            "color": "#D22B2B",
            "strokeWidth": 2,
        },
        {
            "id": "demo-text-1",
            "type": "text",
            "x": 240,
            "y": 470,
            "text": "tender",
            "color": "#1F2937",
            "strokeWidth": 16,
        },
    ],
    "stageSize": {"width": 800, "height": 600},
    "backgroundType": None,
    "backgroundFileId": None,
}


def ensure_demo_data() -> list[tuple[str, str, str]]:
    """Load the demo data if the database has no clinics; return the demo logins."""
    if not get_settings().demo_data:
        return []
    with session_scope() as session:
        loaded = session.exec(select(func.count()).select_from(Clinic)).one() == 0
        owners = [_load_clinic(session, spec) for spec in CLINICS] if loaded else []
    for front_desk, patient_id in owners:
        _load_patient_files(front_desk, patient_id)
    return [
        (role.value, f"{login}@{spec['domain']}", DEMO_PASSWORD)
        for spec in CLINICS
        for login, _name, role in spec["people"]
    ]


def _load_patient_files(front_desk: Actor, patient_id: int) -> None:
    """An x-ray and a three-page PDF for the patient, through the upload service."""
    demo_files = [
        ("knee-xray-right.jpg", xray_jpeg()),
        ("imaging-report.pdf", three_page_pdf()),
    ]
    for name, data in demo_files:
        with session_scope() as session:
            uploads.upload_patient_file(
                session,
                front_desk,
                patient_id,
                file_name=name,
                source=io.BytesIO(data),
            )


def _load_clinic(session: Session, spec: dict) -> tuple[Actor, int]:
    """Load one clinic; returns its front-desk user and the patient who gets demo files."""
    domain = spec["domain"]
    (admin_login, admin_name, _), *others = spec["people"]
    admin = accounts.create_clinic_with_admin(
        session,
        clinic_name=spec["name"],
        timezone=spec["timezone"],
        email=f"{admin_login}@{domain}",
        full_name=admin_name,
        password=DEMO_PASSWORD,
    )
    admin_actor = Actor(user_id=admin.id, clinic_id=admin.clinic_id, role=Role.ADMIN)
    users = [
        accounts.create_user(
            session,
            admin_actor,
            email=f"{login}@{domain}",
            full_name=name,
            role=role,
            password=DEMO_PASSWORD,
        )
        for login, name, role in others
    ]
    practitioners = [u for u in users if u.role == Role.PRACTITIONER]
    template = _load_template(session, admin.clinic_id)
    patients = [
        Patient(clinic_id=admin.clinic_id, first_name=f, last_name=lname, date_of_birth=dob)
        for f, lname, dob in spec["patients"]
    ]
    session.add_all(patients)
    session.flush()

    zone = ZoneInfo(spec["timezone"])
    today = datetime.now(zone).date()
    event_id = spec["first_event_id"]
    for day in WEEK_DAYS:
        for slot, hour in enumerate(VISIT_HOURS):
            starts = datetime.combine(today + timedelta(days=day), time(hour), zone)
            practitioner = practitioners[(day + slot) % len(practitioners)]
            patient = patients[(day * len(VISIT_HOURS) + slot) % len(patients)]
            session.add(
                Appointment(
                    calendar_event_id=event_id,
                    clinic_id=admin.clinic_id,
                    patient_id=patient.id,
                    practitioner_id=practitioner.id,
                    starts_at=starts.astimezone(UTC),
                )
            )
            session.flush()
            if day < 0 and slot < 2:
                actor = Actor(practitioner.id, practitioner.clinic_id, Role.PRACTITIONER)
                new = MedicalRecordCreate(
                    appointment_id=event_id,
                    template_id=template.id,
                    drawing_data=SAMPLE_DRAWING,
                    form_data=SAMPLE_FORM,
                )
                create_record(session, actor, new)
            event_id += 1
    front_desk = next(u for u in users if u.role == Role.FRONT_DESK)
    return Actor(front_desk.id, front_desk.clinic_id, Role.FRONT_DESK), patients[0].id


def _load_template(session: Session, clinic_id: int) -> MedicalRecordTemplate:
    template, _ = add_published_template(
        session,
        clinic_id,
        "General consultation",
        DEFAULT_TEMPLATE_SCHEMA,
        is_default=True,
        background=Artwork("body-chart.png", render_body_chart(), "image/png"),
    )
    return template
