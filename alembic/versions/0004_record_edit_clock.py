"""The record's edit clock: when each element last changed, so the newer change wins.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

See ``medrec_app/domain/conflicts.py``. Existing records start with an empty clock:
their next change to an element wins, as it did before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "medical_records",
        sa.Column(
            "edit_clock",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("medical_records", "edit_clock")
