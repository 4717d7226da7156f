"""Templates get immutable versions; a record references the exact version it was made with.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01

Issue 13: a template (``medical_record_templates``: name, description, default, archived)
has versions (``template_versions``: the form schema and background). A published version
never changes (trigger ``template_versions_frozen``); the one draft (``published_at``
null) is edited freely until published. ``medical_records.template_id`` stays the spec's
reference to the template, and ``template_version_id`` names the version, checked by a
two-column key so that it is one of that template's versions.

Until now each (clinic, name, version) was its own template row and a record named one
row. Each row becomes a published version of the template of its name (the one with the
smallest id), and records point at both. Downgrading turns versions back into rows;
unpublished drafts are dropped.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = postgresql.TIMESTAMP(timezone=True)
_TEXT = sqlmodel.sql.sqltypes.AutoString
TEMPLATES = "medical_record_templates"


def upgrade() -> None:
    _create_versions_table()
    op.add_column(TEMPLATES, sa.Column("description", _TEXT(), server_default="", nullable=False))
    op.add_column(TEMPLATES, sa.Column("archived_at", TIMESTAMP, nullable=True))
    op.add_column("medical_records", sa.Column("template_version_id", sa.Integer(), nullable=True))
    _move_rows_into_versions()
    op.drop_constraint("uq_templates_clinic_name_version", TEMPLATES, type_="unique")
    op.drop_constraint(op.f("ck_medical_record_templates_version_positive"), TEMPLATES)
    for column in ("version", "form_schema", "background_file_key", "background_file_type"):
        op.drop_column(TEMPLATES, column)
    op.create_unique_constraint("uq_templates_clinic_name", TEMPLATES, ["clinic_id", "name"])
    op.create_index(
        "uq_templates_one_default_per_clinic",
        TEMPLATES,
        ["clinic_id"],
        unique=True,
        postgresql_where=sa.text("is_default"),
    )
    op.create_foreign_key(
        "fk_medical_records_template_version",
        "medical_records",
        "template_versions",
        ["template_id", "template_version_id"],
        ["template_id", "id"],
    )
    op.create_check_constraint(
        op.f("ck_medical_records_template_and_version_together"),
        "medical_records",
        "(template_id IS NULL) = (template_version_id IS NULL)",
    )
    _create_triggers()


def _create_versions_table() -> None:
    op.create_table(
        "template_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "form_schema",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("background_file_key", _TEXT(length=500), nullable=True),
        sa.Column("background_file_type", _TEXT(length=50), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("published_at", TIMESTAMP, nullable=True),
        sa.Column("published_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", TIMESTAMP, server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("version > 0", name=op.f("ck_template_versions_version_positive")),
        sa.ForeignKeyConstraint(
            ["template_id"],
            [f"{TEMPLATES}.id"],
            name=op.f("fk_template_versions_template_id_medical_record_templates"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_template_versions_created_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["published_by_user_id"],
            ["users.id"],
            name=op.f("fk_template_versions_published_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_versions")),
        sa.UniqueConstraint("template_id", "version", name="uq_template_versions_number"),
        sa.UniqueConstraint("template_id", "id", name="uq_template_versions_template_id_id"),
    )
    op.create_index(
        "uq_template_versions_one_draft",
        "template_versions",
        ["template_id"],
        unique=True,
        postgresql_where=sa.text("published_at IS NULL"),
    )


def _move_rows_into_versions() -> None:
    """Each old row is a published version of the template of its (clinic, name)."""
    op.execute(
        """
        INSERT INTO template_versions (id, template_id, version, form_schema,
            background_file_key, background_file_type, published_at, created_at, updated_at)
        SELECT t.id, f.family_id, t.version, t.form_schema, t.background_file_key,
            t.background_file_type, t.created_at, t.created_at, t.updated_at
        FROM medical_record_templates t
        JOIN (SELECT clinic_id, name, min(id) AS family_id FROM medical_record_templates
              GROUP BY clinic_id, name) f USING (clinic_id, name)
        """
    )
    op.execute(
        "SELECT setval(pg_get_serial_sequence('template_versions', 'id'), "
        "coalesce((SELECT max(id) FROM template_versions), 0) + 1, false)"
    )
    op.execute(
        "UPDATE medical_records r SET template_version_id = r.template_id, "
        "template_id = v.template_id FROM template_versions v WHERE v.id = r.template_id"
    )
    op.execute(
        "UPDATE medical_record_templates SET is_default = true WHERE id IN (SELECT v.template_id "
        "FROM template_versions v JOIN medical_record_templates o ON o.id = v.id WHERE o.is_default)"
    )
    op.execute(
        "DELETE FROM medical_record_templates WHERE id NOT IN (SELECT template_id FROM template_versions)"
    )
    op.execute(
        "UPDATE medical_record_templates t SET is_default = false WHERE is_default AND id > "
        "(SELECT min(id) FROM medical_record_templates o WHERE o.clinic_id = t.clinic_id AND o.is_default)"
    )


def _create_triggers() -> None:
    op.execute(
        """
        CREATE FUNCTION medrec_template_version_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.published_at IS NOT NULL THEN
                RAISE EXCEPTION 'template version % is published: it cannot change', OLD.id
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER template_versions_frozen BEFORE UPDATE OR DELETE ON template_versions "
        "FOR EACH ROW EXECUTE FUNCTION medrec_template_version_frozen()"
    )
    op.execute(
        "CREATE TRIGGER template_versions_set_updated_at BEFORE UPDATE ON template_versions "
        "FOR EACH ROW EXECUTE FUNCTION medrec_set_updated_at()"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_medical_records_template_and_version_together"), "medical_records")
    op.drop_constraint("fk_medical_records_template_version", "medical_records", type_="foreignkey")
    op.drop_index("uq_templates_one_default_per_clinic", TEMPLATES)
    op.drop_constraint("uq_templates_clinic_name", TEMPLATES, type_="unique")
    op.add_column(TEMPLATES, sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.add_column(
        TEMPLATES,
        sa.Column(
            "form_schema",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
    )
    op.add_column(TEMPLATES, sa.Column("background_file_key", _TEXT(length=500), nullable=True))
    op.add_column(TEMPLATES, sa.Column("background_file_type", _TEXT(length=50), nullable=True))
    _move_versions_into_rows()
    op.alter_column(TEMPLATES, "version", server_default=None)
    op.drop_column("medical_records", "template_version_id")
    op.drop_table("template_versions")
    op.execute("DROP FUNCTION medrec_template_version_frozen()")
    for column in ("archived_at", "description"):
        op.drop_column(TEMPLATES, column)
    op.create_unique_constraint(
        "uq_templates_clinic_name_version", TEMPLATES, ["clinic_id", "name", "version"]
    )
    op.create_check_constraint(
        op.f("ck_medical_record_templates_version_positive"), TEMPLATES, "version > 0"
    )


def _move_versions_into_rows() -> None:
    """The first published version stays in the template's row; later ones get rows."""
    op.execute("DELETE FROM template_versions WHERE published_at IS NULL")
    op.execute(
        "UPDATE medical_record_templates t SET version = v.version, form_schema = v.form_schema, "
        "background_file_key = v.background_file_key, "
        "background_file_type = v.background_file_type "
        "FROM template_versions v WHERE v.template_id = t.id AND v.version = (SELECT min(w.version) FROM template_versions w WHERE w.template_id = v.template_id)"
    )
    op.execute(
        "INSERT INTO medical_record_templates (clinic_id, name, version, is_default, form_schema, "
        "background_file_key, background_file_type, created_at) "
        "SELECT t.clinic_id, t.name, v.version, false, v.form_schema, v.background_file_key, "
        "v.background_file_type, v.created_at FROM template_versions v "
        "JOIN medical_record_templates t ON t.id = v.template_id WHERE v.version > (SELECT min(w.version) FROM template_versions w WHERE w.template_id = v.template_id)"
    )
    op.execute(
        "UPDATE medical_records r SET template_id = n.id FROM template_versions v "
        "JOIN medical_record_templates o ON o.id = v.template_id JOIN medical_record_templates n "
        "ON n.clinic_id = o.clinic_id AND n.name = o.name AND n.version = v.version "
        "WHERE r.template_version_id = v.id"
    )
