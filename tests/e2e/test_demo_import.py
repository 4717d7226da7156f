"""The admin's import page in the browser: two demo exports dropped at once, each named
after its visit; the good one becomes the visit's record, the bad one is refused with
its reason, and the result table says so."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text
from sqlmodel import Session

from medrec_app.domain.forms import DEFAULT_TEMPLATE_SCHEMA
from medrec_app.domain.permissions import Actor, Role
from medrec_app.models import Appointment, MedicalRecordTemplate, Patient
from medrec_app.services import accounts
from medrec_app.services.demo import DEMO_PASSWORD
from tests.demo_exports import export_text, saved_state
from tests.e2e.test_patients import pick_files
from tests.e2e.test_sign_in import sign_in
from tests.file_samples import png_bytes


@dataclass
class ImportClinic:
    admin: str
    practitioner: str
    visits: list[int]


@pytest.fixture
def import_clinic(app_server) -> ImportClinic:
    """A clinic of its own (the demo clinic's lists stay as other tests expect them): an
    admin, a practitioner, a patient with two visits and no records."""
    tag = uuid.uuid4().hex[:8]
    domain = f"import-{tag}.example"
    with Session(app_server.db) as session:
        admin = accounts.create_clinic_with_admin(
            session,
            clinic_name=f"Importing clinic {tag}",
            email=f"admin@{domain}",
            full_name="Ida Importer",
            password=DEMO_PASSWORD,
        )
        doctor = accounts.create_user(
            session,
            Actor(admin.id, admin.clinic_id, Role.ADMIN),
            email=f"doctor@{domain}",
            full_name="Dr. Demo Mover",
            role=Role.PRACTITIONER,
            password=DEMO_PASSWORD,
        )
        patient = Patient(
            clinic_id=admin.clinic_id,
            first_name="Imre",
            last_name=f"Port{tag}",
            date_of_birth=date(1975, 6, 7),
        )
        template = MedicalRecordTemplate(
            clinic_id=admin.clinic_id,
            name="General consultation",
            is_default=True,
            form_schema=DEFAULT_TEMPLATE_SCHEMA.to_document(),
        )
        session.add_all([patient, template])
        session.flush()
        visits = [810_000_000 + uuid.uuid4().int % 89_999_999 for _ in range(2)]
        for days, visit in enumerate(visits):
            session.add(
                Appointment(
                    calendar_event_id=visit,
                    clinic_id=admin.clinic_id,
                    patient_id=patient.id,
                    practitioner_id=doctor.id,
                    starts_at=datetime.now(UTC) - timedelta(days=days),
                )
            )
        session.commit()
        return ImportClinic(admin.email, doctor.email, visits)


def exports(clinic: ImportClinic) -> list[tuple[str, str, bytes]]:
    good = saved_state(seed=41, lines=4, shapes=2, image=("image/png", png_bytes()))
    bad = export_text(saved_state(seed=42, lines=1)).replace('"points":[', '"points":[NaN,0,', 1)
    first, second = clinic.visits
    return [
        (f"{first}.json", "application/json", export_text(good).encode()),
        (f"{second}.json", "application/json", bad.encode()),
    ]


def test_two_exports_one_imported_one_refused_with_its_reason(
    page: Page, app_server, import_clinic: ImportClinic
) -> None:
    sign_in(page, import_clinic.admin)
    page.get_by_test_id("nav-import").click()
    expect(page.get_by_test_id("upload-choose")).to_be_visible()
    first, second = import_clinic.visits

    pick_files(page, exports(import_clinic))

    rows = page.get_by_test_id("import-row")
    expect(rows).to_have_count(2)
    good = rows.filter(has_text=f"{first}.json")
    bad = rows.filter(has_text=f"{second}.json")
    expect(good.get_by_test_id("import-outcome")).to_have_text("Imported")
    expect(good.get_by_test_id("import-reason")).to_contain_text(
        "imported 4 line(s), 2 shape(s), image background into a new record"
    )
    expect(bad.get_by_test_id("import-outcome")).to_have_text("Refused")
    expect(bad.get_by_test_id("import-reason")).to_have_text(
        "lines[0].points: value [0] must be a finite number, not nan"
    )
    with app_server.db.connect() as conn:
        records = dict(
            conn.execute(
                text(
                    "SELECT appointment_id, jsonb_array_length(drawing_data->'lines') "
                    "FROM medical_records WHERE appointment_id = ANY(:ids)"
                ),
                {"ids": import_clinic.visits},
            ).all()
        )
    assert records == {first: 4}, "the refused export left no record behind"


def test_the_import_page_is_for_admins(page: Page, import_clinic: ImportClinic) -> None:
    sign_in(page, import_clinic.practitioner)
    expect(page.get_by_test_id("nav-appointments")).to_be_visible()
    expect(page.get_by_test_id("nav-import")).to_have_count(0)
    page.goto("/admin/import")
    expect(page.get_by_test_id("not-allowed")).to_be_visible()
    expect(page.get_by_test_id("upload-choose")).to_have_count(0)
