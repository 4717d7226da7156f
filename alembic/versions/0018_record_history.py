"""Record history: a row per revision, and which logged operations were applied.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02

Issue 14 item 7: a record's History panel shows the drawing and form as they were at
any revision. Until now the operation log also held operations that lost to a newer
edit, and a record's starting documents (created by the editor, the REST API, the
importer or the demo data) were in no log, so no replay could rebuild a revision.

- ``medical_record_ops.applied``: true for an operation that changed the documents (as
  applied), false for one logged only so a re-send is skipped; null for every row
  written before this migration (nobody knows which).
- ``medical_record_revisions``: one row per revision from now on (kind, who, when, the
  template version), with the documents only where they did not come from operations:
  the record as created, and here, for every existing record, the record as it is now
  ("kept"; "created" when it was never changed). Revisions before that are listed from
  the operation log but shown as not kept.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from sqlalchemy.dialects import postgresql

from alembic import op
from medrec_app.migrations import server_has_lz4

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "medical_record_revisions"


def upgrade() -> None:
    op.add_column("medical_record_ops", sa.Column("applied", sa.Boolean(), nullable=True))
    op.create_table(
        TABLE,
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("medical_record_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("template_version_id", sa.Integer(), nullable=True),
        sa.Column("drawing_data", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("form_data", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "created_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(drawing_data IS NULL) = (form_data IS NULL)",
            name=op.f("ck_medical_record_revisions_documents_together"),
        ),
        sa.ForeignKeyConstraint(
            ["medical_record_id"],
            ["medical_records.id"],
            name=op.f("fk_medical_record_revisions_medical_record_id_medical_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["template_version_id"],
            ["template_versions.id"],
            name=op.f("fk_medical_record_revisions_template_version_id_template_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_medical_record_revisions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medical_record_revisions")),
        sa.UniqueConstraint(
            "medical_record_id", "revision", name="uq_medical_record_revisions_rev"
        ),
    )
    if server_has_lz4(op.get_bind()):
        for column in ("drawing_data", "form_data"):
            op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN {column} SET COMPRESSION lz4")
    # Every record as it is now: the point its history starts from.
    op.execute(
        """
        INSERT INTO medical_record_revisions (medical_record_id, revision, kind, user_id,
            template_version_id, drawing_data, form_data, created_at)
        SELECT id, revision,
               CASE WHEN revision = 0 THEN 'created' ELSE 'kept' END,
               CASE WHEN revision = 0 THEN created_by_user_id
                    ELSE COALESCE(updated_by_user_id, created_by_user_id) END,
               template_version_id, drawing_data, form_data,
               CASE WHEN revision = 0 THEN created_at ELSE now() END
        FROM medical_records
        """
    )


def downgrade() -> None:
    op.drop_table(TABLE)
    op.drop_column("medical_record_ops", "applied")
