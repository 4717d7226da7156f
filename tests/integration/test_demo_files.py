"""The demo data gives one patient per clinic an x-ray and a three-page PDF."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from medrec_app import db
from medrec_app.db import session_scope
from medrec_app.migrations import migrate
from medrec_app.models import Patient, PatientFile
from medrec_app.services.demo import CLINICS, ensure_demo_data
from tests.plugins.database import app_database, fresh_database


def test_demo_patients_have_files(pg_admin_url: str, tmp_path: Path) -> None:
    url = fresh_database(pg_admin_url, "medrec_demo")
    try:
        migrate(url)
        with app_database(url, tmp_path):
            ensure_demo_data()
            with session_scope() as session:
                rows = session.exec(
                    select(Patient.first_name, PatientFile.file_type, PatientFile.page_count)
                    .join(Patient, Patient.id == PatientFile.patient_id)
                    .order_by(PatientFile.id)
                ).all()
                thumbnails = session.exec(select(PatientFile.thumbnail_key)).all()
    finally:
        db.drop_database(pg_admin_url, db.database_name(url))
    first_patients = [spec["patients"][0][0] for spec in CLINICS]
    assert [tuple(r) for r in rows] == [
        (name, kind, pages)
        for name in first_patients
        for kind, pages in (("image/jpeg", None), ("application/pdf", 3))
    ]
    assert all(thumbnails)
    assert len(list((tmp_path / "files" / "patients").rglob("*.thumb.webp"))) == 4
