"""Record revisions and the operation log of the record editor.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

``medical_records.revision`` counts saves. ``medical_record_ops`` keeps every edit
operation applied to a record; its unique ``(medical_record_id, op_id)`` makes a
re-sent operation (the browser re-sends until acknowledged) a no-op.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from sqlalchemy.dialects import postgresql

from alembic import op
from medrec_app.migrations import server_has_lz4

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "medical_record_ops",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("medical_record_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("op_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "op", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "applied_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["medical_record_id"],
            ["medical_records.id"],
            name=op.f("fk_medical_record_ops_medical_record_id_medical_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_medical_record_ops_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medical_record_ops")),
        sa.UniqueConstraint("medical_record_id", "op_id", name="uq_medical_record_ops_op"),
    )
    op.create_index(
        "idx_medical_record_ops_record_revision",
        "medical_record_ops",
        ["medical_record_id", "revision"],
        unique=False,
    )
    op.add_column(
        "medical_records", sa.Column("revision", sa.Integer(), server_default="0", nullable=False)
    )
    if server_has_lz4(op.get_bind()):
        op.execute("ALTER TABLE medical_record_ops ALTER COLUMN op SET COMPRESSION lz4")


def downgrade() -> None:
    op.drop_column("medical_records", "revision")
    op.drop_index("idx_medical_record_ops_record_revision", table_name="medical_record_ops")
    op.drop_table("medical_record_ops")
