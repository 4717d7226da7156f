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
