"""Record imports: which demo saves were imported into which record.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01

Issue 13 item 7: importing the same demo save into the same record twice creates
nothing new. The content hash of each imported save is kept per record, unique, so a
second import (or two at once) finds it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("medical_record_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("saved_at", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("imported_by_user_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["medical_record_id"],
            ["medical_records.id"],
            name=op.f("fk_record_imports_medical_record_id_medical_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["imported_by_user_id"],
            ["users.id"],
            name=op.f("fk_record_imports_imported_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_imports")),
        sa.UniqueConstraint("medical_record_id", "content_hash", name="uq_record_imports_content"),
    )


def downgrade() -> None:
    op.drop_table("record_imports")
