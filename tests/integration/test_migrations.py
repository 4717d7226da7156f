"""Alembic: an empty database upgrades to head, matches the models, and goes back to base."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from medrec_app import db, migrations
from tests.plugins.database import fresh_database

SPEC_TABLES = {
    "medical_records",
    "patient_files",
    "medical_record_files",
    "clinics",
    "users",
    "patients",
    "appointments",
    "medical_record_templates",
    "audit_events",
}


def test_upgrade_empty_database_to_head_and_back_to_base(pg_admin_url):
    url = fresh_database(pg_admin_url, "medrec_migrations")
    engine = db.make_engine(url)
    try:
        migrations.migrate(url)
        assert set(inspect(engine).get_table_names()) >= SPEC_TABLES
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "compare_server_default": True,
                    "include_object": migrations.include_object,
                },
            )
            assert compare_metadata(context, SQLModel.metadata) == []

        migrations.downgrade(url)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        with engine.connect() as conn:
            leftovers = conn.execute(
                text("SELECT proname FROM pg_proc WHERE proname LIKE 'medrec_%'")
            ).all()
        assert leftovers == []

        migrations.migrate(url)
        assert set(inspect(engine).get_table_names()) >= SPEC_TABLES
    finally:
        engine.dispose()
        db.drop_database(pg_admin_url, db.database_name(url))


def test_file_metadata_column_upgrades_existing_files_to_empty(pg_admin_url):
    """0007 adds ``patient_files.file_metadata``; files uploaded before it read as ``{}``."""
    url = fresh_database(pg_admin_url, "medrec_migration_0007")
    engine = db.make_engine(url)
    try:
        migrations.migrate(url, "0006")
        with engine.begin() as conn:
            clinic = conn.execute(
                text("INSERT INTO clinics (name) VALUES ('c') RETURNING id")
            ).scalar()
            user = conn.execute(
                text(
                    "INSERT INTO users (clinic_id, email, password_hash, full_name, role, "
                    "is_active) VALUES (:c, 'u@example.org', 'x', 'U', 'admin', true) RETURNING id"
                ),
                {"c": clinic},
            ).scalar()
            patient = conn.execute(
                text(
                    "INSERT INTO patients (clinic_id, first_name, last_name, date_of_birth) "
                    "VALUES (:c, 'A', 'B', '2000-01-01') RETURNING id"
                ),
                {"c": clinic},
            ).scalar()
            conn.execute(
                text(
                    "INSERT INTO patient_files (patient_id, file_name, file_type, file_size, "
                    "s3_key, s3_bucket, uploaded_by_user_id) "
                    "VALUES (:p, 'a.pdf', 'application/pdf', 1, 'k', 'b', :u)"
                ),
                {"p": patient, "u": user},
            )
        migrations.migrate(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT file_metadata FROM patient_files")).scalar() == {}
        migrations.downgrade(url, "0006")
        columns = {c["name"] for c in inspect(engine).get_columns("patient_files")}
        assert "file_metadata" not in columns
    finally:
        engine.dispose()
        db.drop_database(pg_admin_url, db.database_name(url))
