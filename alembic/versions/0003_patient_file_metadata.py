"""Patient file metadata written at upload (PDF page count, thumbnail key); sign-off columns.

``medical_records.signed_at`` / ``signed_by_user_id`` are the seam for sign-off: a
signed record's files may not be deleted.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("patient_files", sa.Column("page_count", sa.Integer(), nullable=True))
    op.add_column(
        "patient_files",
        sa.Column("thumbnail_key", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    )

    op.add_column(
        "medical_records",
        sa.Column("signed_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
    )
    op.add_column("medical_records", sa.Column("signed_by_user_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_medical_records_signed_by_user_id_users"),
        "medical_records",
        "users",
        ["signed_by_user_id"],
        ["id"],
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_medical_records_signed_by_user_id_users"), "medical_records", type_="foreignkey"
    )
    op.drop_column("medical_records", "signed_by_user_id")
    op.drop_column("medical_records", "signed_at")
    op.drop_column("patient_files", "thumbnail_key")
    op.drop_column("patient_files", "page_count")
