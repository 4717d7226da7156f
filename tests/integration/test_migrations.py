"""Alembic: an empty database upgrades to head, matches the models, and goes back to base."""

from __future__ import annotations

import orjson
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from medrec_app import db, migrations
from medrec_app.domain.signature import signature_hash
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


def _clinic_user_patient(conn: Connection) -> tuple[int, int, int]:
    """A clinic, an admin and a patient, written in SQL (the models are the newest schema)."""
    clinic = conn.execute(text("INSERT INTO clinics (name) VALUES ('c') RETURNING id")).scalar()
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
    return clinic, user, patient


def test_file_metadata_column_upgrades_existing_files_to_empty(pg_admin_url):
    """0007 adds ``patient_files.file_metadata``; files uploaded before it read as ``{}``."""
    url = fresh_database(pg_admin_url, "medrec_migration_0007")
    engine = db.make_engine(url)
    try:
        migrations.migrate(url, "0006")
        with engine.begin() as conn:
            _, user, patient = _clinic_user_patient(conn)
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


def test_template_rows_become_versions_and_records_keep_theirs(pg_admin_url):
    """0014: rows named alike become one template's versions; a record keeps its version."""
    url = fresh_database(pg_admin_url, "medrec_migration_0014")
    engine = db.make_engine(url)
    try:
        migrations.migrate(url, "0013")
        with engine.begin() as conn:
            clinic, user, patient = _clinic_user_patient(conn)
            ids = [
                conn.execute(
                    text(
                        "INSERT INTO medical_record_templates (clinic_id, name, version, "
                        "is_default, form_schema) VALUES (:c, :n, :v, :d, :s) RETURNING id"
                    ),
                    {"c": clinic, "n": name, "v": v, "d": v == 2, "s": f'{{"v": {v}}}'},
                ).scalar()
                for name, v in (("General", 1), ("General", 2), ("Physio", 1))
            ]
            _first_visit(conn, clinic, patient, user)
            conn.execute(
                text(
                    "INSERT INTO medical_records (appointment_id, template_id, created_by_user_id)"
                    " VALUES (1, :t, :u)"
                ),
                {"t": ids[1], "u": user},
            )
        migrations.migrate(url)
        with engine.connect() as conn:
            templates = conn.execute(
                text("SELECT id, name, is_default FROM medical_record_templates ORDER BY id")
            ).all()
            versions = conn.execute(
                text(
                    "SELECT id, template_id, version, form_schema, published_at IS NOT NULL "
                    "FROM template_versions ORDER BY id"
                )
            ).all()
            record = conn.execute(
                text("SELECT template_id, template_version_id FROM medical_records")
            ).one()
        assert [tuple(t) for t in templates] == [
            (ids[0], "General", True),
            (ids[2], "Physio", False),
        ]
        assert [tuple(v) for v in versions] == [
            (ids[0], ids[0], 1, {"v": 1}, True),
            (ids[1], ids[0], 2, {"v": 2}, True),
            (ids[2], ids[2], 1, {"v": 1}, True),
        ]
        assert tuple(record) == (ids[0], ids[1])
        with (
            pytest.raises(DBAPIError, match="is published: it cannot change"),
            engine.begin() as conn,
        ):
            conn.execute(
                text("UPDATE template_versions SET form_schema = '{}' WHERE id = :i"), {"i": ids[1]}
            )
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO template_versions (template_id, version, form_schema) "
                    "VALUES (:t, 3, '{}')"
                ),
                {"t": ids[0]},
            )
        migrations.downgrade(url, "0013")
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, name, version, form_schema FROM medical_record_templates "
                    "ORDER BY name, version"
                )
            ).all()
            record_template = conn.execute(text("SELECT template_id FROM medical_records")).scalar()
        assert [(r.name, r.version, r.form_schema) for r in rows] == [
            ("General", 1, {"v": 1}),
            ("General", 2, {"v": 2}),
            ("Physio", 1, {"v": 1}),
        ]
        assert record_template == rows[1].id
    finally:
        engine.dispose()
        db.drop_database(pg_admin_url, db.database_name(url))


CLEAR_FIRST_FORM = "UPDATE medical_records SET form_data = '{}' WHERE appointment_id = 1"


def test_records_marked_signed_get_their_hash_and_then_cannot_change(pg_admin_url):
    """0016: a record marked signed by hand gets the hash of what it holds and a signer;
    from then on the database refuses changes of it; downgrading drops the hash."""
    url = fresh_database(pg_admin_url, "medrec_migration_0016")
    engine = db.make_engine(url)
    try:
        migrations.migrate(url, "0015")
        with engine.begin() as conn:
            clinic, user, patient = _clinic_user_patient(conn)
            for event in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO appointments (calendar_event_id, clinic_id, patient_id, "
                        "practitioner_id, starts_at, duration_minutes) "
                        "VALUES (:e, :c, :p, :u, now(), 30)"
                    ),
                    {"e": event, "c": clinic, "p": patient, "u": user},
                )
            conn.execute(
                text(
                    "INSERT INTO medical_records (appointment_id, created_by_user_id, form_data,"
                    " signed_at) VALUES (1, :u, '{\"a\": \"é\"}', now()), (2, :u, '{}', NULL)"
                ),
                {"u": user},
            )
        migrations.migrate(url)
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT appointment_id, signed_by_user_id, signature_sha256 "
                    "FROM medical_records ORDER BY appointment_id"
                )
            ).all()
        assert [tuple(r) for r in rows] == [
            (1, user, signature_hash({}, {"a": "é"})),
            (2, None, None),
        ]
        with (
            pytest.raises(DBAPIError, match="is signed: it cannot change"),
            engine.begin() as conn,
        ):
            conn.execute(text(CLEAR_FIRST_FORM))
        with pytest.raises(DBAPIError, match="signature_together"), engine.begin() as conn:
            conn.execute(text("UPDATE medical_records SET signed_at = now() WHERE id = 2"))
        migrations.downgrade(url, "0015")
        columns = {c["name"] for c in inspect(engine).get_columns("medical_records")}
        assert "signature_sha256" not in columns
        with engine.begin() as conn:
            conn.execute(text(CLEAR_FIRST_FORM))
    finally:
        engine.dispose()
        db.drop_database(pg_admin_url, db.database_name(url))


def test_existing_records_start_their_history_as_they_are_now(pg_admin_url):
    """0018: every record gets a revision row holding its documents as they are (created,
    when it never changed); older log rows have no known outcome; downgrading drops both."""
    url = fresh_database(pg_admin_url, "medrec_migration_0018")
    engine = db.make_engine(url)
    try:
        migrations.migrate(url, "0017")
        with engine.begin() as conn:
            clinic, user, patient = _clinic_user_patient(conn)
            for event in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO appointments (calendar_event_id, clinic_id, patient_id, "
                        "practitioner_id, starts_at, duration_minutes) "
                        "VALUES (:e, :c, :p, :u, now(), 30)"
                    ),
                    {"e": event, "c": clinic, "p": patient, "u": user},
                )
            records = (
                conn.execute(
                    text(
                        "INSERT INTO medical_records (appointment_id, created_by_user_id, "
                        "updated_by_user_id, form_data, revision) VALUES "
                        "(1, :u, NULL, '{}', 0), (2, :u, :u, '{\"plan\": \"Rest\"}', 3) "
                        "RETURNING id"
                    ),
                    {"u": user},
                )
                .scalars()
                .all()
            )
            conn.execute(
                text(
                    "INSERT INTO medical_record_ops (medical_record_id, revision, op_id, "
                    "user_id, op) VALUES (:r, 3, 'op-before-0018', :u, '{}')"
                ),
                {"r": records[1], "u": user},
            )
        migrations.migrate(url)
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT medical_record_id, revision, kind, user_id, form_data "
                    "FROM medical_record_revisions ORDER BY medical_record_id"
                )
            ).all()
            applied = conn.execute(text("SELECT applied FROM medical_record_ops")).scalars().all()
        assert [tuple(r) for r in rows] == [
            (records[0], 0, "created", user, {}),
            (records[1], 3, "kept", user, {"plan": "Rest"}),
        ]
        assert applied == [None]
        migrations.downgrade(url, "0017")
        assert "medical_record_revisions" not in inspect(engine).get_table_names()
        columns = {c["name"] for c in inspect(engine).get_columns("medical_record_ops")}
        assert "applied" not in columns
    finally:
        engine.dispose()
        db.drop_database(pg_admin_url, db.database_name(url))


def _first_visit(conn: Connection, clinic: int, patient: int, user: int) -> None:
    """Appointment 1 of ``patient`` with ``user``, now, in SQL."""
    conn.execute(
        text(
            "INSERT INTO appointments (calendar_event_id, clinic_id, patient_id, "
            "practitioner_id, starts_at, duration_minutes) VALUES (1, :c, :p, :u, now(), 30)"
        ),
        {"c": clinic, "p": patient, "u": user},
    )


def test_existing_amendments_get_an_empty_drawing_and_signed_ones_stay_frozen(pg_admin_url):
    """0019: amendments written before they could draw have an empty drawing (so their
    hashes still hold); a signed one's drawing cannot change; downgrading drops both."""
    url = fresh_database(pg_admin_url, "medrec_migration_0019")
    engine = db.make_engine(url)
    try:
        migrations.migrate(url, "0018")
        with engine.begin() as conn:
            clinic, user, patient = _clinic_user_patient(conn)
            _first_visit(conn, clinic, patient, user)
            record = conn.execute(
                text(
                    "INSERT INTO medical_records (appointment_id, created_by_user_id) "
                    "VALUES (1, :u) RETURNING id"
                ),
                {"u": user},
            ).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO record_amendments (medical_record_id, author_user_id, reason, "
                    "body, signed_at, signature_sha256) "
                    "VALUES (:r, :u, 'why', 'what', now(), repeat('a', 64))"
                ),
                {"r": record, "u": user},
            )
        migrations.migrate(url)
        with engine.connect() as conn:
            drawing = conn.execute(text("SELECT drawing_data FROM record_amendments")).scalar()
        assert drawing == {}
        with pytest.raises(DBAPIError, match="is signed"), engine.begin() as conn:
            conn.execute(text("UPDATE record_amendments SET drawing_data = '{\"lines\": []}'"))
        migrations.downgrade(url, "0018")
        assert "record_amendment_ops" not in inspect(engine).get_table_names()
        columns = {c["name"] for c in inspect(engine).get_columns("record_amendments")}
        assert "drawing_data" not in columns
    finally:
        engine.dispose()
        db.drop_database(pg_admin_url, db.database_name(url))


def test_existing_drawings_are_counted_and_a_downgrade_folds_every_tail(pg_admin_url):
    """0020: the counts of each stored drawing are filled in without moving updated_at;
    going back to 0019 writes each drawing's tail into drawing_data, so nothing drawn
    since is lost."""
    url = fresh_database(pg_admin_url, "medrec_migration_0020")
    engine = db.make_engine(url)
    stroke = {"id": "line-0001", "tool": "pen", "points": [1, 2, 3, 4, 5, 6], "color": "#000000"}
    stroke["strokeWidth"] = 3
    later = {**stroke, "id": "line-0002", "points": [7, 8, 9, 10]}
    try:
        migrations.migrate(url, "0019")
        with engine.begin() as conn:
            clinic, user, patient = _clinic_user_patient(conn)
            _first_visit(conn, clinic, patient, user)
            record = conn.execute(
                text(
                    "INSERT INTO medical_records (appointment_id, created_by_user_id, revision, "
                    "drawing_data) VALUES (1, :u, 3, CAST(:d AS jsonb)) RETURNING id"
                ),
                {"u": user, "d": orjson.dumps({"lines": [stroke, "not a line"]}).decode()},
            ).scalar_one()
            written = conn.execute(text("SELECT updated_at FROM medical_records")).scalar()
        migrations.migrate(url)
        with engine.connect() as conn:
            counted = conn.execute(
                text(
                    "SELECT drawing_revision, drawing_lines, drawing_shapes, drawing_points, "
                    "drawing_bytes > 0, tail_bytes, updated_at = :w FROM medical_records"
                ),
                {"w": written},
            ).one()
        assert tuple(counted) == (3, 2, 0, 6, True, 0, True)
        with engine.begin() as conn:  # a save that left its stroke in the tail
            conn.execute(
                text(
                    "INSERT INTO medical_record_ops (medical_record_id, revision, op_id, "
                    "user_id, op, applied) VALUES (:r, 4, 'op-00001', :u, CAST(:o AS jsonb), "
                    "true)"
                ),
                {
                    "r": record,
                    "u": user,
                    "o": orjson.dumps(
                        {"op": "addLine", "opId": "op-00001", "line": later}
                    ).decode(),
                },
            )
            conn.execute(text("UPDATE medical_records SET revision = 4, tail_bytes = 90"))
        migrations.downgrade(url, "0019")
        with engine.connect() as conn:
            drawing = conn.execute(text("SELECT drawing_data FROM medical_records")).scalar()
        assert [e["id"] for e in drawing["lines"] if isinstance(e, dict)] == [
            "line-0001",
            "line-0002",
        ]
    finally:
        engine.dispose()
        db.drop_database(pg_admin_url, db.database_name(url))
