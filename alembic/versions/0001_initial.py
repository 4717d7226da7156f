"""Initial schema: the spec's tables, the tables they refer to, and database-side rules.

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Beyond what autogenerate writes, this revision adds:
- ``idx_medical_records_drawing_data``: the spec names a GIN index on ``drawing_data`` for
  queries such as ``drawing_data->'shapes' @> '[{"type": "circle"}]'``. A plain GIN index
  on the whole column is never used by that ``->'shapes'`` query and indexes every point
  coordinate (measured by benchmarks/gin_index.py: a 206 MB index against 13 MB, twice the
  WAL and 1.28x the latency per 100 KB save). The index is therefore GIN
  ``jsonb_path_ops`` on the expression ``(drawing_data -> 'shapes')``: it serves the
  spec's query and leaves the bulky ``lines`` out.
- ``idx_medical_records_form_data``: GIN ``jsonb_path_ops`` on ``form_data``.
- lz4 TOAST compression for the JSONB columns where the server was built with lz4.
- ``medrec_set_updated_at()``: ``updated_at`` moves on every UPDATE, however it is written.
- ``medrec_audit_append_only()``: the database refuses UPDATE, DELETE and TRUNCATE on
  ``audit_events``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from sqlalchemy.dialects import postgresql

from alembic import op
from medrec_app.migrations import server_has_lz4

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clinics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "timezone",
            sqlmodel.sql.sqltypes.AutoString(length=64),
            server_default="UTC",
            nullable=False,
        ),
        sa.Column(
            "created_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinics")),
    )
    op.create_table(
        "login_throttle",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("locked_until", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.create_table(
        "medical_record_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column(
            "form_schema",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "background_file_key", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True
        ),
        sa.Column(
            "background_file_type", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True
        ),
        sa.Column(
            "created_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "version > 0", name=op.f("ck_medical_record_templates_version_positive")
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_medical_record_templates_clinic_id_clinics"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medical_record_templates")),
        sa.UniqueConstraint(
            "clinic_id", "name", "version", name="uq_templates_clinic_name_version"
        ),
    )
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("first_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("last_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column(
            "created_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_patients_clinic_id_clinics"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
    )
    op.create_index(
        "idx_patients_clinic_name",
        "patients",
        ["clinic_id", "last_name", "first_name"],
        unique=False,
    )
    op.create_table(
        "users",
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("full_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column(
            "created_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "role IN ('admin', 'practitioner', 'front_desk', 'read_only')",
            name=op.f("ck_users_role"),
        ),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_users_email_lowercase")),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_users_clinic_id_clinics"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_index("idx_users_clinic", "users", ["clinic_id"], unique=False)
    op.create_table(
        "appointments",
        sa.Column("calendar_event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("duration_minutes > 0", name=op.f("ck_appointments_duration_positive")),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_appointments_clinic_id_clinics"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_appointments_patient_id_patients"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["practitioner_id"],
            ["users.id"],
            name=op.f("fk_appointments_practitioner_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("calendar_event_id", name=op.f("pk_appointments")),
    )
    op.create_index(
        "idx_appointments_clinic_start", "appointments", ["clinic_id", "starts_at"], unique=False
    )
    op.create_index("idx_appointments_patient", "appointments", ["patient_id"], unique=False)
    op.create_index(
        "idx_appointments_practitioner", "appointments", ["practitioner_id"], unique=False
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column(
            "occurred_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("clinic_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=True),
        sa.Column("ip", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column(
            "details", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_audit_events_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_events_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(
        "idx_audit_events_clinic_time", "audit_events", ["clinic_id", "occurred_at"], unique=False
    )
    op.create_index("idx_audit_events_record", "audit_events", ["record_id"], unique=False)
    op.create_index(
        "idx_audit_events_user_time", "audit_events", ["user_id", "occurred_at"], unique=False
    )
    op.create_table(
        "patient_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("file_type", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("file_size", sa.Integer(), nullable=False),
        sa.Column("s3_key", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("s3_bucket", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("uploaded_by_user_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("file_size >= 0", name=op.f("ck_patient_files_file_size_nonnegative")),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_patient_files_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_user_id"],
            ["users.id"],
            name=op.f("fk_patient_files_uploaded_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_files")),
        sa.UniqueConstraint("s3_key", name="uq_patient_files_s3_key"),
    )
    op.create_index("idx_patient_files_created_at", "patient_files", ["created_at"], unique=False)
    op.create_index("idx_patient_files_patient", "patient_files", ["patient_id"], unique=False)
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "created_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_seen_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("expires_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("revoked_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name="uq_user_sessions_token_hash"),
    )
    op.create_index("idx_user_sessions_user", "user_sessions", ["user_id"], unique=False)
    op.create_table(
        "medical_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column(
            "drawing_data",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "form_data",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("created_by_user_id", sa.Integer(), nullable=False),
        sa.Column("updated_by_user_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.calendar_event_id"],
            name=op.f("fk_medical_records_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_medical_records_created_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["medical_record_templates.id"],
            name=op.f("fk_medical_records_template_id_medical_record_templates"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_user_id"],
            ["users.id"],
            name=op.f("fk_medical_records_updated_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medical_records")),
    )
    op.create_index(
        "idx_medical_records_appointment", "medical_records", ["appointment_id"], unique=True
    )
    op.create_index(
        "idx_medical_records_created_at", "medical_records", ["created_at"], unique=False
    )
    op.create_table(
        "medical_record_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("medical_record_id", sa.Integer(), nullable=False),
        sa.Column("patient_file_id", sa.Integer(), nullable=False),
        sa.Column(
            "file_role",
            sqlmodel.sql.sqltypes.AutoString(length=50),
            server_default="attachment",
            nullable=False,
        ),
        sa.Column(
            "created_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "file_role IN ('background', 'attachment', 'export')",
            name=op.f("ck_medical_record_files_file_role"),
        ),
        sa.ForeignKeyConstraint(
            ["medical_record_id"],
            ["medical_records.id"],
            name=op.f("fk_medical_record_files_medical_record_id_medical_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["patient_file_id"],
            ["patient_files.id"],
            name=op.f("fk_medical_record_files_patient_file_id_patient_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medical_record_files")),
        sa.UniqueConstraint(
            "medical_record_id", "patient_file_id", "file_role", name="uq_medical_record_files_link"
        ),
    )
    op.create_index(
        "idx_medical_record_files_file", "medical_record_files", ["patient_file_id"], unique=False
    )
    op.create_index(
        "idx_medical_record_files_record",
        "medical_record_files",
        ["medical_record_id"],
        unique=False,
    )
    _create_database_rules()


UPDATED_AT_TABLES = ("users", "medical_record_templates", "medical_records")
JSONB_COLUMNS = (
    ("medical_records", "drawing_data"),
    ("medical_records", "form_data"),
    ("medical_record_templates", "form_schema"),
)


def _create_database_rules() -> None:
    op.execute(
        "CREATE INDEX idx_medical_records_drawing_data ON medical_records "
        "USING gin ((drawing_data -> 'shapes') jsonb_path_ops)"
    )
    op.execute(
        "CREATE INDEX idx_medical_records_form_data ON medical_records "
        "USING gin (form_data jsonb_path_ops)"
    )
    if server_has_lz4(op.get_bind()):
        for table, column in JSONB_COLUMNS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4")

    op.execute(
        """
        CREATE FUNCTION medrec_set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.updated_at := clock_timestamp();
            RETURN NEW;
        END $$
        """
    )
    for table in UPDATED_AT_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_set_updated_at BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION medrec_set_updated_at()"
        )

    op.execute(
        """
        CREATE FUNCTION medrec_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION medrec_audit_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION medrec_audit_append_only()"
    )


def downgrade() -> None:
    op.drop_index("idx_medical_records_form_data", table_name="medical_records")
    op.drop_index("idx_medical_records_drawing_data", table_name="medical_records")
    op.drop_index("idx_medical_record_files_record", table_name="medical_record_files")
    op.drop_index("idx_medical_record_files_file", table_name="medical_record_files")
    op.drop_table("medical_record_files")
    op.drop_index("idx_medical_records_created_at", table_name="medical_records")
    op.drop_index("idx_medical_records_appointment", table_name="medical_records")
    op.drop_table("medical_records")
    op.drop_index("idx_user_sessions_user", table_name="user_sessions")
    op.drop_table("user_sessions")
    op.drop_index("idx_patient_files_patient", table_name="patient_files")
    op.drop_index("idx_patient_files_created_at", table_name="patient_files")
    op.drop_table("patient_files")
    op.drop_index("idx_audit_events_user_time", table_name="audit_events")
    op.drop_index("idx_audit_events_record", table_name="audit_events")
    op.drop_index("idx_audit_events_clinic_time", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index("idx_appointments_practitioner", table_name="appointments")
    op.drop_index("idx_appointments_patient", table_name="appointments")
    op.drop_index("idx_appointments_clinic_start", table_name="appointments")
    op.drop_table("appointments")
    op.drop_index("idx_users_clinic", table_name="users")
    op.drop_table("users")
    op.drop_index("idx_patients_clinic_name", table_name="patients")
    op.drop_table("patients")
    op.drop_table("medical_record_templates")
    op.drop_table("login_throttle")
    op.drop_table("clinics")
    op.execute("DROP FUNCTION medrec_audit_append_only()")
    op.execute("DROP FUNCTION medrec_set_updated_at()")
