"""Phone upload links: one-time links a phone uses to add files to one patient.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

Only the SHA-256 of a link's secret is stored. A link names its clinic, its patient and
the user who issued it (the phone acts as that user); its counters live on its row, so
the limits hold across backend workers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = postgresql.TIMESTAMP(timezone=True)


def _reference(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{table}.id"],
        name=op.f(f"fk_phone_upload_links_{column}_{table}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "phone_upload_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", TIMESTAMP, server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.Column("upload_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rate_window_started_at", TIMESTAMP, nullable=True),
        sa.Column("rate_window_count", sa.Integer(), server_default="0", nullable=False),
        _reference("clinic_id", "clinics"),
        _reference("patient_id", "patients"),
        _reference("created_by_user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_upload_links")),
        sa.UniqueConstraint("token_hash", name="uq_phone_upload_links_token_hash"),
    )
    op.create_index(
        "idx_phone_upload_links_patient", "phone_upload_links", ["patient_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("idx_phone_upload_links_patient", table_name="phone_upload_links")
    op.drop_table("phone_upload_links")
