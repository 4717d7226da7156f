"""Patient file metadata written at upload: PDF page count and thumbnail key.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

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


def downgrade() -> None:
    op.drop_column("patient_files", "thumbnail_key")
    op.drop_column("patient_files", "page_count")
