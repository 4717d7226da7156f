"""Patient files get a JSON metadata column (first use: the hash of a repaired PDF's original).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

An upload that stores something other than the bytes received (a damaged PDF repaired
by qpdf) records what it received there: ``original_sha256`` and ``original_size``.
Existing rows get ``{}``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "patient_files",
        sa.Column(
            "file_metadata",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("patient_files", "file_metadata")
